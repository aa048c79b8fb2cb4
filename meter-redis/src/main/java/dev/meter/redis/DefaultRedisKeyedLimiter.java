package dev.meter.redis;

import dev.meter.api.KeyedLimiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.Limits;
import dev.meter.api.event.MeterStats;
import dev.meter.api.spi.Limiter;
import dev.meter.core.Meter;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The keyed Redis limiter: a {@link Quota} per key, made when the key is first used and forgotten when
 * idle (checked every renewal tick). A quota forgotten while a start was about to use it still works
 * for that start (it talks to the same keys in Redis, and renewal finds it through the link), so
 * forgetting never loses a lease.
 */
final class DefaultRedisKeyedLimiter<K> implements RedisKeyedLimiter<K>, RedisLink.Owner {
  private final String name;
  private final RedisAsyncCommands<String, String> redis;
  private final RedisLink link;
  private final LeaseRenewal renewal;
  private final @Nullable KeyedLimiter<K> fallback;
  private final RedisCounters counters = new RedisCounters();
  private final AskArguments arguments;
  private final ConcurrentHashMap<K, Quota> quotas = new ConcurrentHashMap<>();

  DefaultRedisKeyedLimiter(RedisAsyncCommands<String, String> redis, RedisLimiterConfig config, ScheduledExecutorService scheduler) {
    this.name = config.name();
    this.redis = redis;
    this.arguments = AskArguments.of(config.limits(), TimeUnit.NANOSECONDS.toMicros(config.leaseTime().toNanos()));
    this.link = new RedisLink(new RedisScripts(redis, name), config, scheduler);
    Limits local = config.fallback();
    this.fallback = local == null ? null : Meter.keyedLimiter(LimiterConfig.builder().limits(local).build());
    this.renewal = new LeaseRenewal(link, config.leaseTime(), () -> arguments, this::forgetIdle);
    link.owner(this);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean isAvailable() {
    return link.available();
  }

  @Override
  public <T> Limiter by(Function<? super T, ? extends K> keyOf) {
    Objects.requireNonNull(keyOf, "keyOf");
    Limiter local = fallback == null ? null : fallback.by(keyOf);
    return new Limiter() {
      @Override
      public Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
        return Routing.tryAcquire(link, quotaOf(item), local, item, nowNanos, waitingSinceNanos);
      }

      @Override
      public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
        return Routing.awaitSignal(link, quotaOf(item), local, item, wakeUp);
      }

      @Override
      public void refund(Permit permit, long nowNanos) {
        Routing.refund(permit, nowNanos, local);
      }

      @Override
      public void release(Permit permit, long nowNanos) {
        release(permit, nowNanos, null, null);
      }

      @Override
      public void release(Permit permit, long nowNanos, @Nullable Object value, @Nullable Throwable failure) {
        Routing.release(permit, nowNanos, value, failure, local);
      }

      @Override
      public boolean refusesPerItem() {
        return true;
      }

      @SuppressWarnings("unchecked")
      private Quota quotaOf(@Nullable Object item) {
        K key = keyOf.apply((T) item);
        if (key == null) {
          throw new NullPointerException("keyOf gave a null key for item " + item);
        }
        return quota(key);
      }
    };
  }

  private Quota quota(K key) {
    return quotas.computeIfAbsent(key, k -> {
      String quotaName = name + ":" + k;
      return new Quota(quotaName, new RedisScripts(redis, quotaName), link, () -> arguments, counters);
    });
  }

  private void forgetIdle() {
    quotas.values().removeIf(Quota::idle);
  }

  @Override
  public void pauseFor(K key, Duration duration) {
    Objects.requireNonNull(key, "key");
    long micros = DefaultRedisLimiter.pauseMicros(duration);
    if (fallback != null) {
      fallback.pauseFor(key, duration);
    }
    quota(key).pause(micros);
  }

  @Override
  public int size() {
    return quotas.size();
  }

  @Override
  public Optional<Limits> limits(K key) {
    return quotas.containsKey(key) ? Optional.of(arguments.limits()) : Optional.empty();
  }

  @Override
  public MeterStats stats() {
    return counters.snapshot();
  }

  @Override
  public void fellBack() {
    quotas.values().forEach(Quota::wakeAll);
  }

  @Override
  public void recovered() {
    for (Quota quota : quotas.values()) {
      if (fallback != null) {
        quota.wakeAll();  // those waiting on the local limits ask the quota again
      }
      quota.retime();
    }
  }

  @Override
  public void close() {
    renewal.close();
    link.awaitQuiet();
    link.close();
  }

  @Override
  public String toString() {
    return "RedisKeyedLimiter{name=" + name + ", limits=" + arguments.limits() + ", keys=" + quotas.size()
        + (isAvailable() ? "" : ", unavailable") + "}";
  }
}
