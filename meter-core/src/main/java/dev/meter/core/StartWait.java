package dev.meter.core;

import dev.meter.api.spi.Limiter;
import org.jspecify.annotations.Nullable;

/**
 * An item that was pulled but refused its start, and how it waits to be tried again: a limiter's
 * signal, or a time when a limiter said it would allow it. Kept apart from {@link Slot} so that an item
 * that starts at once allocates nothing for waiting.
 *
 * <p>Everything but {@link #signalled} is touched only in the run's drain loop; the limiter's
 * wake-up ({@link #run()}) may come from any thread.
 */
final class StartWait<T extends @Nullable Object, R extends @Nullable Object> implements Runnable {
  private final Run<T, R> run;
  final Slot<T, R> slot;

  private Limiter.@Nullable Registration registration;
  /** When a limiter said it would allow the start; meaningful when {@link #hasDeadline}. */
  long deadline;
  boolean hasDeadline;
  /** The limiter it registered with has signalled. */
  volatile boolean signalled;

  /** Whether this is a failed item's retry (which the run's lookahead does not count). */
  boolean retry;

  /** The next item held aside after this one, in input order. */
  @Nullable StartWait<T, R> nextHeld;

  StartWait(Run<T, R> run, Slot<T, R> slot) {
    this.run = run;
    this.slot = slot;
  }

  /** Whether a limiter's signal came or its deadline has passed: worth trying again. */
  boolean isDue(long nowNanos) {
    return signalled || (hasDeadline && nowNanos - deadline >= 0);
  }

  /** Waits for {@code limiter}'s signal; the signal may come at once, from inside this call. */
  void awaitSignal(Limiter limiter) {
    withdraw();
    registration = limiter.awaitSignal(slot.item, this);
  }

  /** Waits until {@code deadline}; the run sets the timer. */
  void awaitDeadline(long deadline) {
    withdraw();
    this.deadline = deadline;
    this.hasDeadline = true;
  }

  /**
   * Gives up the wait (the item starts, or is dropped): its limiter will not signal it any more. A
   * limiter whose withdrawal throws has the fault reported to the run; the wait is given up anyway.
   */
  void withdraw() {
    Limiter.Registration current = registration;
    hasDeadline = false;
    signalled = false;
    if (current != null) {
      registration = null;
      current.cancel();
    }
  }

  /** The limiter's signal. */
  @Override
  public void run() {
    signalled = true;
    run.startWaitSignalled();
  }
}
