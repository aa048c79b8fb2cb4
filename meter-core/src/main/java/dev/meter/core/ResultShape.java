package dev.meter.core;

import org.jspecify.annotations.Nullable;

/** What a view makes of one delivered result: the value alone, an {@code Outcome} or an {@code ItemResult}. */
@FunctionalInterface
interface ResultShape<T extends @Nullable Object, R extends @Nullable Object, E extends @Nullable Object> {
  /**
   * @param index the item's place in the source
   * @param item the item, if the run kept it (only for results that include it)
   * @param value the task's result; null if it failed
   * @param failure what the task failed with; null if it succeeded
   * @param attempts how many times the item's task ran (1 unless it was retried)
   */
  E of(long index, @Nullable T item, @Nullable R value, @Nullable Throwable failure, int attempts);
}
