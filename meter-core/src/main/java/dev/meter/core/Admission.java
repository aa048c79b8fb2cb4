package dev.meter.core;

import dev.meter.api.spi.Limiter;
import dev.meter.api.event.TaskEvent;
import dev.meter.api.internal.TaskCounters;
import java.util.Objects;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * Where items wait for their start: the item pulled last and not started (with its wait, if its limits
 * refused it), the items held aside because a limit that refuses per item said no, the failed items
 * backing off before a retry, the limiter chain, and when to look again. Drain-confined, but for
 * {@link #signalled()}, which a limiter calls from any thread.
 *
 * <p>A retry whose backoff has passed joins the held-aside list, already due: it was pulled long ago,
 * so it is tried before any newer item, and waits for its limits there like any item held aside.
 *
 * <p>Invariants: {@link #heldCount} is the length of the held-aside list; less the retries in it
 * ({@link #retriesHeld}), at most the run's lookahead (a retry is not an item pulled ahead); every
 * slot here is {@link Slot.Phase#WAITING} (the pending one), {@link Slot.Phase#HELD_ASIDE} or
 * {@link Slot.Phase#BACKING_OFF}; a slot leaves with every limiter's permit, or with none.
 */
final class Admission<T extends @Nullable Object, R extends @Nullable Object> {
  private final Run<T, R> run;
  private final SourceCursor<T> source;
  private final Limiter[] limiters;
  private final int lookahead;
  private final Listeners listeners;
  private final TaskCounters[] counters;
  private final Delivery<T, R> delivery;
  private final Wakeup wakeup;
  /** How a source that has nothing now wakes the run when an item arrives. */
  private final Runnable itemArrived;

  private long pulled;
  private boolean sourceDone;
  private @Nullable Slot<T, R> pending;
  private @Nullable StartWait<T, R> pendingWait;
  private @Nullable StartWait<T, R> heldHead;
  private @Nullable StartWait<T, R> heldTail;
  private int heldCount;
  /** How many of the items held aside are retries. */
  private int retriesHeld;
  /** Failed items waiting out their backoff, the earliest end first; null for runs without retries. */
  private final @Nullable PriorityQueue<Slot<T, R>> backingOff;
  /** A limiter signalled an item held aside: look through them again. */
  private volatile boolean heldSignalled;
  private boolean hasHeldDeadline;
  private long heldDeadline;
  /** What the limiter that refused the last {@link #acquireAll} answered, and which it was. */
  private Limiter.@Nullable Decision refusal;
  private int refusedBy;
  /** A fault of the source or a limiter: the run must stop and fail with it. */
  private @Nullable Throwable fault;

  Admission(Run<T, R> run, SourceCursor<T> source, RunPlan<T, R> plan, Delivery<T, R> delivery, Wakeup wakeup) {
    this.run = run;
    this.source = source;
    this.limiters = plan.limiters();
    this.lookahead = plan.lookahead();
    this.listeners = plan.listeners();
    this.counters = plan.counters();
    this.delivery = delivery;
    this.wakeup = wakeup;
    this.itemArrived = run::drain;
    this.backingOff = plan.retry() == null ? null : new PriorityQueue<>(Admission::byRetryTime);
  }

  private static int byRetryTime(Slot<?, ?> a, Slot<?, ?> b) {
    int byTime = Long.compare(a.watch().retryAt - b.watch().retryAt, 0);
    return byTime != 0 ? byTime : Long.compare(a.index, b.index);
  }

  /** A limiter signalled one of the waits: worth another look. Any thread. */
  void signalled() {
    heldSignalled = true;
  }

  /** How many items were pulled from the source. */
  long pulled() {
    return pulled;
  }

  /** Items held aside that count against the lookahead: retries do not. */
  int heldAside() {
    return heldCount - retriesHeld;
  }

  /** Items held aside, retries among them. */
  int heldTotal() {
    return heldCount;
  }

  /** Whether no item is left: the source is done and nothing waits here. */
  boolean isExhausted() {
    return sourceDone && pending == null && heldHead == null && (backingOff == null || backingOff.isEmpty());
  }

  /** A failed item backs off until {@link TaskWatch#retryAt} (it is {@link Slot.Phase#BACKING_OFF}). */
  void backOff(Slot<T, R> slot, long now) {
    PriorityQueue<Slot<T, R>> queue = Objects.requireNonNull(backingOff, "a run without retries backs nothing off");
    queue.add(slot);
    wakeup.wakeAt(queue.peek().watch().retryAt, now);
  }

  /** Whether an item pulled earlier waits here for its limits (and must start before newer ones). */
  boolean hasWaiting() {
    return pending != null || heldHead != null;
  }

  /** The fault that made {@link #nextStartable} give up, once; null if none. */
  @Nullable Throwable takeFault() {
    Throwable thrown = fault;
    fault = null;
    return thrown;
  }

  /**
   * The next item that may start now, with every limiter's permit taken ({@link TaskWatch#permits}); null if
   * none may, after arranging to be looked at again (a limiter's signal, the run's timer) or after a
   * fault ({@link #takeFault()}).
   *
   * @param mayPull whether newer items may be pulled; if not, only items held aside may start (in
   *     input order a full buffer may be waiting for one of them)
   */
  @Nullable Slot<T, R> nextStartable(long now, boolean mayPull) {
    if (limiters.length == 0 && backingOff == null) {
      // Nothing to acquire, so nothing is ever held aside or pending: the next item starts. Kept small
      // so that the JIT inlines it into the run's start loop, the path of every instant task.
      return mayPull ? pull(now) : null;
    }
    if (backingOff != null && !backingOff.isEmpty()) {
      Slot<T, R> retry = takeDueRetries(now);
      if (retry != null) {
        return retry;
      }
    }
    if (limiters.length == 0) {
      return mayPull ? pull(now) : null;
    }
    return nextStartableThroughLimiters(now, mayPull);
  }

  /**
   * Moves the retries whose backoff has passed to the held-aside list, due, and sets the timer for the
   * next one. Without limiters nothing can refuse a retry: the first due one is returned to start.
   */
  private @Nullable Slot<T, R> takeDueRetries(long now) {
    PriorityQueue<Slot<T, R>> queue = backingOff;
    for (Slot<T, R> head = queue.peek(); head != null; head = queue.peek()) {
      if (now - head.watch().retryAt < 0) {
        wakeup.wakeAt(head.watch().retryAt, now);  // asked again on every look: the timer may have gone to another wait
        return null;
      }
      queue.poll();
      if (limiters.length == 0) {
        return head;
      }
      StartWait<T, R> wait = new StartWait<>(run, head);
      wait.retry = true;
      wait.signalled = true;  // due now: try it on the next look through the held items
      retriesHeld++;
      holdAside(wait, now);
      heldSignalled = true;
    }
    return null;
  }

  private @Nullable Slot<T, R> nextStartableThroughLimiters(long now, boolean mayPull) {
    if (heldHead != null) {
      if (heldSignalled || (hasHeldDeadline && now - heldDeadline >= 0)) {
        Slot<T, R> held = startHeld(now);
        if (held != null || fault != null || refusal != null) {
          return held;  // a refusal here came from a limit every item shares: newer items wait too
        }
      } else if (hasHeldDeadline) {
        wakeup.wakeAt(heldDeadline, now);  // the run's one timer may have been spent on another wait
      }
    }
    while (mayPull) {
      Slot<T, R> slot = pending;
      if (slot == null) {
        slot = pull(now);
        if (slot == null) {
          return null;
        }
        pending = slot;
      }
      if (acquireAll(slot, now)) {
        pending = null;
        StartWait<T, R> wait = pendingWait;
        if (wait != null) {
          pendingWait = null;
          wait.withdraw();
        }
        return slot;
      }
      if (fault != null) {
        return null;
      }
      StartWait<T, R> wait = pendingWait != null ? pendingWait : new StartWait<>(run, slot);
      waitFor(wait);
      if (limiters[refusedBy].refusesPerItem() && heldCount - retriesHeld < lookahead) {
        pending = null;  // hold it aside and go on with the next item
        pendingWait = null;
        holdAside(wait, now);
        continue;
      }
      pendingWait = wait;
      if (wait.hasDeadline) {
        wakeup.wakeAt(wait.deadline, now);
      }
      return null;
    }
    return null;
  }

  /**
   * Tries the items held aside whose limiter signalled or whose deadline has passed, oldest first, and
   * sets the timer for the earliest deadline left. Leaves {@link #refusal} set if a limit every item
   * shares refused one of them.
   */
  private @Nullable Slot<T, R> startHeld(long now) {
    heldSignalled = false;  // a signal from here on asks for another look
    hasHeldDeadline = false;
    refusal = null;
    boolean mayTry = true;
    StartWait<T, R> previous = null;
    for (StartWait<T, R> wait = heldHead; wait != null; ) {
      StartWait<T, R> next = wait.nextHeld;
      if (mayTry && wait.isDue(now)) {
        if (acquireAll(wait.slot, now)) {
          unhold(previous, wait);
          wait.withdraw();
          heldSignalled = true;  // the rest were not all looked at: look again on the next call
          return wait.slot;
        }
        if (fault != null) {
          return null;
        }
        waitFor(wait);
        if (!limiters[refusedBy].refusesPerItem()) {
          // A limit every item shares refused: nothing starts before it allows this one, whose wait
          // then brings the run back here. The rest only add their deadlines to the timer.
          mayTry = false;
        }
      }
      if (wait.hasDeadline) {
        noteHeldDeadline(wait.deadline);
      }
      previous = wait;
      wait = next;
    }
    if (hasHeldDeadline) {
      wakeup.wakeAt(heldDeadline, now);
    }
    if (mayTry) {
      refusal = null;  // only per-item refusals: newer items may go on
    }
    return null;
  }

  /** Pulls the next item into a new slot; null if there is none now. */
  private @Nullable Slot<T, R> pull(long now) {
    if (!pullItem()) {
      return null;
    }
    Slot<T, R> slot = slotForPulled(source.takeItem(), now);
    for (TaskCounters counted : counters) {
      counted.waiting();
    }
    if (!listeners.isEmpty()) {
      listeners.onWaiting(new TaskEvent(slot.index, slot.item, false, 0, 0, 1));
    }
    return slot;
  }

  /**
   * Pulls the next item without making its slot, for the run's plain lane (no limiter, no listener):
   * the item is then {@link #takePulled()}, and it gets a slot only if its task needs one.
   *
   * @return false if there is no item now (a fault, if any, waits in {@link #takeFault()})
   */
  boolean pullItem() {
    if (sourceDone) {
      return false;
    }
    int polled = source.poll(itemArrived);
    if (polled != SourceCursor.ITEM) {
      sourceEnded(polled);
      return false;
    }
    pulled++;
    return true;
  }

  /** The item {@link #pullItem()} pulled, handed over once. */
  @Nullable T takePulled() {
    return source.takeItem();
  }

  /** The slot of the item pulled last, which waits from {@code now}. */
  Slot<T, R> slotForPulled(@Nullable T item, long now) {
    Slot<T, R> slot = new Slot<>(run, pulled - 1, item);
    slot.startedAt = now;  // until it starts: since when it waits
    delivery.pulled(slot);
    return slot;
  }

  /** The source had no item: nothing now, done, or failed. */
  private void sourceEnded(int polled) {
    if (polled == SourceCursor.DONE) {
      sourceDone = true;
      Throwable closeFault = source.close();
      if (closeFault != null) {
        fault = closeFault;
      }
    } else if (polled == SourceCursor.FAILED) {
      sourceDone = true;
      fault = source.failure();
    }
  }

  /**
   * Takes a permit from every limiter, or none: a refusal refunds the ones already granted. A limiter
   * that throws (a keyed limiter's key function, say) is a fault, after the same refunds.
   *
   * @return true if every limiter granted; false with {@link #refusal} and {@link #refusedBy} set, or
   *     with {@link #fault} set
   */
  private boolean acquireAll(Slot<T, R> slot, long now) {
    int count = limiters.length;
    if (count == 0) {
      return true;
    }
    Limiter.Permit[] permits = new Limiter.Permit[count];
    for (int i = 0; i < count; i++) {
      Limiter.Decision answer;
      try {
        answer = limiters[i].tryAcquire(slot.item, now, slot.startedAt);
        if (answer == null) {
          throw new NullPointerException("limiter " + limiters[i] + " answered null");
        }
      } catch (Throwable thrown) {
        Faults.limiterThrew(limiters[i], "tryAcquire", "the run fails with it", thrown);
        fault = thrown;  // first, so that what a refund throws is kept with it (suppressed)
        refundBefore(i, permits, now);
        return false;
      }
      if (answer instanceof Limiter.Permit permit) {
        permits[i] = permit;
        continue;
      }
      refundBefore(i, permits, now);
      refusal = answer;
      refusedBy = i;
      return false;
    }
    slot.watch().permits = permits;
    return true;
  }

  private void refundBefore(int refused, Limiter.Permit[] permits, long now) {
    for (int j = refused - 1; j >= 0; j--) {
      try {
        limiters[j].refund(permits[j], now);
      } catch (Throwable thrown) {
        Faults.limiterThrew(limiters[j], "refund", "the run fails with it", thrown);
        if (fault == null) {
          fault = thrown;
        } else if (fault != thrown) {
          fault.addSuppressed(thrown);
        }
      }
    }
  }

  /** Sets up how {@code wait} learns that the limiter that refused it may allow it now. */
  private void waitFor(StartWait<T, R> wait) {
    Limiter.Decision refused = refusal;
    if (refused instanceof Limiter.RetryAt retry) {
      wait.awaitDeadline(retry.atNanos());
      return;
    }
    try {
      wait.awaitSignal(limiters[refusedBy]);
    } catch (Throwable thrown) {
      Faults.limiterThrew(limiters[refusedBy], "awaitSignal", "the run fails with it", thrown);
      fault = thrown;
    }
  }

  private void holdAside(StartWait<T, R> wait, long now) {
    wait.slot.moveTo(Slot.Phase.HELD_ASIDE);
    if (heldTail == null) {
      heldHead = wait;
    } else {
      heldTail.nextHeld = wait;
    }
    heldTail = wait;
    heldCount++;
    if (wait.hasDeadline) {
      noteHeldDeadline(wait.deadline);
      wakeup.wakeAt(wait.deadline, now);
    }
  }

  private void unhold(@Nullable StartWait<T, R> previous, StartWait<T, R> wait) {
    StartWait<T, R> next = wait.nextHeld;
    if (previous == null) {
      heldHead = next;
    } else {
      previous.nextHeld = next;
    }
    if (heldTail == wait) {
      heldTail = previous;
    }
    wait.nextHeld = null;
    heldCount--;
    if (wait.retry) {
      retriesHeld--;
    }
  }

  private void noteHeldDeadline(long deadline) {
    if (!hasHeldDeadline || deadline - heldDeadline < 0) {
      heldDeadline = deadline;
      hasHeldDeadline = true;
    }
  }

  /**
   * The run stops: the items pulled but not started (those held aside, then the pending one, so in
   * input order) are dropped and their waits withdrawn.
   *
   * @return a fault a limiter threw while its wait was withdrawn, or null
   */
  @Nullable Throwable dropUnstarted(long now) {
    Throwable thrown = null;
    Slot<T, R> last = pending;
    pending = null;
    StartWait<T, R> lastWait = pendingWait;
    pendingWait = null;
    for (StartWait<T, R> wait = heldHead; wait != null; wait = wait.nextHeld) {
      thrown = withdraw(wait, thrown);
      dropped(wait.slot, now);
    }
    heldHead = null;
    heldTail = null;
    heldCount = 0;
    retriesHeld = 0;
    hasHeldDeadline = false;
    if (backingOff != null) {
      for (Slot<T, R> slot = backingOff.poll(); slot != null; slot = backingOff.poll()) {
        dropped(slot, now);
      }
    }
    if (lastWait != null) {
      thrown = withdraw(lastWait, thrown);
    }
    if (last != null) {
      dropped(last, now);
    }
    return thrown;
  }

  private static @Nullable Throwable withdraw(StartWait<?, ?> wait, @Nullable Throwable earlier) {
    try {
      wait.withdraw();
      return earlier;
    } catch (Throwable thrown) {
      if (earlier != null) {
        earlier.addSuppressed(thrown);
        return earlier;
      }
      return thrown;
    }
  }

  private void dropped(Slot<T, R> slot, long now) {
    slot.moveTo(Slot.Phase.DROPPED);
    for (TaskCounters counted : counters) {
      counted.dropped(now - slot.startedAt);
    }
    if (!listeners.isEmpty()) {
      listeners.onCancelled(new TaskEvent(slot.index, slot.item, false, now - slot.startedAt, 0, slot.attempts()));
    }
  }

  /** The items held aside, counted; for the invariant checks. */
  int countHeld() {
    int count = 0;
    for (StartWait<T, R> wait = heldHead; wait != null; wait = wait.nextHeld) {
      count++;
    }
    return count;
  }
}
