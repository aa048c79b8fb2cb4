package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.Amap;
import dev.meter.api.AsyncCall;
import dev.meter.api.FailurePolicy;
import dev.meter.api.ItemResult;
import dev.meter.api.KeyedLimiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.OverloadedException;
import dev.meter.api.RetryPolicy;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import dev.meter.api.TaskTimeoutException;
import dev.meter.api.TasksFailedException;
import dev.meter.api.event.MeterListener;
import dev.meter.api.event.MeterStats;
import dev.meter.api.event.StatsRecorder;
import dev.meter.api.event.TaskEvent;
import dev.meter.testing.VirtualTime;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Retries inside a run, in virtual time: backoff, attempts, Retry-After, limits, views, cancellation. */
class RetryTest {
  private final VirtualTime time = VirtualTime.create();
  /** Each item's attempt start times, by the virtual clock. */
  private final Map<Integer, List<Long>> starts = new ConcurrentHashMap<>();

  /** Exact delays: 100 ms, doubling; 5 attempts. */
  private static RetryPolicy.Builder exact() {
    return RetryPolicy.builder().maxAttempts(5).backoff(Duration.ofMillis(100), Duration.ofSeconds(30)).jitter(0);
  }

  private RunOptions.Builder options(RetryPolicy retry) {
    return RunOptions.builder().timeSource(time).retry(retry);
  }

  /** A task that takes 10 ms and fails the first {@code failures} attempts of each item with an IOException. */
  private CompletableFuture<Integer> failingFirst(int item, int failures) {
    List<Long> mine = starts.computeIfAbsent(item, key -> Collections.synchronizedList(new ArrayList<>()));
    mine.add(time.read());
    int attempt = mine.size();
    return time.delay(Duration.ofMillis(10), item).thenApply(value -> {
      if (attempt <= failures) {
        throw new CompletionException(new IOException("item " + item + " attempt " + attempt));
      }
      return value;
    });
  }

  private static long ms(long nanos) {
    return Duration.ofNanos(nanos).toMillis();
  }

  private List<Long> startMillis(int item) {
    return starts.get(item).stream().map(RetryTest::ms).toList();
  }

  @Test
  void retry_failingTwice_startsAgainAfterExponentialBackoff_andSucceeds() throws Exception {
    // Given a policy of 100 ms doubling, and a task failing its first two attempts
    Meter meter = Meter.with(options(exact().build()).build());

    // When it runs
    List<ItemResult<Integer, Integer>> results = time.autoAdvance(() -> {
      try (Amap<ItemResult<Integer, Integer>> all = meter.amapResults(List.of(7), item -> failingFirst(item, 2))) {
        List<ItemResult<Integer, Integer>> got = new ArrayList<>();
        all.forEach(got::add);
        return got;
      }
    });

    // Then attempts start at 0, 10 + 100 and 120 + 200 ms, and the third succeeds, reported as such
    assertThat(startMillis(7)).containsExactly(0L, 110L, 320L);
    assertThat(results).singleElement().satisfies(result -> {
      assertThat(result.outcome().getOrThrow()).isEqualTo(7);
      assertThat(result.attempts()).isEqualTo(3);
    });
  }

  @Test
  void retry_attemptsSpent_theItemFailsWithItsLastFailure() throws Exception {
    // Given 3 attempts at most and a task that always fails
    Meter meter = Meter.with(options(exact().maxAttempts(3).build()).build());

    List<ItemResult<Integer, Integer>> results = time.autoAdvance(() -> {
      try (Amap<ItemResult<Integer, Integer>> all = meter.amapResults(List.of(1, 2), item -> failingFirst(item, 99))) {
        List<ItemResult<Integer, Integer>> got = new ArrayList<>();
        all.forEach(got::add);
        return got;
      }
    });

    // Then each item ran 3 times and reports the third attempt's failure
    assertThat(results).hasSize(2).allSatisfy(result -> {
      assertThat(result.attempts()).isEqualTo(3);
      assertThat(result.outcome().failureOrNull()).isInstanceOf(IOException.class)
          .hasMessage("item " + result.item() + " attempt 3");
    });
    assertThat(starts.get(1)).hasSize(3);
  }

