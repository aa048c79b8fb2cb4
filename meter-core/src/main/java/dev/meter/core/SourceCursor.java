package dev.meter.core;

import dev.meter.api.Source;
import dev.meter.api.internal.SourceItems;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * How a run pulls items, one at a time and only when a task can start. Used only from the run's drain
 * loop; a push-based source wakes the run when an item arrives.
 */
abstract class SourceCursor<T extends @Nullable Object> {
  /** {@link #poll()}: an item is ready in {@link #item()}. */
  static final int ITEM = 0;
  /** {@link #poll()}: nothing now; the source wakes the run when there is. */
  static final int EMPTY = 1;
  /** {@link #poll()}: the source is exhausted. */
  static final int DONE = 2;
  /** {@link #poll()}: the source failed with {@link #failure()}. */
  static final int FAILED = 3;

  private @Nullable T item;
  private @Nullable Throwable failure;

  /** Asks for the next item: {@link #ITEM}, {@link #EMPTY}, {@link #DONE} or {@link #FAILED}. */
  abstract int poll(Runnable wakeUp);

  /**
   * The run has ended or stopped early: release the source (cancel, close). Idempotent.
   *
   * @return what the source's own close threw ({@code Stream.onClose}, {@code Subscription.cancel}),
   *     for the run to report; null if nothing
   */
  final @Nullable Throwable close() {
    try {
      release();
      return null;
    } catch (Throwable thrown) {
      return thrown;
    }
  }

  /** Releases the source; may throw what the user's code throws. */
  abstract void release();

  final int item(@Nullable T next) {
    item = next;
    return ITEM;
  }

  final int failed(Throwable thrown) {
    failure = thrown;
    return FAILED;
  }

  /** The item the last {@link #poll} returned, handed over once. */
  final @Nullable T takeItem() {
    T next = item;
    item = null;
    return next;
  }

  final Throwable failure() {
    return java.util.Objects.requireNonNull(failure);
  }

  @SuppressWarnings("unchecked")
  static <T extends @Nullable Object> SourceCursor<T> of(Source<? extends T> source) {
    SourceItems items = SourceItems.of(source);
    return switch (items.kind()) {
      case ITERABLE -> new IteratorCursor<>(((Iterable<? extends T>) items.items())::iterator, null);
      case ITERATOR -> new IteratorCursor<>(() -> (Iterator<? extends T>) items.items(), null);
      case STREAM -> {
        Stream<? extends T> stream = (Stream<? extends T>) items.items();
        yield new IteratorCursor<>(stream::iterator, stream);
      }
      case PUBLISHER -> new PublisherCursor<>((Flow.Publisher<T>) items.items());
    };
  }

  /** Pulls from an iterator, opened on the first poll so that nothing is touched before the run starts. */
  private static final class IteratorCursor<T extends @Nullable Object> extends SourceCursor<T> {
    private final java.util.function.Supplier<? extends Iterator<? extends T>> opener;
    private final @Nullable Stream<?> toClose;
    private @Nullable Iterator<? extends T> iterator;
    private boolean closed;

    IteratorCursor(java.util.function.Supplier<? extends Iterator<? extends T>> opener, @Nullable Stream<?> toClose) {
      this.opener = opener;
      this.toClose = toClose;
    }

    @Override
    int poll(Runnable wakeUp) {
      try {
        Iterator<? extends T> it = iterator;
        if (it == null) {
          it = java.util.Objects.requireNonNull(opener.get(), "source returned a null iterator");
          iterator = it;
        }
        if (!it.hasNext()) {
          return DONE;
        }
        return item(it.next());
      } catch (Throwable thrown) {
        return failed(thrown);
      }
    }

    @Override
    void release() {
      if (!closed) {
        closed = true;
        if (toClose != null) {
          toClose.close();
        }
      }
    }
  }

  /**
   * Subscribes on the first poll and requests one item at a time, only when the run asks for one, so
   * at most one item is in flight ahead of its start.
   */
  private static final class PublisherCursor<T extends @Nullable Object> extends SourceCursor<T>
      implements Flow.Subscriber<T> {
    private final Flow.Publisher<? extends T> publisher;
    // A publisher that sends more than requested breaks its contract; keeping the extras in a queue
    // still drops nothing.
    private final ConcurrentLinkedQueue<Object> items = new ConcurrentLinkedQueue<>();
    private volatile Flow.@Nullable Subscription subscription;
    private volatile @Nullable Throwable error;
    private volatile boolean complete;
    private volatile @Nullable Runnable wakeUp;
    private boolean subscribed;
    private boolean requested;
    private volatile boolean closed;

    PublisherCursor(Flow.Publisher<? extends T> publisher) {
      this.publisher = publisher;
    }

    @Override
    @SuppressWarnings("unchecked")
    int poll(Runnable wakeUp) {
      this.wakeUp = wakeUp;
      if (!subscribed) {
        subscribed = true;
        try {
          publisher.subscribe(this);
        } catch (Throwable thrown) {
          return failed(thrown);
        }
      }
      for (int attempt = 0; attempt < 2; attempt++) {
        Object next = items.poll();
        if (next != null) {
          requested = false;
          return item(next == NULL_ITEM ? null : (T) next);
        }
        Throwable failure = error;
        if (failure != null) {
          return failed(failure);
        }
        if (complete) {
          return DONE;
        }
        Flow.Subscription current = subscription;
        if (current == null || requested) {
          return EMPTY;
        }
        requested = true;
        current.request(1);  // may deliver synchronously: look again once
      }
      return EMPTY;
    }

    @Override
    void release() {
      closed = true;
      Flow.Subscription current = subscription;
      if (current != null && !complete && error == null) {
        current.cancel();
      }
    }

    @Override
    public void onSubscribe(Flow.Subscription newSubscription) {
      if (subscription != null || closed) {
        newSubscription.cancel();
        return;
      }
      subscription = newSubscription;
      wake();
    }

    @Override
    public void onNext(T next) {
      items.add(next == null ? NULL_ITEM : next);
      wake();
    }

    @Override
    public void onError(Throwable thrown) {
      error = thrown == null ? new NullPointerException("publisher signalled a null error") : thrown;
      wake();
    }

    @Override
    public void onComplete() {
      complete = true;
      wake();
    }

    private void wake() {
      Runnable current = wakeUp;
      if (current != null && !closed) {
        current.run();
      }
    }

    private static final Object NULL_ITEM = new Object();
  }
}
