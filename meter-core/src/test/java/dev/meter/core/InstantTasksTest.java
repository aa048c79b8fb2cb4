package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.Amap;
import dev.meter.api.AsyncCall;
import dev.meter.api.AsyncTask;
import dev.meter.api.FailurePolicy;
import dev.meter.api.ItemResult;
import dev.meter.api.event.MeterListener;
import dev.meter.api.RunOptions;
import dev.meter.api.event.TaskEvent;
import dev.meter.api.TasksFailedException;
import dev.meter.testing.VirtualTime;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Tasks that are already done when they return. The run settles them in its drain loop at once, without
 * the completion callback, and a plain {@code runOnEach} (no limiter, listener or timeout) makes no slot
 * for an instant success at all; these tests hold those paths to the same contract as the callback's.
 */
class InstantTasksTest {
  private final VirtualTime time = VirtualTime.create();

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  @Test
  void runOnEach_failedOnReturn_failsFastWithTheTasksOwnExceptionAndStartsNoMore() {
    // Given instant tasks where item 5 returns an already failed future
    IOException broken = new IOException("item 5");
    AtomicInteger started = new AtomicInteger();
    // When they run fail-fast
    CompletableFuture<Void> run = Meter.with(RunOptions.builder().maxAtOnce(4).build()).runOnEach(range(1_000), i -> {
      started.incrementAndGet();
      return i == 5 ? CompletableFuture.failedFuture(broken) : CompletableFuture.completedFuture(i);
    });
    // Then the run fails with that exception, unwrapped, and nothing after item 5 started
    assertThatThrownBy(run::get).isInstanceOf(ExecutionException.class).cause().isSameAs(broken);
    assertThat(started.get()).isEqualTo(6);
  }

  @Test
  void amapResults_doneOnReturn_keepsFailuresAndCancellationsAsOutcomes() {
    // Given instant tasks: every third fails, every fifth is a cancelled future, the rest succeed
    IllegalStateException failure = new IllegalStateException("failed");
    RunOptions options = RunOptions.builder().maxAtOnce(3).build();
    List<ItemResult<Integer, Integer>> results = new ArrayList<>();
    // When every result is taken
    try (Amap<ItemResult<Integer, Integer>> amap = Meter.with(options).amapOrderedResults(range(30), i -> {
      if (i % 5 == 0) {
        CompletableFuture<Integer> cancelled = new CompletableFuture<>();
        cancelled.cancel(false);
        return cancelled;
      }
      return i % 3 == 0 ? CompletableFuture.failedFuture(failure) : CompletableFuture.completedFuture(i * 10);
    })) {
      amap.forEach(results::add);
    }
    // Then each outcome is what its task ended with, the exceptions as they were thrown
    assertThat(results).hasSize(30);
    for (ItemResult<Integer, Integer> result : results) {
      long i = result.index();
      if (i % 5 == 0) {
        assertThat(result.outcome().failureOrNull()).isInstanceOf(CancellationException.class);
      } else if (i % 3 == 0) {
        assertThat(result.outcome().failureOrNull()).isSameAs(failure);
      } else {
        assertThat(result.outcome().getOrThrow()).isEqualTo((int) i * 10);
      }
    }
  }

  @Test
  void amap_doneOnReturn_consumerThatStopsReading_boundsTheStartsByTheBuffer() {
    // Given instant tasks and a buffer of 8 results
    AtomicInteger started = new AtomicInteger();
    RunOptions options = RunOptions.builder().maxAtOnce(2).bufferSize(8).build();
    try (Amap<Integer> amap = Meter.with(options).amap(range(10_000), i -> {
      started.incrementAndGet();
      return CompletableFuture.completedFuture(i);
    })) {
      // When the consumer takes one result and then stops reading
      Iterator<Integer> results = amap.iterator();
      assertThat(results.next()).isZero();
      // Then starts stopped once the buffer was full: 8 results, one of them taken since
      assertThat(started.get()).isEqualTo(8);
      // And they resume once a quarter of the buffer is taken, until it is full again
      assertThat(results.next()).isOne();
      assertThat(started.get()).isEqualTo(10);
    }
  }

  @Test
  void runAny_doneOnReturn_firstSuccessStopsTheRest() throws Exception {
    // Given calls that are done on return: the first fails, the second succeeds
    AtomicInteger started = new AtomicInteger();
    List<AsyncCall<String>> calls = new ArrayList<>();
    calls.add(() -> {
      started.incrementAndGet();
      return CompletableFuture.failedFuture(new IOException("mirror 0 is down"));
    });
    for (int i = 1; i < 100; i++) {
      String name = "mirror " + i;
      calls.add(() -> {
        started.incrementAndGet();
        return CompletableFuture.completedFuture(name);
      });
    }
    // When runAny runs them two at a time
    String winner = Meter.with(RunOptions.builder().maxAtOnce(2).build()).runAny(calls).get();
    // Then the second wins and no other call started
    assertThat(winner).isEqualTo("mirror 1");
    assertThat(started.get()).isEqualTo(2);
  }

