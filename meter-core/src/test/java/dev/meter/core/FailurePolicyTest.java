package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.Amap;
import dev.meter.api.FailurePolicy;
import dev.meter.api.ItemResult;
import dev.meter.api.RunOptions;
import dev.meter.api.TasksFailedException;
import dev.meter.testing.VirtualTime;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FailurePolicyTest {
  private final VirtualTime time = VirtualTime.create();

  private RunOptions.Builder options() {
    return RunOptions.builder().timeSource(time);
  }

  @Test
  void failFast_firstFailure_cancelsRunningStopsInputAndIsThrownUnwrapped() {
    // Given 3 at once over 100 items, item 1 fails at 5 ms, item 2 fails later
    Probe probe = new Probe();
    IOException first = new IOException("first");
    IllegalStateException later = new IllegalStateException("later");
    AtomicInteger pulled = new AtomicInteger();
    Iterator<Integer> source = IntStream.range(0, 100).peek(i -> pulled.incrementAndGet()).iterator();
    dev.meter.api.AsyncTask<Integer, Integer> task = i -> {
      CompletableFuture<Integer> work = switch (i) {
        case 1 -> time.delay(Duration.ofMillis(5), 0).thenApply(x -> {
          throw new java.util.concurrent.CompletionException(first);
        });
        case 2 -> time.delay(Duration.ofMillis(1), 0).thenCompose(x -> CompletableFuture.<Integer>failedFuture(later));
        default -> time.delay(Duration.ofSeconds(10), i);
      };
      return probe.track(i, work);
    };
    CompletableFuture<Void> run = Meter.with(options().maxAtOnce(3).build())
        .runOnEach(dev.meter.api.Source.<Integer>from(source), task);
    // When the first failure happens
    time.advance(Duration.ofMillis(5));
    // Then the run fails with the first failure (item 2 at 1 ms), not wrapped; item 1 was cancelled
    // before its own failure at 5 ms, so nothing is suppressed
    assertThatThrownBy(run::get).isInstanceOf(ExecutionException.class).cause().isSameAs(later)
        .satisfies(e -> assertThat(e.getSuppressed()).isEmpty());
    assertThat(probe.active.get()).isZero();
    assertThat(pulled.get()).isLessThan(10);
  }

  @Test
  void failFast_laterFailures_areSuppressedOnTheFirst() {
    RuntimeException first = new RuntimeException("first");
    RuntimeException second = new RuntimeException("second");
    CompletableFuture<Integer> slow = new CompletableFuture<>();
    dev.meter.api.AsyncTask<Integer, Integer> task = i -> i == 0
        ? time.delay(Duration.ofMillis(1), 0).thenApply(x -> {
          throw first;
        })
        : slow;
    CompletableFuture<Void> run = Meter.with(options().maxAtOnce(2).build()).runOnEach(List.of(0, 1), task);
    time.advance(Duration.ofMillis(1));
    // Item 1's own failure arrives while the run is stopping: attached to the first, not lost
    slow.completeExceptionally(second);
    assertThatThrownBy(run::get).cause().isSameAs(first);
  }

  @Test
  void amapResults_failuresNeverFailTheRun() {
    List<ItemResult<Integer, Integer>> results = new ArrayList<>();
    try (Amap<ItemResult<Integer, Integer>> amap = Meter.with(options().build())
        .amapOrderedResults(List.of(0, 1, 2, 3), i -> i % 2 == 0
            ? CompletableFuture.completedFuture(i)
            : CompletableFuture.failedFuture(new IOException("odd " + i)))) {
      amap.forEach(results::add);
    }
    assertThat(results).hasSize(4);
    assertThat(results.get(1).outcome().failureOrNull()).hasMessage("odd 1");
    assertThat(results.get(2).value()).isEqualTo(2);
  }

  @Test
  void runAllThenThrow_attemptsEveryItemThenThrowsAllFailures() {
    Probe probe = new Probe();
    CompletableFuture<Void> run = Meter.with(options().maxAtOnce(2).failurePolicy(FailurePolicy.RUN_ALL_THEN_THROW).build())
        .runOnEach(IntStream.range(0, 10).boxed().toList(), i -> probe.track(i, i % 3 == 0
            ? CompletableFuture.failedFuture(new IllegalStateException("bad " + i))
            : CompletableFuture.completedFuture(i)));
    assertThat(probe.started).hasSize(10);
    assertThatThrownBy(run::get).cause()
        .isInstanceOf(TasksFailedException.class)
        .hasMessage("4 of 10 tasks failed")
        .satisfies(e -> assertThat(((TasksFailedException) e).failures())
            .extracting(Throwable::getMessage).containsExactly("bad 0", "bad 3", "bad 6", "bad 9"));
  }

  @Test
  void runAllThenThrow_amap_deliversSuccessesThenThrows() {
    List<Integer> seen = new ArrayList<>();
    try (Amap<Integer> amap = Meter.with(options().failurePolicy(FailurePolicy.RUN_ALL_THEN_THROW).build())
        .amapOrdered(List.of(1, 2, 3), i -> i == 2 ? CompletableFuture.failedFuture(new IOException("2")) : CompletableFuture.completedFuture(i))) {
      assertThatThrownBy(() -> amap.forEach(seen::add)).isInstanceOf(TasksFailedException.class);
    }
    assertThat(seen).containsExactly(1, 3);
  }

  @Test
  void task_throwingAtOnceOrReturningNull_failsThatItemOnly() {
    List<ItemResult<Integer, Integer>> results = new ArrayList<>();
    try (Amap<ItemResult<Integer, Integer>> amap = Meter.with(options().build())
        .amapOrderedResults(List.of(0, 1, 2), i -> {
          if (i == 0) {
            throw new IOException("at once");
          }
          return i == 1 ? null : CompletableFuture.completedFuture(i);
        })) {
      amap.forEach(results::add);
    }
    assertThat(results.get(0).outcome().failureOrNull()).isInstanceOf(IOException.class).hasMessage("at once");
    assertThat(results.get(1).outcome().failureOrNull()).isInstanceOf(NullPointerException.class);
    assertThat(results.get(2).value()).isEqualTo(2);
  }

  @Test
  void amap_failFast_iteratorThrowsTheCheckedExceptionUnwrapped() {
    IOException failure = new IOException("checked");
    try (Amap<Integer> amap = Meter.with(options().build())
        .amap(List.of(1), i -> CompletableFuture.failedFuture(failure))) {
      assertThatThrownBy(() -> amap.iterator().hasNext()).isSameAs(failure);
    }
  }

  @Test
  void source_failing_failsTheRunLikeATask() {
    IllegalStateException broken = new IllegalStateException("source broke");
    Iterator<Integer> source = new Iterator<>() {
      int next;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Integer next() {
        if (next == 3) {
          throw broken;
        }
        return next++;
      }
    };
    CompletableFuture<Void> run = Meter.with(options().build())
        .runOnEach(dev.meter.api.Source.from(source), i -> CompletableFuture.completedFuture(i));
    assertThatThrownBy(run::get).cause().isSameAs(broken);
  }

  @Test
  void amapResults_sourceFailing_failsTheRunThoughTaskFailuresDoNot() {
    IllegalStateException broken = new IllegalStateException("source broke");
    Iterator<Integer> source = java.util.stream.Stream.iterate(0, i -> {
      if (i == 2) {
        throw broken;
      }
      return i + 1;
    }).iterator();
    List<ItemResult<Integer, Integer>> seen = new ArrayList<>();
    try (Amap<ItemResult<Integer, Integer>> amap = Meter.with(options().build())
        .amapOrderedResults(dev.meter.api.Source.from(source), i -> CompletableFuture.failedFuture(new IOException("task " + i)))) {
      assertThatThrownBy(() -> amap.forEach(seen::add)).isSameAs(broken);
    }
    assertThat(seen).extracting(r -> r.outcome().failureOrNull().getMessage()).containsExactly("task 0", "task 1", "task 2");
  }
}
