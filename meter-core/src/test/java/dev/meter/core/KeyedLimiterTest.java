package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.Amap;
import dev.meter.api.AsyncTask;
import dev.meter.api.KeyedLimiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.RunOptions;
import dev.meter.api.Source;
import dev.meter.api.TimeSource;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** One set of limits per key, created on first use and forgotten when idle. */
class KeyedLimiterTest {
  private final VirtualTime time = VirtualTime.create();

  @Test
  void by_twoKeys_eachHasItsOwnLimit() {
    // Given 2 at once per host, and two runs, one per host, of tasks that take 1 s
    KeyedLimiter<String> perHost = Meter.keyedLimiter(
        LimiterConfig.builder().maxAtOnce(2).timeSource(time).build());
    Probe hostA = new Probe();
    Probe hostB = new Probe();
    RunOptions options = RunOptions.builder()
        .limiter(perHost.by((String url) -> url.substring(0, url.indexOf('/'))))
        .timeSource(time).build();
    AsyncTask<String, String> fetchA = url -> hostA.track(url, time.delay(Duration.ofSeconds(1), url));
    AsyncTask<String, String> fetchB = url -> hostB.track(url, time.delay(Duration.ofSeconds(1), url));

    // When both run at once
    CompletableFuture<Void> runA = Meter.with(options).runOnEach(urls("a.example", 6), fetchA);
    CompletableFuture<Void> runB = Meter.with(options).runOnEach(urls("b.example", 6), fetchB);

    // Then each host has 2 running: one host's limit does not hold back the other
    assertThat(hostA.active.get()).isEqualTo(2);
    assertThat(hostB.active.get()).isEqualTo(2);
    time.advance(Duration.ofSeconds(3));
    assertThat(runA).isCompleted();
    assertThat(runB).isCompleted();
    assertThat(hostA.peak.get()).isEqualTo(2);
    assertThat(hostB.peak.get()).isEqualTo(2);
    assertThat(perHost.stats().succeeded()).isEqualTo(12);
  }

  @Test
  void pauseFor_oneKey_holdsOnlyThatKey() {
    KeyedLimiter<String> perHost = Meter.keyedLimiter(
        LimiterConfig.builder().timeSource(time).build());
    RunOptions options = RunOptions.builder()
        .limiter(perHost.by((String url) -> url.substring(0, url.indexOf('/'))))
        .timeSource(time).build();
    perHost.pauseFor("a.example", Duration.ofSeconds(30));

    CompletableFuture<Void> runA = Meter.with(options).runOnEach(urls("a.example", 3), CompletableFuture::completedFuture);
    CompletableFuture<Void> runB = Meter.with(options).runOnEach(urls("b.example", 3), CompletableFuture::completedFuture);

    assertThat(runB).isCompleted();
    assertThat(runA).isNotDone();
    time.advance(Duration.ofSeconds(30));
    assertThat(runA).isCompleted();
  }

  @Test
  void by_millionDistinctKeys_memoryDoesNotGrowWithTheKeysSeen() {
    // Given a per-key limit of 10/s, on a clock that moves 10 µs per item
    AtomicLong clock = new AtomicLong();
    KeyedLimiter<Integer> perUser = Meter.keyedLimiter(
        LimiterConfig.builder().maxAtOnce(1).maxPerSecond(10).timeSource(clockOnly(clock)).build());
    RunOptions options = RunOptions.builder().limiter(perUser.by((Integer user) -> user)).timeSource(clockOnly(clock)).build();
    Iterator<Integer> users = IntStream.range(0, 1_000_000).peek(i -> clock.addAndGet(10_000)).iterator();

    // When a million users each make one call
    long most = 0;
    long count = 0;
    try (Amap<Integer> calls = Meter.with(options).amap(Source.from(users), CompletableFuture::completedFuture)) {
      for (Integer ignored : calls) {
        count++;
        most = Math.max(most, perUser.size());
      }
    }

    // Then keys idle for one interval (100 ms = 10,000 items) are forgotten as new ones come:
    // the map holds about the keys of the last interval, never the million
    assertThat(count).isEqualTo(1_000_000);
    assertThat(most).isLessThan(25_000);
    assertThat(perUser.stats().started()).isEqualTo(1_000_000);
  }

  /** A clock moved by hand whose timers never fire: only the sweeps that new keys pay for run. */
  private static TimeSource clockOnly(AtomicLong clock) {
    return new TimeSource() {
      @Override
      public long read() {
        return clock.get();
      }

      @Override
      public Scheduled schedule(Runnable callback, long delayNanos) {
        return () -> {};
      }
    };
  }

  @Test
  void by_nullKey_failsTheRunWithAClearMessage() {
    KeyedLimiter<String> keyed = Meter.keyedLimiter(LimiterConfig.builder().maxAtOnce(1).build());
    RunOptions options = RunOptions.builder().limiter(keyed.by((String s) -> s.isEmpty() ? null : s)).build();

    CompletableFuture<Void> run = Meter.with(options).runOnEach(List.of("a", ""), CompletableFuture::completedFuture);

    assertThatThrownBy(run::join).hasCauseInstanceOf(NullPointerException.class)
        .hasMessageContaining("returned null for item ");
    assertThat(keyed.stats().running()).isZero();
  }

  private static List<String> urls(String host, int n) {
    return IntStream.range(0, n).mapToObj(i -> host + "/page" + i).toList();
  }
}
