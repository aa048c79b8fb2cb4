package dev.meter.api;

import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * An asynchronous task: starts the work for one item and returns a stage that completes with its
 * result. A task that throws, or returns null instead of a stage, fails that item only.
 *
 * <p>The stage may be of the result type or of any subtype ({@code CompletionStage<? extends R>}), so
 * a method reference to {@code CompletableFuture<Void> sync(String)} is an {@code AsyncTask<String, ?>}
 * and one to {@code CompletableFuture<Integer> count(String)} an {@code AsyncTask<String, Number>},
 * without a cast or a type witness.
 *
 * <p>The engine cancels the stage (through {@link CompletionStage#toCompletableFuture()}) when the run
 * is cancelled or fails fast; a stage that cannot be converted is waited for instead.
 *
 * @param <T> the item's type
 * @param <R> the result's type
 */
@FunctionalInterface
public interface AsyncTask<T extends @Nullable Object, R extends @Nullable Object> {
  /** Starts the work for {@code item}. */
  CompletionStage<? extends R> apply(T item) throws Exception;
}
