package dev.meter.redis;

import dev.meter.api.Limits;
import dev.meter.api.Rate;

/**
 * The limits as the acquire script takes them, computed once per change of the limits: the rate's
 * interval rounded up to whole microseconds (the server's clock; rounding up keeps the rate at or
 * below the one set), the burst's tolerance, the slots (0: none) and the lease time.
 */
record AskArguments(Limits limits, long intervalMicros, long toleranceMicros, int slots, long leaseMicros) {

  static AskArguments of(Limits limits, long leaseMicros) {
    Rate rate = limits.rate();
    long interval = rate == null ? 0 : Math.max(1, (rate.intervalNanos() + 999) / 1_000);
    long tolerance = (limits.maxBurst() - 1) * interval;
    int slots = limits.maxAtOnce() == Limits.UNLIMITED ? 0 : limits.maxAtOnce();
    return new AskArguments(limits, interval, tolerance, slots, leaseMicros);
  }

  /** Whether a start takes a lease (there is a max-at-once). */
  boolean leased() {
    return slots > 0;
  }

  String[] acquire(String leaseId) {
    return new String[] {
        Long.toString(intervalMicros), Long.toString(toleranceMicros), Integer.toString(slots),
        Long.toString(leaseMicros), leaseId};
  }
}
