package dev.meter.redis;

import dev.meter.api.spi.Limiter;
import dev.meter.api.spi.Limiter.Decision;
import dev.meter.api.spi.Limiter.Permit;
import dev.meter.api.spi.Limiter.Registration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Where a start goes: to its quota in Redis, or, while Redis does not answer and the limiter fails
 * open, to the local limits; and where a permit goes back, told apart by its type. Shared by the
 * shared and the keyed limiter.
 */
final class Routing {
  private Routing() {}

  /** The local limits to use now, or null to use the quota. */
  static @Nullable Limiter local(RedisLink link, @Nullable Limiter fallback) {
    return fallback != null && !link.available() ? fallback : null;
  }

  static Decision tryAcquire(RedisLink link, Quota quota, @Nullable Limiter fallback, @Nullable Object item,
      long nowNanos, long waitingSinceNanos) {
    Limiter local = local(link, fallback);
    if (local != null) {
      Decision decision = local.tryAcquire(item, nowNanos, waitingSinceNanos);
      return decision instanceof Permit permit ? new LocalPermit(permit) : decision;
    }
    return quota.tryAcquire(item, nowNanos - waitingSinceNanos);
  }

  static Registration awaitSignal(RedisLink link, Quota quota, @Nullable Limiter fallback, @Nullable Object item,
      Runnable wakeUp) {
    Limiter local = local(link, fallback);
    if (local == null) {
      return quota.awaitSignal(item, wakeUp);
    }
    // Under the local limits: woken by them, or by Redis answering again (the quota wakes its waiters).
    AtomicBoolean once = new AtomicBoolean();
    Runnable wakeOnce = () -> {
      if (once.compareAndSet(false, true)) {
        wakeUp.run();
      }
    };
    Registration fromRedis = quota.awaitSignal(item, wakeOnce);
    Registration fromLocal = local.awaitSignal(item, wakeOnce);
    return () -> {
      fromRedis.cancel();
      fromLocal.cancel();
    };
  }

  static void refund(Permit permit, long nowNanos, @Nullable Limiter fallback) {
    if (permit instanceof LocalPermit local) {
      local.from(fallback).refund(local.permit(), nowNanos);
    } else {
      RedisGrant grant = (RedisGrant) permit;
      grant.quota.refund(grant);
    }
  }

  static void release(Permit permit, long nowNanos, @Nullable Object value, @Nullable Throwable failure,
      @Nullable Limiter fallback) {
    if (permit instanceof LocalPermit local) {
      local.from(fallback).release(local.permit(), nowNanos, value, failure);
    } else {
      RedisGrant grant = (RedisGrant) permit;
      grant.quota.release(grant, failure);
    }
  }
}
