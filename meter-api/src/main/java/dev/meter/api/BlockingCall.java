package dev.meter.api;

import org.jspecify.annotations.Nullable;

/**
 * A zero-argument blocking task for {@code runAll} and {@code runAny}; turn it into an {@link AsyncCall}
 * with {@code dev.meter.core.Meter.blocking(call)}.
 *
 * @param <R> the result's type
 * @see BlockingTask
 */
@FunctionalInterface
public interface BlockingCall<R extends @Nullable Object> {
  /** Does the work on the calling thread. */
  R call() throws Exception;
}
