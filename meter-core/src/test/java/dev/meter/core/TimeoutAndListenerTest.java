package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.LimiterConfig;
import dev.meter.api.event.MeterListener;
import dev.meter.api.event.MeterStats;
import dev.meter.api.Outcome;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import dev.meter.api.event.StatsRecorder;
import dev.meter.api.event.TaskEvent;
import dev.meter.api.TaskTimeoutException;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Per-task timeouts, listeners and counters, in virtual time. */
class TimeoutAndListenerTest {
  private final VirtualTime time = VirtualTime.create();

  private RunOptions.Builder options() {
    return RunOptions.builder().timeSource(time);
  }

  @Test
  void taskTimeout_slowTask_isCancelledAndFailsNamingItsIndex() {
    // Given a 1 s timeout and tasks taking 0.5 s, 5 s and 0.5 s
    Probe probe = new Probe();
    List<Duration> takes = List.of(Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofMillis(500));
    CompletableFuture<List<Outcome<Integer>>> all = Meter.with(options().taskTimeout(Duration.ofSeconds(1)).build())
        .runAllOutcomes(IntStream.range(0, 3).<dev.meter.api.AsyncCall<Integer>>mapToObj(
            i -> () -> probe.track(i, time.delay(takes.get(i), i))).toList());

    // When a second passes
    time.advance(Duration.ofSeconds(1));

    // Then the slow one was cancelled at 1 s and failed with a timeout naming index 1
    assertThat(all).isCompleted();
    List<Outcome<Integer>> outcomes = all.join();
    assertThat(outcomes.get(0).getOrThrow()).isZero();
    assertThat(outcomes.get(2).getOrThrow()).isEqualTo(2);
    assertThat(outcomes.get(1).failureOrNull()).isInstanceOfSatisfying(TaskTimeoutException.class, timeout -> {
      assertThat(timeout.index()).isEqualTo(1);
      assertThat(timeout).hasMessage("task 1 timed out after PT1S");
    });
    assertThat(probe.active.get()).isZero();
    assertThat(time.pendingTimers()).isZero();  // the other timeouts were cancelled when their tasks ended
  }

  @Test
  void taskTimeout_failFast_failsTheRunWithTheTimeout() {
    CompletableFuture<Void> run = Meter.with(options().taskTimeout(Duration.ofSeconds(2)).build())
        .runOnEach(List.of(1, 2), i -> time.delay(Duration.ofSeconds(10), i));
    time.advance(Duration.ofSeconds(2));
    assertThatThrownBy(run::join).hasCauseInstanceOf(TaskTimeoutException.class);
  }

