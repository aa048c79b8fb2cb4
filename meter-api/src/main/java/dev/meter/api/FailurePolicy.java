package dev.meter.api;

/**
 * What a run whose results are plain values ({@code runOnEach}, {@code amap}, {@code runAll}) does when
 * a task fails. The {@code amapResults} and {@code runAllOutcomes} views have no policy: a failure is
 * the item's outcome there.
 */
public enum FailurePolicy {
  /**
   * The first failure cancels every running task, stops taking input, and is thrown to the caller as
   * the original exception once the running tasks have settled; later failures are attached to it as
   * suppressed. The default.
   */
  FAIL_FAST,
  /**
   * Every item is attempted; when all have settled, the run fails with one
   * {@link TasksFailedException} that carries every failure, in the order they happened.
   */
  RUN_ALL_THEN_THROW
}
