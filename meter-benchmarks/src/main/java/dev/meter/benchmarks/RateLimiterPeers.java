package dev.meter.benchmarks;

import com.google.common.util.concurrent.RateLimiter;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The JVM's rate limiters as their documentation shows them: one thread takes a permit (blocking),
 * then starts the task. None of them limits concurrency; these workloads only measure pacing.
 */
final class RateLimiterPeers {
  private RateLimiterPeers() {}

  /** Guava's SmoothBursty: the burst is not configurable (up to one second of unused permits). */
  @SuppressWarnings("UnstableApiUsage")
  static void guava(Iterable<Integer> items, double rate, Function<Integer, CompletableFuture<?>> task) {
    RateLimiter limiter = RateLimiter.create(rate);
    for (Integer item : items) {
      limiter.acquire();
      task.apply(item);
    }
  }

  /** Bucket4j: a bucket of {@code burst} tokens refilled greedily at {@code rate}, consumed blocking. */
  static void bucket4j(Iterable<Integer> items, double rate, int burst, Function<Integer, CompletableFuture<?>> task)
      throws InterruptedException {
    long tokensPerSecond = Math.round(rate);
    Bucket bucket = Bucket.builder()
        .addLimit(limit -> limit.capacity(burst).refillGreedy(tokensPerSecond, Duration.ofSeconds(1)))
        .build();
    for (Integer item : items) {
      bucket.asBlocking().consume(1);
      task.apply(item);
    }
  }

  /**
   * Resilience4j: {@code burst} permits per cycle of {@code burst / rate} (its model is a fixed
   * window that refreshes), taken blocking.
   */
  static void resilience4j(Iterable<Integer> items, double rate, int burst, Function<Integer, CompletableFuture<?>> task) {
    RateLimiterConfig config = RateLimiterConfig.custom()
        .limitForPeriod(burst)
        .limitRefreshPeriod(Duration.ofNanos(Math.round(burst * 1e9 / rate)))
        .timeoutDuration(Duration.ofMinutes(1))
        .build();
    io.github.resilience4j.ratelimiter.RateLimiter limiter =
        io.github.resilience4j.ratelimiter.RateLimiter.of("benchmark", config);
    for (Integer item : items) {
      if (!limiter.acquirePermission()) {
        throw new IllegalStateException("resilience4j gave no permit within a minute");
      }
      task.apply(item);
    }
  }
}
