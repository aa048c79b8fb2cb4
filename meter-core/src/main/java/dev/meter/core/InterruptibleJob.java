package dev.meter.core;

import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Runs a blocking body on an executor thread and reports its result once the body has returned.
 * {@link #cancel()} interrupts the thread running it; unlike {@link CompletableFuture#cancel}, the
 * report still waits until the body has really left, so "settled" means no code of the task runs.
 */
final class InterruptibleJob<R extends @Nullable Object> implements Runnable {
  private static final int NEW = 0;
  private static final int RUNNING = 1;
  private static final int DONE = 2;
  private static final int CANCELLED = 3;
  private static final int INTERRUPTING = 4;
  private static final int INTERRUPTED = 5;

  private final Callable<? extends R> body;
  private final BiConsumer<? super @Nullable R, ? super @Nullable Throwable> onDone;
  private final AtomicInteger state = new AtomicInteger(NEW);
  private volatile @Nullable Thread runner;

  InterruptibleJob(Callable<? extends R> body, BiConsumer<? super @Nullable R, ? super @Nullable Throwable> onDone) {
    this.body = body;
    this.onDone = onDone;
  }

  /** Runs {@code body} on {@code executor}; the returned future's cancel interrupts it. */
  static <R extends @Nullable Object> CompletableFuture<R> submit(Callable<? extends R> body, Executor executor) {
    JobFuture<R> future = new JobFuture<>();
    InterruptibleJob<R> job = new InterruptibleJob<>(body, future::settle);
    future.job = job;
    job.execute(executor);
    return future;
  }

  /** Hands the job to {@code executor}; a rejection is reported as the job's failure. */
  void execute(Executor executor) {
    try {
      executor.execute(this);
    } catch (RejectedExecutionException rejected) {
      if (state.compareAndSet(NEW, DONE)) {
        onDone.accept(null, rejected);
      }
    }
  }

  @Override
  public void run() {
    runner = Thread.currentThread();  // before the state change, so a cancel that sees RUNNING finds us
    if (!state.compareAndSet(NEW, RUNNING)) {
      runner = null;
      return;  // cancelled before it started: cancel() reported it
    }
    R result = null;
    Throwable failure = null;
    try {
      result = body.call();
    } catch (Throwable thrown) {
      failure = thrown;
    }
    if (!state.compareAndSet(RUNNING, DONE)) {
      // cancel() interrupted (or is interrupting) this thread: let it finish, then clear the flag so
      // a pooled thread does not carry the interrupt into its next job.
      while (state.get() == INTERRUPTING) {
        Thread.onSpinWait();
      }
      Thread.interrupted();
      CancellationException cancelled = new CancellationException("blocking task was cancelled");
      if (failure != null) {
        cancelled.initCause(failure);
      }
      failure = cancelled;
      result = null;
    }
    runner = null;
    onDone.accept(result, failure);
  }

  /** Cancels the job: before it started, reports a cancellation at once; while running, interrupts it. */
  void cancel() {
    if (state.compareAndSet(NEW, CANCELLED)) {
      onDone.accept(null, new CancellationException("blocking task was cancelled before it started"));
    } else if (state.compareAndSet(RUNNING, INTERRUPTING)) {
      Thread thread = runner;
      if (thread != null) {
        thread.interrupt();
      }
      state.set(INTERRUPTED);
    }
  }

  /**
   * The future of a job run outside an engine run (a blocking task called from another task's code):
   * cancelling it interrupts the job, and it completes, cancelled, only once the body has left. So a
   * run that waits for this future to settle never returns while the body still runs.
   */
  private static final class JobFuture<R extends @Nullable Object> extends CompletableFuture<R> {
    @Nullable InterruptibleJob<R> job;

    void settle(@Nullable R result, @Nullable Throwable failure) {
      if (failure == null) {
        complete(result);
      } else if (failure instanceof CancellationException) {
        super.cancel(false);
      } else {
        completeExceptionally(failure);
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      InterruptibleJob<R> running = job;
      if (running == null || isDone()) {
        return super.cancel(mayInterruptIfRunning);
      }
      running.cancel();  // the job reports its cancellation through settle() once the body has left
      return !isDone() || isCancelled();
    }
  }
}
