package dev.meter.api;

import org.jspecify.annotations.Nullable;

/**
 * The limit SPI: decides when a task may start. meter's own limits ({@code maxAtOnce}, the GCRA rate)
 * are implementations of it, and custom ones plug into the engine the same way, through
 * {@link RunOptions.Builder#limiter(Limiter)}.
 *
 * <p>It follows trimeter's meters ("wait until a task can start, task started, task finished") but
 * never blocks: {@link #tryAcquire} answers at once, and a caller that must wait either sets a timer
 * for the time it returns or {@linkplain #awaitSignal registers} to be woken.
 *
 * <p>The engine's protocol, for each start:
 * <ol>
 *   <li>{@link #tryAcquire} on every limiter of the run, in order. {@link #ACQUIRED} means the permit
 *       is taken now, at the start; nothing is ever reserved ahead.
 *   <li>If a later limiter refuses, the earlier ones get {@link #refund} for the permit they granted,
 *       which must leave them as if it had never been asked for.
 *   <li>When the started task settles (succeeds, fails or is cancelled), every limiter gets
 *       {@link #release}.
 * </ol>
 *
 * <p>Implementations must be thread-safe when shared between runs; the engine calls one run's
 * methods from one thread at a time.
 *
 * <p>Times are readings of the calling run's {@link Ticker}. A limiter shared by runs with different
 * clocks should keep its own and take from the run only how long a start has waited
 * ({@code nowNanos - waitingSinceNanos}), as meter's shared limiters do.
 */
public interface Limiter {

  /** {@link #tryAcquire} granted a permit. */
  long ACQUIRED = Long.MIN_VALUE;

  /**
   * {@link #tryAcquire} refused and cannot say when it will allow a start; the caller waits for the
   * signal it registers with {@link #awaitSignal}.
   */
  long AWAIT_SIGNAL = Long.MAX_VALUE;

  /**
   * Takes a permit for {@code item}'s task, which starts right after if every limiter agrees.
   *
   * @param item the item whose task would start (for limits keyed or weighted by item)
   * @param nowNanos the run's {@link Ticker} reading now
   * @param waitingSinceNanos when this start was first asked for; equal to {@code nowNanos} on the
   *     first try. A rate limit may use it to credit a late timer's lateness instead of losing it.
   * @return {@link #ACQUIRED}; or the ticker reading at which to try again; or {@link #AWAIT_SIGNAL}
   */
  long tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos);

  /** Undoes a granted {@link #tryAcquire} whose task did not start after all. */
  void refund(@Nullable Object item, long nowNanos);

  /** The task that {@link #tryAcquire} admitted has settled. */
  void release(@Nullable Object item, long nowNanos);

  /**
   * Registers a one-shot {@code wakeUp} to run when a start that was refused with
   * {@link #AWAIT_SIGNAL} may now be allowed (a permit was released, the limits were changed). It may
   * run at once, on the calling thread, if that is already so. It must not block.
   *
   * @param item the item whose start was refused (for limits keyed by item)
   * @param wakeUp what to run when the start may be tried again
   *
   * @return a handle that withdraws the registration, for a waiter that gives up
   */
  Registration awaitSignal(@Nullable Object item, Runnable wakeUp);

  /**
   * Whether a refusal concerns only the item asked about, so that a run may start later items
   * meanwhile (up to its {@linkplain RunOptions#lookahead() lookahead}): true for a limit keyed by item,
   * where another key may well have room. False by default: a refusal then holds back every later item
   * too, as it must for a limit that would refuse them all alike.
   */
  default boolean refusesPerItem() {
    return false;
  }

  /** A registration made with {@link #awaitSignal}. */
  @FunctionalInterface
  interface Registration {
    /** Withdraws the registration; its wake-up will not run (or already has). Idempotent. */
    void cancel();
  }
}
