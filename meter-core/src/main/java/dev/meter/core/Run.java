package dev.meter.core;

import dev.meter.api.AsyncTask;
import dev.meter.api.RetryPolicy;
import dev.meter.api.spi.Limiter;
import dev.meter.api.event.TaskEvent;
import dev.meter.api.TimeSource;
import dev.meter.api.internal.TaskCounters;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * One run: pulls items, starts their tasks when every limiter allows, collects what they settle into,
 * applies the failure policy and hands results to its {@link Sink}. This is the only engine; the entry
 * points differ only in their sink, in whether delivery keeps input order, and in how failures count.
 *
 * <p>Concurrency: all state is owned by a drain loop that one thread at a time runs (the "work in
 * progress" counter of {@link #drain()}). Task completions, consumer demand, timers, limiter signals and
 * cancellation only record what happened and call {@code drain()}. So no lock is held anywhere, no
 * thread ever waits for a permit, and the stages the drain loop owns need no synchronization:
 * {@link Admission} (items waiting for their limits), {@link RunningTasks}, {@link Delivery} (results
 * on their way to the sink), {@link FailureLedger} and the {@link Wakeup} timer.
 *
 * <p>An item's journey is {@link #step()}: take in what settled, deliver, then start what may start.
 * Under a {@link RetryPolicy} a failed attempt is not the end of it: its permits go back, and the slot
 * backs off in {@link Admission} until it may ask its limits again, keeping its index and its place
 * in ordered delivery; only its last attempt settles it for good.
 * Two rules bound what a drain pass does on the thread that runs it:
 * <ul>
 *   <li>It starts tasks for at most {@link #PASS_NANOS} (plus 1,024 starts); the rest continue in a
 *       callback of the run's time source (on meter's own threads by default). So an endless source of
 *       instant tasks never keeps a caller's thread (which must get its future back) or a timer's.
 *   <li>A cancel is looked at before every start, and {@link #cancel} returns only once the thread
 *       draining on another thread ({@link #starting}) has seen it or left: after it returns, no task
 *       of the run starts.
 * </ul>
 */
final class Run<T extends @Nullable Object, R extends @Nullable Object> {
  /**
   * How long one drain pass may keep starting tasks before it hands the rest to a callback: long enough
   * that a million instant tasks (about 30 ms) never change threads, short enough that a caller gets
   * its future back, and a thread of meter's timer pool its turn, within about a tenth of a second.
   * Measured by the system clock, whatever the run's time source (virtual time does not move in a pass).
   */
  static final long PASS_NANOS = 100_000_000L;
  /** Starts between two looks at that clock. */
  static final int STARTS_PER_CLOCK_LOOK = 1024;

  private final RunPlan<T, R> plan;
  private final Limiter[] limiters;
  private final Listeners listeners;
  /** The statistics of the shared and keyed limiters this run passes through, counted directly. */
  private final TaskCounters[] counters;
  private final TimeSource time;
  private final SourceCursor<T> source;
  private final Admission<T, R> admission;
  private final RunningTasks<T, R> running = new RunningTasks<>();
  private final Delivery<T, R> delivery;
  private final FailureLedger failures;
  private final Wakeup wakeup;
  /**
   * Whether anything reads the time: limiters, listeners, timeouts. Without them the run never reads
   * the clock, whose read ({@code System.nanoTime}) would otherwise be a good part of an instant task's cost.
   */
  private final boolean timed;
  /**
   * The task of a plain run, which takes the plain lane (see {@link #startPlain}): asynchronous tasks,
   * no listener, timeout or retry, no limiter but meter's shared ones, and delivery in completion order. Null
   * otherwise.
   */
  private final @Nullable AsyncTask<? super T, ? extends R> plainTask;
  /** A plain run's leases on its shared limiters, while they have no limit; null without limiters. */
  private final @Nullable Leases leases;
  /** Whether successes are results for the sink ({@link Sink#keepsSuccesses()}). */
  private final boolean keepsSuccesses;
  /** When a failed item is tried again; null for never. */
  private final @Nullable RetryPolicy retry;

  // Inputs from other threads.
  private final AtomicInteger wip = new AtomicInteger();
  private final AtomicReference<@Nullable Slot<T, R>> settledStack = new AtomicReference<>();
  private volatile @Nullable CancellationException cancelRequest;
  private volatile boolean terminated;
  /**
   * The thread running the drain loop now, if any: {@link #cancel} waits for it to leave or to see the
   * cancel, so that no start it makes can follow the cancel's return. Written before that thread reads
   * the cancel request; a canceller writes the request before it reads this.
   */
  private volatile @Nullable Thread starting;
  private volatile boolean continuationSet;

  // Drain-confined state.
  private boolean stopping;
  private boolean sinkSatisfied;
  /** Starts left before the pass looks at the clock again. */
  private int passBudget;
  /** When this pass first looked at the clock; 0 before it has. */
  private long passStartedAt;
  private int steps;

  Run(RunPlan<T, R> plan, SourceCursor<T> source, Sink<T, R> sink) {
    this.plan = plan;
    this.limiters = plan.limiters();
    this.listeners = plan.listeners();
    this.counters = plan.counters();
    this.time = plan.time();
    this.source = source;
    this.delivery = new Delivery<>(sink, plan.ordered(), plan.bufferSize());
    this.failures = new FailureLedger(plan.mode());
    this.wakeup = new Wakeup(time, this::drain);
    this.admission = new Admission<>(this, source, plan, delivery, wakeup);
    this.retry = plan.retry();
    this.timed = limiters.length > 0 || !listeners.isEmpty() || plan.taskTimeoutNanos() > 0 || retry != null;
    this.leases = limiters.length == 0 ? null : Leases.forLimiters(limiters, counters, admission);
    boolean plain = listeners.isEmpty() && plan.taskTimeoutNanos() == 0 && !plan.ordered() && retry == null
        && (limiters.length == 0 || leases != null);
    this.plainTask = plain && plan.launcher() instanceof AsyncLauncher<T, R> async ? async.task() : null;
    this.keepsSuccesses = sink.keepsSuccesses();
  }

  private long now() {
    return timed ? time.read() : 0L;
  }

  // ---- inputs, from any thread ----

  /** Starts the run; delivery waits for {@link #request} unless the sink takes everything. */
  void start() {
    drain();
  }

  /** The consumer can take {@code n} more results. */
  void request(long n) {
    delivery.request(n);
    drain();
  }

  /** Cancels the run: running tasks are cancelled, no more input is taken. */
  void cancel() {
    cancel(new CancellationException("run was cancelled"));
  }

  /**
   * Cancels the run. When this returns, no task of this run starts any more: a start in progress on
   * another thread (inside a task's {@code apply}, or a listener's {@code onStarted}) has returned.
   */
  void cancel(CancellationException reason) {
    if (cancelRequest == null) {
      cancelRequest = reason;
    }
    drain();
    awaitNoStartInProgress();
  }

  private void awaitNoStartInProgress() {
    Thread self = Thread.currentThread();
    int spins = 0;
    for (Thread other = starting; other != null && other != self; other = starting) {
      // The start loop sees the cancel before its next start; only the start under way is waited for.
      if (++spins < 64) {
        Thread.onSpinWait();
      } else if (spins < 128) {
        Thread.yield();
      } else {
        LockSupport.parkNanos(this, 50_000);
      }
    }
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
    admission.signalled();
    drain();
  }

  // ---- the drain loop ----

  void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    Thread self = Thread.currentThread();
    starting = self;  // before the loop reads the cancel request: see awaitNoStartInProgress
    passBudget = STARTS_PER_CLOCK_LOOK;
    passStartedAt = 0;
    int missed = 1;
    do {
      if (!terminated) {
        try {
          step();
        } catch (Throwable bug) {
          // A sink or the engine itself threw where it must not: end the run with it rather than
          // leave it hanging.
          failFatally(bug);
        }
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
    // Only if no other thread took over the drain since the count reached zero.
    STARTING.compareAndSet(this, self, null);
  }

  private static final VarHandle STARTING;

  static {
    try {
      STARTING = MethodHandles.lookup().findVarHandle(Run.class, "starting", Thread.class);
    } catch (ReflectiveOperationException impossible) {
      throw new ExceptionInInitializerError(impossible);
    }
  }

  /** What happens to items, in order: the whole journey, one pass. */
  private void step() {
    CancellationException cancel = cancelRequest;
    if (cancel != null && !stopping) {
      failures.record(cancel);
      stop();
    }
    takeSettled();
    if (!stopping && !delivery.deliver()) {
      sinkSatisfied = true;
      stop();  // the sink has what it wanted (runAny's first success)
    }
    if (!stopping) {
      startTasks();
    }
    if (running.isEmpty() && (stopping || (admission.isExhausted() && delivery.isEmpty()))) {
      finish();
    }
    assert invariantsHold();
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

  /**
   * Takes in one settled task: its permits go back to every limiter (even if one of them throws), the
   * listeners hear of it, and its outcome becomes a result or a failure.
   */
  private void settle(Slot<T, R> slot, long now) {
    running.remove(slot);
    TaskWatch watch = slot.watch;  // null for a plain task: no timeout, no permits, no listener data
    Throwable fault = watch == null ? null : releaseWatched(slot, watch, now);
    long retryDelay = slot.failure == null || retry == null ? -1 : retryDelay(slot, retry);
    if (retryDelay >= 0) {
      retryLater(slot, now, retryDelay);
    } else {
      settleForGood(slot, now);
    }
    if (fault != null) {
      failures.record(fault);
      stop();
    }
  }

  /** The settled task is the item's last attempt: its outcome becomes a result or a failure. */
  private void settleForGood(Slot<T, R> slot, long now) {
    slot.moveTo(Slot.Phase.SETTLED);
    if (counters.length > 0) {
      countEnded(slot);
    }
    if (!listeners.isEmpty()) {
      tellSettled(slot, now);
    }
    if (!plan.keepItems()) {
      slot.item = null;
    }
    Throwable thrown = slot.failure;
    if (thrown != null && !failures.capturesFailures()) {
      slot.moveTo(Slot.Phase.DROPPED);
      if (failures.taskFailed(thrown, slot.isCancellation(), stopping)) {
        stop();
      }
    } else {
      delivery.settled(slot);
    }
  }

  /**
   * How long the failed attempt of {@code slot} waits before its item is tried again; -1 if it is not
   * (the policy says no, or the run is stopping). A predicate that throws fails the item with what
   * it threw, the task's failure attached.
   */
  private long retryDelay(Slot<T, R> slot, RetryPolicy policy) {
    Throwable failed = slot.failure;
    if (stopping || failed == null) {
      return -1;
    }
    try {
      return policy.delayNanosAfter(slot.attempts(), failed, ThreadLocalRandom.current().nextDouble());
    } catch (Throwable thrown) {
      if (thrown != failed) {
        thrown.addSuppressed(failed);
      }
      slot.failure = thrown;
      return -1;
    }
  }

  /** The failed attempt goes back to admission, which starts it again once its backoff has passed. */
  private void retryLater(Slot<T, R> slot, long now, long delayNanos) {
    for (TaskCounters counted : counters) {
      counted.retrying();
    }
    if (!listeners.isEmpty()) {
      TaskWatch watch = slot.watch;
      long waited = watch == null ? 0 : watch.waitedNanos;
      TaskEvent event = new TaskEvent(slot.index, slot.item, true, waited, now - slot.startedAt, slot.attempts());
      listeners.onRetrying(event, slot.failure, Duration.ofNanos(delayNanos));
    }
    slot.backOff(now, now + delayNanos);
    admission.backOff(slot, now);
  }

  /**
   * Withdraws a settled task's timeout and gives its permits back to every limiter, even if one of them
   * throws.
   *
   * @return what a limiter's release threw, or null
   */
  private @Nullable Throwable releaseWatched(Slot<T, R> slot, TaskWatch watch, long now) {
    slot.cancelTimeout();
    Limiter.Permit[] permits = watch.permits;
    if (permits == null) {
      return null;
    }
    watch.permits = null;
    Throwable fault = null;
    for (int i = 0; i < permits.length; i++) {
      try {
        limiters[i].release(permits[i], now, slot.value, slot.failure);
      } catch (Throwable thrown) {
        Faults.limiterThrew(limiters[i], "release", "the run fails with it (its other limiters got their permits back)", thrown);
        if (fault == null) {
          fault = thrown;
        } else {
          fault.addSuppressed(thrown);
        }
      }
    }
    return fault;
  }

  private void countEnded(Slot<T, R> slot) {
    for (TaskCounters counted : counters) {
      if (slot.failure == null) {
        counted.succeeded();
      } else if (slot.isCancellation()) {
        counted.cancelled();
      } else {
        counted.failed();
      }
    }
  }

  private void tellSettled(Slot<T, R> slot, long now) {
    TaskWatch watch = slot.watch;
    long waited = watch == null ? 0 : watch.waitedNanos;
    TaskEvent event = new TaskEvent(slot.index, slot.item, true, waited, now - slot.startedAt, slot.attempts());
    Throwable thrown = slot.failure;
    if (thrown == null) {
      listeners.onSucceeded(event);
    } else if (slot.isCancellation()) {
      listeners.onCancelled(event);
    } else {
      listeners.onFailed(event, thrown);
    }
  }

  /** Starts tasks while the cancel request, the limits, the buffer and this pass's budget allow. */
  private void startTasks() {
    // The stages in locals: the loop's volatile reads would otherwise make the JIT reload each field
    // on every turn, and this loop is the path of every instant task.
    RunningTasks<T, R> running = this.running;
    Delivery<T, R> delivery = this.delivery;
    Admission<T, R> admission = this.admission;
    int maxAtOnce = plan.maxAtOnce();
    boolean ordered = delivery.isOrdered();
    int budget = passBudget;
    while (cancelRequest == null && !stopping) {
      if (running.size() >= maxAtOnce) {
        break;  // do not even pull an item: the concurrency limit cannot admit it
      }
      // In input order a full buffer may be waiting for an item held aside, so those may still start.
      boolean room = delivery.hasRoom();
      if (!room && !ordered) {
        break;  // the consumer is behind: its buffer is full
      }
      if (budget <= 0) {
        if (passTimeIsUp()) {
          continueLater();
          break;
        }
        budget = STARTS_PER_CLOCK_LOOK;
      }
      if (plainTask != null && (leases == null || leases.ready())) {
        if (!startPlain(plainTask)) {
          takeAdmissionFault();
          break;
        }
        budget--;
      } else {
        long now = now();
        Slot<T, R> slot = admission.nextStartable(now, room);
        if (slot == null) {
          takeAdmissionFault();
          break;
        }
        budget--;
        if (launch(slot, now)) {
          settleAtOnce(slot);
        }
      }
      if (settledStack.get() != null) {
        // Tasks settled meanwhile: take them in before starting more, or the buffer check above
        // would not count them and the run would race ahead.
        break;
      }
    }
    passBudget = budget;
    if (leases != null) {
      // A lease never outlives the pass: a limit set meanwhile is held up no longer. (If the loop
      // threw, failFatally gives the leases back.)
      leases.end();
    }
  }

  /**
   * Pulls an item and applies its task before any slot is made. A task that is done with a success on
   * return (the common instant task) needs none, since nothing watches or limits it (its permits, if
   * the run has limiters, go back to the run's leases, which count it): its result is dropped if the
   * sink keeps no successes, or else delivered at once when nothing waits ahead of it and the consumer
   * has asked. Any other task gets its slot, and from there the usual journey.
   *
   * @return false if no item could be pulled now
   */
  private boolean startPlain(AsyncTask<? super T, ? extends R> task) {
    if (!admission.pullItem()) {
      return false;
    }
    T item = admission.takePulled();
    CompletionStage<? extends R> started;
    Throwable thrown = null;
    try {
      started = task.apply(item);
    } catch (Throwable failed) {
      started = null;
      thrown = failed;
    }
    CompletableFuture<? extends R> future = Slot.doneOnReturn(started);
    if (future != null) {
      if (!future.isCompletedExceptionally()) {
        if (!keepsSuccesses) {
          return true;
        }
        if (delivery.mayDeliverAtOnce()) {
          long index = admission.pulled() - 1;
          if (!delivery.deliverAtOnce(index, plan.keepItems() ? item : null, future.getNow(null))) {
            sinkSatisfied = true;
            stop();
          }
          return true;
        }
      }
    }
    Slot<T, R> slot = admission.slotForPulled(item, now());
    if (leases != null) {
      slot.watch().permits = leases.keepPermits();
    }
    slot.moveTo(Slot.Phase.RUNNING);
    running.add(slot);
    if (thrown != null) {
      slot.accept(null, thrown);
    } else if (slot.attach(started)) {
      settleAtOnce(slot);
    }
    return true;
  }

  /** A task was done on return: settle and deliver it here, in order, without the settled stack's round trip. */
  private void settleAtOnce(Slot<T, R> slot) {
    settle(slot, now());
    if (!stopping && !delivery.deliver()) {
      sinkSatisfied = true;
      stop();
    }
  }

  private void takeAdmissionFault() {
    Throwable fault = admission.takeFault();
    if (fault != null) {
      failures.record(fault);
      stop();
    }
  }

  /** Whether this pass has run for {@link #PASS_NANOS}; the clock is read once per 1024 starts only. */
  private boolean passTimeIsUp() {
    long now = System.nanoTime();
    if (passStartedAt == 0) {
      passStartedAt = now | 1;  // never 0 once set
      return false;
    }
    return now - passStartedAt >= PASS_NANOS;
  }

  /** This pass has started its share: the rest of the work continues in a callback. */
  private void continueLater() {
    if (continuationSet) {
      return;
    }
    continuationSet = true;
    try {
      time.schedule(() -> {
        continuationSet = false;
        drain();
      }, 0);
    } catch (Throwable rejected) {
      continuationSet = false;
      failures.record(rejected);
      stop();
    }
  }

  /**
   * Starts the task of a slot that holds every permit.
   *
   * @return true if the task was done when it returned; the caller settles it (see {@link Slot#startAsync})
   */
  private boolean launch(Slot<T, R> slot, long now) {
    slot.moveTo(Slot.Phase.RUNNING);
    running.add(slot);
    long waited = now - slot.startedAt;
    slot.startedAt = now;
    for (TaskCounters counted : counters) {
      counted.started(waited);
    }
    if (!listeners.isEmpty()) {
      slot.watch().waitedNanos = waited;
      listeners.onStarted(new TaskEvent(slot.index, slot.item, true, waited, 0, slot.attempts()));
    }
    long timeout = plan.taskTimeoutNanos();
    if (timeout > 0) {
      try {
        slot.scheduleTimeout(time, timeout);
      } catch (Throwable cannotTime) {
        // A task whose timeout cannot be set does not start: it fails, and its permits come back.
        slot.failBeforeStart(cannotTime);
        return true;
      }
    }
    return plan.launcher().launch(slot, slot.item);
  }

  /** Stops the run: no more input, nothing more delivered, running tasks cancelled. */
  private void stop() {
    if (stopping) {
      return;
    }
    stopping = true;
    Throwable fault = admission.dropUnstarted(now());
    wakeup.cancel();
    // Running tasks first: a source whose close throws must not keep them running.
    Throwable cancelFault = running.cancelAll();
    Throwable closeFault = source.close();
    for (Throwable each : new Throwable[] {fault, cancelFault, closeFault}) {
      if (each != null) {
        failures.record(each);
      }
    }
  }

  private void finish() {
    terminated = true;
    Throwable closeFault = source.close();
    if (closeFault != null) {
      failures.record(closeFault);
    }
    wakeup.cancel();
    delivery.clear();
    delivery.sink().onFinish(failures.outcome(admission.pulled(), sinkSatisfied));
  }

  private void failFatally(Throwable bug) {
    failures.record(bug);
    if (leases != null) {
      leases.end();  // the start loop threw before it could give them back
    }
    if (!stopping) {
      try {
        stop();
      } catch (Throwable again) {
        bug.addSuppressed(again);
      }
    }
    if (running.isEmpty() && !terminated) {
      terminated = true;
      delivery.sink().onFinish(failures.outcome(admission.pulled(), sinkSatisfied));
    }
  }

  /** The counting invariants of the stages; checked after every step when assertions are on. */
  private boolean invariantsHold() {
    if ((++steps & 63) != 0) {
      return true;  // the counts walk lists: check every 64th step, so that big runs stay fast under -ea
    }
    if (running.size() != running.countLinks()) {
      throw new AssertionError("running count " + running.size() + " but " + running.countLinks() + " linked");
    }
    if (!terminated && delivery.waiting() != delivery.countWaiting()) {
      throw new AssertionError("results waiting " + delivery.waiting() + " but " + delivery.countWaiting() + " queued");
    }
    if (admission.heldTotal() != admission.countHeld() || admission.heldAside() > plan.lookahead()) {
      throw new AssertionError("held aside " + admission.heldAside() + " (" + admission.heldTotal() + " with retries) of "
          + admission.countHeld() + " linked, lookahead " + plan.lookahead());
    }
    if (running.size() > plan.maxAtOnce()) {
      throw new AssertionError("running " + running.size() + " above maxAtOnce " + plan.maxAtOnce());
    }
    return true;
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

  /** Launches an asynchronous task; a run whose tasks all start this way may take the plain lane. */
  record AsyncLauncher<T extends @Nullable Object, R extends @Nullable Object>(
      AsyncTask<? super T, ? extends R> task) implements Launcher<T, R> {
    @Override
    public boolean launch(Slot<T, R> slot, T item) {
      return slot.startAsync(task, item);
    }
  }
}
