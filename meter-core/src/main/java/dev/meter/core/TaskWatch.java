package dev.meter.core;

import dev.meter.api.TaskTimeoutException;
import java.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * What only an observed or timed task keeps: how long its item waited to start (for listeners) and its
 * timeout. Kept apart from {@link Slot} so that the plain task, the common case, does not carry it: a
 * slot is allocated per task, and every field there is paid a million times a second.
 */
final class TaskWatch {
  long waitedNanos;
  @Nullable ScheduledFuture<?> timeout;
  /** Set by the timeout's timer thread before it cancels the task; read by the completing thread. */
  volatile @Nullable TaskTimeoutException timedOut;
}
