package dev.meter.core;

import org.jspecify.annotations.Nullable;

/**
 * A run's started and not yet settled tasks, as an intrusive list through their slots, and their count.
 * Drain-confined. Invariant: {@link #size()} is the length of the list.
 */
final class RunningTasks<T extends @Nullable Object, R extends @Nullable Object> {
  private @Nullable Slot<T, R> head;
  private int size;

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  void add(Slot<T, R> slot) {
    slot.nextRunning = head;
    if (head != null) {
      head.prevRunning = slot;
    }
    head = slot;
    size++;
  }

  void remove(Slot<T, R> slot) {
    Slot<T, R> prev = slot.prevRunning;
    Slot<T, R> next = slot.nextRunning;
    if (prev == null) {
      head = next;
    } else {
      prev.nextRunning = next;
    }
    if (next != null) {
      next.prevRunning = prev;
    }
    slot.prevRunning = null;
    slot.nextRunning = null;
    size--;
  }

  /**
   * Cancels every running task. A task whose cancel throws (a stage of the user's own class) is still
   * waited for; the first such fault is returned for the run to report.
   */
  @Nullable Throwable cancelAll() {
    Throwable fault = null;
    for (Slot<T, R> slot = head; slot != null; ) {
      Slot<T, R> next = slot.nextRunning;  // cancel() may settle it at once, but not unlink it
      try {
        slot.cancel();
      } catch (Throwable thrown) {
        if (fault == null) {
          fault = thrown;
        } else {
          fault.addSuppressed(thrown);
        }
      }
      slot = next;
    }
    return fault;
  }

  /** The length of the list, counted; for the invariant checks. */
  int countLinks() {
    int count = 0;
    for (Slot<T, R> slot = head; slot != null; slot = slot.nextRunning) {
      count++;
    }
    return count;
  }
}