  @Test
  void taskTimeout_zeroOrNegative_isRejected() {
    assertThatThrownBy(() -> RunOptions.builder().taskTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("taskTimeout must be a positive duration, but was PT0S");
  }

  @Test
  void listener_eachTask_waitingThenStartedThenOneEnd_withTheTimeWaited() {
    // Given a listener recording events per item, and a run at 1 start per second with mixed endings
    Map<Object, List<String>> events = new ConcurrentHashMap<>();
    MeterListener recorder = new MeterListener() {
      private void add(TaskEvent event, String what) {
        events.computeIfAbsent(event.item(), item -> new ArrayList<>()).add(what + "@" + event.waitedNanos());
      }

      @Override
      public void onWaiting(TaskEvent event) {
        add(event, "waiting");
      }

      @Override
      public void onStarted(TaskEvent event) {
        add(event, "started");
      }

      @Override
      public void onSucceeded(TaskEvent event) {
        add(event, "succeeded");
      }

      @Override
      public void onFailed(TaskEvent event, Throwable failure) {
        add(event, "failed:" + failure.getMessage());
      }

      @Override
      public void onCancelled(TaskEvent event) {
        add(event, "cancelled");
      }
    };
    StatsRecorder stats = new StatsRecorder();
    CompletableFuture<Void> run = Meter.with(options().maxPerSecond(1).failurePolicy(dev.meter.api.FailurePolicy.RUN_ALL_THEN_THROW)
            .listener(recorder).listener(stats).build())
        .runOnEach(List.of("ok", "bad", "slow", "never"), item -> switch (item) {
          case "bad" -> CompletableFuture.failedFuture(new IllegalStateException("bad item"));
          case "slow" -> time.delay(Duration.ofHours(1), item);
          default -> CompletableFuture.completedFuture(item);
        });

    // When three have started (at 0, 1 and 2 s) and the run is cancelled at 2.5 s
    time.advance(Duration.ofMillis(2_500));
    MeterStats during = stats.snapshot();
    run.cancel(true);

    // Then every item has waiting, then started, then one end; "never" was dropped while it waited
    long second = 1_000_000_000L;
    assertThat(events.get("ok")).containsExactly("waiting@0", "started@0", "succeeded@0");
    assertThat(events.get("bad")).containsExactly("waiting@0", "started@" + second, "failed:bad item@" + second);
    assertThat(events.get("slow")).containsExactly("waiting@0", "started@" + second, "cancelled@" + second);
    assertThat(events.get("never")).containsExactly("waiting@0", "cancelled@" + second / 2);
    assertThat(during).isEqualTo(new MeterStats(1, 1, 3, 1, 1, 0, Duration.ofSeconds(2)));
    assertThat(stats.snapshot()).isEqualTo(new MeterStats(0, 0, 3, 1, 1, 2, Duration.ofMillis(2_500)));
  }

  @Test
  void listener_thatThrows_neverBreaksTheRun() {
    MeterListener broken = new MeterListener() {
      @Override
      public void onStarted(TaskEvent event) {
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void onSucceeded(TaskEvent event) {
        throw new AssertionError("listener bug");
      }
    };
    List<Integer> all = Meter.with(options().listener(broken).build())
        .runAll(List.<dev.meter.api.AsyncCall<Integer>>of(() -> CompletableFuture.completedFuture(1),
            () -> CompletableFuture.completedFuture(2))).join();
    assertThat(all).containsExactly(1, 2);
  }

  @Test
  void sharedLimiter_stats_countEveryRunThroughIt() {
    SharedLimiter limiter = Meter.limiter(LimiterConfig.builder().maxAtOnce(2).timeSource(time).build());
    RunOptions options = options().limiter(limiter).build();
    Meter.with(options).runOnEach(List.of(1, 2, 3), i -> time.delay(Duration.ofSeconds(1), i));
    Meter.with(options).runOnEach(List.of(4, 5), i -> time.delay(Duration.ofSeconds(1), i));

    MeterStats busy = limiter.stats();
    assertThat(busy.running()).isEqualTo(2);
    assertThat(busy.waiting()).isEqualTo(2);  // one item per run waits for the shared limit

    time.advance(Duration.ofSeconds(3));
    MeterStats done = limiter.stats();
    assertThat(done.started()).isEqualTo(5);
    assertThat(done.succeeded()).isEqualTo(5);
    assertThat(done.running()).isZero();
    assertThat(done.waiting()).isZero();
  }

  @Test
  void sharedLimiter_stats_countFailuresAndItemsDroppedBeforeTheirStart() {
    // Given a limiter of 1 at once and a fail-fast run whose first task fails after 1 s
    SharedLimiter limiter = Meter.limiter(LimiterConfig.builder().maxAtOnce(1).timeSource(time).build());
    CompletableFuture<Void> run = Meter.with(options().limiter(limiter).build()).runOnEach(List.of(1, 2, 3),
        i -> time.delay(Duration.ofSeconds(1), i).thenApply(x -> {
          throw new IllegalStateException("item " + x);
        }));

    // When the failure stops the run
    time.advance(Duration.ofSeconds(1));

    // Then the limiter counted one failed start and one item dropped after waiting 1 s; nothing is left
    assertThat(run).isCompletedExceptionally();
    MeterStats stats = limiter.stats();
    assertThat(stats.started()).isEqualTo(1);
    assertThat(stats.failed()).isEqualTo(1);
    assertThat(stats.cancelled()).isEqualTo(1);
    assertThat(stats.totalWaited()).isEqualTo(Duration.ofSeconds(1));
    assertThat(stats.running()).isZero();
    assertThat(stats.waiting()).isZero();
  }
}
