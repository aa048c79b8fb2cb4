package dev.meter.core;

import dev.meter.api.Limiter;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** {@code maxAtOnce} through the limiter SPI: a count of running tasks that may not pass the maximum. */
final class ConcurrencyLimiter implements Limiter {
  private final int maxAtOnce;
  private final AtomicInteger running = new AtomicInteger();
  private final SignalWaiters waiters = new SignalWaiters();

  ConcurrencyLimiter(int maxAtOnce) {
    if (maxAtOnce < 1) {
      throw new IllegalArgumentException("maxAtOnce must be >= 1, but was " + maxAtOnce);
    }
    this.maxAtOnce = maxAtOnce;
  }

  @Override
  public long tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
    for (;;) {
      int current = running.get();
      if (current >= maxAtOnce) {
        return AWAIT_SIGNAL;
      }
      if (running.compareAndSet(current, current + 1)) {
        return ACQUIRED;
      }
    }
  }

  @Override
  public void refund(@Nullable Object item, long nowNanos) {
    release(item, nowNanos);
  }

  @Override
  public void release(@Nullable Object item, long nowNanos) {
    running.decrementAndGet();
    waiters.signalAll();
  }

  @Override
  public Registration awaitSignal(Runnable wakeUp) {
    Registration registration = waiters.add(wakeUp);
    if (running.get() < maxAtOnce) {
      waiters.signalAll();  // a permit was freed before we were queued: do not sleep through it
    }
    return registration;
  }

  int running() {
    return running.get();
  }
}
