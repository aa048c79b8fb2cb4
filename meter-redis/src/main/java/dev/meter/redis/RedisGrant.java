package dev.meter.redis;

import dev.meter.api.spi.Limiter;
import org.jspecify.annotations.Nullable;

/**
 * One start the quota in Redis granted: what it booked (to refund it exactly if the start never comes)
 * and its lease (to release or renew). It waits in its {@link Quota}'s ready list from the reply until a
 * start claims it, and is the permit the run hands back when the task settles.
 */
final class RedisGrant implements Limiter.Permit {
  final Quota quota;
  /** The lease's member in the leases set; null when the quota has no max-at-once. */
  final @Nullable String leaseId;
  /** When the server granted it, by its clock (microseconds). */
  final long grantedAtMicros;
  /** The rate's tat before and after this grant (-1: none), for an exact refund. */
  final long tatBefore;
  final long tatBooked;
  /** When the reply arrived, by this JVM's clock: a grant no start claims soon is given back. */
  final long arrivedAtNanos;
  /**
   * The item of the waiter woken for this grant, which only that item's start may claim (so a start
   * asked for meanwhile does not take it and send the woken one to the back); {@link #ANYONE} when no
   * waiter was woken for it. Guarded by its quota's lock.
   */
  Object reservedFor = ANYONE;

  /** {@link #reservedFor} of a grant any start may claim. */
  static final Object ANYONE = new Object();
  /** The stand-in for a null item in {@link #reservedFor}. */
  static final Object NULL_ITEM = new Object();

  RedisGrant(Quota quota, @Nullable String leaseId, long grantedAtMicros, long tatBefore, long tatBooked,
      long arrivedAtNanos) {
    this.quota = quota;
    this.leaseId = leaseId;
    this.grantedAtMicros = grantedAtMicros;
    this.tatBefore = tatBefore;
    this.tatBooked = tatBooked;
    this.arrivedAtNanos = arrivedAtNanos;
  }

  /** The refund script's arguments: the lease, and the bookings to compare and put back. */
  String[] refundArguments() {
    return new String[] {leaseId == null ? "" : leaseId, Long.toString(tatBooked), Long.toString(tatBefore)};
  }

  @Override
  public String toString() {
    return "RedisGrant{quota=" + quota.name() + ", lease=" + leaseId + ", at=" + grantedAtMicros + "us}";
  }
}