  @Test
  void runOnEach_doneOnReturnSubclassOfCompletableFuture_takesTheCallbackPathAndStillSettles() throws Exception {
    // Given tasks returning a done stage that is not the JDK's own CompletableFuture class
    AtomicInteger sum = new AtomicInteger();
    // When they run
    dev.meter.api.AsyncTask<Integer, Integer> task = i -> {
      sum.addAndGet(i);
      return CompletableFuture.completedFuture(i).minimalCompletionStage();
    };
    Meter.with(RunOptions.builder().maxAtOnce(3).build()).runOnEach(range(100), task).get();
    // Then every one settled
    assertThat(sum.get()).isEqualTo(4_950);
  }

  @Test
  void listener_doneOnReturn_seesWaitingStartedSucceededForEveryTask() throws Exception {
    // Given a listener recording events, and instant tasks
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    MeterListener listener = new MeterListener() {
      @Override
      public void onWaiting(TaskEvent event) {
        events.add("waiting " + event.index());
      }

      @Override
      public void onStarted(TaskEvent event) {
        events.add("started " + event.index());
      }

      @Override
      public void onSucceeded(TaskEvent event) {
        events.add("succeeded " + event.index());
      }
    };
    // When 3 run one at a time
    Meter.with(RunOptions.builder().maxAtOnce(1).listener(listener).build())
        .runOnEach(range(3), CompletableFuture::completedFuture).get();
    // Then each task's events come in order, one task after the other
    assertThat(events).containsExactly(
        "waiting 0", "started 0", "succeeded 0",
        "waiting 1", "started 1", "succeeded 1",
        "waiting 2", "started 2", "succeeded 2");
  }

  @Test
  void runOnEach_instantAndPendingTasksMixed_pendingNeverAboveMaxAtOnce() throws Exception {
    // Given 3 at once over 3,000 items where every third task takes 1 ms and the rest are done on return
    AtomicInteger live = new AtomicInteger();
    AtomicInteger mostLive = new AtomicInteger();
    AtomicInteger started = new AtomicInteger();
    AsyncTask<Integer, Integer> task = i -> {
      started.incrementAndGet();
      mostLive.accumulateAndGet(live.incrementAndGet(), Math::max);
      if (i % 3 != 0) {
        live.decrementAndGet();
        return CompletableFuture.completedFuture(i);
      }
      return time.delay(Duration.ofMillis(1), i).whenComplete((v, e) -> live.decrementAndGet());
    };
    // When the run goes on until every task has ended
    CompletableFuture<Void> run = Meter.with(RunOptions.builder().maxAtOnce(3).timeSource(time).build())
        .runOnEach(IntStream.range(0, 3_000).boxed().toList(), task);
    time.advanceUntilIdle(Duration.ofSeconds(10));
    // Then every item ran, and never more than 3 at once
    run.get(10, TimeUnit.SECONDS);
    assertThat(started.get()).isEqualTo(3_000);
    assertThat(mostLive.get()).isEqualTo(3);
  }

  @Test
  void runOnEach_instantFailuresOfEveryKind_eachReportedWithTheRunsFailures() {
    // Given instant successes among a task that throws, one failed on return and one returning null
    IOException thrown = new IOException("thrown");
    IllegalStateException failed = new IllegalStateException("failed");
    AsyncTask<Integer, Integer> task = i -> switch (i) {
      case 3 -> throw new java.io.UncheckedIOException(thrown);
      case 5 -> CompletableFuture.failedFuture(failed);
      case 7 -> null;
      default -> CompletableFuture.completedFuture(i);
    };
    // When they run to the end whatever fails
    CompletableFuture<Void> run = Meter.with(RunOptions.builder()
            .failurePolicy(FailurePolicy.RUN_ALL_THEN_THROW).timeSource(time).build())
        .runOnEach(IntStream.range(0, 10).boxed().toList(), task);
    // Then the run reports the three failures, in input order, and nothing else
    assertThatThrownBy(() -> run.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(TasksFailedException.class, all -> {
          List<Throwable> failures = all.failures();
          assertThat(failures).hasSize(3);
          assertThat(failures.get(0)).hasCause(thrown);
          assertThat(failures.get(1)).isSameAs(failed);
          assertThat(failures.get(2)).isInstanceOf(NullPointerException.class)
              .hasMessageContaining("item at index 7");
        });
  }
}
