package dev.meter.core;

import org.jspecify.annotations.Nullable;

/**
 * Where a run hands its results: the one thing that differs between {@code runOnEach}, {@code amap},
 * {@code runAll} and {@code runAny}. Called only from the run's drain loop, so never concurrently.
 */
interface Sink<T extends @Nullable Object, R extends @Nullable Object> {
  /**
   * One delivered result (a success, or a failure when failures are captured); the arguments are
   * those of {@link ResultShape#of}.
   *
   * @return false when the sink has what it wanted and the run should stop (runAny's first success)
   */
  boolean onResult(long index, @Nullable T item, @Nullable R value, @Nullable Throwable failure, int attempts);

  /**
   * Whether successes are results for this sink; false when only failures and the end matter
   * ({@code runOnEach}), which lets the run forget an instant success at once.
   */
  default boolean keepsSuccesses() {
    return true;
  }

  /**
   * Results this sink was given and its consumer has not taken yet: they count against the run's
   * buffer. 0 for sinks whose consumer asks for each result (it then counts as waiting in the run).
   */
  default long untaken() {
    return 0;
  }

  /**
   * The run stops starting tasks because its buffer is full. A sink that counts {@link #untaken()}
   * results must make its consumer wake the run once it has taken some; the run reads
   * {@code untaken()} again after this call, so a result taken meanwhile is not missed.
   */
  default void awaitRoom() {}

  /** The run ended and every started task has settled; {@code failure} is null for success. */
  void onFinish(@Nullable Throwable failure);
}
