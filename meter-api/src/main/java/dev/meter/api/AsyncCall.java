package dev.meter.api;

import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A zero-argument asynchronous task, the form {@code runAll} and {@code runAny} take.
 *
 * @param <R> the result's type
 * @see AsyncTask
 */
@FunctionalInterface
public interface AsyncCall<R extends @Nullable Object> {
  /** Starts the work. */
  CompletionStage<? extends R> call() throws Exception;
}