  @Test
  void retry_failFast_aFailureThatIsRetriedDoesNotStopTheRun() {
    // Given fail-fast (the default), 10 items of which every third fails twice
    CompletableFuture<Void> run = Meter.with(options(exact().build()).build())
        .runOnEach(IntStream.range(0, 10).boxed().toList(), item -> failingFirst(item, item % 3 == 0 ? 2 : 0));

    // When time passes
    time.advanceUntilIdle(Duration.ofMinutes(1));

    // Then the run succeeded: every item succeeded in the end
    assertThat(run).isCompleted();
    run.join();
    assertThat(starts.get(0)).hasSize(3);
    assertThat(starts.get(1)).hasSize(1);
  }

  @Test
  void retry_failFast_anItemWhoseAttemptsAreSpent_failsTheRunWithItsLastFailure() {
    CompletableFuture<Void> run = Meter.with(options(exact().maxAttempts(2).build()).build())
        .runOnEach(List.of(0, 1), item -> failingFirst(item, item == 1 ? 99 : 0));
    time.advanceUntilIdle(Duration.ofMinutes(1));
    assertThatThrownBy(run::join).hasCauseInstanceOf(IOException.class).cause().hasMessage("item 1 attempt 2");
  }

  @Test
  void retry_runAllThenThrow_countsOnlyItemsWhoseAttemptsAreSpent() {
    // Given run-all-then-throw, items 0..4 of which 1 fails once and 3 always
    CompletableFuture<List<Integer>> run = Meter.with(options(exact().maxAttempts(3).build())
            .failurePolicy(FailurePolicy.RUN_ALL_THEN_THROW).build())
        .runAll(IntStream.range(0, 5).<AsyncCall<Integer>>mapToObj(i -> () -> failingFirst(i, i == 1 ? 1 : i == 3 ? 99 : 0)).toList());

    time.advanceUntilIdle(Duration.ofMinutes(1));

    // Then one failure: item 3's last
    assertThatThrownBy(run::join).cause().isInstanceOfSatisfying(TasksFailedException.class, failed -> {
      assertThat(failed).hasMessage("1 of 5 tasks failed");
      assertThat(failed.failures()).singleElement().satisfies(one -> assertThat(one).hasMessage("item 3 attempt 3"));
    });
  }

  @Test
  void retry_amapOrdered_keepsTheRetriedItemInItsPlace() throws Exception {
    // Given amapOrdered, and item 0 failing twice while the others succeed at once
    Meter meter = Meter.with(options(exact().build()).build());

    List<Integer> results = time.autoAdvance(() -> {
      try (Amap<Integer> all = meter.amapOrdered(IntStream.range(0, 6).boxed().toList(), item -> failingFirst(item, item == 0 ? 2 : 0))) {
        List<Integer> got = new ArrayList<>();
        all.forEach(got::add);
        return got;
      }
    });

    // Then item 0 comes first, after its third attempt
    assertThat(results).containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(starts.get(0)).hasSize(3);
  }

  @Test
  void retry_amapOrdered_fullBuffer_stillStartsTheRetryItWaitsFor() throws Exception {
    // Given a buffer of 2 in input order, and item 0 failing once: items 1 and 2 fill the buffer
    Meter meter = Meter.with(options(exact().build()).bufferSize(2).build());

    List<Integer> results = time.autoAdvance(() -> {
      try (Amap<Integer> all = meter.amapOrdered(IntStream.range(0, 8).boxed().toList(), item -> failingFirst(item, item == 0 ? 1 : 0))) {
        List<Integer> got = new ArrayList<>();
        all.forEach(got::add);
        return got;
      }
    });

    // Then the retry still starts, and everything comes in order
    assertThat(results).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
  }

  @Test
  void retry_runAny_triesAgainUntilASuccess() {
    CompletableFuture<Integer> any = Meter.with(options(exact().build()).build())
        .runAny(List.<AsyncCall<Integer>>of(() -> failingFirst(5, 3)));
    time.advanceUntilIdle(Duration.ofMinutes(1));
    assertThat(any.join()).isEqualTo(5);
    assertThat(starts.get(5)).hasSize(4);
  }

