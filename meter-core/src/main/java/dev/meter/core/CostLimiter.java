package dev.meter.core;

import dev.meter.api.Rate;
import dev.meter.api.TimeSource;
import dev.meter.api.spi.Limiter;
import java.util.Objects;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * A rate in units rather than starts: each start costs its item's {@code cost} units (the tokens of a
 * request, say, against 90,000 tokens a minute), and in every window of length {@code w} the starts'
 * costs add up to at most {@code maxBurst + ceil(w * rate)} units.
 *
 * <p>GCRA in its virtual-scheduling form, with a start of cost {@code c} taken as {@code c} unit
 * starts at one instant: they all conform at {@code t} when {@code c <= maxBurst} and
 * {@code t >= tat + (c - 1) * interval - tolerance}, and move {@code tat} to
 * {@code max(tat, t) + c * interval}. A start that waited is booked when it came due, at most an
 * interval less a nanosecond before now, as {@link Gcra} does, which keeps the envelope (see there).
 *
 * <p>It keeps its own clock and tells a run when to ask again in the run's clock (how long from now),
 * so runs with different clocks may share it.
 */
final class CostLimiter implements Limiter {
  private final TimeSource time;
  private final ToLongFunction<Object> cost;
  private final long interval;
  private final long maxBurst;
  private final long tolerance;

  // Guarded by this.
  private long tat;
  private long grants;
  private long tatBeforeLastGrant;

  private final String name;

  CostLimiter(String name, Rate rate, int maxBurst, ToLongFunction<Object> cost, TimeSource time) {
    this.name = name;
    this.time = time;
    this.cost = cost;
    this.interval = rate.intervalNanos();
    this.maxBurst = maxBurst;
    this.tolerance = Math.multiplyExact(maxBurst - 1L, interval);
    this.tat = time.read();
  }

  /** What a start was charged, and its grant's number for an exact refund. */
  private record Charged(long units, long grant) implements Permit {}

  @Override
  public Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
    long units = cost.applyAsLong(item);
    if (units < 1 || units > maxBurst) {
      throw new IllegalArgumentException("cost must be >= 1 and <= maxBurst (" + maxBurst + "), but was " + units
          + " for item " + item);
    }
    long waited = Math.max(0, nowNanos - waitingSinceNanos);
    synchronized (this) {
      long now = time.read();
      long allowedAt = tat + (units - 1) * interval - tolerance;
      if (now - allowedAt < 0) {
        return Decision.retryAt(nowNanos + (allowedAt - now));  // in the run's clock
      }
      long booked = Gcra.later(allowedAt, Gcra.later(now - waited, now - (interval - 1)));
      tatBeforeLastGrant = tat;
      tat = Gcra.later(tat, booked) + units * interval;
      return new Charged(units, ++grants);
    }
  }

  /** Takes back the units of the last grant exactly; an earlier one gives nothing back (see {@link Gcra#refund}). */
  @Override
  public void refund(Permit permit, long nowNanos) {
    Charged charged = (Charged) permit;
    synchronized (this) {
      if (charged.grant() == grants) {
        tat = tatBeforeLastGrant;
        grants++;
      }
    }
  }

  @Override
  public void release(Permit permit, long nowNanos) {
    Objects.requireNonNull((Charged) permit, "permit");  // a rate gives nothing back when a task ends
  }

  /** Never asked: this limiter refuses with a time only. */
  @Override
  public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
    wakeUp.run();
    return () -> {};
  }

  @Override
  public String toString() {
    return "CostLimiter{name=" + name + ", " + maxBurst + " units at once, one per " + interval + " ns}";
  }
}
