package dev.meter.api;

import org.jspecify.annotations.Nullable;

/**
 * One item's report from {@code amapResults} / {@code amapOrderedResults}: its position in the input,
 * the input itself and what its task gave, a value or a failure. Both are always there: a null
 * {@code item} is an item that was null, never one left out.
 *
 * @param index the item's position in the input, counting from 0
 * @param item the input item, as the source gave it
 * @param outcome the task's result or failure (a failure never fails the run that yields it); under a
 *     {@link RetryPolicy}, what its last attempt gave
 * @param attempts how many times the item's task ran: 1 unless it was retried
 * @param <T> the item's type
 * @param <R> the result's type
 */
public record ItemResult<T extends @Nullable Object, R extends @Nullable Object>(
    long index, T item, Outcome<R> outcome, int attempts) {

  /**
   * @throws IllegalArgumentException if {@code index} is negative or {@code attempts < 1}
   * @throws NullPointerException if {@code outcome} is null
   */
  public ItemResult {
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0, but was " + index);
    }
    java.util.Objects.requireNonNull(outcome, "outcome");
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be >= 1, but was " + attempts);
    }
  }

  /** The report of an item whose task ran once. */
  public ItemResult(long index, T item, Outcome<R> outcome) {
    this(index, item, outcome, 1);
  }

  /** The result, or the failure rethrown unwrapped; see {@link Outcome#getOrThrow()}. */
  public R value() {
    return outcome.getOrThrow();
  }
}
