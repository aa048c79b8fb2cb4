package dev.meter.core;

import dev.meter.api.Amap;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Amap} handle: starts its run when first iterated or subscribed to, hands the run's results
 * to that one consumer, and on {@link #close()} cancels the run and waits until it has settled.
 */
final class AmapRun<T extends @Nullable Object, R extends @Nullable Object, E extends @Nullable Object>
    implements Amap<E> {
  private static final int NEW = 0;
  private static final int CONSUMED = 1;
  private static final int CLOSED = 2;

  private final Function<Sink<T, R>, Run<T, R>> runFactory;
  private final ResultShape<T, R, E> shape;
  /** The run's buffer: results handed to the iterator and not yet taken count against it. */
  private final long bufferSize;
  private final AtomicInteger state = new AtomicInteger(NEW);
  private final CountDownLatch settled = new CountDownLatch(1);
  private volatile @Nullable Run<T, R> run;

  AmapRun(Function<Sink<T, R>, Run<T, R>> runFactory, ResultShape<T, R, E> shape, long bufferSize) {
    this.runFactory = runFactory;
    this.shape = shape;
    this.bufferSize = bufferSize;
  }

  @Override
  public Iterator<E> iterator() {
    claim();
    BlockingIterator<E> iterator = new BlockingIterator<>(bufferSize);
    Run<T, R> created = build(new IteratorSink(iterator));
    iterator.attach(created);
    run = created;
    created.request(Long.MAX_VALUE);  // the iterator's untaken results bound the run, not its demand
    if (state.get() == CLOSED) {
      created.cancel(new CancellationException("amap was closed"));
    }
    return iterator;
  }

  @Override
  public Flow.Publisher<E> asPublisher() {
    return subscriber -> {
      Objects.requireNonNull(subscriber, "subscriber");
      try {
        claim();
      } catch (IllegalStateException misuse) {
        subscriber.onSubscribe(NoopSubscription.INSTANCE);
        subscriber.onError(misuse);
        return;
      }
      connect(subscriber);
    };
  }

  @Override
  public void close() {
    int previous = state.getAndSet(CLOSED);
    if (previous == NEW) {
      // Never started: nothing runs, and nothing ever will.
      settled.countDown();
      return;
    }
    if (previous == CONSUMED) {
      Run<T, R> current = run;
      if (current != null) {
        current.cancel(new CancellationException("amap was closed"));
      }
      // A run still being connected sees CLOSED after it starts and cancels itself.
    }
    awaitSettled();
  }

  private void claim() {
    int current = state.get();
    if (current == NEW && state.compareAndSet(NEW, CONSUMED)) {
      return;
    }
    if (state.get() == CLOSED) {
      throw new IllegalStateException("this amap is closed: it cannot be iterated or subscribed to any more");
    }
    throw new IllegalStateException(
        "this amap was already iterated or subscribed to: an amap runs once and has one consumer");
  }

  private Run<T, R> build(Sink<T, R> sink) {
    try {
      return runFactory.apply(sink);
    } catch (Throwable cannotStart) {
      settled.countDown();  // no run, so nothing to wait for: close() must not wait forever
      throw cannotStart;
    }
  }

  private void connect(Flow.Subscriber<? super E> subscriber) {
    SubscriberSink sink = new SubscriberSink(subscriber);
    Run<T, R> created = build(sink);
    run = created;
    subscriber.onSubscribe(new Flow.Subscription() {
      @Override
      public void request(long n) {
        if (n <= 0) {
          sink.badRequest = new IllegalArgumentException(
              "request must be > 0 (Reactive Streams rule 3.9), but was " + n);
          created.cancel();
          return;
        }
        created.request(n);
      }

      @Override
      public void cancel() {
        sink.consumerCancelled = true;
        created.cancel();
      }
    });
    created.start();
    if (state.get() == CLOSED) {
      created.cancel(new CancellationException("amap was closed"));
    }
  }

  // Close must not return while tasks run, even on an interrupted thread: wait, then restore the flag.
  private void awaitSettled() {
    boolean interrupted = false;
    while (true) {
      try {
        settled.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Hands results to the blocking iterator; the run calls it from its drain loop only. */
  private final class IteratorSink implements Sink<T, R> {
    private final BlockingIterator<E> iterator;

    IteratorSink(BlockingIterator<E> iterator) {
      this.iterator = iterator;
    }

    @Override
    public boolean onResult(long index, @Nullable T item, @Nullable R value, @Nullable Throwable failure, int attempts) {
      iterator.hand(shape.of(index, item, value, failure, attempts));
      return true;
    }

    @Override
    public long untaken() {
      return iterator.untaken();
    }

    @Override
    public void awaitRoom() {
      iterator.awaitRoom();
    }

    @Override
    public void onFinish(@Nullable Throwable failure) {
      try {
        iterator.finish(failure);
      } finally {
        settled.countDown();
      }
    }
  }

  /** Hands results to the subscriber; the run calls it from its drain loop only. */
  private final class SubscriberSink implements Sink<T, R> {
    private final Flow.Subscriber<? super E> subscriber;
    volatile boolean consumerCancelled;
    volatile @Nullable IllegalArgumentException badRequest;

    SubscriberSink(Flow.Subscriber<? super E> subscriber) {
      this.subscriber = subscriber;
    }

    @Override
    public boolean onResult(long index, @Nullable T item, @Nullable R value, @Nullable Throwable failure, int attempts) {
      if (consumerCancelled) {
        return true;
      }
      subscriber.onNext(shape.of(index, item, value, failure, attempts));
      return true;
    }

    @Override
    public void onFinish(@Nullable Throwable failure) {
      try {
        IllegalArgumentException misuse = badRequest;
        if (misuse != null) {
          subscriber.onError(misuse);
        } else if (!consumerCancelled) {
          if (failure == null) {
            subscriber.onComplete();
          } else {
            subscriber.onError(failure);
          }
        }
      } finally {
        settled.countDown();
      }
    }
  }

  private enum NoopSubscription implements Flow.Subscription {
    INSTANCE;

    @Override
    public void request(long n) {}

    @Override
    public void cancel() {}
  }
}
