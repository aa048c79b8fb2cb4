package dev.meter.redis;

import dev.meter.api.spi.Limiter;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** A limiter that tells {@code onPermit} of every permit the one it wraps grants, and is that limiter otherwise. */
final class Watched implements Limiter {
  private final Limiter limiter;
  private final Consumer<Permit> onPermit;

  Watched(Limiter limiter, Consumer<Permit> onPermit) {
    this.limiter = limiter;
    this.onPermit = onPermit;
  }

  @Override
  public Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
    Decision decision = limiter.tryAcquire(item, nowNanos, waitingSinceNanos);
    if (decision instanceof Permit permit) {
      onPermit.accept(permit);
    }
    return decision;
  }

  @Override
  public void refund(Permit permit, long nowNanos) {
    limiter.refund(permit, nowNanos);
  }

  @Override
  public void release(Permit permit, long nowNanos) {
    limiter.release(permit, nowNanos);
  }

  @Override
  public void release(Permit permit, long nowNanos, @Nullable Object value, @Nullable Throwable failure) {
    limiter.release(permit, nowNanos, value, failure);
  }

  @Override
  public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
    return limiter.awaitSignal(item, wakeUp);
  }

  @Override
  public boolean refusesPerItem() {
    return limiter.refusesPerItem();
  }
}
