package dev.meter.core;

import dev.meter.api.KeyedLimiter;
import dev.meter.api.spi.Limiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.event.MeterListener;
import dev.meter.api.event.MeterStats;
import dev.meter.api.TimeSource;
import dev.meter.api.internal.TaskCounters;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One {@link KeyLimit} per key (a {@link DefaultSharedLimiter}, or a {@link DefaultAdaptiveLimiter})
 * in a concurrent map, and a clock sweep that forgets the idle
 * ones. Every limiter sits once in a queue, oldest look first, with the time it was last looked at. A
 * sweep takes from the front each limiter that has had one refill time (its burst back, at its rate)
 * since that look: an idle one is dropped, a busy one goes to the back with a new look time. Sweeps
 * run on a timer while the map holds keys, once per refill time, and also two looks per new key.
 *
 * <p>So a key idle since {@code t} is forgotten by {@code t} plus about two refill times (one to be
 * full again, one for the sweep to come round), new keys or not; the map holds the keys used within
 * about the last two refill times. Without a rate the refill time counts as one second.
 *
 * <p>Dropping is safe because a limiter retires itself, under its own lock, only when idle, and a
 * retired limiter grants nothing: a run that looked it up just before it was dropped looks the key up
 * again and gets (or makes) its successor. A permit names the limiter that granted it, so release and
 * refund never look the key up again and never call the key function twice.
 */
final class DefaultKeyedLimiter<K> implements KeyedLimiter<K> {
  private static final int SWEEP_PER_NEW_KEY = 2;
  private static final long NO_RATE_REFILL_NANOS = 1_000_000_000L;
  private static final long MIN_SWEEP_NANOS = 1_000_000L;

  private final LimiterConfig config;
  private final TimeSource time;
  private final TaskCounters counters;
  /** Makes a key's limiter, counting into the keyed limiter's counters. */
  private final Function<K, KeyLimit> newLimit;
  private final ConcurrentHashMap<K, KeyLimit> limiters = new ConcurrentHashMap<>();
  /** Every limiter in the map, once each, by last look; and some already dropped, skipped when met. */
  private final ConcurrentLinkedQueue<Held<K>> sweepQueue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean sweepTimerSet = new AtomicBoolean();
  /** A new key's refill time, the same for every key (they share one configuration). */
  private final long refillNanos;

  /** A shared limiter of {@code config}'s limits per key. */
  DefaultKeyedLimiter(LimiterConfig config) {
    this(config, new TaskCounters(), null);
  }

  /**
   * A limiter per key made by {@code newLimit}, whose limiters start with {@code config}'s limits and
   * count into {@code counters}; null for shared limiters.
   */
  DefaultKeyedLimiter(LimiterConfig config, TaskCounters counters, @Nullable Function<K, KeyLimit> newLimit) {
    this.config = config;
    this.counters = counters;
    this.newLimit = newLimit != null ? newLimit : key -> new DefaultSharedLimiter(config, counters, config.name() + ":" + key);
    this.time = Objects.requireNonNullElseGet(config.timeSource(), Defaults::timeSource);
    Rate rate = config.limits().rate();
    long refill = rate == null ? NO_RATE_REFILL_NANOS
        : Math.multiplyExact((long) config.limits().maxBurst(), rate.intervalNanos());
    this.refillNanos = Math.max(MIN_SWEEP_NANOS, refill);
  }

  @Override
  public <T> Limiter by(Function<? super T, ? extends K> keyOf) {
    Objects.requireNonNull(keyOf, "keyOf");
    return new View<>(keyOf);
  }

