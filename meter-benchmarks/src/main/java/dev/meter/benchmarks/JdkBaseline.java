package dev.meter.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * The hand-written loops a careful programmer would write without a library: the bar meter is
 * measured against. They are allowed what a library is not (the caller's thread blocks, a core
 * spins), which is why they are the upper bound and not a peer to beat.
 */
final class JdkBaseline {
  private JdkBaseline() {}

  /** At most {@code maxAtOnce} tasks at once: a Semaphore taken before each start, given back on completion. */
  static <T> void runOnEach(Iterable<T> items, int maxAtOnce, Function<T, ? extends CompletionStage<?>> task) {
    Semaphore permits = new Semaphore(maxAtOnce);
    for (T item : items) {
      permits.acquireUninterruptibly();
      task.apply(item).whenComplete((result, failure) -> permits.release());
    }
    permits.acquireUninterruptibly(maxAtOnce);  // every task has completed
  }

  /** How long before a start the GCRA loop stops parking and spins: parkNanos wakes late by tens of µs. */
  private static final long SPIN_NANOS = 100_000;

  /**
   * At most {@code rate} starts per second with bursts of {@code burst}: a GCRA loop on the caller's
   * thread that parks until shortly before each start is due and spins the rest, so every start is on
   * time to within a microsecond, at the cost of a busy core.
   */
  static <T> void gcraLoop(Iterable<T> items, double rate, int burst, Function<T, ? extends CompletionStage<?>> task) {
    long interval = Math.round(1e9 / rate);
    long tolerance = (burst - 1) * interval;
    long tat = System.nanoTime();
    CompletableFuture<?> last = CompletableFuture.completedFuture(null);
    for (T item : items) {
      long allowAt = tat - tolerance;
      long now;
      while ((now = System.nanoTime()) - allowAt < 0) {
        long left = allowAt - now;
        if (left > SPIN_NANOS) {
          LockSupport.parkNanos(left - SPIN_NANOS);
        } else {
          Thread.onSpinWait();
        }
      }
      tat = Math.max(tat, now) + interval;
      last = task.apply(item).toCompletableFuture();
    }
    last.join();
  }
}
