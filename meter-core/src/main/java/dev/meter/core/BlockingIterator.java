package dev.meter.core;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The {@code for}-loop view of an amap: a subscriber that asks the run for one result at a time, when
 * the loop wants it, and parks the consuming thread until it arrives. The run's own buffer keeps tasks
 * running meanwhile.
 */
final class BlockingIterator<E extends @Nullable Object> implements Iterator<E>, Flow.Subscriber<E> {
  private static final Object NULL = new Object();

  private final Runnable cancelRun;
  private final ConcurrentLinkedQueue<Object> results = new ConcurrentLinkedQueue<>();
  private volatile Flow.@Nullable Subscription subscription;
  private volatile boolean done;
  private volatile @Nullable Throwable failure;
  private volatile @Nullable Thread waiter;
  private boolean requested;
  private @Nullable Object next;

  BlockingIterator(Runnable cancelRun) {
    this.cancelRun = cancelRun;
  }

  @Override
  public boolean hasNext() {
    if (next != null) {
      return true;
    }
    for (;;) {
      Object result = results.poll();
      if (result != null) {
        requested = false;
        next = result;
        return true;
      }
      if (done) {
        Throwable thrown = failure;
        if (thrown != null) {
          throw Rethrow.<RuntimeException>unchecked(thrown);
        }
        return false;
      }
      Flow.Subscription current = subscription;
      if (!requested && current != null) {
        requested = true;
        current.request(1);
        continue;
      }
      waiter = Thread.currentThread();
      if (results.isEmpty() && !done) {
        LockSupport.park(this);
      }
      waiter = null;
      if (Thread.interrupted()) {
        cancelRun.run();
        Thread.currentThread().interrupt();
        throw new CancellationException("interrupted while waiting for the next result: the run was cancelled");
      }
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public E next() {
    if (!hasNext()) {
      throw new NoSuchElementException("amap has no more results");
    }
    Object result = next;
    next = null;
    return result == NULL ? null : (E) result;
  }

  @Override
  public void onSubscribe(Flow.Subscription newSubscription) {
    subscription = newSubscription;
  }

  @Override
  public void onNext(E item) {
    results.add(item == null ? NULL : item);
    wake();
  }

  @Override
  public void onError(Throwable thrown) {
    failure = thrown;
    done = true;
    wake();
  }

  @Override
  public void onComplete() {
    done = true;
    wake();
  }

  private void wake() {
    Thread thread = waiter;
    if (thread != null) {
      LockSupport.unpark(thread);
    }
  }
}
