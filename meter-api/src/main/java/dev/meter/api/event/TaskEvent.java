package dev.meter.api.event;

import org.jspecify.annotations.Nullable;

/**
 * What a {@link MeterListener} is told about one task.
 *
 * @param index the item's position in its run's input, counting from 0
 * @param item the input item
 * @param started whether the task has started (false in {@code onWaiting}, and in {@code onCancelled}
 *     for an item dropped before it could start)
 * @param waitedNanos how long the item waited for its limits: 0 in {@code onWaiting}; from then on, the
 *     time from being taken to starting (or to being dropped, for an item that never started)
 * @param ranNanos how long the task ran: 0 until it ends
 * @param attempt which attempt at the item this is, counting from 1 (above 1 only under a
 *     {@link dev.meter.api.RetryPolicy}; its wait counts from the failure of the attempt before)
 */
public record TaskEvent(long index, @Nullable Object item, boolean started, long waitedNanos, long ranNanos, int attempt) {

  /** The event of a first attempt. */
  public TaskEvent(long index, @Nullable Object item, boolean started, long waitedNanos, long ranNanos) {
    this(index, item, started, waitedNanos, ranNanos, 1);
  }
}
