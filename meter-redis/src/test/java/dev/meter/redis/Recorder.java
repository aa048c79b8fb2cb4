package dev.meter.redis;

import dev.meter.api.spi.Limiter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the tests watch: a limiter wrapped to record the server time of every grant it hands out, and
 * tasks that count how many run at once and end after a given time on a timer (no test thread sleeps).
 */
final class Recorder {
  static final ScheduledExecutorService TIMER = Executors.newScheduledThreadPool(2, task -> {
    Thread thread = new Thread(task, "recorder-timer");
    thread.setDaemon(true);
    return thread;
  });

  final ConcurrentLinkedQueue<Long> grants = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<Limiter.Permit> permits = new ConcurrentLinkedQueue<>();
  /** When each of {@link #permits} was granted (System.nanoTime), in the same order. */
  final ConcurrentLinkedQueue<Long> permitTimes = new ConcurrentLinkedQueue<>();
  final AtomicInteger running = new AtomicInteger();
  final AtomicInteger mostRunning = new AtomicInteger();
  final AtomicInteger started = new AtomicInteger();
  /** Every start: when (System.nanoTime) and how many ran then, itself included. */
  final ConcurrentLinkedQueue<long[]> starts = new ConcurrentLinkedQueue<>();
  /** The items started, to see that none ran twice. */
  final java.util.Set<Object> items = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** {@code limiter}, recording each permit it grants (and a Redis grant's server time). */
  Limiter watch(Limiter limiter) {
    return new Watched(limiter, permit -> {
      if (permit instanceof RedisGrant grant) {
        grants.add(grant.grantedAtMicros);
      }
      permits.add(permit);
      permitTimes.add(System.nanoTime());
    });
  }

  /** A task that runs for {@code millis}, counted while it runs; cancelling the future it returns stops it. */
  <T> Running<T> task(T item, long millis) {
    started.incrementAndGet();
    int now = running.incrementAndGet();
    mostRunning.accumulateAndGet(now, Math::max);
    starts.add(new long[] {System.nanoTime(), now});
    items.add(item);
    Running<T> done = new Running<>(running);
    TIMER.schedule(() -> {
      done.stop();
      done.complete(item);
    }, millis, TimeUnit.MILLISECONDS);
    return done;
  }

  /**
   * A task's future that stops counting the task as running before anyone learns it ended, whether
   * its time was up or it was cancelled: so a limiter that frees the slot when it learns cannot be
   * blamed for a count that lags.
   */
  static final class Running<T> extends CompletableFuture<T> {
    private final AtomicInteger running;
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();

    Running(AtomicInteger running) {
      this.running = running;
    }

    void stop() {
      if (stopped.compareAndSet(false, true)) {
        running.decrementAndGet();
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      stop();
      return super.cancel(mayInterruptIfRunning);
    }
  }

  static List<Integer> items(int count) {
    return java.util.stream.IntStream.range(0, count).boxed().toList();
  }
}
