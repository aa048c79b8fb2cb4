package dev.meter.benchmarks;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The task shapes and item sources every peer is given, so that only the scheduler differs. */
final class Tasks {
  private Tasks() {}

  /** The items 0..n-1, boxed once up front so boxing does not count as a scheduler's allocation. */
  static List<Integer> boxedRange(int n) {
    Integer[] items = new Integer[n];
    for (int i = 0; i < n; i++) {
      items[i] = i;
    }
    return List.of(items);
  }

  /** The items 0..n-1, made only as they are pulled: nothing is held but the counter. */
  static Iterable<Integer> lazyRange(int n) {
    return () -> new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < n;
      }

      @Override
      public Integer next() {
        if (next >= n) {
          throw new NoSuchElementException();
        }
        return next++;
      }
    };
  }

  /** W1, W5: a task that is done at once; the future is made per task, as a real one would be. */
  static CompletableFuture<Integer> completed(Integer item) {
    return CompletableFuture.completedFuture(item);
  }

  /** W2: a task that completes 1 ms later on the shared timer. */
  static CompletableFuture<Integer> afterOneMillisecond(ScheduledExecutorService timer, Integer item) {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    timer.schedule(() -> done.complete(item), 1, TimeUnit.MILLISECONDS);
    return done;
  }

  /** W3, W4, W6: a task that notes when it started and is done at once. */
  /** Caller {@code c}'s share of the items {@code 0..n-1} when {@code callers} split them in turn. */
  static List<Integer> slice(int n, int callers, int c) {
    List<Integer> slice = new ArrayList<>(n / callers + 1);
    for (int i = c; i < n; i += callers) {
      slice.add(i);
    }
    return slice;
  }

  static final class StartRecorder {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    final long[] starts;

    StartRecorder(int n) {
      starts = new long[n];
    }

    CompletableFuture<Void> start(Integer item) {
      starts[item] = System.nanoTime();
      return DONE;
    }
  }
}
