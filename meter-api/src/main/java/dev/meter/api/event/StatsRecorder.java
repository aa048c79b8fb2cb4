package dev.meter.api.event;

import dev.meter.api.RunOptions;
import dev.meter.api.internal.TaskCounters;

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
  private final TaskCounters counters = new TaskCounters();

  /** A recorder with every counter at zero. */
  public StatsRecorder() {}

  @Override
  public void onWaiting(TaskEvent event) {
    counters.waiting();
  }

  @Override
  public void onStarted(TaskEvent event) {
    counters.started(event.waitedNanos());
  }

  @Override
  public void onSucceeded(TaskEvent event) {
    counters.succeeded();
  }

  @Override
  public void onFailed(TaskEvent event, Throwable failure) {
    counters.failed();
  }

  @Override
  public void onRetrying(TaskEvent event, Throwable failure, java.time.Duration delay) {
    counters.retrying();
  }

  @Override
  public void onCancelled(TaskEvent event) {
    if (event.started()) {
      counters.cancelled();
    } else {
      counters.dropped(event.waitedNanos());
    }
  }

  /** The counters now. Each is read separately, so a snapshot taken mid-event may be off by one task. */
  public MeterStats snapshot() {
    return counters.snapshot();
  }
}
