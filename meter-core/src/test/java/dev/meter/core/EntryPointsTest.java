package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.Amap;
import dev.meter.api.AsyncCall;
import dev.meter.api.ItemResult;
import dev.meter.api.Outcome;
import dev.meter.api.RunOptions;
import dev.meter.api.Runner;
import dev.meter.api.TasksFailedException;
import dev.meter.testing.VirtualTime;
import java.util.Arrays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The four entry points, Given / When / Then, in virtual time so that completion order is known. */
class EntryPointsTest {
  private final VirtualTime time = VirtualTime.create();

  private RunOptions.Builder options() {
    return RunOptions.builder().timeSource(time);
  }

  /** Item i takes {@code delays[i]} ms of virtual time and yields "r" + i. */
  private AsyncCallFactory delayed(int... delaysMs) {
    return i -> time.delay(Duration.ofMillis(delaysMs[i]), "r" + i);
  }

  private interface AsyncCallFactory {
    CompletableFuture<String> start(int item);
  }

  private static List<Integer> items(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  @ParameterizedTest(name = "maxAtOnce {0}")
  @ValueSource(ints = {1, 2, 5, 10, 20})
  void runOnEach_maxAtOnce_peakRunningNeverAboveTheLimitAndReachesIt(int maxAtOnce) {
    // Given tasks of uneven length
    Probe probe = new Probe();
    Runner runner = Meter.with(options().maxAtOnce(maxAtOnce).build());
    // When 100 of them run
    CompletableFuture<Void> run = runner.runOnEach(items(100),
        i -> probe.track(i, time.delay(Duration.ofMillis(1 + (i * 7) % 13), i)));
    time.advanceUntilIdle(Duration.ofMinutes(1));
    // Then the peak equals the limit, and every task ran and ended
    assertThat(run).isCompleted();
    assertThat(probe.peak.get()).isEqualTo(maxAtOnce);
    assertThat(probe.started).hasSize(100);
    assertThat(probe.active.get()).isZero();
  }

  @Test
  void amap_yieldsResultsInCompletionOrder() {
    AsyncCallFactory task = delayed(30, 10, 20);
    try (Amap<String> results = Meter.with(options().build()).amap(items(3), task::start)) {
      var iterator = results.iterator();
      time.advance(Duration.ofMillis(30));
      List<String> seen = new ArrayList<>();
      iterator.forEachRemaining(seen::add);
      assertThat(seen).containsExactly("r1", "r2", "r0");
    }
  }

  @Test
  void amapOrdered_yieldsResultsInInputOrder() {
    AsyncCallFactory task = delayed(30, 10, 20, 5);
    try (Amap<String> results = Meter.with(options().maxAtOnce(2).build()).amapOrdered(items(4), task::start)) {
      var iterator = results.iterator();
      time.advanceUntilIdle(Duration.ofSeconds(1));
      List<String> seen = new ArrayList<>();
      iterator.forEachRemaining(seen::add);
      assertThat(seen).containsExactly("r0", "r1", "r2", "r3");
    }
  }

  @Test
  void amapOrdered_slowFirstItem_reorderBufferBoundsTheStarts() {
    // Given item 0 never finishes, the others finish at once, and a buffer of 3
    Probe probe = new Probe();
    CompletableFuture<String> never = new CompletableFuture<>();
    Runner runner = Meter.with(options().maxAtOnce(2).bufferSize(3).build());
    try (Amap<String> results = runner.amapOrdered(items(100),
        i -> probe.track(i, i == 0 ? never : CompletableFuture.completedFuture("r" + i)))) {
      // When the consumer waits for the first result
      results.iterator();
      // Then only item 0 plus three finished ones (waiting behind it) have started
      assertThat(probe.started).hasSize(4);
      never.complete("r0");
    }
  }

  @Test
  void amapResults_always_carriesPositionInputAndOutcome() {
    Runner runner = Meter.with(options().build());
    IllegalStateException boom = new IllegalStateException("boom");
    List<ItemResult<String, Integer>> results = new ArrayList<>();
    try (Amap<ItemResult<String, Integer>> amap = runner.amapOrderedResults(List.of("a", "bb", "ccc"),
        s -> s.length() == 2 ? CompletableFuture.failedFuture(boom) : CompletableFuture.completedFuture(s.length()))) {
      amap.forEach(results::add);
    }
    assertThat(results).containsExactly(
        new ItemResult<>(0, "a", Outcome.success(1)),
        new ItemResult<>(1, "bb", Outcome.failure(boom)),
        new ItemResult<>(2, "ccc", Outcome.success(3)));
  }

  @Test
  void amapResults_nullItem_isCarriedAsNullNotAsAbsent() {
    List<ItemResult<String, Integer>> results = new ArrayList<>();
    try (Amap<ItemResult<String, Integer>> amap = Meter.with(options().build())
        .amapOrderedResults(Arrays.asList("a", null), s -> CompletableFuture.completedFuture(s == null ? 0 : 1))) {
      amap.forEach(results::add);
    }
    assertThat(results).containsExactly(
        new ItemResult<>(0, "a", Outcome.success(1)), new ItemResult<>(1, null, Outcome.success(0)));
  }

  @Test
  void runAll_returnsEveryResultInInputOrder() throws Exception {
    List<AsyncCall<String>> calls = List.of(
        () -> time.delay(Duration.ofMillis(30), "a"),
        () -> time.delay(Duration.ofMillis(10), "b"),
        () -> CompletableFuture.completedFuture(null));
    CompletableFuture<List<String>> all = Meter.with(options().maxAtOnce(2).build()).runAll(calls);
    time.advanceUntilIdle(Duration.ofSeconds(1));
    assertThat(all.get()).containsExactly("a", "b", null);
  }

  @Test
  void runAllOutcomes_keepsEveryFailureAsAValue() throws Exception {
    RuntimeException boom = new RuntimeException("boom");
    List<AsyncCall<Integer>> calls = List.of(
        () -> CompletableFuture.completedFuture(1),
        () -> {
          throw boom;
        },
        () -> null);
    List<Outcome<Integer>> outcomes = Meter.with(options().build()).runAllOutcomes(calls).get(5, TimeUnit.SECONDS);
    assertThat(outcomes.get(0)).isEqualTo(Outcome.success(1));
    assertThat(outcomes.get(1).failureOrNull()).isSameAs(boom);
    assertThat(outcomes.get(2).failureOrNull()).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("null CompletionStage");
  }

  @Test
  void runAny_firstSuccessWins_andTheRestAreCancelled() throws Exception {
    // Given a fast failure, a fast success, and two slow tasks
    Probe probe = new Probe();
    List<AsyncCall<String>> calls = List.of(
        () -> probe.track("fail", time.delay(Duration.ofMillis(1), "x").thenApply(x -> {
          throw new IllegalStateException("mirror down");
        })),
        () -> probe.track("fast", time.delay(Duration.ofMillis(5), "fast")),
        () -> probe.track("slow1", time.delay(Duration.ofSeconds(5), "slow1")),
        () -> probe.track("slow2", time.delay(Duration.ofSeconds(5), "slow2")));
    // When they race
    CompletableFuture<String> any = Meter.with(options().build()).runAny(calls);
    time.advance(Duration.ofMillis(5));
    // Then the success wins and the slow ones were cancelled, not left running
    assertThat(any.get()).isEqualTo("fast");
    assertThat(probe.active.get()).isZero();
    assertThat(time.pendingTimers()).isZero();
  }

  @Test
  void runAny_allFail_throwsOneExceptionCarryingEveryFailure() {
    RuntimeException a = new RuntimeException("a");
    RuntimeException b = new RuntimeException("b");
    List<AsyncCall<String>> calls = List.of(() -> CompletableFuture.failedFuture(a), () -> CompletableFuture.failedFuture(b));
    CompletableFuture<String> any = Meter.with(options().build()).runAny(calls);
    assertThatThrownBy(any::get).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(TasksFailedException.class)
        .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(a, b));
  }

