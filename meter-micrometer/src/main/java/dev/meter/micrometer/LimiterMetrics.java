package dev.meter.micrometer;

import dev.meter.api.KeyedLimiter;
import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.SharedLimiter;
import dev.meter.api.event.MeterStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * {@link MicrometerMetrics#bind}: a limiter's limits and books, read from the limiter when the registry
 * is scraped. The meters hold the limiter weakly (Micrometer's default): a limiter dropped by the
 * application is not kept alive by its metrics.
 */
final class LimiterMetrics {
  private LimiterMetrics() {}

  static void bind(MeterRegistry registry, SharedLimiter limiter, Tags tags) {
    Gauge.builder("meter.limiter.max.at.once", limiter, each -> maxAtOnce(each.limits()))
        .description("the limiter's max-at-once in force (NaN: none)").tags(tags).register(registry);
    Gauge.builder("meter.limiter.rate", limiter, each -> perSecond(each.limits()))
        .description("the limiter's starts per second in force (NaN: none)").tags(tags).register(registry);
    Gauge.builder("meter.limiter.burst", limiter, each -> burst(each.limits()))
        .description("the limiter's burst in force (NaN: no rate)").tags(tags).register(registry);
    books(registry, limiter, SharedLimiter::stats, tags);
  }

  static void bind(MeterRegistry registry, KeyedLimiter<?> limiter, Tags tags) {
    Gauge.builder("meter.limiter.keys", limiter, KeyedLimiter::size)
        .description("keys the limiter holds a limiter for now").tags(tags).register(registry);
    books(registry, limiter, KeyedLimiter::stats, tags);
  }

  private static <L> void books(MeterRegistry registry, L limiter, Function<L, MeterStats> stats, Tags tags) {
    Gauge.builder("meter.limiter.waiting", limiter, each -> stats.apply(each).waiting())
        .description("tasks waiting for the limiter").tags(tags).register(registry);
    Gauge.builder("meter.limiter.running", limiter, each -> stats.apply(each).running())
        .description("tasks running through the limiter").tags(tags).register(registry);
    FunctionCounter.builder("meter.limiter.started", limiter, each -> stats.apply(each).started())
        .description("tasks the limiter let start").tags(tags).register(registry);
    finished(registry, limiter, stats, tags, "succeeded", MeterStats::succeeded);
    finished(registry, limiter, stats, tags, "failed", MeterStats::failed);
    finished(registry, limiter, stats, tags, "cancelled", MeterStats::cancelled);
    FunctionTimer.builder("meter.limiter.waited", limiter,
            each -> stats.apply(each).started(), each -> stats.apply(each).totalWaited().toNanos(), TimeUnit.NANOSECONDS)
        .description("time the tasks it let start waited for it").tags(tags).register(registry);
  }

  private static <L> void finished(MeterRegistry registry, L limiter, Function<L, MeterStats> stats, Tags tags,
      String outcome, ToDoubleFunction<MeterStats> count) {
    FunctionCounter.builder("meter.limiter.finished", limiter, each -> count.applyAsDouble(stats.apply(each)))
        .description("tasks through the limiter finished, by outcome").tags(tags)
        .tag(MicrometerMetrics.OUTCOME_TAG, outcome).register(registry);
  }

  private static double maxAtOnce(Limits limits) {
    return limits.maxAtOnce() == Limits.UNLIMITED ? Double.NaN : limits.maxAtOnce();
  }

  private static double perSecond(Limits limits) {
    Rate rate = limits.rate();
    return rate == null ? Double.NaN : rate.perSecond();
  }

  private static double burst(Limits limits) {
    return limits.rate() == null ? Double.NaN : limits.maxBurst();
  }
}
