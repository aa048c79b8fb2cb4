package dev.meter.api.event;

import dev.meter.api.SharedLimiter;
import java.time.Duration;

/**
 * A snapshot of task counters, from {@link StatsRecorder#snapshot()} or {@link SharedLimiter#stats()}.
 * Enough for a progress bar ({@code started}, {@code finished()}) or metrics export.
 *
 * @param waiting items taken from their source that wait for a limit now
 * @param running tasks started and not yet ended
 * @param started tasks started so far
 * @param succeeded tasks that succeeded
 * @param failed tasks that failed
 * @param cancelled tasks cancelled, and items dropped before they could start
 * @param retried attempts that failed and were tried again under a {@link dev.meter.api.RetryPolicy}
 *     (each also counted in {@code started}; the item's last attempt ends it as one of the above)
 * @param totalWaited the time all started or dropped items spent waiting for their limits
 */
public record MeterStats(
    long waiting, long running, long started, long succeeded, long failed, long cancelled, long retried,
    Duration totalWaited) {

  /** Counters of runs without retries. */
  public MeterStats(
      long waiting, long running, long started, long succeeded, long failed, long cancelled, Duration totalWaited) {
    this(waiting, running, started, succeeded, failed, cancelled, 0, totalWaited);
  }

  /** Tasks that have ended, whichever way (an attempt that is retried does not end its task). */
  public long finished() {
    return succeeded + failed + cancelled;
  }
}
