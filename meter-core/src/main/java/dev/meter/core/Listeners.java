package dev.meter.core;

import dev.meter.api.event.MeterListener;
import dev.meter.api.event.TaskEvent;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The listeners of one run (its own, and those of the shared limiters it passes through), told of
 * each event in turn. A listener that throws, whatever it throws (a {@link StackOverflowError} too), is
 * skipped for that event: watching must never break the run, nor keep a permit from coming back.
 */
final class Listeners implements MeterListener {
  static final Listeners NONE = new Listeners(List.of());

  private final MeterListener[] listeners;

  Listeners(List<MeterListener> listeners) {
    this.listeners = listeners.toArray(new MeterListener[0]);
  }

  boolean isEmpty() {
    return listeners.length == 0;
  }

  @Override
  public void onWaiting(TaskEvent event) {
    tell(listener -> listener.onWaiting(event));
  }

  @Override
  public void onStarted(TaskEvent event) {
    tell(listener -> listener.onStarted(event));
  }

  @Override
  public void onSucceeded(TaskEvent event) {
    tell(listener -> listener.onSucceeded(event));
  }

  @Override
  public void onFailed(TaskEvent event, Throwable failure) {
    tell(listener -> listener.onFailed(event, failure));
  }

  @Override
  public void onRetrying(TaskEvent event, Throwable failure, Duration delay) {
    tell(listener -> listener.onRetrying(event, failure, delay));
  }

  @Override
  public void onCancelled(TaskEvent event) {
    tell(listener -> listener.onCancelled(event));
  }

  private void tell(Consumer<MeterListener> call) {
    for (MeterListener listener : listeners) {
      try {
        call.accept(listener);
      } catch (Throwable ignored) {
        // a broken listener must not break the run
      }
    }
  }
}
