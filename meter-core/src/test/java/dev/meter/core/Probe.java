package dev.meter.core;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

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

  /** Marks {@code item} started. */
  void begin(Object item) {
    if (!started.add(item)) {
      duplicateStarts.incrementAndGet();
    }
    int now = active.incrementAndGet();
    peak.accumulateAndGet(now, Math::max);
  }

  /** Marks {@code item} ended. */
  void end(Object item) {
    ended.add(item);
    active.decrementAndGet();
  }

  /** Begins {@code item} now and ends it when {@code future} completes in any way, cancellation included. */
  <V> CompletableFuture<V> track(Object item, CompletableFuture<V> future) {
    begin(item);
    future.whenComplete((value, failure) -> end(item));
    return future;
  }
}