  @Test
  void retry_retryOnNotMatching_failsAtTheFirstAttempt() throws Exception {
    // Given a policy that retries only timeouts, and a task failing with an IOException
    Meter meter = Meter.with(options(exact().retryOn(failure -> failure instanceof TaskTimeoutException).build()).build());

    List<ItemResult<Integer, Integer>> results = time.autoAdvance(() -> {
      try (Amap<ItemResult<Integer, Integer>> all = meter.amapResults(List.of(1), item -> failingFirst(item, 1))) {
        List<ItemResult<Integer, Integer>> got = new ArrayList<>();
        all.forEach(got::add);
        return got;
      }
    });

    assertThat(results).singleElement().satisfies(result -> {
      assertThat(result.attempts()).isEqualTo(1);
      assertThat(result.outcome().failureOrNull()).isInstanceOf(IOException.class);
    });
  }

  @Test
  void retry_retryOnThrows_theItemFailsWithWhatItThrew_theTaskFailureAttached() {
    IllegalStateException broken = new IllegalStateException("predicate broke");
    CompletableFuture<List<dev.meter.api.Outcome<Integer>>> all = Meter.with(options(exact().retryOn(failure -> {
      throw broken;
    }).build()).build()).runAllOutcomes(List.<AsyncCall<Integer>>of(() -> failingFirst(1, 1)));
    time.advanceUntilIdle(Duration.ofMinutes(1));
    assertThat(all.join().get(0).failureOrNull()).isSameAs(broken);
    assertThat(broken.getSuppressed()).singleElement().isInstanceOf(IOException.class);
  }

  @Test
  void retry_overloadedWithRetryAfter_waitsAtLeastThatLong() {
    // Given a 100 ms backoff, and a service answering the first attempt with Retry-After: 2 s
    AtomicInteger attempts = new AtomicInteger();
    List<Long> at = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<List<Integer>> all = Meter.with(options(exact().build()).build())
        .runAll(List.<AsyncCall<Integer>>of(() -> {
          at.add(time.read());
          return attempts.incrementAndGet() == 1
              ? CompletableFuture.failedFuture(new OverloadedException("429", Duration.ofSeconds(2)))
              : CompletableFuture.completedFuture(1);
        }));

    time.advanceUntilIdle(Duration.ofMinutes(1));

    // Then the second attempt started 2 s after the first
    assertThat(all.join()).containsExactly(1);
    assertThat(at.stream().map(RetryTest::ms).toList()).containsExactly(0L, 2_000L);
  }

  @Test
  void retry_retryAfterBeyondMaxDelay_endsTheAttemptsWithThatFailure() {
    RetryPolicy policy = exact().backoff(Duration.ofMillis(100), Duration.ofSeconds(5)).build();
    CompletableFuture<List<dev.meter.api.Outcome<Integer>>> all = Meter.with(options(policy).build())
        .runAllOutcomes(List.<AsyncCall<Integer>>of(
            () -> CompletableFuture.failedFuture(new OverloadedException("429", Duration.ofSeconds(60)))));
    time.advanceUntilIdle(Duration.ofMinutes(1));
    assertThat(all.join().get(0).failureOrNull()).isInstanceOf(OverloadedException.class).hasMessage("429");
    assertThat(time.read()).isZero();  // nothing waited
  }

  @Test
  void retry_aCancellationIsNeverRetried() {
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<List<dev.meter.api.Outcome<Integer>>> all = Meter.with(options(exact().retryOn(failure -> true).build()).build())
        .runAllOutcomes(List.<AsyncCall<Integer>>of(() -> {
          calls.incrementAndGet();
          CompletableFuture<Integer> cancelled = new CompletableFuture<>();
          cancelled.cancel(false);
          return cancelled;
        }));
    time.advanceUntilIdle(Duration.ofMinutes(1));
    assertThat(all.join().get(0).failureOrNull()).isInstanceOf(java.util.concurrent.CancellationException.class);
    assertThat(calls).hasValue(1);
  }

