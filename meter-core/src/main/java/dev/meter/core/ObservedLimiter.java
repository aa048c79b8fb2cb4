package dev.meter.core;

import dev.meter.api.spi.Limiter;
import dev.meter.api.event.MeterListener;
import dev.meter.api.internal.TaskCounters;
import java.util.List;

/**
 * A limiter of meter's own that keeps statistics of the tasks passing through it. Every run that uses
 * it counts into its {@link #counters()} directly, with no event objects, and tells its
 * {@link #listeners()} (those the user gave the limiter, usually none) of each task as its own.
 */
interface ObservedLimiter extends Limiter {

  /** Counted by every run that uses this limiter; read by {@code stats()}. */
  TaskCounters counters();

  /** The listeners of this limiter's configuration, told of every task of every run that uses it. */
  List<MeterListener> listeners();
}
