package dev.meter.api.internal;

import dev.meter.api.event.StatsRecorder;
import dev.meter.api.event.MeterStats;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link MeterStats}: told directly, one call per step of a task's life, and read
 * on demand. {@link dev.meter.api.event.StatsRecorder} feeds them from listener events; meter's own limiters
 * are fed by the runs that pass through them without any event, which is what keeps a limiter's
 * statistics cheap. Thread-safe.
 */
public final class TaskCounters {
  private final LongAdder waiting = new LongAdder();
  private final LongAdder running = new LongAdder();
  private final LongAdder started = new LongAdder();
  private final LongAdder succeeded = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder cancelled = new LongAdder();
  private final LongAdder retried = new LongAdder();
  private final LongAdder waitedNanos = new LongAdder();

  /** An item was taken from its source and waits for its limits. */
  public void waiting() {
    waiting.increment();
  }

  /** A waiting item's task started after {@code waitedNanos}. */
  public void started(long waitedNanos) {
    waiting.decrement();
    this.waitedNanos.add(waitedNanos);
    started.increment();
    running.increment();
  }

  /** A task started without waiting (no item was counted {@link #waiting()} for it). */
  public void startedAtOnce() {
    started.increment();
    running.increment();
  }

  /**
   * {@code count} tasks started without waiting and succeeded at once, counted in one go by a run that
   * batches its instant tasks.
   */
  public void startedAndSucceeded(long count) {
    started.add(count);
    succeeded.add(count);
  }

  /** A started task succeeded. */
  public void succeeded() {
    running.decrement();
    succeeded.increment();
  }

  /** A started task failed (a timeout too). */
  public void failed() {
    running.decrement();
    failed.increment();
  }

  /** A started task was cancelled. */
  public void cancelled() {
    running.decrement();
    cancelled.increment();
  }

  /** A started task failed and its item waits to be tried again. */
  public void retrying() {
    running.decrement();
    retried.increment();
    waiting.increment();
  }

  /** A waiting item was dropped before its start, after {@code waitedNanos}. */
  public void dropped(long waitedNanos) {
    waiting.decrement();
    this.waitedNanos.add(waitedNanos);
    cancelled.increment();
  }

  /** The counters now. Each is read separately, so a snapshot taken mid-step may be off by one task. */
  public MeterStats snapshot() {
    return new MeterStats(waiting.sum(), running.sum(), started.sum(), succeeded.sum(), failed.sum(),
        cancelled.sum(), retried.sum(), Duration.ofNanos(waitedNanos.sum()));
  }
}
