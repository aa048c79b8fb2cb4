package dev.meter.core;

import dev.meter.api.spi.Limiter;
import dev.meter.api.Rate;
import org.jspecify.annotations.Nullable;

/**
 * A run's own rate limit through the limiter SPI: {@link Gcra} state, used only from its run's drain
 * loop (which serializes every call), so it needs no synchronization of its own.
 */
final class GcraLimiter implements Limiter {
  private final Gcra gcra;

  GcraLimiter(Rate rate, int burst, long nowNanos) {
    this.gcra = new Gcra(rate, burst, nowNanos);
  }

  @Override
  public Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
    long grant = gcra.tryAcquire(nowNanos, waitingSinceNanos);
    return grant < 0 ? Decision.retryAt(gcra.wakeUpAt()) : new Booking(grant);
  }

  @Override
  public void refund(Permit permit, long nowNanos) {
    gcra.refund(((Booking) permit).grant());
  }

  @Override
  public void release(Permit permit, long nowNanos) {
    // A rate limit does not care when tasks finish.
  }

  @Override
  public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
    // tryAcquire always says when to retry, so nobody waits for a signal; wake a caller at once.
    wakeUp.run();
    return () -> {};
  }

  /** A start booked by the rate, numbered so that a refund takes back this one and no other. */
  record Booking(long grant) implements Permit {}
}