  @Test
  void runAny_empty_throwsBeforeAnythingStarts() {
    assertThatThrownBy(() -> Meter.withDefaults().runAny(List.<AsyncCall<String>>of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("runAny needs at least one task, but calls was empty");
  }

  @Test
  void amap_asPublisher_deliversOnDemandAndCompletes() throws Exception {
    List<Integer> received = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> completed = new CompletableFuture<>();
    try (Amap<Integer> amap = Meter.with(options().maxAtOnce(3).build())
        .amapOrdered(items(10), i -> CompletableFuture.completedFuture(i * i))) {
      amap.asPublisher().subscribe(new java.util.concurrent.Flow.Subscriber<Integer>() {
        java.util.concurrent.Flow.Subscription subscription;

        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
          subscription = s;
          s.request(2);
        }

        @Override
        public void onNext(Integer item) {
          received.add(item);
          if (received.size() % 2 == 0) {
            subscription.request(2);
          }
        }

        @Override
        public void onError(Throwable t) {
          completed.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
          completed.complete(null);
        }
      });
      completed.get(5, TimeUnit.SECONDS);
    }
    assertThat(received).containsExactly(0, 1, 4, 9, 16, 25, 36, 49, 64, 81);
  }

  @Test
  void blocking_tasksRunOnTheGivenExecutor() throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4,
        Defaults.daemonThreads("test-blocking-"));
    try {
      List<String> threads = Collections.synchronizedList(new ArrayList<>());
      List<Integer> results = Meter.with(RunOptions.builder().maxAtOnce(4).executor(pool).build())
          .runAll(IntStream.range(0, 8).mapToObj(i -> Meter.blocking(() -> {
            threads.add(Thread.currentThread().getName());
            return i;
          })).toList())
          .get(10, TimeUnit.SECONDS);
      assertThat(results).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
      assertThat(threads).allMatch(name -> name.startsWith("test-blocking-"));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void blocking_defaultExecutor_runsTasksAndSaysWhetherThreadsAreVirtual() throws Exception {
    List<Integer> doubled = new ArrayList<>();
    try (Amap<Integer> amap = Meter.withDefaults().amapOrdered(items(5), Meter.blocking(i -> i * 2))) {
      amap.forEach(doubled::add);
    }
    assertThat(doubled).containsExactly(0, 2, 4, 6, 8);
    assertThat(Defaults.usesVirtualThreads()).isEqualTo(Runtime.version().feature() >= 21);
  }
}
