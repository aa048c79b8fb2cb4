package dev.meter.api.event;

import dev.meter.api.LimiterConfig;
import dev.meter.api.RunOptions;
import java.time.Duration;

/**
 * Told of each task's life: {@link #onWaiting} when its item is taken from the source and waits for
 * its limits, {@link #onStarted} when it starts, then exactly one of {@link #onSucceeded},
 * {@link #onFailed} or {@link #onCancelled} (an item that never started, because its run ended
 * first, goes straight from waiting to cancelled). Under a {@link RunOptions.Builder#retry retry
 * policy} a failed attempt that is tried again is {@link #onRetrying} instead, followed by another
 * {@link #onStarted} (or by {@link #onCancelled}, if the run ends during the backoff);
 * {@link TaskEvent#attempt()} counts the attempts. Events of one task come in that order, from one
 * thread at a time; events of different tasks and runs may come from different threads at once.
 *
 * <p>Add one to a run with {@link RunOptions.Builder#listener(MeterListener)} or to a shared limiter
 * with {@link LimiterConfig.Builder#listener(MeterListener)}. Keep it quick: it is called on the
 * engine's threads. An exception it throws is ignored and never breaks a run. Every method does
 * nothing by default. {@link StatsRecorder} is one that counts.
 */
public interface MeterListener {

  /** The task's item was taken and waits for its limits to allow a start. */
  default void onWaiting(TaskEvent event) {}

  /** The task started; {@link TaskEvent#waitedNanos()} says how long it waited. */
  default void onStarted(TaskEvent event) {}

  /** The task succeeded. */
  default void onSucceeded(TaskEvent event) {}

  /** The task failed with {@code failure} (a timeout included). */
  default void onFailed(TaskEvent event, Throwable failure) {}

  /**
   * The task's attempt failed with {@code failure} and its item will wait for its limits again after
   * {@code delay}. The default does nothing.
   */
  default void onRetrying(TaskEvent event, Throwable failure, Duration delay) {}

  /** The task was cancelled, or its item was dropped before it could start. */
  default void onCancelled(TaskEvent event) {}
}
