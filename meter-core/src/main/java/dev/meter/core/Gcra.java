package dev.meter.core;

import dev.meter.api.Limiter;
import dev.meter.api.Rate;

/**
 * GCRA state in its virtual-scheduling form, not thread-safe: its owner serializes calls (a run's
 * drain loop, or a shared limiter's lock). The state is one theoretical arrival time {@code tat}; a
 * start at {@code t} conforms when {@code t >= tat - tolerance}, and moves {@code tat} to
 * {@code max(tat, t) + interval}, where {@code tolerance = (burst - 1) * interval}.
 *
 * <p>That alone would lose a late timer's lateness on every wake-up (the next slot is counted from the
 * late start), so the achieved rate would sag by the timer's lateness. A start that was already
 * waiting is therefore booked at the time it was due, {@code max(tat - tolerance, waitingSince)}, but
 * never more than {@code interval - 1} ns before now. A start booked at most that early still keeps
 * every window of length {@code w} within {@code burst + ceil(w / interval)} starts: the count in a
 * window is at most {@code burst + floor((w + lateCredit) / interval)}, and {@code lateCredit < interval}.
 * Idle time earns no credit beyond the burst, and a late wake-up releases every start that is due
 * without ever catching up above that envelope.
 */
final class Gcra {
  private long interval;
  private long tolerance;
  private long tat;

  /** A limiter with its full burst at {@code nowNanos}. */
  Gcra(Rate rate, int burst, long nowNanos) {
    this.interval = rate.intervalNanos();
    this.tolerance = Math.multiplyExact(burst - 1L, interval);
    this.tat = nowNanos;
  }

  /** {@link Limiter#ACQUIRED}, or the time at which a start will conform. */
  long tryAcquire(long nowNanos, long waitingSinceNanos) {
    long allowedAt = tat - tolerance;
    if (nowNanos - allowedAt < 0) {
      return allowedAt;
    }
    long lateCredit = interval - 1;
    long booked = Math.max(allowedAt, Math.max(waitingSinceNanos, nowNanos - lateCredit));
    tat = Math.max(tat, booked) + interval;
    return Limiter.ACQUIRED;
  }

  /**
   * Gives back the last granted start. Starts booked after it each moved {@code tat} by one interval
   * from at least where it left it, so taking one interval off leaves {@code tat} where those starts
   * alone would have put it.
   */
  void refund() {
    tat -= interval;
  }

  /** Whether a start would conform at {@code nowNanos}. */
  boolean conforms(long nowNanos) {
    return nowNanos - (tat - tolerance) >= 0;
  }

  /** When a start will conform. */
  long nextConformingAt() {
    return tat - tolerance;
  }

  /** Whether the full burst is back: the state is then the same as a new limiter's. */
  boolean isFull(long nowNanos) {
    return nowNanos - tat >= 0;
  }

  /**
   * Changes the rate and burst from {@code nowNanos} on, keeping the starts owed: a limiter {@code k}
   * intervals behind at the old rate is {@code k} intervals behind at the new one.
   */
  void reconfigure(Rate rate, int burst, long nowNanos) {
    long newInterval = rate.intervalNanos();
    long owed = tat - nowNanos;
    if (owed > 0) {
      tat = nowNanos + (long) Math.ceil(owed * ((double) newInterval / interval));
    }
    interval = newInterval;
    tolerance = Math.multiplyExact(burst - 1L, newInterval);
  }
}
