package dev.meter.core;

import dev.meter.api.event.MeterListener;
import dev.meter.api.event.TaskEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Consumer;

/**
 * The listeners of one run (its own, and those of the shared limiters it passes through), told of
 * each event in turn. A listener that throws, whatever it throws (a {@link StackOverflowError} too), is
 * skipped for that event: watching must never break the run, nor keep a permit from coming back. What
 * it threw is logged (see {@link Faults}): its first throw in the run at WARNING, the others at DEBUG.
 */
final class Listeners implements MeterListener {
  static final Listeners NONE = new Listeners(List.of());

  private final MeterListener[] listeners;
  /** Which listeners have thrown in this run (set once each; read and written only when one throws). */
  private final AtomicIntegerArray threw;

  Listeners(List<MeterListener> listeners) {
    this.listeners = listeners.toArray(new MeterListener[0]);
    this.threw = new AtomicIntegerArray(this.listeners.length);
  }

  boolean isEmpty() {
    return listeners.length == 0;
  }

  @Override
  public void onWaiting(TaskEvent event) {
    tell("onWaiting", event, listener -> listener.onWaiting(event));
  }

  @Override
  public void onStarted(TaskEvent event) {
    tell("onStarted", event, listener -> listener.onStarted(event));
  }

  @Override
  public void onSucceeded(TaskEvent event) {
    tell("onSucceeded", event, listener -> listener.onSucceeded(event));
  }

  @Override
  public void onFailed(TaskEvent event, Throwable failure) {
    tell("onFailed", event, listener -> listener.onFailed(event, failure));
  }

  @Override
  public void onRetrying(TaskEvent event, Throwable failure, Duration delay) {
    tell("onRetrying", event, listener -> listener.onRetrying(event, failure, delay));
  }

  @Override
  public void onCancelled(TaskEvent event) {
    tell("onCancelled", event, listener -> listener.onCancelled(event));
  }

  private void tell(String what, TaskEvent event, Consumer<MeterListener> call) {
    for (int i = 0; i < listeners.length; i++) {
      try {
        call.accept(listeners[i]);
      } catch (Throwable thrown) {
        // a broken listener must not break the run; it is logged, not swallowed
        Faults.listenerThrew(listeners[i], what, event.index(), thrown, threw.getAndSet(i, 1) == 0);
      }
    }
  }
}
