package dev.meter.core;

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
import dev.meter.core.AdaptiveLimiterTest.SimulatedService;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** An adaptive limiter per key, in virtual time: each key learns its own service, and is forgotten by its own rule. */
class KeyedAdaptiveLimiterTest {
  private final VirtualTime time = VirtualTime.create();

  private KeyedLimiter<String> keyed(List<AdaptiveLimiter.Change> changes, Duration forgetAfter) {
    return Meter.keyedAdaptiveLimiter(AdaptiveConfig.builder(
            LimiterConfig.builder().maxPerSecond(40).timeSource(time).build())
        .minPerSecond(1).onChange(changes::add).forgetAfter(forgetAfter).build());
  }

  /** One run of {@code items} requests to {@code host}, through the keyed limiter. */
  private CompletableFuture<Void> run(KeyedLimiter<String> keyed, int items, String host, SimulatedService service) {
    RunOptions options = RunOptions.builder().timeSource(time).failurePolicy(FailurePolicy.RUN_ALL_THEN_THROW)
        .limiter(keyed.by((String item) -> item.substring(0, 1))).build();
    List<String> work = IntStream.range(0, items).mapToObj(i -> host + i).toList();
    return Meter.with(options).runOnEach(work, item -> service.call(Integer.parseInt(item.substring(1))));
  }

  @Test
  void keyedAdaptiveLimiter_twoHostsOfDifferentCapacity_eachLearnsItsOwn() {
    // Given host a serving 20 requests a second and host b 5, behind one keyed adaptive limiter from 40/s
    List<AdaptiveLimiter.Change> changes = new CopyOnWriteArrayList<>();
    KeyedLimiter<String> perHost = keyed(changes, Duration.ofMinutes(10));
    SimulatedService a = new SimulatedService(time, 20);
    SimulatedService b = new SimulatedService(time, 5);
    long start = time.read();

    // When a run for each host goes through it for two minutes
    CompletableFuture<Void> runA = run(perHost, 100_000, "a", a);
    CompletableFuture<Void> runB = run(perHost, 100_000, "b", b);
    time.advance(Duration.ofMinutes(2));
    runA.cancel(true);
    runB.cancel(true);

    // Then each host is served near its own capacity, with few refusals, and its own limit is in force
    double[] servedA = a.servedPerSecondAndRefusedShare(start, 60, 120);
    double[] servedB = b.servedPerSecondAndRefusedShare(start, 60, 120);
    System.out.printf(java.util.Locale.ROOT, "per host: a %.1f/s (%.1f%% refused), b %.1f/s (%.1f%% refused); limits a %s, b %s%n",
        servedA[0], 100 * servedA[1], servedB[0], 100 * servedB[1], perHost.limits("a").orElseThrow(), perHost.limits("b").orElseThrow());
    assertThat(servedA[0]).as("host a served per second").isBetween(18.0, 20.0);
    assertThat(servedB[0]).as("host b served per second").isBetween(4.5, 5.0);
    assertThat(servedA[1]).as("host a refused").isLessThanOrEqualTo(0.05);
    assertThat(servedB[1]).as("host b refused").isLessThanOrEqualTo(0.05);
    assertThat(perHost.limits("a").orElseThrow().rate().perSecond()).isBetween(18.0, 26.0);
    assertThat(perHost.limits("b").orElseThrow().rate().perSecond()).isBetween(4.5, 6.5);
    assertThat(changes).extracting(AdaptiveLimiter.Change::key).contains("a", "b").doesNotContainNull();
  }

  @Test
  void keyedAdaptiveLimiter_idleKeyWithLoweredLimits_isRememberedUntilForgetAfter() {
    // Given a key whose service refused, so that its limits came down, and then no more work
    List<AdaptiveLimiter.Change> changes = new CopyOnWriteArrayList<>();
    KeyedLimiter<String> perHost = keyed(changes, Duration.ofMinutes(1));
    RunOptions options = RunOptions.builder().timeSource(time).limiter(perHost.by((String item) -> "host")).build();
    Meter.with(options).runOnEach(List.of("x"), item -> CompletableFuture.failedFuture(new OverloadedException("429")));
    time.advance(Duration.ofSeconds(1));
    Limits lowered = perHost.limits("host").orElseThrow();
    assertThat(lowered.rate().perSecond()).isLessThan(40);

    // When it stays idle for less than forgetAfter, then for more
    time.advance(Duration.ofSeconds(50));
    int sizeBefore = perHost.size();
    Limits remembered = perHost.limits("host").orElseThrow();
    time.advance(Duration.ofSeconds(20));

    // Then it kept what it learned at first, and was forgotten after
    assertThat(sizeBefore).isEqualTo(1);
    assertThat(remembered).isEqualTo(lowered);
    assertThat(perHost.size()).isZero();
    assertThat(perHost.limits("host")).isEmpty();
  }

  @Test
  void keyedAdaptiveLimiter_idleKeyAtItsStartingLimits_isForgottenSoon() {
    KeyedLimiter<String> perHost = keyed(new CopyOnWriteArrayList<>(), Duration.ofMinutes(10));
    RunOptions options = RunOptions.builder().timeSource(time).limiter(perHost.by((String item) -> "host")).build();
    Meter.with(options).runOnEach(List.of("x", "y"), item -> CompletableFuture.completedFuture(item));
    time.advance(Duration.ofMillis(10));
    assertThat(perHost.limits("host")).contains(Limits.of(Limits.UNLIMITED, Rate.perSecond(40), 1));

    time.advance(Duration.ofSeconds(1));

    assertThat(perHost.size()).isZero();
  }

  @Test
  void forgetAfter_notPositive_isRejectedNamingIt() {
    AdaptiveConfig.Builder builder = AdaptiveConfig.builder(LimiterConfig.builder().maxPerSecond(1).build());
    assertThatThrownBy(() -> builder.forgetAfter(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("forgetAfter must be a positive duration, but was PT0S");
    assertThatThrownBy(() -> Meter.keyedAdaptiveLimiter(null)).isInstanceOf(NullPointerException.class).hasMessage("config");
  }
}
