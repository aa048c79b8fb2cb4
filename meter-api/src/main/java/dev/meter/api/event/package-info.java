/**
 * Watching runs and limiters: {@link dev.meter.api.event.MeterListener} and its
 * {@link dev.meter.api.event.TaskEvent}s, and the counters of {@link dev.meter.api.event.MeterStats},
 * kept by {@link dev.meter.api.event.StatsRecorder}.
 */
@NullMarked
package dev.meter.api.event;

import org.jspecify.annotations.NullMarked;
