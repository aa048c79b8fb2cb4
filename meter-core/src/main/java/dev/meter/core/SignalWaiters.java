package dev.meter.core;

import dev.meter.api.spi.Limiter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The wake-ups registered with {@link Limiter#awaitSignal}: each runs at most once, a withdrawn one
 * never. {@link #signalAll()} wakes every waiter, because a waiter woken alone may not take the freed
 * permit (its run was cancelled, or another limit refused it) and the others would then sleep on.
 */
final class SignalWaiters {
  private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();

  Limiter.Registration add(Runnable wakeUp) {
    Waiter waiter = new Waiter(wakeUp);
    waiters.add(waiter);
    return waiter;
  }

  /**
   * Wakes the waiters registered before this call. A woken waiter often registers again at once (its
   * start was refused anew); those new registrations wait for the next signal, or this loop would
   * never end.
   */
  void signalAll() {
    Waiter first = waiters.poll();
    if (first == null) {
      return;
    }
    List<Waiter> woken = new ArrayList<>();
    woken.add(first);
    Waiter waiter;
    while ((waiter = waiters.poll()) != null) {
      woken.add(waiter);
    }
    for (Waiter each : woken) {
      try {
        each.fire();
      } catch (RuntimeException | Error thrown) {
        // one wake-up that throws must not cost the others theirs
        Faults.ignored("a wake-up of a run waiting on a limiter threw; the other waiters are woken", thrown);
      }
    }
  }

  boolean isEmpty() {
    return waiters.isEmpty();
  }

  private final class Waiter extends AtomicBoolean implements Limiter.Registration {
    private static final long serialVersionUID = 1L;
    private final transient Runnable wakeUp;

    Waiter(Runnable wakeUp) {
      this.wakeUp = wakeUp;
    }

    void fire() {
      if (compareAndSet(false, true)) {
        wakeUp.run();
      }
    }

    @Override
    public void cancel() {
      if (compareAndSet(false, true)) {
        waiters.remove(this);
      }
    }
  }
}
