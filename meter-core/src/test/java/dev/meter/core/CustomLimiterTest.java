package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.AsyncTask;
import dev.meter.api.spi.Limiter;
import dev.meter.api.RunOptions;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The worked example of the {@link Limiter} SPI: a weighted limit, where each task holds as many units
 * of a budget as it weighs while it runs (memory, say, or a remote quota of "cost units").
 */
class CustomLimiterTest {

  /** At most {@code capacity} units held by running tasks at once; a task holds its item's weight. */
  static final class WeightedLimiter implements Limiter {
    private final int capacity;
    private final ToIntFunction<Object> weigher;
    private final List<Runnable> waiters = new ArrayList<>();  // guarded by this
    private int used;                                            // guarded by this

    WeightedLimiter(int capacity, ToIntFunction<Object> weigher) {
      this.capacity = capacity;
      this.weigher = weigher;
    }

    @Override
    public synchronized Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
      int weight = weigher.applyAsInt(item);
      if (used + weight > capacity) {
        return Decision.awaitSignal();  // no time would help: wait until a running task gives units back
      }
      used += weight;
      return new Units(weight);  // the permit remembers the weight: release needs no second weighing
    }

    /** The units one running task holds. */
    record Units(int weight) implements Permit {}

    @Override
    public void refund(Permit permit, long nowNanos) {
      release(permit, nowNanos);
    }

    @Override
    public void release(Permit permit, long nowNanos) {
      List<Runnable> woken;
      synchronized (this) {
        used -= ((Units) permit).weight();
        woken = new ArrayList<>(waiters);
        waiters.clear();
      }
      woken.forEach(Runnable::run);  // outside the lock: a wake-up may ask again at once
    }

    @Override
    public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
      synchronized (this) {
        if (used + weigher.applyAsInt(item) > capacity) {
          waiters.add(wakeUp);
          return () -> {
            synchronized (this) {
              waiters.remove(wakeUp);
            }
          };
        }
      }
      wakeUp.run();  // units came back between the refusal and now
      return () -> {};
    }
  }

  @Test
  void weightedLimiter_runningWeightNeverAboveCapacity() {
    // Given a budget of 10 units, jobs that weigh 1 to 7 units and take 1 s
    VirtualTime time = VirtualTime.create();
    WeightedLimiter budget = new WeightedLimiter(10, item -> (Integer) item);
    AtomicInteger held = new AtomicInteger();
    AtomicInteger mostHeld = new AtomicInteger();
    AsyncTask<Integer, Integer> job = weight -> {
      mostHeld.accumulateAndGet(held.addAndGet(weight), Math::max);
      return time.delay(Duration.ofSeconds(1), weight).whenComplete((done, failure) -> held.addAndGet(-weight));
    };
    List<Integer> weights = List.of(7, 2, 5, 1, 3, 6, 4, 4, 2, 7, 1, 1);

    // When they run through it
    CompletableFuture<Void> run = Meter.with(RunOptions.builder().limiter(budget).timeSource(time).build())
        .runOnEach(weights, job);
    time.advance(Duration.ofSeconds(30));

    // Then all ran, never holding more than 10 units together, and the budget is whole again
    assertThat(run).isCompleted();
    assertThat(mostHeld.get()).isLessThanOrEqualTo(10).isGreaterThanOrEqualTo(9);
    assertThat(budget.used).isZero();
  }

  @Test
  void release_settledTasks_hearHowEachEnded() {
    // Given a limiter that records what each release is told
    VirtualTime time = VirtualTime.create();
    List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    Limiter listening = new Limiter() {
      @Override
      public Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
        return GRANTED;
      }

      @Override
      public void refund(Permit permit, long nowNanos) {}

      @Override
      public void release(Permit permit, long nowNanos) {
        heard.add("release without outcome");
      }

      @Override
      public void release(Permit permit, long nowNanos, @Nullable Object value, @Nullable Throwable failure) {
        heard.add(value + " / " + (failure == null ? null : failure.getClass().getSimpleName()));
      }

      @Override
      public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
        wakeUp.run();
        return () -> {};
      }
    };
    List<dev.meter.api.AsyncCall<Integer>> calls = List.of(
        () -> CompletableFuture.completedFuture(10),
        () -> CompletableFuture.failedFuture(new IllegalStateException("refused")),
        () -> time.delay(Duration.ofSeconds(5), 30));  // outlives its timeout

    // When a run's tasks succeed, fail and time out, one at a time
    CompletableFuture<List<dev.meter.api.Outcome<Integer>>> run = Meter.with(RunOptions.builder()
            .maxAtOnce(1).limiter(listening).taskTimeout(Duration.ofSeconds(1)).timeSource(time).build())
        .runAllOutcomes(calls);
    time.advance(Duration.ofSeconds(10));

    // Then the limiter hears each outcome as it was, through the release that carries it
    assertThat(run).isCompleted();
    assertThat(heard).containsExactly("10 / null", "null / IllegalStateException", "null / TaskTimeoutException");
  }
}
