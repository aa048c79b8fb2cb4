package dev.meter.core;

import dev.meter.api.Limiter;
import dev.meter.api.MeterListener;

/** A limiter of meter's own that wants to hear of the tasks passing through it, for its counters. */
interface ObservedLimiter extends Limiter {

  /** Told of every task of every run that uses this limiter. */
  MeterListener listener();
}
