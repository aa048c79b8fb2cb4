package dev.meter.core;

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
 * without ever catching up above that envelope. So lateness is credited in full only while it stays
 * under one interval per start and the burst has room for the starts that bunch up behind it.
 *
 * <p>Readings are compared by their difference, never by value: {@code System.nanoTime()} may wrap.
 */
final class Gcra {
  private long interval;
  private long tolerance;
  private long tat;
  /** Counts grants; a permit remembers its number so that a refund can tell whether it was the last. */
  private long grants;
  /** {@code tat} before the last grant: what an exact refund of that grant restores. */
  private long tatBeforeLastGrant;

  /** A limiter with its full burst at {@code nowNanos}. */
  Gcra(Rate rate, int burst, long nowNanos) {
    this.interval = rate.intervalNanos();
    this.tolerance = Math.multiplyExact(burst - 1L, interval);
    this.tat = nowNanos;
  }

  /**
   * Books a start at {@code nowNanos} if it conforms.
   *
   * @return the grant's number (see {@link #refund}), or -1 if the start does not conform yet (then
   *     {@link #wakeUpAt()} says when to try again)
   */
  long tryAcquire(long nowNanos, long waitingSinceNanos) {
    long allowedAt = tat - tolerance;
    if (nowNanos - allowedAt < 0) {
      return -1;
    }
    long lateCredit = interval - 1;
    long booked = later(allowedAt, later(waitingSinceNanos, nowNanos - lateCredit));
    tatBeforeLastGrant = tat;
    tat = later(tat, booked) + interval;
    return ++grants;
  }

  /**
   * Takes back grant number {@code grant}, exactly, if no start was booked after it: {@code tat} is
   * then what it was before. A grant with later ones booked after it gives nothing back. Taking an
   * interval off would let the later starts' slots be booked twice (grant A at 10 s, B at 12 s, refund
   * A, and C would conform at 12 s beside B); the exact undo would need every later booking. Such a
   * refund happens only when two runs race through one limiter, so the cost is at most one slot per race.
   */
  void refund(long grant) {
    if (grant == grants && grants > 0) {
      tat = tatBeforeLastGrant;
      grants++;  // a second refund of the same grant gives nothing
    }
  }

  /**
   * Whether a start that conforms at {@code nowNanos} comes close to the earliest moment it would:
   * within half an interval plus half the burst's tolerance. A caller slower than the rate finds the
   * burst back and starts well after that moment; one the rate holds back starts at it.
   */
  boolean heldBack(long nowNanos) {
    return nowNanos - (tat - tolerance) < interval / 2 + tolerance / 2;
  }

  /**
   * No burst at {@code at}: the first start conforms then and the next ones at the rate, the burst
   * refilling from there (as after a Retry-After, when a full burst at once would be refused again).
   * Never earlier than the starts already booked allow.
   */
  void emptyAt(long at) {
    tat = later(tat, at + tolerance);
    grants++;  // a refund of an earlier grant must not undo this
  }

  /** Whether a start would conform at {@code nowNanos}. */
  boolean conforms(long nowNanos) {
    return nowNanos - (tat - tolerance) >= 0;
  }

  /**
   * How far apart timer wake-ups for this rate need to be at least: a wake-up costs a thread switch or
   * two (tens of microseconds of CPU), so a fast rate that woke for every start would spend more on
   * waking than on its tasks. 1 ms keeps a rate up to 1,000/s waking once per start.
   */
  static final long WAKE_SPACING_NANOS = 1_000_000L;

  /**
   * When a waiter should be woken to retry: when the next start conforms, or for a rate faster than one
   * start per {@link #WAKE_SPACING_NANOS}, later, so that the starts of one spacing go together, up to
   * half the burst. The other half is room for the timer's own lateness, which is credited only while
   * the burst has room (see the class comment): a batch as big as the burst would lose every late
   * microsecond from the rate. So at 10,000/s one wake-up starts 5 tasks with bursts of 10 (each at most
   * 0.4 ms after its slot), 50 at 100,000/s with bursts of 100; with bursts of 1 or 2 every start has
   * its own wake-up. The envelope holds either way: a batch is never more than the burst allows.
   */
  long wakeUpAt() {
    long slotsPerSpacing = (WAKE_SPACING_NANOS + interval - 1) / interval;
    long extraSlots = Math.min(slotsPerSpacing - 1, tolerance / interval / 2);
    return tat - tolerance + extraSlots * interval;
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
    grants++;  // a grant from before the change is not undone against the new state
  }

  /** The later of two readings, by their difference. */
  static long later(long a, long b) {
    return a - b >= 0 ? a : b;
  }
}
