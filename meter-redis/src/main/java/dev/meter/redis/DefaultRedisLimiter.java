package dev.meter.redis;

import dev.meter.api.LimiterConfig;
import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.SharedLimiter;
import dev.meter.api.event.MeterStats;
import dev.meter.core.Meter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The shared Redis limiter: one {@link Quota}, the {@link RedisLink} to Redis, the leases' renewal,
 * and while Redis does not answer, either nothing (fail closed) or a local limiter (fail open) whose
 * permits are told apart by their type when they come back.
 */
final class DefaultRedisLimiter implements RedisLimiter, RedisLink.Owner {
  private final RedisLink link;
  private final Quota quota;
  private final LeaseRenewal renewal;
  private final @Nullable SharedLimiter fallback;
  private final RedisCounters counters = new RedisCounters();
  private final long leaseMicros;
  private volatile AskArguments arguments;

  DefaultRedisLimiter(RedisScripts scripts, RedisLimiterConfig config, ScheduledExecutorService scheduler) {
    this.leaseMicros = TimeUnit.NANOSECONDS.toMicros(config.leaseTime().toNanos());
    this.arguments = AskArguments.of(config.limits(), leaseMicros);
    this.link = new RedisLink(scripts, config, scheduler);
    this.quota = new Quota(config.name(), scripts, link, () -> arguments, counters);
    Limits local = config.fallback();
    this.fallback = local == null ? null : Meter.limiter(LimiterConfig.builder().limits(local).build());
    this.renewal = new LeaseRenewal(link, config.leaseTime(), () -> arguments, () -> {});
    link.owner(this);
  }

  @Override
  public String name() {
    return quota.name();
  }

  @Override
  public boolean isAvailable() {
    return link.available();
  }

  // ---- the limiter SPI ----

  @Override
  public Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
    return Routing.tryAcquire(link, quota, fallback, item, nowNanos, waitingSinceNanos);
  }

  @Override
  public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
    return Routing.awaitSignal(link, quota, fallback, item, wakeUp);
  }

  @Override
  public void refund(Permit permit, long nowNanos) {
    Routing.refund(permit, nowNanos, fallback);
  }

  @Override
  public void release(Permit permit, long nowNanos) {
    release(permit, nowNanos, null, null);
  }

  @Override
  public void release(Permit permit, long nowNanos, @Nullable Object value, @Nullable Throwable failure) {
    Routing.release(permit, nowNanos, value, failure, fallback);
  }

  // ---- the link's news ----

  @Override
  public void fellBack() {
    quota.wakeAll();
  }

  @Override
  public void recovered() {
    if (fallback != null) {
      quota.wakeAll();  // those waiting on the local limits ask the quota again
    }
    quota.retime();
  }

  // ---- limits ----

  @Override
  public Limits limits() {
    return arguments.limits();
  }

  @Override
  public void setLimits(Limits limits) {
    arguments = AskArguments.of(RedisLimiterConfig.checkLimits(limits), leaseMicros);
    quota.retime();
  }

  @Override
  public void setMaxAtOnce(int maxAtOnce) {
    setLimits(limits().withMaxAtOnce(maxAtOnce));
  }

  @Override
  public void setRate(Rate rate) {
    setLimits(limits().withRate(rate));
  }

  @Override
  public void setMaxBurst(int maxBurst) {
    Limits now = limits();
    setLimits(new Limits(now.maxAtOnce(), now.rate(), maxBurst));
  }

  @Override
  public void pauseFor(Duration duration) {
    long micros = pauseMicros(duration);
    if (fallback != null) {
      fallback.pauseFor(duration);
    }
    quota.pause(micros);
  }

  @Override
  public void pauseUntil(Instant until) {
    Duration left = Duration.between(Instant.now(), until);
    if (!left.isNegative() && !left.isZero()) {
      pauseFor(left);
    }
  }

  @Override
  public MeterStats stats() {
    return counters.snapshot();
  }

  @Override
  public void close() {
    renewal.close();
    link.awaitQuiet();
    link.close();
  }

  @Override
  public String toString() {
    return "RedisLimiter{name=" + name() + ", limits=" + limits() + (isAvailable() ? "" : ", unavailable") + "}";
  }

  /** The pause in microseconds, capped at about 31 years (which Redis's expiry arithmetic still takes). */
  static long pauseMicros(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must be >= 0, but was " + duration);
    }
    if (duration.getSeconds() >= 1_000_000_000L) {
      return 1_000_000_000_000_000L;
    }
    return TimeUnit.NANOSECONDS.toMicros(duration.toNanos());
  }
}
