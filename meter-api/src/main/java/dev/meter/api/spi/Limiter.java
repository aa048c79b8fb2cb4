package dev.meter.api.spi;

import dev.meter.api.RunOptions;
import dev.meter.api.TimeSource;
import org.jspecify.annotations.Nullable;

/**
 * The limit SPI: decides when a task may start. Shared, keyed and custom limits plug into a run through
 * {@link RunOptions.Builder#limiter(Limiter)}; a run's own rate is one too. (A run's own
 * {@code maxAtOnce} is not: the run counts its running tasks itself and does not even pull an item
 * while it is at that limit.)
 *
 * <p>It follows trimeter's meters ("wait until a task can start, task started, task finished") but
 * never blocks: {@link #tryAcquire} answers at once with a {@link Decision}, and a caller that must wait
 * either sets a timer for the time it was given or {@linkplain #awaitSignal registers} to be woken.
 *
 * <p>The engine's protocol, for each start:
 * <ol>
 *   <li>{@link #tryAcquire} on every limiter of the run, in order. A {@link Permit} means the start is
 *       allowed and counted now, at the start; nothing is ever reserved ahead.
 *   <li>If a later limiter refuses, the earlier ones get {@link #refund} with the permit they granted,
 *       which must leave them as if that start had never been asked for (or, where that cannot be
 *       known, more restrictive, never less).
 *   <li>When the started task settles (succeeds, fails or is cancelled), every limiter gets
 *       {@link #release(Permit, long, Object, Throwable)} with its permit and the task's outcome. The
 *       engine calls it once per permit, also when another limiter's release throws.
 * </ol>
 * The permit carries whatever the limiter needs to take the start back: a keyed limiter's key, a
 * rate limit's booking. So {@code release} and {@code refund} never recompute anything from the item.
 *
 * <p>Implementations must be thread-safe when shared between runs; the engine calls one run's
 * methods from one thread at a time.
 *
 * <p>Times are readings of the calling run's {@link TimeSource}. A limiter shared by runs with
 * different clocks should keep its own and take from the run only how long a start has waited
 * ({@code nowNanos - waitingSinceNanos}), as meter's shared limiters do.
 */
public interface Limiter {

  /**
   * Asks to start {@code item}'s task now.
   *
   * @param item the item whose task would start (for limits keyed or weighted by item)
   * @param nowNanos the run's clock reading now
   * @param waitingSinceNanos when this start was first asked for; equal to {@code nowNanos} on the
   *     first try. A rate limit may use it to credit a late timer's lateness instead of losing it.
   * @return a {@link Permit} (the start is counted), {@link Decision#retryAt} a reading at which to
   *     ask again, or {@link Decision#awaitSignal()}
   */
  Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos);

  /** Undoes the start {@code permit} allowed: its task did not start after all. */
  void refund(Permit permit, long nowNanos);

  /** The task {@code permit} allowed has settled. */
  void release(Permit permit, long nowNanos);

  /**
   * The task {@code permit} allowed has settled, with how: the engine calls this one, and by default it
   * is {@link #release(Permit, long)}. A limit that learns from outcomes (one that adapts to refusals,
   * timeouts or latency) overrides it; it must not keep {@code value} or {@code failure}.
   *
   * @param value what the task returned, null when it failed or returned null
   * @param failure what it failed with (a {@link java.util.concurrent.CancellationException} when it
   *     was cancelled, a {@link dev.meter.api.TaskTimeoutException} when it timed out), or null
   */
  default void release(Permit permit, long nowNanos, @Nullable Object value, @Nullable Throwable failure) {
    release(permit, nowNanos);
  }

  /**
   * Registers a one-shot {@code wakeUp} to run when a start that was refused with
   * {@link Decision#awaitSignal()} may now be allowed (a permit was released, the limits were changed).
   * It may run at once, on the calling thread, if that is already so. It must not block.
   *
   * @param item the item whose start was refused (for limits keyed by item)
   * @param wakeUp what to run when the start may be tried again
   * @return a handle that withdraws the registration; a withdrawn wait leaves the limiter as if it had
   *     never been asked
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

  /** What {@link #tryAcquire} answers: a {@link Permit}, a time to retry, or a signal to wait for. */
  sealed interface Decision permits Permit, RetryAt, AwaitSignal {

    /** Refused until the reading {@code atNanos}: ask again then. */
    static Decision retryAt(long atNanos) {
      return new RetryAt(atNanos);
    }

    /** Refused, with no time to give: wait for the signal registered with {@link #awaitSignal}. */
    static Decision awaitSignal() {
      return AwaitSignal.INSTANCE;
    }
  }

  /**
   * A start that was allowed and counted, handed back to the limiter that granted it when the start is
   * refunded or its task settles. A limiter with nothing to remember per start may return
   * {@link #GRANTED}; others return their own permit type.
   */
  non-sealed interface Permit extends Decision {}

  /** The permit of a limiter that needs nothing back from it. */
  Permit GRANTED = new Permit() {
    @Override
    public String toString() {
      return "GRANTED";
    }
  };

  /** Refused until a reading; see {@link Decision#retryAt}. */
  record RetryAt(long atNanos) implements Decision {}

  /** Refused until a signal; see {@link Decision#awaitSignal()}. */
  final class AwaitSignal implements Decision {
    static final AwaitSignal INSTANCE = new AwaitSignal();

    private AwaitSignal() {}

    @Override
    public String toString() {
      return "AwaitSignal";
    }
  }

  /** A registration made with {@link #awaitSignal}. */
  @FunctionalInterface
  interface Registration {
    /** Withdraws the registration; its wake-up will not run (or already has). Idempotent. */
    void cancel();
  }
}
