package dev.meter.core;

import dev.meter.api.TimeSource;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One timer that runs an action by the earliest deadline asked for (a pacer): a run's wait for its
 * limits, a shared limiter's wake-up of its waiters. Asking for a later deadline than the one set
 * changes nothing; an earlier one replaces it. So at most one timer is live: a new one is set only
 * once the last has fired or been cancelled. A cancelled timer may still fire if it was already under
 * way, so the action must be harmless to run early or twice (it only makes the owner look again).
 *
 * <p>Not thread-safe: its owner serializes the calls (a run's drain loop, a limiter's lock). Only
 * {@link #firedSequence} is written by the timers' threads.
 */
final class Wakeup {
  private final TimeSource time;
  private final Runnable action;
  private TimeSource.@Nullable Scheduled timer;
  private long deadline;
  private long sequence;
  /**
   * The newest timer that fired. A firing timer runs the action before anything could mark it spent, so
   * an owner that asks for a deadline from inside that action must not count on it. Only ever raised:
   * a replaced timer already under way on one thread may record its firing after a newer one did on
   * another, and must not make the newer one look unfired (its deadline would then never be asked for).
   */
  private final AtomicLong firedSequence = new AtomicLong();

  Wakeup(TimeSource time, Runnable action) {
    this.time = time;
    this.action = action;
  }

  /**
   * Makes sure the action runs at {@code at} or soon after (reading {@code now}).
   *
   * @throws RejectedExecutionException if the time source can no longer schedule
   */
  void wakeAt(long at, long now) {
    TimeSource.Scheduled current = timer;
    if (current != null && firedSequence.get() != sequence) {
      if (at - deadline >= 0) {
        // The timer set has not fired: it fires first (or is firing now, and has not yet run its action),
        // and its action makes the owner look again and ask for this later deadline then.
        return;
      }
      current.cancel();  // a later timer gives way to this earlier one
    }
    long next = ++sequence;
    deadline = at;
    timer = null;
    timer = time.schedule(() -> {
      firedSequence.accumulateAndGet(next, Math::max);
      action.run();
    }, at - now);
  }

  /** Withdraws the timer set, if any; one already firing still runs its action. */
  void cancel() {
    TimeSource.Scheduled current = timer;
    if (current != null) {
      timer = null;
      sequence++;
      current.cancel();
    }
  }
}
