package dev.meter.redis;

import dev.meter.api.event.MeterStats;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/** The counters behind a Redis limiter's {@code stats()}: starts it granted in this JVM, and how they ended. */
final class RedisCounters {
  private final LongAdder waiting = new LongAdder();
  private final LongAdder running = new LongAdder();
  private final LongAdder started = new LongAdder();
  private final LongAdder succeeded = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder cancelled = new LongAdder();
  private final LongAdder waitedNanos = new LongAdder();

  void waiting(int change) {
    waiting.add(change);
  }

  void started(long waited) {
    started.increment();
    running.increment();
    waitedNanos.add(Math.max(0, waited));
  }

  void refunded() {
    started.decrement();
    running.decrement();
  }

  void ended(@Nullable Throwable failure) {
    running.decrement();
    if (failure == null) {
      succeeded.increment();
    } else if (failure instanceof CancellationException) {
      cancelled.increment();
    } else {
      failed.increment();
    }
  }

  MeterStats snapshot() {
    return new MeterStats(waiting.sum(), running.sum(), started.sum(), succeeded.sum(), failed.sum(),
        cancelled.sum(), Duration.ofNanos(waitedNanos.sum()));
  }
}
