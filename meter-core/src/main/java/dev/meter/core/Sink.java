package dev.meter.core;

import org.jspecify.annotations.Nullable;

/**
 * Where a run hands its results: the one thing that differs between {@code runOnEach}, {@code amap},
 * {@code runAll} and {@code runAny}. Called only from the run's drain loop, so never concurrently.
 */
interface Sink<T extends @Nullable Object, R extends @Nullable Object> {
  /**
   * One delivered result (a success, or a failure when failures are captured).
   *
   * @return false when the sink has what it wanted and the run should stop (runAny's first success)
   */
  boolean onResult(Slot<T, R> slot);

  /**
   * Whether successes are results for this sink; false when only failures and the end matter
   * ({@code runOnEach}), which lets the run forget an instant success at once.
   */
  default boolean keepsSuccesses() {
    return true;
  }

  /** The run ended and every started task has settled; {@code failure} is null for success. */
  void onFinish(@Nullable Throwable failure);
}