  @Test
  void retry_cancelDuringBackoff_settlesTheItemCancelled_andNothingStartsAgain() throws Exception {
    // Given a listener, and an item that fails and backs off for 100 ms
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    MeterListener listener = new MeterListener() {
      @Override
      public void onStarted(TaskEvent event) {
        events.add("started#" + event.attempt());
      }

      @Override
      public void onRetrying(TaskEvent event, Throwable failure, Duration delay) {
        events.add("retrying#" + event.attempt() + " after " + delay.toMillis() + " ms");
      }

      @Override
      public void onCancelled(TaskEvent event) {
        events.add("cancelled#" + event.attempt() + (event.started() ? " started" : " unstarted"));
      }
    };
    CompletableFuture<Void> run = Meter.with(options(exact().build()).listener(listener).build())
        .runOnEach(List.of(1), item -> failingFirst(item, 99));
    time.advance(Duration.ofMillis(50));  // the first attempt failed at 10 ms; the retry is due at 110 ms

    // When the run is cancelled during the backoff
    run.cancel(true);
    time.advance(Duration.ofSeconds(10));

    // Then the item is cancelled before its second attempt, which never starts, and no timer is left
    assertThat(events).containsExactly("started#1", "retrying#1 after 100 ms", "cancelled#2 unstarted");
    assertThat(starts.get(1)).hasSize(1);
    assertThat(time.pendingTimers()).isZero();
  }

  @Test
  void retry_listener_hearsEachAttempt_andStatsCountRetries() {
    // Given a listener and a recorder, and an item failing twice
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    StatsRecorder stats = new StatsRecorder();
    MeterListener listener = new MeterListener() {
      @Override
      public void onWaiting(TaskEvent event) {
        events.add("waiting#" + event.attempt());
      }

      @Override
      public void onStarted(TaskEvent event) {
        events.add("started#" + event.attempt() + " waited " + ms(event.waitedNanos()));
      }

      @Override
      public void onRetrying(TaskEvent event, Throwable failure, Duration delay) {
        events.add("retrying#" + event.attempt() + " ran " + ms(event.ranNanos()) + ": " + failure.getMessage());
      }

      @Override
      public void onSucceeded(TaskEvent event) {
        events.add("succeeded#" + event.attempt());
      }
    };
    CompletableFuture<Void> run = Meter.with(options(exact().build()).listener(listener).listener(stats).build())
        .runOnEach(List.of(4), item -> failingFirst(item, 2));

    time.advanceUntilIdle(Duration.ofMinutes(1));

    // Then each attempt starts after its backoff, and the counters balance
    run.join();
    assertThat(events).containsExactly(
        "waiting#1", "started#1 waited 0",
        "retrying#1 ran 10: item 4 attempt 1", "started#2 waited 100",
        "retrying#2 ran 10: item 4 attempt 2", "started#3 waited 200",
        "succeeded#3");
    assertThat(stats.snapshot()).isEqualTo(new MeterStats(0, 0, 3, 1, 0, 0, 2, Duration.ofMillis(300)));
  }

  @Test
  void retry_throughARateLimit_everyAttemptTakesAPermit_withinTheEnvelope() {
    // Given 10 starts per second, burst 3, and 200 items of which a third fail once or twice
    RetryPolicy policy = exact().backoff(Duration.ofMillis(50), Duration.ofSeconds(1)).jitter(0.5).build();
    CompletableFuture<Void> run = Meter.with(options(policy).maxPerSecond(10).maxBurst(3).build())
        .runOnEach(IntStream.range(0, 200).boxed().toList(), item -> failingFirst(item, item % 3 == 0 ? item % 2 + 1 : 0));

    time.advanceUntilIdle(Duration.ofHours(1));

    // Then every item succeeded, and all attempts' starts together keep to the rate's envelope
    run.join();
    List<Long> all = starts.values().stream().flatMap(List::stream).toList();
    int expected = 200 + IntStream.range(0, 200).filter(i -> i % 3 == 0).map(i -> i % 2 + 1).sum();
    assertThat(all).hasSize(expected);
    RateEnvelope.assertWithin(all, 10, 3);
  }

