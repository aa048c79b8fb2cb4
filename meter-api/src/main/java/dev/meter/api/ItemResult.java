package dev.meter.api;

import org.jspecify.annotations.Nullable;

/**
 * One item's result with what the run was asked to include: its position in the input
 * ({@code includeIndex}), the input itself ({@code includeValue}) and its outcome. With
 * {@code captureOutcome} the outcome may be a failure; without it, failures fail the run and every
 * delivered outcome is a success.
 *
 * @param index the item's position in the input, counting from 0; -1 unless {@code includeIndex}
 * @param item the input item; null unless {@code includeValue} (or if the item itself was null)
 * @param outcome the task's result or failure
 * @param <T> the item's type
 * @param <R> the result's type
 */
public record ItemResult<T extends @Nullable Object, R extends @Nullable Object>(
    long index, @Nullable T item, Outcome<R> outcome) {

  /** @throws NullPointerException if {@code outcome} is null */
  public ItemResult {
    java.util.Objects.requireNonNull(outcome, "outcome");
  }

  /** The result, or the failure rethrown unwrapped; see {@link Outcome#getOrThrow()}. */
  public R value() {
    return outcome.getOrThrow();
  }
}
