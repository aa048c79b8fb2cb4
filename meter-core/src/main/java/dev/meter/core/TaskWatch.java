package dev.meter.core;

import dev.meter.api.spi.Limiter;
import dev.meter.api.TaskTimeoutException;
import dev.meter.api.TimeSource;
import org.jspecify.annotations.Nullable;

/**
 * What only an observed, timed or limited task keeps: how long its item waited to start (for
 * listeners), its timeout, and the permits its limiters granted. Kept apart from {@link Slot} so that
 * the plain task, the common case, does not carry it: a slot is allocated per task, and every field
 * there is paid a million times a second.
 */
final class TaskWatch {
  long waitedNanos;
  /** What each of the run's limiters granted this start, in the run's limiter order; null without limiters. */
  Limiter.Permit @Nullable [] permits;
  TimeSource.@Nullable Scheduled timeout;
  /** Set by the timeout's timer before it cancels the task; read by the completing and starting threads. */
  volatile @Nullable TaskTimeoutException timedOut;
  /** Which attempt at its item this is, from 1; above 1 only under a retry policy. */
  int attempt = 1;
  /** When a failed attempt's backoff ends, by the run's clock; meaningful while the slot backs off. */
  long retryAt;

  /**
   * The watch of the item's next attempt. A new one, not this one cleared: a timeout timer of this
   * attempt that fires late sets only this watch's flag, and cancels nothing (see
   * {@link Slot#scheduleTimeout}).
   */
  /** The watch of the second attempt of an item whose first had none (nothing watched or limited it). */
  static TaskWatch secondAttempt(long retryAt) {
    TaskWatch second = new TaskWatch();
    second.attempt = 2;
    second.retryAt = retryAt;
    return second;
  }

  TaskWatch nextAttempt(long retryAt) {
    TaskWatch next = new TaskWatch();
    next.attempt = attempt + 1;
    next.retryAt = retryAt;
    return next;
  }
}
