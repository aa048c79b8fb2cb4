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
 */
public record TaskEvent(long index, @Nullable Object item, boolean started, long waitedNanos, long ranNanos) {}