  @Override
  public void pauseFor(K key, Duration duration) {
    Objects.requireNonNull(key, "key");
    Durations.checkPause(duration);
    long nanos = Durations.saturatedNanos(duration);
    for (;;) {
      KeyLimit limiter = forKey(key);
      if (limiter.pause(nanos)) {
        return;
      }
      limiters.remove(key, limiter);
    }
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public String toString() {
    return "KeyedLimiter{name=" + config.name() + ", limits=" + config.limits() + ", keys=" + size() + "}";
  }

  @Override
  public int size() {
    return limiters.size();
  }

  @Override
  public MeterStats stats() {
    return counters.snapshot();
  }

  @Override
  public Optional<Limits> limits(K key) {
    Objects.requireNonNull(key, "key");
    KeyLimit held = limiters.get(key);
    return held == null ? Optional.empty() : Optional.of(held.limits());
  }

  /** The limiter the map holds for {@code key}, if any; for tests that check the books. */
  @Nullable KeyLimit heldFor(K key) {
    return limiters.get(key);
  }

  private KeyLimit forKey(K key) {
    KeyLimit existing = limiters.get(key);
    if (existing != null) {
      return existing;
    }
    KeyLimit created = newLimit.apply(key);
    existing = limiters.putIfAbsent(key, created);
    if (existing != null) {
      return existing;
    }
    long now = time.read();
    sweep(now, SWEEP_PER_NEW_KEY);
    sweepQueue.add(new Held<>(key, created, now));
    setSweepTimer();
    return created;
  }

  /**
   * Looks at up to {@code budget} limiters from the front of the queue that have had a refill time
   * since their last look.
   */
  private void sweep(long now, int budget) {
    for (int i = 0; i < budget; i++) {
      Held<K> oldest = sweepQueue.peek();
      if (oldest == null || now - oldest.lookedAt() < refillNanos) {
        return;  // the rest were looked at more recently still
      }
      if (!sweepQueue.remove(oldest)) {
        continue;  // another sweep took it
      }
      if (limiters.get(oldest.key()) != oldest.limiter()) {
        continue;  // dropped already (found retired by a run); its successor has its own place
      }
      if (oldest.limiter().retireIfIdle()) {
        limiters.remove(oldest.key(), oldest.limiter());
      } else {
        sweepQueue.add(new Held<>(oldest.key(), oldest.limiter(), now));  // busy: look again later
      }
    }
  }

  /** Whether a refused sweep timer was logged (once per keyed limiter). */
  private final AtomicBoolean sweepRefusalLogged = new AtomicBoolean();

  /** Keeps one sweep timer set while the map holds keys. */
  private void setSweepTimer() {
    if (sweepTimerSet.compareAndSet(false, true)) {
      try {
        time.schedule(this::onSweepTimer, refillNanos);
      } catch (RejectedExecutionException shutDown) {
        sweepTimerSet.set(false);  // the sweeps per new key still bound the map
        if (sweepRefusalLogged.compareAndSet(false, true)) {  // once: every new key would try again
          Faults.timerFault("keyed limiter " + config.name() + " could not set its sweep timer (its timer refused it); idle keys"
              + " are forgotten only when new keys come", shutDown);
        }
      }
    }
  }

  private void onSweepTimer() {
    sweepTimerSet.set(false);
    sweep(time.read(), Integer.MAX_VALUE);
    if (!sweepQueue.isEmpty()) {
      setSweepTimer();
    }
  }

  /** A key, its limiter, and when the sweep last looked at it (or when it was made). */
  private record Held<K>(K key, KeyLimit limiter, long lookedAt) {}

  /** A permit of one key's limiter, naming that limiter so that release needs no key. */
  private record KeyPermit(KeyLimit limiter, Limiter.Permit permit) implements Limiter.Permit {}

  /** The keyed limiter as one run's limit: each item goes through its key's limiter. */
  private final class View<T> implements ObservedLimiter {
    private final Function<? super T, ? extends K> keyOf;

    View(Function<? super T, ? extends K> keyOf) {
      this.keyOf = keyOf;
    }

    @Override
    public String toString() {
      return "KeyedLimiter{name=" + config.name() + "}.by(" + keyOf + ")";
    }

    @SuppressWarnings("unchecked")
    private K key(@Nullable Object item) {
      K key = keyOf.apply((T) item);
      if (key == null) {
        throw new NullPointerException("keyOf of keyed limiter " + config.name() + " returned null for item " + item);
      }
      return key;
    }

    @Override
    public Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
      K key = key(item);
      for (;;) {
        KeyLimit limiter = forKey(key);
        Decision answer = limiter.tryAcquireUnlessRetired(nowNanos - waitingSinceNanos);
        if (answer == null) {
          limiters.remove(key, limiter);
          continue;
        }
        return answer instanceof Permit granted ? new KeyPermit(limiter, granted) : answer;
      }
    }

    @Override
    public void refund(Permit permit, long nowNanos) {
      KeyPermit granted = (KeyPermit) permit;
      granted.limiter().refund(granted.permit(), nowNanos);
    }

    @Override
    public void release(Permit permit, long nowNanos) {
      KeyPermit granted = (KeyPermit) permit;
      granted.limiter().release(granted.permit(), nowNanos);
    }

    @Override
    public void release(Permit permit, long nowNanos, @Nullable Object value, @Nullable Throwable failure) {
      KeyPermit granted = (KeyPermit) permit;
      granted.limiter().release(granted.permit(), nowNanos, value, failure);
    }

    @Override
    public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
      KeyLimit limiter = limiters.get(key(item));
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
    public TaskCounters counters() {
      return counters;
    }

    @Override
    public List<MeterListener> listeners() {
      return config.listeners();
    }
  }
}
