package dev.meter.core;

import dev.meter.api.RetryPolicy;
import dev.meter.api.spi.Limiter;
import dev.meter.api.TimeSource;
import dev.meter.api.internal.TaskCounters;
import org.jspecify.annotations.Nullable;

/**
 * The settings one run is built from, resolved (no defaults left to pick) and checked.
 *
 * @param launcher how a task starts for an item
 * @param limiters every start must pass these, in this order (shared and custom ones, the run's rate last)
 * @param maxAtOnce at most this many tasks running at once
 * @param lookahead at most this many items held aside by limits that refuse per item
 * @param time the clock and timer of waits and timeouts
 * @param ordered whether results are delivered in input order
 * @param mode how task failures count
 * @param bufferSize no new task starts while this many results wait for the consumer
 * @param keepItems whether a settled slot keeps its item (for results that include it)
 * @param listeners who is told of each task's life
 * @param counters the statistics of the shared and keyed limiters passed through, counted directly
 * @param taskTimeoutNanos a task running longer is cancelled and fails; 0 for none
 * @param retry when a failed item is tried again; null for never
 */
record RunPlan<T extends @Nullable Object, R extends @Nullable Object>(
    Run.Launcher<T, R> launcher,
    Limiter[] limiters,
    int maxAtOnce,
    int lookahead,
    TimeSource time,
    boolean ordered,
    FailureLedger.Mode mode,
    long bufferSize,
    boolean keepItems,
    Listeners listeners,
    TaskCounters[] counters,
    long taskTimeoutNanos,
    @Nullable RetryPolicy retry) {}