  @Test
  void retry_throughASharedLimiter_eachAttemptIsAStart_andConcurrencyHolds() {
    // Given a shared limiter of 2 at once, and 20 items that each fail once
    SharedLimiter shared = Meter.limiter(LimiterConfig.builder().maxAtOnce(2).timeSource(time).build());
    AtomicInteger runningNow = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    CompletableFuture<Void> run = Meter.with(options(exact().build()).limiter(shared).build())
        .runOnEach(IntStream.range(0, 20).boxed().toList(), item -> {
          mostAtOnce.accumulateAndGet(runningNow.incrementAndGet(), Math::max);
          return failingFirst(item, 1).whenComplete((value, failure) -> runningNow.decrementAndGet());
        });

    time.advanceUntilIdle(Duration.ofHours(1));

    // Then 40 starts went through it, never more than 2 at once, 20 of them retried
    run.join();
    assertThat(mostAtOnce.get()).isEqualTo(2);
    MeterStats stats = shared.stats();
    assertThat(stats.started()).isEqualTo(40);
    assertThat(stats.retried()).isEqualTo(20);
    assertThat(stats.succeeded()).isEqualTo(20);
    assertThat(stats.running()).isZero();
    assertThat(stats.waiting()).isZero();
  }

  @Test
  void retry_keyedLimiter_retriesHeldAsideDoNotBlockOtherKeys() {
    // Given one at a time per key, a lookahead of 0 (strict order for refused items), and items of
    // 4 keys in which key 0's items fail once
    KeyedLimiter<Integer> perKey = Meter.keyedLimiter(LimiterConfig.builder().maxAtOnce(1).timeSource(time).build());
    Map<Integer, AtomicInteger> runningPerKey = new ConcurrentHashMap<>();
    AtomicInteger mostPerKey = new AtomicInteger();
    CompletableFuture<Void> run = Meter.with(options(exact().build()).lookahead(0)
            .limiter(perKey.by(item -> (Integer) item % 4)).build())
        .runOnEach(IntStream.range(0, 40).boxed().toList(), item -> {
          AtomicInteger mine = runningPerKey.computeIfAbsent(item % 4, key -> new AtomicInteger());
          mostPerKey.accumulateAndGet(mine.incrementAndGet(), Math::max);
          return failingFirst(item, item % 4 == 0 ? 1 : 0).whenComplete((value, failure) -> mine.decrementAndGet());
        });

    time.advanceUntilIdle(Duration.ofHours(1));

    // Then all succeeded, never two of one key at once
    run.join();
    assertThat(mostPerKey.get()).isEqualTo(1);
    assertThat(starts.values().stream().mapToInt(List::size).sum()).isEqualTo(50);
  }

  @Test
  void retry_taskTimeout_isRetried_andTheNextAttemptHasItsOwnTimeout() {
    // Given a 1 s timeout, and a task that hangs on its first attempt and takes 900 ms on the second
    AtomicInteger attempts = new AtomicInteger();
    CompletableFuture<List<Integer>> all = Meter.with(options(exact().build()).taskTimeout(Duration.ofSeconds(1)).build())
        .runAll(List.<AsyncCall<Integer>>of(() -> attempts.incrementAndGet() == 1
            ? new CompletableFuture<>()
            : time.delay(Duration.ofMillis(900), 2)));

    time.advanceUntilIdle(Duration.ofMinutes(1));

    // Then the second attempt ran its 900 ms and succeeded, 1.1 s after the first started
    assertThat(all.join()).containsExactly(2);
    assertThat(ms(time.read())).isEqualTo(2_000);
    assertThat(time.pendingTimers()).isZero();
  }

  @Test
  void retry_blockingTask_isCalledAgain() {
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<List<String>> all = Meter.with(RunOptions.builder()
            .retry(RetryPolicy.builder().backoff(Duration.ZERO, Duration.ZERO).build()).build())
        .runAll(List.of(Meter.blocking(() -> {
          if (calls.incrementAndGet() < 3) {
            throw new IOException("not yet");
          }
          return "done";
        })));
    assertThat(all.join()).containsExactly("done");
    assertThat(calls).hasValue(3);
  }
}
