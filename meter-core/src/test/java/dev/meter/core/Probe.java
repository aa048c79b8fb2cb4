package dev.meter.core;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.ToIntFunction;

/**
 * Watches tasks from the inside: how many run at once (and the peak), which items started, and which
 * ended, so tests can check {@code maxAtOnce} and that nothing outlives its run.
 */
final class Probe {
  final AtomicInteger active = new AtomicInteger();
  final AtomicInteger peak = new AtomicInteger();
  final Set<Object> started = ConcurrentHashMap.newKeySet();
  final Set<Object> ended = ConcurrentHashMap.newKeySet();
  final AtomicInteger duplicateStarts = new AtomicInteger();
  /** Per key, for limits keyed by item: how many run now, and the most that ever ran at once. */
  private final ToIntFunction<Object> keyOf;
  private final AtomicIntegerArray activePerKey;
  private final AtomicIntegerArray peakPerKey;

  Probe() {
    this(item -> 0, 1);
  }

  /** A probe that also counts per key, for keys {@code 0 .. keys - 1}. */
  Probe(ToIntFunction<Object> keyOf, int keys) {
    this.keyOf = keyOf;
    this.activePerKey = new AtomicIntegerArray(keys);
    this.peakPerKey = new AtomicIntegerArray(keys);
  }

  /** Marks {@code item} started. */
  void begin(Object item) {
    if (!started.add(item)) {
      duplicateStarts.incrementAndGet();
    }
    int now = active.incrementAndGet();
    peak.accumulateAndGet(now, Math::max);
    int key = keyOf.applyAsInt(item);
    peakPerKey.accumulateAndGet(key, activePerKey.incrementAndGet(key), Math::max);
  }

  /** Marks {@code item} ended. */
  void end(Object item) {
    ended.add(item);
    activePerKey.decrementAndGet(keyOf.applyAsInt(item));
    active.decrementAndGet();
  }

  /** The most items of one key that ever ran at once. */
  int peakOfAnyKey() {
    int most = 0;
    for (int key = 0; key < peakPerKey.length(); key++) {
      most = Math.max(most, peakPerKey.get(key));
    }
    return most;
  }

  /**
   * Begins {@code item} now and returns a stage that ends it before completing: when {@code work}
   * completes, or when the returned stage is cancelled (which cancels {@code work} too). Ending first
   * matters: whoever sees the stage complete must already see the task ended.
   */
  <V> CompletableFuture<V> track(Object item, CompletableFuture<V> work) {
    begin(item);
    Tracked<V> tracked = new Tracked<>(item, work);
    work.whenComplete((value, failure) -> {
      tracked.endOnce();
      if (failure == null) {
        tracked.complete(value);
      } else {
        tracked.completeExceptionally(failure);
      }
    });
    return tracked;
  }

  private final class Tracked<V> extends CompletableFuture<V> {
    private final Object item;
    private final CompletableFuture<V> work;
    private boolean ended;

    Tracked(Object item, CompletableFuture<V> work) {
      this.item = item;
      this.work = work;
    }

    // Synchronized, not a CAS: the loser of a race (cancel against completion) must not complete this
    // stage before the winner has ended the item, or an observer could see the stage done and the item running.
    synchronized void endOnce() {
      if (!ended) {
        ended = true;
        end(item);
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      endOnce();
      work.cancel(mayInterruptIfRunning);
      return super.cancel(mayInterruptIfRunning);
    }
  }
}
