package dev.meter.core;

import dev.meter.api.AsyncTask;
import dev.meter.api.BlockingTask;
import dev.meter.api.TaskTimeoutException;
import dev.meter.api.TimeSource;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * One item from its pull on: its position, input, running task and, once settled, its result. A slot is its
 * own completion callback, so starting a task allocates nothing else; when the task settles the slot
 * pushes itself onto its run's settled stack and wakes the run.
 *
 * <p>Its {@link Phase} says where it is on that journey, and changes only through {@link #moveTo}, in
 * the run's drain loop. Fields written by the completing thread ({@link #value}, {@link #failure}) are
 * published by the push; {@link #task} is also read by a timeout's timer; everything else is touched
 * only inside the drain loop.
 */
final class Slot<T extends @Nullable Object, R extends @Nullable Object>
    implements BiConsumer<@Nullable R, @Nullable Throwable> {

  /** Where an item is. The arrows of {@link #moveTo} are the only ways on. */
  enum Phase {
    /** Pulled, not started: waits for its limits (or is being tried now). */
    WAITING,
    /** Refused by a limit that refuses per item: waits aside while later items may start. */
    HELD_ASIDE,
    /** Started and not yet taken in as settled. */
    RUNNING,
    /** Its attempt failed and a retry policy tries it again: it waits out its backoff. */
    BACKING_OFF,
    /** Its task ended and the run took that in; a result waits for delivery. */
    SETTLED,
    /** Its result went to the sink. */
    DELIVERED,
    /** It will never be delivered: dropped before its start, or a failure that is not a result. */
    DROPPED;

    private static final Phase[] ALL = values();

    boolean mayMoveTo(Phase next) {
      return switch (this) {
        case WAITING -> next == HELD_ASIDE || next == RUNNING || next == DROPPED;
        case HELD_ASIDE -> next == RUNNING || next == DROPPED;
        case RUNNING -> next == SETTLED || next == BACKING_OFF;
        case BACKING_OFF -> next == HELD_ASIDE || next == RUNNING || next == DROPPED;
        case SETTLED -> next == DELIVERED || next == DROPPED;
        case DELIVERED, DROPPED -> false;
      };
    }
  }

  private final Run<T, R> run;
  final long index;
  @Nullable T item;

  @Nullable R value;
  @Nullable Throwable failure;

  /**
   * The {@link Phase}'s ordinal: a byte, not a reference, because a reference store pays the
   * collector's write barriers, and the phase changes three times per task.
   */
  private byte phase;  // Phase.WAITING
  /** When the task started (until then, when its item was pulled), by the run's clock. */
  long startedAt;
  /** Only for tasks with listeners or a timeout; null otherwise. */
  @Nullable TaskWatch watch;

  /** The running task: its {@link CompletionStage} or {@link InterruptibleJob}; null when none runs. */
  private volatile @Nullable Object task;

  // Links: the settled stack (any thread, via the run's CAS), the running list and the delivery queue.
  @Nullable Slot<T, R> nextSettled;
  @Nullable Slot<T, R> prevRunning;
  @Nullable Slot<T, R> nextRunning;
  @Nullable Slot<T, R> nextReady;

  Slot(Run<T, R> run, long index, @Nullable T item) {
    this.run = run;
    this.index = index;
    this.item = item;
  }

  Phase phase() {
    return Phase.ALL[phase];
  }

  /**
   * Moves this slot on. A move the phases do not allow is a bug in the engine: checked when assertions
   * are on (the tests), free otherwise, since this runs three times per task.
   */
  void moveTo(Phase next) {
    assert phase().mayMoveTo(next) : "slot " + index + " cannot go from " + phase() + " to " + next;
    phase = (byte) next.ordinal();
  }

  /** Whether the slot is in {@code phase}; cheaper than comparing {@link #phase()}. */
  boolean is(Phase which) {
    return phase == which.ordinal();
  }

  /**
   * Starts an asynchronous task; a throw or a null stage fails this item only.
   *
   * @return true if the task was already done when it returned, and this slot holds its outcome
   *     without having told the run: the caller, the run's drain loop, settles it at once. Most
   *     instant tasks take this way, which costs no callback, no derived stage and no wake-up.
   */
  boolean startAsync(AsyncTask<? super T, ? extends R> work, T input) {
    CompletionStage<? extends R> started;
    try {
      started = work.apply(input);
    } catch (Throwable thrown) {
      accept(null, thrown);
      return false;
    }
    return attach(started);
  }

  /**
   * Takes on the stage an asynchronous task returned for this slot's item: as {@link #startAsync}, for a
   * task applied before its slot was made (the run's plain lane).
   */
  @SuppressWarnings("unchecked")
  boolean attach(@Nullable CompletionStage<? extends R> started) {
    if (started == null) {
      accept(null, new NullPointerException("task returned a null CompletionStage for the item at index " + index));
      return false;
    }
    CompletableFuture<? extends R> done = doneOnReturn(started);
    if (done != null) {
      takeOutcome(done);
      return true;
    }
    task = started;
    ((CompletionStage<R>) started).whenComplete(this);
    cancelIfTimedOut();
    return false;
  }

  /**
   * The stage as a future already done, or null. Only the JDK's own class counts: a subclass may
   * override what {@code isDone} and {@code getNow} mean.
   */
  @SuppressWarnings("unchecked")
  static <V extends @Nullable Object> @Nullable CompletableFuture<V> doneOnReturn(
      @Nullable CompletionStage<V> stage) {
    if (stage != null && stage.getClass() == CompletableFuture.class) {
      CompletableFuture<V> future = (CompletableFuture<V>) stage;
      return future.isDone() ? future : null;
    }
    return null;
  }

  private void takeOutcome(CompletableFuture<? extends R> done) {
    try {
      value = done.getNow(null);
    } catch (CancellationException cancelled) {
      failure = cancelled;
    } catch (CompletionException failed) {
      failure = unwrap(failed);
    }
  }

  /** Starts a blocking task on {@code executor}. */
  void startBlocking(BlockingTask<? super T, ? extends R> work, T input, Executor executor) {
    InterruptibleJob<R> started = new InterruptibleJob<>(() -> work.call(input), this);
    task = started;
    cancelIfTimedOut();
    started.execute(executor);
  }

  /**
   * The task's timeout may have fired while its start was still in progress (inside {@code apply}),
   * before there was a task to cancel: cancel it now. The timer writes its flag before it reads
   * {@link #task}, and this reads the flag after writing {@code task}, so one of the two cancels it.
   */
  private void cancelIfTimedOut() {
    TaskWatch timed = watch;
    if (timed != null && timed.timedOut != null) {
      cancel();
    }
  }

  /** The item's task could not start (its timeout could not be set): it fails with {@code thrown}. */
  void failBeforeStart(Throwable thrown) {
    failure = thrown;
  }

  /** Cancels the running task: the stage is cancelled, a blocking task interrupted. */
  void cancel() {
    cancelTask(task);
  }

  private static void cancelTask(@Nullable Object running) {
    if (running instanceof InterruptibleJob<?> blocking) {
      blocking.cancel();
    } else if (running instanceof CompletionStage<?> stage) {
      try {
        stage.toCompletableFuture().cancel(true);
      } catch (UnsupportedOperationException notConvertible) {
        // A stage that cannot be cancelled is waited for; it still settles the slot when it ends.
      }
    }
  }

  /**
   * Cancels the task if it is still running after {@code nanos}, failing it with a timeout. A timer
   * that fires as its attempt settles must not cancel the item's next attempt: it reads the task
   * first, then checks that its watch is still the slot's. A retry replaces the watch before the next
   * attempt's task is written (volatile), so a task read from a later attempt comes with a watch
   * that no longer matches, and an earlier task is done and harmless to cancel.
   */
  void scheduleTimeout(TimeSource time, long nanos) {
    TaskWatch timed = watch();
    timed.timeout = time.schedule(() -> {
      timed.timedOut = new TaskTimeoutException(index, Duration.ofNanos(nanos));
      Object current = task;
      if (watch == timed) {
        cancelTask(current);
      }
    }, nanos);
  }

  /** Which attempt at the item this is (or was, once settled), counting from 1. */
  int attempts() {
    TaskWatch timed = watch;
    return timed == null ? 1 : timed.attempt;
  }

  /**
   * The attempt failed and is tried again after its backoff, until {@code retryAt}: what it gave is
   * forgotten, and the next attempt has a watch of its own.
   */
  void backOff(long now, long retryAt) {
    moveTo(Phase.BACKING_OFF);
    TaskWatch current = watch;
    watch = current == null ? TaskWatch.secondAttempt(retryAt) : current.nextAttempt(retryAt);
    value = null;
    failure = null;
    startedAt = now;  // its next wait counts from here
  }

  /** This task's {@link TaskWatch}, made on first use. */
  TaskWatch watch() {
    TaskWatch existing = watch;
    if (existing == null) {
      existing = new TaskWatch();
      watch = existing;
    }
    return existing;
  }

  /** The task settled: its timeout, if any, must not fire any more (nor stay on the timer queue). */
  void cancelTimeout() {
    TaskWatch timed = watch;
    TimeSource.Scheduled pending = timed == null ? null : timed.timeout;
    if (pending != null) {
      timed.timeout = null;
      pending.cancel();
    }
  }

  /** The task settled; called once, on whatever thread completed it. */
  @Override
  public void accept(@Nullable R result, @Nullable Throwable thrown) {
    Throwable failed = unwrap(thrown);
    TaskWatch timed = watch;
    TaskTimeoutException late = timed == null ? null : timed.timedOut;
    if (late != null && failed instanceof CancellationException) {
      failed = late;  // cancelled by its timeout, not by the run
    }
    this.value = result;
    this.failure = failed;
    task = null;
    run.settled(this);
  }

  boolean isCancellation() {
    return failure instanceof CancellationException;
  }

  // Stages derived from others report a failure wrapped in CompletionException; callers want the
  // task's own exception.
  private static @Nullable Throwable unwrap(@Nullable Throwable thrown) {
    Throwable failure = thrown;
    while (failure instanceof CompletionException && failure.getCause() != null) {
      failure = failure.getCause();
    }
    return failure;
  }
}
