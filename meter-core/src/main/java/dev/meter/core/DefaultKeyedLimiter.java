package dev.meter.core;

import dev.meter.api.KeyedLimiter;
import dev.meter.api.Limiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.MeterListener;
import dev.meter.api.MeterStats;
import dev.meter.api.StatsRecorder;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One {@link DefaultSharedLimiter} per key in a concurrent map. Memory stays bounded by a sweep that
 * each new key pays for: it looks at the two oldest limiters in a queue of them in creation order,
 * drops those that are idle and sends the busy ones to the back (a clock sweep). Two looks per new key
 * outpace the one key added, and the oldest are the likeliest to be idle, so the map holds the keys in
 * use plus about as many that went idle lately.
 *
 * <p>Dropping is safe because a limiter retires itself, under its own lock, only when idle, and a
 * retired limiter refuses every start with {@link DefaultSharedLimiter#RETIRED}: a run that looked it
 * up just before it was dropped looks the key up again and gets (or makes) its successor. A limiter
 * with a task running or a run waiting is never idle, so release and refund always find the limiter
 * that granted the start.
 */
final class DefaultKeyedLimiter<K> implements KeyedLimiter<K> {
  private static final int SWEEP_PER_NEW_KEY = 2;

  private final LimiterConfig config;
  private final StatsRecorder stats = new StatsRecorder();
  private final MeterListener listener;
  private final ConcurrentHashMap<K, DefaultSharedLimiter> limiters = new ConcurrentHashMap<>();
  /** Every limiter in the map, once each, oldest first; and some already dropped, skipped when met. */
  private final ConcurrentLinkedQueue<Held<K>> sweepQueue = new ConcurrentLinkedQueue<>();

  DefaultKeyedLimiter(LimiterConfig config) {
    this.config = config;
    this.listener = new Listeners(DefaultSharedLimiter.withStats(stats, config.listeners()));
  }

  @Override
  public <T> Limiter by(Function<? super T, ? extends K> keyOf) {
    Objects.requireNonNull(keyOf, "keyOf");
    return new View<>(keyOf);
  }

  @Override
  public void pauseFor(K key, Duration duration) {
    Objects.requireNonNull(key, "key");
    DefaultSharedLimiter.checkPause(duration);
    long nanos = DefaultSharedLimiter.saturatedNanos(duration);
    for (;;) {
      DefaultSharedLimiter limiter = forKey(key);
      if (limiter.pause(nanos)) {
        return;
      }
      limiters.remove(key, limiter);
    }
  }

  @Override
  public int size() {
    return limiters.size();
  }

  @Override
  public MeterStats stats() {
    return stats.snapshot();
  }

  /** The limiter the map holds for {@code key}, if any; for tests that check the books. */
  @Nullable DefaultSharedLimiter heldFor(K key) {
    return limiters.get(key);
  }

  private DefaultSharedLimiter forKey(K key) {
    DefaultSharedLimiter existing = limiters.get(key);
    if (existing != null) {
      return existing;
    }
    DefaultSharedLimiter created = new DefaultSharedLimiter(config, stats, listener);
    existing = limiters.putIfAbsent(key, created);
    if (existing != null) {
      return existing;
    }
    sweep();
    sweepQueue.add(new Held<>(key, created));
    return created;
  }

  private void sweep() {
    for (int i = 0; i < SWEEP_PER_NEW_KEY; i++) {
      Held<K> oldest = sweepQueue.poll();
      if (oldest == null) {
        return;
      }
      if (limiters.get(oldest.key()) != oldest.limiter()) {
        continue;  // dropped already (found retired by a run); its successor has its own place
      }
      if (oldest.limiter().retireIfIdle()) {
        limiters.remove(oldest.key(), oldest.limiter());
      } else {
        sweepQueue.add(oldest);  // busy: look again on the next round
      }
    }
  }

  /** A key and the limiter it had when queued for sweeping. */
  private record Held<K>(K key, DefaultSharedLimiter limiter) {}

  /** The keyed limiter as one run's limit: each item goes through its key's limiter. */
  private final class View<T> implements ObservedLimiter {
    private final Function<? super T, ? extends K> keyOf;

    View(Function<? super T, ? extends K> keyOf) {
      this.keyOf = keyOf;
    }

    @SuppressWarnings("unchecked")
    private K key(@Nullable Object item) {
      K key = keyOf.apply((T) item);
      if (key == null) {
        throw new NullPointerException("keyOf returned null for item " + item);
      }
      return key;
    }

    @Override
    public long tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
      K key = key(item);
      for (;;) {
        DefaultSharedLimiter limiter = forKey(key);
        long answer = limiter.tryAcquire(item, nowNanos, waitingSinceNanos);
        if (answer != DefaultSharedLimiter.RETIRED) {
          return answer;
        }
        limiters.remove(key, limiter);
      }
    }

    @Override
    public void refund(@Nullable Object item, long nowNanos) {
      granted(item).refund(item, nowNanos);
    }

    @Override
    public void release(@Nullable Object item, long nowNanos) {
      granted(item).release(item, nowNanos);
    }

    /** The limiter that granted {@code item}'s start: it cannot have been dropped while the start holds it. */
    private DefaultSharedLimiter granted(@Nullable Object item) {
      K key = key(item);
      DefaultSharedLimiter limiter = limiters.get(key);
      if (limiter == null) {
        throw new IllegalStateException("no limiter for key " + key + ": keyOf must give the same key for an item each time");
      }
      return limiter;
    }

    @Override
    public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
      DefaultSharedLimiter limiter = limiters.get(key(item));
      if (limiter == null) {
        wakeUp.run();  // dropped as idle since it refused: asking again will find room
        return DefaultSharedLimiter.NOTHING_TO_WITHDRAW;
      }
      return limiter.awaitSignal(item, wakeUp);
    }

    /** Another key may have room: a run starts later items while this one waits. */
    @Override
    public boolean refusesPerItem() {
      return true;
    }

    @Override
    public MeterListener listener() {
      return listener;
    }
  }
}
