package dev.meter.core;

import dev.meter.api.AsyncTask;
import dev.meter.api.BlockingTask;
import dev.meter.api.TaskTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * One item from its pull on: its position, input, running task and, once settled, its result. A slot is its
 * own completion callback, so starting a task allocates nothing else; when the task settles the slot
 * pushes itself onto its run's settled stack and wakes the run.
 *
 * <p>Fields written by the completing thread ({@link #value}, {@link #failure}) are published by the
 * push; everything else is touched only inside the run's drain loop.
 */
final class Slot<T extends @Nullable Object, R extends @Nullable Object>
    implements BiConsumer<@Nullable R, @Nullable Throwable> {

  private final Run<T, R> run;
  final long index;
  @Nullable T item;

  @Nullable R value;
  @Nullable Throwable failure;

  /** Set in the drain loop once the settlement was taken in; ordered delivery waits for it. */
  boolean settled;
  /** A failed slot that is not delivered (failures not captured); ordered delivery skips it. */
  boolean skipped;
  /** When the task started (until then, when its item was pulled), by the run's ticker. */
  long startedAt;
  /** Only for tasks with listeners or a timeout; null otherwise. */
  @Nullable TaskWatch watch;

  /** The running task: its {@link CompletionStage} or {@link InterruptibleJob}; null once it settled. */
  private @Nullable Object running;

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

  /**
   * Starts an asynchronous task; a throw or a null stage fails this item only.
   *
   * @return true if the task was already done when it returned, and this slot holds its outcome
   *     without having told the run: the caller, the run's drain loop, settles it at once. Most
   *     instant tasks take this way, which costs no callback, no derived stage and no wake-up.
   */
  @SuppressWarnings("unchecked")
  boolean startAsync(AsyncTask<? super T, ? extends R> task, T input) {
    CompletionStage<? extends R> started;
    try {
      started = task.apply(input);
    } catch (Throwable thrown) {
      accept(null, thrown);
      return false;
    }
    if (started == null) {
      accept(null, new NullPointerException("task returned a null CompletionStage for the item at index " + index));
      return false;
    }
    // Only the JDK's own class: a subclass may override what isDone and getNow mean.
    if (started.getClass() == CompletableFuture.class && ((CompletableFuture<? extends R>) started).isDone()) {
      takeOutcome((CompletableFuture<? extends R>) started);
      return true;
    }
    running = started;
    ((CompletionStage<R>) started).whenComplete(this);
    return false;
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
  void startBlocking(BlockingTask<? super T, ? extends R> task, T input, Executor executor) {
    InterruptibleJob<R> started = new InterruptibleJob<>(() -> task.call(input), this);
    running = started;
    started.execute(executor);
  }

  /** Cancels the running task: the stage is cancelled, a blocking task interrupted. */
  void cancel() {
    Object task = running;
    if (task instanceof InterruptibleJob<?> blocking) {
      blocking.cancel();
    } else if (task instanceof CompletionStage<?> stage) {
      try {
        stage.toCompletableFuture().cancel(true);
      } catch (UnsupportedOperationException notConvertible) {
        // A stage that cannot be cancelled is waited for; it still settles the slot when it ends.
      }
    }
  }

  /** Cancels the task if it is still running after {@code nanos}, failing it with a timeout. */
  void scheduleTimeout(ScheduledExecutorService scheduler, long nanos) {
    TaskWatch timed = watch();
    timed.timeout = scheduler.schedule(() -> {
      timed.timedOut = new TaskTimeoutException(index, Duration.ofNanos(nanos));
      cancel();
    }, nanos, TimeUnit.NANOSECONDS);
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
    ScheduledFuture<?> pending = timed == null ? null : timed.timeout;
    if (pending != null) {
      pending.cancel(false);
      timed.timeout = null;
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
    running = null;
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
