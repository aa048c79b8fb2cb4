package dev.meter.core;

import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Hands settled results to the run's {@link Sink}, in completion order or in input order, as far as
 * the consumer has asked for them. Drain-confined, but for {@link #request}, which any thread may call.
 *
 * <p>In input order every slot joins the queue when it is pulled (its place in the output is its place
 * in the input) and delivery waits for the head to settle; otherwise a slot joins when it settles.
 * Invariant: {@link #waiting} is the number of slots in the queue whose phase is
 * {@link Slot.Phase#SETTLED}.
 */
final class Delivery<T extends @Nullable Object, R extends @Nullable Object> {
  private final Sink<T, R> sink;
  private final boolean ordered;
  private final long bufferSize;
  private final AtomicLong requested = new AtomicLong();
  private long emitted;
  private long waiting;
  private @Nullable Slot<T, R> head;
  private @Nullable Slot<T, R> tail;

  Delivery(Sink<T, R> sink, boolean ordered, long bufferSize) {
    this.sink = sink;
    this.ordered = ordered;
    this.bufferSize = bufferSize;
  }

  Sink<T, R> sink() {
    return sink;
  }

  boolean isOrdered() {
    return ordered;
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
        return;
      }
    }
  }

  /** A slot was pulled: in input order it takes its place in the queue now. */
  void pulled(Slot<T, R> slot) {
    if (ordered) {
      append(slot);
    }
  }

  /** A slot settled with a result to deliver (it is {@link Slot.Phase#SETTLED}). */
  void settled(Slot<T, R> slot) {
    waiting++;
    if (!ordered) {
      append(slot);
    }
  }

  /**
   * Whether the buffer has room for another result: if not, no new task starts. Results the sink's
   * consumer has not taken count too.
   */
  boolean hasRoom() {
    if (waiting + sink.untaken() < bufferSize) {
      return true;
    }
    if (waiting >= bufferSize) {
      // Only a result settling frees this room (in input order, the head the rest wait behind), and that
      // drains the run by itself: the consumer, which has nothing to take, must not be asked to wake it.
      return false;
    }
    sink.awaitRoom();
    return waiting + sink.untaken() < bufferSize;  // taken meanwhile: see Sink#awaitRoom
  }

  boolean isEmpty() {
    return head == null;
  }

  long waiting() {
    return waiting;
  }

  /**
   * Delivers what may be delivered now.
   *
   * @return false if the sink has what it wanted and the run should stop
   */
  boolean deliver() {
    long limit = requested.get();
    while (emitted != limit) {
      Slot<T, R> first = head;
      if (first == null) {
        return true;
      }
      boolean dropped = first.is(Slot.Phase.DROPPED);
      if (!dropped && !first.is(Slot.Phase.SETTLED)) {
        return true;  // in input order: the head has not settled yet
      }
      head = first.nextReady;
      first.nextReady = null;
      if (head == null) {
        tail = null;
      }
      if (dropped) {
        continue;
      }
      waiting--;
      emitted++;
      first.moveTo(Slot.Phase.DELIVERED);
      if (!sink.onResult(first.index, first.item, first.value, first.failure, first.attempts())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a result settled just now may go to the sink at once, without joining the queue: nothing
   * waits ahead of it (so completion order holds) and the consumer has asked for it.
   */
  boolean mayDeliverAtOnce() {
    return head == null && emitted != requested.get();
  }

  /**
   * Delivers a result that {@link #mayDeliverAtOnce()}; the arguments are those of {@link ResultShape#of}.
   *
   * @return false if the sink has what it wanted and the run should stop
   */
  boolean deliverAtOnce(long index, @Nullable T item, @Nullable R value) {
    emitted++;
    return sink.onResult(index, item, value, null, 1);
  }

  /** The run ended: nothing more is delivered. */
  void clear() {
    head = null;
    tail = null;
  }

  /** The settled slots in the queue, counted; for the invariant checks. */
  long countWaiting() {
    long count = 0;
    for (Slot<T, R> slot = head; slot != null; slot = slot.nextReady) {
      if (slot.is(Slot.Phase.SETTLED)) {
        count++;
      }
    }
    return count;
  }

  private void append(Slot<T, R> slot) {
    if (tail == null) {
      head = slot;
    } else {
      tail.nextReady = slot;
    }
    tail = slot;
  }
}
