package dev.meter.api;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * A task ran longer than {@link RunOptions#taskTimeout()}: it was cancelled and failed with this,
 * under the run's failure policy like any other failure.
 */
public final class TaskTimeoutException extends TimeoutException {
  private static final long serialVersionUID = 1L;

  private final long index;
  private final transient Duration timeout;

  /**
   * @param index the item's position in its run's input
   * @param timeout the time the task was allowed
   */
  public TaskTimeoutException(long index, Duration timeout) {
    super("task " + index + " timed out after " + timeout);
    this.index = index;
    this.timeout = timeout;
  }

  /** The item's position in its run's input, counting from 0. */
  public long index() {
    return index;
  }

  /** The time the task was allowed. */
  public Duration timeout() {
    return timeout;
  }
}
