package dev.meter.api;

import org.jspecify.annotations.Nullable;

/**
 * A blocking task: does the work for one item on the calling thread and returns its result. It runs on
 * the run's blocking {@link java.util.concurrent.Executor}, is interrupted when the run is cancelled,
 * and may throw checked exceptions. Turn it into an {@link AsyncTask} with
 * {@code dev.meter.core.Meter.blocking(task)}.
 *
 * @param <T> the item's type
 * @param <R> the result's type
 */
@FunctionalInterface
public interface BlockingTask<T extends @Nullable Object, R extends @Nullable Object> {
  /** Does the work for {@code item}. */
  R call(T item) throws Exception;
}
