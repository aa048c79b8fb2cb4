package dev.meter.api;

import java.util.List;

/**
 * One exception carrying several task failures: thrown by a run with
 * {@link FailurePolicy#RUN_ALL_THEN_THROW}, and by {@code runAny} when every task failed. Each failure
 * is in {@link #failures()} and attached as suppressed, so a stack trace shows them all.
 */
public final class TasksFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<Throwable> failures;

  /**
   * @param message what failed, for example "3 of 10 tasks failed"
   * @param failures the failures, in the order they happened; must not be empty
   */
  public TasksFailedException(String message, List<? extends Throwable> failures) {
    super(message);
    if (failures.isEmpty()) {
      throw new IllegalArgumentException("failures must not be empty");
    }
    this.failures = List.copyOf(failures);
    for (Throwable failure : this.failures) {
      addSuppressed(failure);
    }
  }

  /** Every failure, in the order they happened. */
  public List<Throwable> failures() {
    return failures;
  }
}
