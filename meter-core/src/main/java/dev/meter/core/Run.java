package dev.meter.core;

import dev.meter.api.FailurePolicy;
import dev.meter.api.Limiter;
import dev.meter.api.TaskEvent;
import dev.meter.api.TasksFailedException;
import dev.meter.api.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * One run: pulls items, starts their tasks when every limiter allows, collects what they settle into,
 * applies the failure policy and hands results to its {@link Sink}. This is the only engine; the entry
 * points differ only in their sink, in whether delivery keeps input order, and in how failures count.
 *
 * <p>All state is owned by a drain loop that one thread at a time runs (the "work in progress"
 * counter of {@link #drain()}): task completions, consumer demand, timers, limiter signals and
 * cancellation only record what happened and call {@code drain()}. So no lock is held anywhere, no
 * thread ever waits for a permit, and the state needs no further synchronization.
 */
final class Run<T extends @Nullable Object, R extends @Nullable Object> {

  /** How task failures count; {@link FailurePolicy} plus the two modes the entry points add. */
  enum Mode {
    FAIL_FAST,
    RUN_ALL_THEN_THROW,
    /** Failures are results ({@code captureOutcome}). */
    CAPTURE,
    /** {@code runAny}: failures are kept until one task succeeds. */
    FIRST_SUCCESS;

    static Mode of(FailurePolicy policy, boolean captureOutcome) {
      if (captureOutcome) {
        return CAPTURE;
      }
      return policy == FailurePolicy.FAIL_FAST ? FAIL_FAST : RUN_ALL_THEN_THROW;
    }
  }

  private final SourceCursor<T> source;
  private final Launcher<T, R> launcher;
  private final Limiter[] limiters;
  private final int maxAtOnce;
  private final int lookahead;
  private final Ticker ticker;
  private final ScheduledExecutorService scheduler;
  private final boolean ordered;
  private final Mode mode;
  private final long bufferSize;
  private final boolean keepItems;
  private final Sink<T, R> sink;
  private final Listeners listeners;
  private final long taskTimeoutNanos;
  private final Runnable wakeUp = this::drain;
  /**
   * Whether anything reads the time: limiters, listeners. Without them the run never calls the
   * ticker, whose read ({@code System.nanoTime}) would otherwise be a good part of an instant task's cost.
   */
  private final boolean timed;

  // Inputs from other threads.
  private final AtomicInteger wip = new AtomicInteger();
  private final AtomicReference<@Nullable Slot<T, R>> settledStack = new AtomicReference<>();
  private final AtomicLong requested = new AtomicLong();
  private volatile @Nullable CancellationException cancelRequest;
  private volatile boolean terminated;
  /** An item held aside was signalled by its limiter: look through them again. */
  private volatile boolean parkedSignalled;

  // Drain-confined state.
  private long nextIndex;
  private int running;
  private long waitingResults;
  private long emitted;
  private @Nullable Slot<T, R> runningHead;
  private @Nullable Slot<T, R> readyHead;
  private @Nullable Slot<T, R> readyTail;
  // The item pulled last and not started, and its wait if it was refused; then the items held aside
  // (refused by a limiter that refuses per item), oldest first, and the earliest deadline among them.
  private @Nullable Slot<T, R> pending;
  private @Nullable StartWait<T, R> pendingWait;
  private @Nullable StartWait<T, R> parkedHead;
  private @Nullable StartWait<T, R> parkedTail;
  private int parkedCount;
  private boolean hasParkedWakeAt;
  private long parkedWakeAt;
  private long refusal;  // what the limiter that refused the last acquireAll answered
  private boolean sourceDone;
  private boolean stopping;
  private @Nullable Throwable failure;
  private @Nullable List<Throwable> failures;
  private long failedCount;
  private @Nullable ScheduledFuture<?> timer;
  private long timerDeadline;
  private long timerSequence;
  // Which timer last fired. A firing timer runs the drain before its future counts as done, so
  // isDone() cannot tell the drain that the timer it runs in is spent.
  private volatile long firedSequence;

  Run(SourceCursor<T> source, Launcher<T, R> launcher, List<Limiter> limiters, int maxAtOnce, int lookahead,
      Ticker ticker, ScheduledExecutorService scheduler, boolean ordered, Mode mode,
      long bufferSize, boolean keepItems, Sink<T, R> sink, Listeners listeners, long taskTimeoutNanos) {
    this.source = source;
    this.launcher = launcher;
    this.limiters = limiters.toArray(new Limiter[0]);
    this.maxAtOnce = maxAtOnce;
    this.lookahead = lookahead;
    this.ticker = ticker;
    this.scheduler = scheduler;
    this.ordered = ordered;
    this.mode = mode;
    this.bufferSize = bufferSize;
    this.keepItems = keepItems;
    this.sink = sink;
    this.listeners = listeners;
    this.taskTimeoutNanos = taskTimeoutNanos;
    this.timed = this.limiters.length > 0 || !listeners.isEmpty();
  }

  private long now() {
    return timed ? ticker.read() : 0L;
  }

  // ---- inputs, from any thread ----

  /** Starts the run; delivery waits for {@link #request} unless the sink takes everything. */
  void start() {
    drain();
  }

  /** The consumer can take {@code n} more results. */
  void request(long n) {
    for (;;) {
      long current = requested.get();
      long next = current + n;
      if (next < 0) {
        next = Long.MAX_VALUE;
      }
      if (requested.compareAndSet(current, next)) {
        break;
      }
    }
    drain();
  }

  /** Cancels the run: running tasks are cancelled, no more input is taken. */
  void cancel() {
    cancel(new CancellationException("run was cancelled"));
  }

  void cancel(CancellationException reason) {
    if (cancelRequest == null) {
      cancelRequest = reason;
    }
    drain();
  }

  /** Whether the run has ended and every task it started has settled. */
  boolean isTerminated() {
    return terminated;
  }

  /** A task settled (called by its slot, on the completing thread). */
  void settled(Slot<T, R> slot) {
    for (;;) {
      Slot<T, R> head = settledStack.get();
      slot.nextSettled = head;
      if (settledStack.compareAndSet(head, slot)) {
        break;
      }
    }
    drain();
  }

  /** A limiter signalled an item that waits for its start (called by its {@link StartWait}). */
  void startWaitSignalled() {
    parkedSignalled = true;
    drain();
  }

  // ---- the drain loop ----

  void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      if (!terminated) {
        try {
          step();
        } catch (Throwable bug) {
          // A limiter, sink or scheduler threw where it must not: end the run with it rather than
          // leave it hanging.
          failFatally(bug);
        }
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  private void step() {
    CancellationException cancel = cancelRequest;
    if (cancel != null && !stopping) {
      recordFailure(cancel);
      stop();
    }
    takeSettled();
    deliver();
    if (!stopping) {
      startTasks();
    }
    if (running == 0 && (stopping || (sourceDone && pending == null && parkedHead == null && readyHead == null))) {
      finish();
    }
  }

  private void takeSettled() {
    Slot<T, R> stack = settledStack.getAndSet(null);
    if (stack == null) {
      return;
    }
    Slot<T, R> fifo = null;  // the stack holds the newest first; settle in arrival order
    while (stack != null) {
      Slot<T, R> next = stack.nextSettled;
      stack.nextSettled = fifo;
      fifo = stack;
      stack = next;
    }
    long now = now();
    for (Slot<T, R> slot = fifo; slot != null; ) {
      Slot<T, R> next = slot.nextSettled;
      slot.nextSettled = null;
      settle(slot, now);
      slot = next;
    }
  }

  private void settle(Slot<T, R> slot, long now) {
    running--;
    unlinkRunning(slot);
    slot.cancelTimeout();
    for (Limiter limiter : limiters) {
      limiter.release(slot.item, now);
    }
    if (!listeners.isEmpty()) {
      tellSettled(slot, now);
    }
    if (!keepItems) {
      slot.item = null;
    }
    slot.settled = true;
    Throwable thrown = slot.failure;
    if (thrown != null && mode != Mode.CAPTURE) {
      slot.skipped = true;
      onTaskFailure(thrown, slot.isCancellation());
      return;
    }
    waitingResults++;
    if (!ordered) {
      appendReady(slot);
    }
  }

  private void tellSettled(Slot<T, R> slot, long now) {
    TaskWatch watch = slot.watch;
    long waited = watch == null ? 0 : watch.waitedNanos;
    TaskEvent event = new TaskEvent(slot.index, slot.item, true, waited, now - slot.startedAt);
    Throwable thrown = slot.failure;
    if (thrown == null) {
      listeners.onSucceeded(event);
    } else if (slot.isCancellation()) {
      listeners.onCancelled(event);
    } else {
      listeners.onFailed(event, thrown);
    }
  }

  private void onTaskFailure(Throwable thrown, boolean cancellation) {
    if (stopping && cancellation) {
      return;  // the run cancelled it; not a failure of its own
    }
    failedCount++;
    switch (mode) {
      case FAIL_FAST -> {
        recordFailure(thrown);
        stop();
      }
      case RUN_ALL_THEN_THROW, FIRST_SUCCESS -> {
        if (failures == null) {
          failures = new ArrayList<>();
        }
        failures.add(thrown);
      }
      case CAPTURE -> throw new AssertionError("captured failures are results");
    }
  }

  /** The first failure becomes the run's; later ones are attached to it. */
  private void recordFailure(Throwable thrown) {
    Throwable first = failure;
    if (first == null) {
      failure = thrown;
    } else if (first != thrown) {
      first.addSuppressed(thrown);
    }
  }

  private void deliver() {
    if (stopping) {
      return;
    }
    long limit = requested.get();
    while (emitted != limit) {
      Slot<T, R> head = readyHead;
      if (head == null || (ordered && !head.settled)) {
        return;
      }
      readyHead = head.nextReady;
      head.nextReady = null;
      if (readyHead == null) {
        readyTail = null;
      }
      if (head.skipped) {
        continue;
      }
      waitingResults--;
      emitted++;
      if (!sink.onResult(head)) {
        stop();  // the sink is satisfied
        return;
      }
      if (stopping) {
        return;
      }
    }
  }

  private void startTasks() {
    while (!stopping) {
      // In input order a full buffer may be waiting for an item held aside, so those may still start.
      boolean bufferFull = waitingResults >= bufferSize;
      if (bufferFull && !ordered) {
        return;  // the consumer is behind: its buffer is full
      }
      if (running >= maxAtOnce) {
        return;  // do not even pull an item: the concurrency limit cannot admit it
      }
      long now = now();
      if (parkedHead != null) {
        if (parkedSignalled || (hasParkedWakeAt && now - parkedWakeAt >= 0)) {
          if (!startParked(now) || running >= maxAtOnce) {
            return;
          }
        } else if (hasParkedWakeAt) {
          wakeAt(parkedWakeAt, now);  // the run's one timer may have been spent on an earlier wait
        }
      }
      if (bufferFull) {
        return;
      }
      Slot<T, R> slot = pending;
      if (slot == null) {
        slot = pull(now);
        if (slot == null) {
          return;
        }
      }
      int refused = acquireAll(slot, now);
      if (refused == GRANTED) {
        pending = null;
        StartWait<T, R> wait = pendingWait;
        if (wait != null) {
          wait.withdraw();
          pendingWait = null;
        }
        if (launch(slot, now)) {
          // Done on return: settle and deliver it here, in order, without the settled stack's round trip.
          settle(slot, now());
          deliver();
        }
        if (settledStack.get() != null) {
          // Tasks settled meanwhile (an instant task settles inside launch): take them in before
          // starting more, or the buffer check above would not count them and the run would race ahead.
          return;
        }
        continue;
      }
      if (refused == FAILED) {
        return;
      }
      StartWait<T, R> wait = pendingWait != null ? pendingWait : new StartWait<>(this, slot);
      waitFor(wait, refused);
      if (stopping) {
        return;
      }
      if (limiters[refused].refusesPerItem() && parkedCount < lookahead) {
        pending = null;  // hold it aside and go on with the next item
        pendingWait = null;
        park(wait, now);
        continue;
      }
      pendingWait = wait;
      if (wait.hasDeadline) {
        wakeAt(wait.deadline, now);
      }
      return;
    }
  }

  /** Pulls the next item into a new pending slot; null if there is none now. */
  private @Nullable Slot<T, R> pull(long now) {
    if (sourceDone) {
      return null;
    }
    int polled = source.poll(wakeUp);
    if (polled == SourceCursor.EMPTY) {
      return null;
    }
    if (polled == SourceCursor.DONE) {
      sourceDone = true;
      source.close();
      return null;
    }
    if (polled == SourceCursor.FAILED) {
      sourceDone = true;
      recordFailure(source.failure());
      stop();
      return null;
    }
    Slot<T, R> slot = new Slot<>(this, nextIndex++, source.takeItem());
    slot.startedAt = now;  // until it starts: since when it waits
    if (ordered) {
      appendReady(slot);  // its place in the output is its place in the input
    }
    if (!listeners.isEmpty()) {
      listeners.onWaiting(new TaskEvent(slot.index, slot.item, false, 0, 0));
    }
    pending = slot;
    return slot;
  }

  /**
   * Tries the items held aside whose limiter signalled or whose deadline has passed, oldest first, and
   * sets the timer for the earliest deadline left.
   *
   * @return whether the run may go on to newer items in this round
   */
  private boolean startParked(long now) {
    parkedSignalled = false;  // a signal from here on asks for another look
    hasParkedWakeAt = false;
    boolean mayTry = true;
    boolean goOn = true;
    StartWait<T, R> previous = null;
    for (StartWait<T, R> wait = parkedHead; wait != null; ) {
      StartWait<T, R> next = wait.nextParked;
      if (mayTry && wait.isDue(now)) {
        if (running >= maxAtOnce || settledStack.get() != null) {
          parkedSignalled = true;  // come back once the run has taken in what settled
          return false;
        }
        int refused = acquireAll(wait.slot, now);
        if (refused == GRANTED) {
          unpark(previous, wait);
          wait.withdraw();
          if (launch(wait.slot, now)) {
            settled(wait.slot);  // taken in with the others, after this look through the held items
          }
          wait = next;
          continue;
        }
        if (refused == FAILED) {
          return false;
        }
        waitFor(wait, refused);
        if (stopping) {
          return false;
        }
        if (!limiters[refused].refusesPerItem()) {
          // A limit every item shares refused: nothing starts before it allows this one, whose wait
          // then brings the run back here. The rest only add their deadlines to the timer.
          mayTry = false;
          goOn = false;
        }
      }
      if (wait.hasDeadline) {
        noteParkedDeadline(wait.deadline);
      }
      previous = wait;
      wait = next;
    }
    if (hasParkedWakeAt) {
      wakeAt(parkedWakeAt, now);
    }
    return goOn;
  }

  private void park(StartWait<T, R> wait, long now) {
    if (parkedTail == null) {
      parkedHead = wait;
    } else {
      parkedTail.nextParked = wait;
    }
    parkedTail = wait;
    parkedCount++;
    if (wait.hasDeadline) {
      noteParkedDeadline(wait.deadline);
      wakeAt(wait.deadline, now);
    }
  }

  private void unpark(@Nullable StartWait<T, R> previous, StartWait<T, R> wait) {
    StartWait<T, R> next = wait.nextParked;
    if (previous == null) {
      parkedHead = next;
    } else {
      previous.nextParked = next;
    }
    if (parkedTail == wait) {
      parkedTail = previous;
    }
    wait.nextParked = null;
    parkedCount--;
  }

  private void noteParkedDeadline(long deadline) {
    if (!hasParkedWakeAt || deadline - parkedWakeAt < 0) {
      parkedWakeAt = deadline;
      hasParkedWakeAt = true;
    }
  }

  private static final int GRANTED = -1;
  private static final int FAILED = -2;

  /**
   * Takes a permit from every limiter, or none: a refusal refunds the ones already granted. A limiter
   * that throws (a keyed limiter's key function, say) fails the run, after the same refunds.
   *
   * @return {@link #GRANTED}; {@link #FAILED}, with the run stopped; or the index of the limiter that
   *     refused, with its answer in {@link #refusal}
   */
  private int acquireAll(Slot<T, R> slot, long now) {
    for (int i = 0; i < limiters.length; i++) {
      long answer;
      try {
        answer = limiters[i].tryAcquire(slot.item, now, slot.startedAt);
      } catch (RuntimeException thrown) {
        refundBefore(i, slot.item, now);
        recordFailure(thrown);
        stop();
        return FAILED;
      }
      if (answer != Limiter.ACQUIRED) {
        refundBefore(i, slot.item, now);
        refusal = answer;
        return i;
      }
    }
    return GRANTED;
  }

  private void refundBefore(int refused, @Nullable T item, long now) {
    for (int j = refused - 1; j >= 0; j--) {
      limiters[j].refund(item, now);
    }
  }

  /** Sets up how {@code wait} learns that the limiter that refused it may allow it now. */
  private void waitFor(StartWait<T, R> wait, int refused) {
    if (refusal == Limiter.AWAIT_SIGNAL) {
      wait.awaitSignal(limiters[refused]);
    } else {
      wait.awaitDeadline(refusal);
    }
  }

  /** @return true if the task was done when it returned; the caller settles it (see {@link Slot#startAsync}) */
  private boolean launch(Slot<T, R> slot, long now) {
    running++;
    linkRunning(slot);
    long waited = now - slot.startedAt;
    slot.startedAt = now;
    if (!listeners.isEmpty()) {
      slot.watch().waitedNanos = waited;
      listeners.onStarted(new TaskEvent(slot.index, slot.item, true, waited, 0));
    }
    if (taskTimeoutNanos > 0) {
      slot.scheduleTimeout(scheduler, taskTimeoutNanos);
    }
    return launcher.launch(slot, slot.item);
  }

  private void wakeAt(long deadline, long now) {
    ScheduledFuture<?> pendingTimer = timer;
    if (pendingTimer != null) {
      if (firedSequence != timerSequence && deadline - timerDeadline >= 0) {
        return;  // an earlier or equal wake-up is already set
      }
      pendingTimer.cancel(false);
    }
    long delay = Math.max(0L, deadline - now);
    long sequence = ++timerSequence;
    try {
      timer = scheduler.schedule(() -> {
        firedSequence = sequence;
        drain();
      }, delay, TimeUnit.NANOSECONDS);
      timerDeadline = deadline;
    } catch (RejectedExecutionException rejected) {
      timer = null;
      recordFailure(rejected);
      stop();
    }
  }

  /** Stops the run: no more input, nothing more delivered, running tasks cancelled. */
  private void stop() {
    if (stopping) {
      return;
    }
    stopping = true;
    dropUnstarted();
    source.close();
    releaseWaits();
    for (Slot<T, R> slot = runningHead; slot != null; ) {
      Slot<T, R> next = slot.nextRunning;  // cancel() may settle it at once, but not unlink it
      slot.cancel();
      slot = next;
    }
  }

  /** The items pulled but not started (the pending one and those held aside) are dropped, in input order. */
  private void dropUnstarted() {
    long now = now();
    Slot<T, R> last = pending;
    pending = null;
    StartWait<T, R> lastWait = pendingWait;
    pendingWait = null;
    if (lastWait != null) {
      lastWait.withdraw();
    }
    for (StartWait<T, R> wait = parkedHead; wait != null; wait = wait.nextParked) {
      wait.withdraw();
      dropped(wait.slot, now);
    }
    parkedHead = null;
    parkedTail = null;
    parkedCount = 0;
    hasParkedWakeAt = false;
    if (last != null) {
      dropped(last, now);
    }
  }

  private void dropped(Slot<T, R> slot, long now) {
    slot.skipped = true;
    if (!listeners.isEmpty()) {
      listeners.onCancelled(new TaskEvent(slot.index, slot.item, false, now - slot.startedAt, 0));
    }
  }

  private void releaseWaits() {
    ScheduledFuture<?> pendingTimer = timer;
    if (pendingTimer != null) {
      pendingTimer.cancel(false);
      timer = null;
    }
  }

  private void finish() {
    terminated = true;
    source.close();
    releaseWaits();
    readyHead = null;
    readyTail = null;
    sink.onFinish(outcomeFailure());
  }

  private @Nullable Throwable outcomeFailure() {
    List<Throwable> all = failures;
    if (failure != null) {
      if (all != null) {
        all.forEach(this::recordFailure);  // failures kept for the end still reach the caller
      }
      return failure;
    }
    if (all == null || all.isEmpty()) {
      return null;
    }
    if (mode == Mode.FIRST_SUCCESS && stopping) {
      return null;  // a task succeeded; the failures before it do not matter
    }
    long attempted = nextIndex;
    return new TasksFailedException(failedCount + " of " + attempted + " tasks failed", all);
  }

  private void failFatally(Throwable bug) {
    recordFailure(bug);
    if (!stopping) {
      try {
        stop();
      } catch (Throwable again) {
        bug.addSuppressed(again);
      }
    }
    if (running == 0 && !terminated) {
      terminated = true;
      sink.onFinish(failure);
    }
  }

  // ---- intrusive lists ----

  private void appendReady(Slot<T, R> slot) {
    if (readyTail == null) {
      readyHead = slot;
    } else {
      readyTail.nextReady = slot;
    }
    readyTail = slot;
  }

  private void linkRunning(Slot<T, R> slot) {
    slot.nextRunning = runningHead;
    if (runningHead != null) {
      runningHead.prevRunning = slot;
    }
    runningHead = slot;
  }

  private void unlinkRunning(Slot<T, R> slot) {
    Slot<T, R> prev = slot.prevRunning;
    Slot<T, R> next = slot.nextRunning;
    if (prev == null) {
      runningHead = next;
    } else {
      prev.nextRunning = next;
    }
    if (next != null) {
      next.prevRunning = prev;
    }
    slot.prevRunning = null;
    slot.nextRunning = null;
  }

  /** How a run starts the task for an item into its slot. */
  @FunctionalInterface
  interface Launcher<T extends @Nullable Object, R extends @Nullable Object> {
    /**
     * @return true if the task was done on return and the slot holds its outcome without having
     *     pushed itself to the run, which then settles it; false if the slot will (or did) settle itself
     */
    boolean launch(Slot<T, R> slot, T item);
  }
}
