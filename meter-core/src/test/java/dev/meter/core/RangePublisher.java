package dev.meter.core;

import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A synchronous Reactive Streams publisher of {@code 0 .. count-1}: emits on the thread that requests,
 * never more than requested, with a re-entrancy guard so {@code request} from {@code onNext} does not
 * recurse. Counts what it emitted, so tests can check how far a run pulled.
 */
final class RangePublisher implements Flow.Publisher<Integer> {
  private final int count;
  final AtomicInteger emitted = new AtomicInteger();

  RangePublisher(int count) {
    this.count = count;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super Integer> subscriber) {
    subscriber.onSubscribe(new Flow.Subscription() {
      private final AtomicLong demand = new AtomicLong();
      private final AtomicInteger wip = new AtomicInteger();
      private volatile boolean cancelled;
      private int next;

      @Override
      public void request(long n) {
        demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
        if (wip.getAndIncrement() != 0) {
          return;
        }
        do {
          while (!cancelled && next < count && demand.get() > 0) {
            demand.decrementAndGet();
            emitted.incrementAndGet();
            subscriber.onNext(next++);
          }
          if (!cancelled && next == count) {
            cancelled = true;
            subscriber.onComplete();
          }
        } while (wip.decrementAndGet() != 0);
      }

      @Override
      public void cancel() {
        cancelled = true;
      }
    });
  }
}
