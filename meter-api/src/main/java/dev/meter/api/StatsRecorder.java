package dev.meter.api;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link MeterListener} that counts, for a {@link MeterStats} snapshot at any moment. Thread-safe;
 * one recorder may watch many runs.
 *
 * <pre>{@code
 * StatsRecorder stats = new StatsRecorder();
 * RunOptions options = RunOptions.builder().maxAtOnce(5).listener(stats).build();
 * // ... from any thread, while the run goes on:
 * System.out.printf("%d of %d done%n", stats.snapshot().finished(), total);
 * }</pre>
 */
public final class StatsRecorder implements MeterListener {
  private final LongAdder waiting = new LongAdder();
  private final LongAdder running = new LongAdder();
  private final LongAdder started = new LongAdder();
  private final LongAdder succeeded = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder cancelled = new LongAdder();
  private final LongAdder waitedNanos = new LongAdder();

  /** A recorder with every counter at zero. */
  public StatsRecorder() {}

  @Override
  public void onWaiting(TaskEvent event) {
    waiting.increment();
  }

  @Override
  public void onStarted(TaskEvent event) {
    waiting.decrement();
    waitedNanos.add(event.waitedNanos());
    started.increment();
    running.increment();
  }

  @Override
  public void onSucceeded(TaskEvent event) {
    running.decrement();
    succeeded.increment();
  }

  @Override
  public void onFailed(TaskEvent event, Throwable failure) {
    running.decrement();
    failed.increment();
  }

  @Override
  public void onCancelled(TaskEvent event) {
    if (event.started()) {
      running.decrement();
    } else {
      waiting.decrement();
      waitedNanos.add(event.waitedNanos());
    }
    cancelled.increment();
  }

  /** The counters now. Each is read separately, so a snapshot taken mid-event may be off by one task. */
  public MeterStats snapshot() {
    return new MeterStats(waiting.sum(), running.sum(), started.sum(), succeeded.sum(), failed.sum(),
        cancelled.sum(), Duration.ofNanos(waitedNanos.sum()));
  }
}
