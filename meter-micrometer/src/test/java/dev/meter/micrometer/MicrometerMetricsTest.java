package dev.meter.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.AdaptiveConfig;
import dev.meter.api.AdaptiveLimiter;
import dev.meter.api.FailurePolicy;
import dev.meter.api.KeyedLimiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.Limits;
import dev.meter.api.OverloadedException;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import dev.meter.api.event.MeterListener;
import dev.meter.core.Meter;
import dev.meter.testing.VirtualTime;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MicrometerMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private double finished(String prefix, String tag, String name, String outcome) {
    return registry.find(prefix + ".finished").tag(tag, name).tag("outcome", outcome).functionCounters().stream()
        .mapToDouble(counter -> counter.count()).sum()
        + registry.find(prefix + ".finished").tag(tag, name).tag("outcome", outcome).counters().stream()
            .mapToDouble(counter -> counter.count()).sum();
  }

  @Test
  void listener_onARun_countsTasksByOutcome_andTimesWaitsAndDurations() throws Exception {
    // Given a run named "crawl" at 10 starts a second, bursts of 1, in virtual time: six tasks of 50 ms,
    // one failing, one refused by the service
    VirtualTime time = VirtualTime.create();
    MeterListener metrics = MicrometerMetrics.listener(registry, "crawl");
    RunOptions options = RunOptions.builder().maxPerSecond(10).maxBurst(1).timeSource(time).listener(metrics)
        .failurePolicy(FailurePolicy.RUN_ALL_THEN_THROW).build();

    // When it runs, watched 25 ms into the first task
    CompletableFuture<Void> run = Meter.with(options).runOnEach(List.of(0, 1, 2, 3, 4, 5), item -> task(time, item));
    time.advance(Duration.ofMillis(25));
    double runningEarly = registry.get("meter.tasks.running").tag("name", "crawl").gauge().value();
    time.autoAdvance(() -> run.exceptionally(failed -> null).join());

    // Then one was running 25 ms in, and the counters say how each ended
    assertThat(runningEarly).isEqualTo(1);
    assertThat(registry.get("meter.tasks.started").tag("name", "crawl").functionCounter().count()).isEqualTo(6);
    assertThat(finished("meter.tasks", "name", "crawl", "succeeded")).isEqualTo(4);
    assertThat(finished("meter.tasks", "name", "crawl", "failed")).isEqualTo(1);
    assertThat(finished("meter.tasks", "name", "crawl", "refused")).isEqualTo(1);
    assertThat(finished("meter.tasks", "name", "crawl", "cancelled")).isZero();
    assertThat(registry.get("meter.tasks.running").tag("name", "crawl").gauge().value()).isZero();
    assertThat(registry.get("meter.tasks.waiting").tag("name", "crawl").gauge().value()).isZero();

    // and the timers hold the rate's waits (the sixth start at 500 ms, each 100 ms after the one
    // before) and the tasks' 50 ms (failures settle at once), with percentiles
    Timer waited = registry.get("meter.tasks.waited").tag("name", "crawl").timer();
    assertThat(waited.count()).isEqualTo(6);
    assertThat(waited.max(TimeUnit.MILLISECONDS)).isBetween(100.0, 500.0);
    assertThat(waited.totalTime(TimeUnit.MILLISECONDS)).isBetween(500.0, 1500.0);
    Timer duration = registry.get("meter.tasks.duration").tag("name", "crawl").timer();
    assertThat(duration.count()).isEqualTo(6);
    assertThat(duration.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(200.0);
    assertThat(duration.max(TimeUnit.MILLISECONDS)).isEqualTo(50.0);
    assertThat(duration.takeSnapshot().percentileValues()).extracting(value -> value.percentile()).containsExactly(0.5, 0.95, 0.99);
  }

  private static CompletionStage<Integer> task(VirtualTime time, int item) {
    return switch (item) {
      case 1 -> CompletableFuture.failedFuture(new IllegalStateException("broken page"));
      case 2 -> CompletableFuture.failedFuture(new OverloadedException("429"));
      default -> time.delay(Duration.ofMillis(50), item);
    };
  }

  @Test
  void listener_onALimitersConfig_hearsTheTasksOfEveryRunThroughIt() {
    // Given a shared limiter whose config carries the listener
    SharedLimiter api = Meter.limiter(LimiterConfig.builder().name("api").maxAtOnce(2)
        .listener(MicrometerMetrics.listener(registry, "api")).build());

    // When two runs go through it
    Meter.with(RunOptions.builder().limiter(api).build()).runOnEach(List.of(1, 2, 3), CompletableFuture::completedFuture).join();
    Meter.with(RunOptions.builder().limiter(api).build()).runOnEach(List.of(4, 5), CompletableFuture::completedFuture).join();

    // Then its meters count both
    assertThat(registry.get("meter.tasks.started").tag("name", "api").functionCounter().count()).isEqualTo(5);
    assertThat(finished("meter.tasks", "name", "api", "succeeded")).isEqualTo(5);
  }

  @Test
  void bind_sharedLimiter_reportsTheLimitsInForce_andItsBooks() {
    // Given a limiter named "github", bound to the registry
    SharedLimiter github = Meter.limiter(LimiterConfig.builder().name("github").maxAtOnce(3).maxPerSecond(1000).maxBurst(5).build());
    MicrometerMetrics.bind(registry, github);

    // When a run goes through it, and its limits change
    Meter.with(RunOptions.builder().limiter(github).build()).runOnEach(List.of(1, 2, 3, 4), CompletableFuture::completedFuture).join();
    double before = registry.get("meter.limiter.max.at.once").tag("limiter", "github").gauge().value();
    github.setLimits(Limits.of(7, Rate.perSecond(20), 2));

    // Then the gauges follow the limits in force, and the books count the run
    assertThat(before).isEqualTo(3);
    assertThat(registry.get("meter.limiter.max.at.once").tag("limiter", "github").gauge().value()).isEqualTo(7);
    assertThat(registry.get("meter.limiter.rate").tag("limiter", "github").gauge().value()).isEqualTo(20);
    assertThat(registry.get("meter.limiter.burst").tag("limiter", "github").gauge().value()).isEqualTo(2);
    assertThat(registry.get("meter.limiter.started").tag("limiter", "github").functionCounter().count()).isEqualTo(4);
    assertThat(finished("meter.limiter", "limiter", "github", "succeeded")).isEqualTo(4);
    assertThat(registry.get("meter.limiter.running").tag("limiter", "github").gauge().value()).isZero();
    FunctionTimer waited = registry.get("meter.limiter.waited").tag("limiter", "github").functionTimer();
    assertThat(waited.count()).isEqualTo(4);
  }

  @Test
  void bind_limiterWithoutLimits_reportsNaN() {
    SharedLimiter open = Meter.limiter(LimiterConfig.builder().name("open").build());
    MicrometerMetrics.bind(registry, open);

    assertThat(registry.get("meter.limiter.max.at.once").tag("limiter", "open").gauge().value()).isNaN();
    assertThat(registry.get("meter.limiter.rate").tag("limiter", "open").gauge().value()).isNaN();
    assertThat(registry.get("meter.limiter.burst").tag("limiter", "open").gauge().value()).isNaN();
  }

  @Test
  void bind_adaptiveLimiter_reportsTheLimitItAdaptedTo() {
    // Given an adaptive limiter starting at 8 at once
    AdaptiveLimiter adaptive = Meter.adaptiveLimiter(AdaptiveConfig.builder(LimiterConfig.builder().name("search").maxAtOnce(8).build()).build());
    MicrometerMetrics.bind(registry, adaptive);

    // When the service refuses a task
    Meter.with(RunOptions.builder().limiter(adaptive).build())
        .runOnEach(List.of(1), item -> CompletableFuture.failedFuture(new OverloadedException("503"))).exceptionally(failed -> null).join();

    // Then the gauge shows the lowered limit
    assertThat(registry.get("meter.limiter.max.at.once").tag("limiter", "search").gauge().value())
        .isEqualTo(adaptive.limits().maxAtOnce()).isLessThan(8);
    assertThat(finished("meter.limiter", "limiter", "search", "failed")).isEqualTo(1);
  }

  @Test
  void bind_keyedLimiter_reportsItsKeys_andItsBooksOverThemAll() {
    KeyedLimiter<String> perHost = Meter.keyedLimiter(LimiterConfig.builder().name("per-host").maxAtOnce(1).build());
    MicrometerMetrics.bind(registry, perHost);

    Meter.with(RunOptions.builder().limiter(perHost.by((String url) -> url.substring(0, 1))).build())
        .runOnEach(List.of("a1", "b1", "c1", "a2"), CompletableFuture::completedFuture).join();

    assertThat(registry.get("meter.limiter.keys").tag("limiter", "per-host").gauge().value()).isEqualTo(perHost.size()).isPositive();
    assertThat(registry.get("meter.limiter.started").tag("limiter", "per-host").functionCounter().count()).isEqualTo(4);
  }

  @Test
  void badInput_isRefusedNamingIt() {
    assertThatThrownBy(() -> MicrometerMetrics.listener(registry, " "))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("name must not be blank, but was \" \"");
    assertThatThrownBy(() -> MicrometerMetrics.listener(null, "x")).isInstanceOf(NullPointerException.class).hasMessage("registry");
    assertThatThrownBy(() -> MicrometerMetrics.bind(registry, (SharedLimiter) null)).isInstanceOf(NullPointerException.class).hasMessage("limiter");
  }
}
