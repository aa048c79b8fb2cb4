package dev.meter.core;

import dev.meter.api.FailurePolicy;
import dev.meter.api.TasksFailedException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How task failures count for one run, and what the run fails with in the end. Drain-confined.
 *
 * <p>A fault of the run itself (a cancel, a source that failed, a limiter or callback that threw) is
 * {@linkplain #record recorded}: the first becomes the run's failure and later ones ride along as
 * suppressed. Task failures go through the {@link Mode}.
 */
final class FailureLedger {

  /** {@link FailurePolicy}, plus the two modes that entry points add. */
  enum Mode {
    FAIL_FAST,
    RUN_ALL_THEN_THROW,
    /** Failures are results ({@code amapResults}, {@code runAllOutcomes}). */
    CAPTURE,
    /** {@code runAny}: failures are kept until one task succeeds; a success makes them moot. */
    FIRST_SUCCESS
  }

  private final Mode mode;
  private @Nullable Throwable first;
  private @Nullable List<Throwable> kept;
  private long failedTasks;

  FailureLedger(Mode mode) {
    this.mode = mode;
  }

  /** Whether a failed task yields a result (its outcome) rather than counting as a failure. */
  boolean capturesFailures() {
    return mode == Mode.CAPTURE;
  }

  /** The first failure becomes the run's; later ones are attached to it. */
  void record(Throwable thrown) {
    Throwable current = first;
    if (current == null) {
      first = thrown;
    } else if (current != thrown) {
      current.addSuppressed(thrown);
    }
  }

  /**
   * A task failed (failures are not captured).
   *
   * @param stopping whether the run was stopping already: a cancellation is then the run's own doing
   * @return true if the run must stop now (fail-fast)
   */
  boolean taskFailed(Throwable thrown, boolean cancellation, boolean stopping) {
    if (stopping && cancellation) {
      return false;  // the run cancelled it; not a failure of its own
    }
    failedTasks++;
    if (mode == Mode.FAIL_FAST) {
      record(thrown);
      return true;
    }
    if (kept == null) {
      kept = new ArrayList<>();
    }
    kept.add(thrown);
    return false;
  }

  /**
   * What the run ends with: null for success.
   *
   * @param attempted how many items the run pulled
   * @param succeededEarly whether a first success ended a {@code runAny}
   */
  @Nullable Throwable outcome(long attempted, boolean succeededEarly) {
    List<Throwable> all = kept;
    if (first != null) {
      if (all != null) {
        all.forEach(this::record);  // failures kept for the end still reach the caller
      }
      return first;
    }
    if (all == null || all.isEmpty()) {
      return null;
    }
    if (mode == Mode.FIRST_SUCCESS && succeededEarly) {
      return null;  // a task succeeded; the failures before it do not matter
    }
    return new TasksFailedException(failedTasks + " of " + attempted + " tasks failed", all);
  }
}
