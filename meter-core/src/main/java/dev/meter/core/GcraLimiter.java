package dev.meter.core;

import dev.meter.api.Limiter;
import dev.meter.api.Rate;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A start rate with a burst, by GCRA in its virtual-scheduling form: the state is one theoretical
 * arrival time {@code tat}; a start at {@code t} conforms when {@code t >= tat - tolerance}, and moves
 * {@code tat} to {@code max(tat, t) + interval}, where {@code tolerance = (burst - 1) * interval}.
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
final class GcraLimiter implements Limiter {
  private final long interval;
  private final long tolerance;
  private final long lateCredit;
  private final AtomicLong tat;

  GcraLimiter(Rate rate, int burst, long nowNanos) {
    this.interval = rate.intervalNanos();
    this.tolerance = Math.multiplyExact(burst - 1L, interval);
    this.lateCredit = interval - 1;
    this.tat = new AtomicLong(nowNanos);  // a new limiter has its full burst
  }

  @Override
  public long tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
    for (;;) {
      long current = tat.get();
      long allowedAt = current - tolerance;
      if (nowNanos - allowedAt < 0) {
        return allowedAt;
      }
      long booked = Math.max(allowedAt, Math.max(waitingSinceNanos, nowNanos - lateCredit));
      long next = Math.max(current, booked) + interval;
      if (tat.compareAndSet(current, next)) {
        return ACQUIRED;
      }
    }
  }

  @Override
  public void refund(@Nullable Object item, long nowNanos) {
    // Starts booked after ours each moved tat by one interval from at least where ours left it, so
    // taking our interval off leaves tat where those starts alone would have put it.
    tat.addAndGet(-interval);
  }

  @Override
  public void release(@Nullable Object item, long nowNanos) {
    // A rate limit does not care when tasks finish.
  }

  @Override
  public Registration awaitSignal(Runnable wakeUp) {
    // tryAcquire always says when to retry, so nobody waits for a signal; wake a caller at once.
    wakeUp.run();
    return () -> {};
  }

  long intervalNanos() {
    return interval;
  }
}
