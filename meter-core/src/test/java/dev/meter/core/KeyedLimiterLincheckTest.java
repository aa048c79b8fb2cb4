package dev.meter.core;

import dev.meter.api.spi.Limiter;
import dev.meter.api.LimiterConfig;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Model checks the keyed limiter, whose risk is forgetting: a new key sweeps the oldest ones and drops
 * those that are idle, while other threads may be starting, finishing or pausing on them. Every
 * explored interleaving must be linearizable and keep the books: a key whose permits threads hold is
 * still in the map with exactly that many running (release finds the limiter that granted), and no
 * wait given up stays registered.
 *
 * <p>Keys 0 and 1 are the ones threads hold permits on; {@link #touch} uses keys 2 to 4, each new one
 * making the limiter sweep. Time is virtual and moves only by {@link #advance()}.
 */
@Param(name = "thread", gen = ThreadIdGen.class)
@Param(name = "key", gen = IntGen.class, conf = "0:1")
@Param(name = "freshKey", gen = IntGen.class, conf = "2:4")
public class KeyedLimiterLincheckTest {
  private static final Duration INTERVAL = Duration.ofMillis(100);
  private static final int KEYS = 5;

  private final VirtualTime time = VirtualTime.create();
  private final DefaultKeyedLimiter<Integer> keyed = new DefaultKeyedLimiter<>(LimiterConfig.builder()
      .maxAtOnce(1).rate(1, INTERVAL).maxBurst(2).timeSource(time).build());
  private final Limiter byKey = keyed.by((Integer key) -> key);
  @SuppressWarnings("unchecked")
  private final ArrayDeque<Limiter.Permit>[][] held = new ArrayDeque[8][KEYS];

  {
    for (ArrayDeque<Limiter.Permit>[] perThread : held) {
      for (int key = 0; key < KEYS; key++) {
        perThread[key] = new ArrayDeque<>();
      }
    }
  }

  public KeyedLimiterLincheckTest() {}

  /** A run's start on {@code key}: true if the permit was taken. */
  @Operation
  public boolean start(@Param(name = "thread") int thread, @Param(name = "key") int key) {
    long now = time.read();
    if (!(byKey.tryAcquire(key, now, now) instanceof Limiter.Permit permit)) {
      return false;
    }
    held[thread][key].push(permit);
    return true;
  }

  /** A task of this thread's on {@code key} ends: true if it had one running. */
  @Operation
  public boolean finish(@Param(name = "thread") int thread, @Param(name = "key") int key) {
    if (held[thread][key].isEmpty()) {
      return false;
    }
    byKey.release(held[thread][key].pop(), time.read());
    return true;
  }

  /**
   * One call on a key seen rarely: creates it (sweeping the oldest keys) and ends at once. Its result
   * is not compared: a start and its end are two steps, so a concurrent touch of the same key may
   * rightly find it busy in between, which no sequential order shows.
   */
  @Operation
  public void touch(@Param(name = "freshKey") int key) {
    long now = time.read();
    if (byKey.tryAcquire(key, now, now) instanceof Limiter.Permit permit) {
      byKey.release(permit, now);
    }
  }

  /** A run waits for {@code key}'s signal and is cancelled before or after it comes. */
  @Operation
  public void waitThenGiveUp(@Param(name = "key") int key) {
    byKey.awaitSignal(key, () -> { }).cancel();
  }

  @Operation
  public void pause(@Param(name = "key") int key) {
    keyed.pauseFor(key, INTERVAL);
  }

  /** Half an interval passes; due timers fire and wake waiters. */
  @Operation
  public void advance() {
    time.advance(INTERVAL.dividedBy(2));
  }

  @Validate
  public void booksBalance() {
    for (int key = 0; key < KEYS; key++) {
      int holding = 0;
      for (ArrayDeque<Limiter.Permit>[] thread : held) {
        holding += thread[key].size();
      }
      KeyLimit limiter = keyed.heldFor(key);
      if (limiter == null) {
        if (holding != 0) {
          throw new AssertionError("key " + key + " was forgotten while threads hold " + holding + " of its permits");
        }
        continue;
      }
      if (limiter.running() != holding) {
        throw new AssertionError("key " + key + " counts " + limiter.running() + " running, threads hold " + holding);
      }
      if (limiter instanceof DefaultSharedLimiter shared && shared.hasWaiters()) {
        throw new AssertionError("a wait on key " + key + " that was given up is still registered");
      }
    }
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)  // model checking explores thousands of interleavings
  void modelChecking_everyExploredInterleaving_isLinearizableAndBalanced() {
    new ModelCheckingOptions().iterations(Integer.getInteger("meter.lincheck.iterations", 20))
        .invocationsPerIteration(1_000).threads(3).actorsPerThread(3).check(KeyedLimiterLincheckTest.class);
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)  // 3 threads on 2 shared cores: ~100 s, slower when the machine is busy
  void stress_realThreads_isLinearizableAndBalanced() {
    new StressOptions().iterations(Integer.getInteger("meter.lincheck.iterations", 20) * 5)
        .invocationsPerIteration(2_000).threads(3).actorsPerThread(3).check(KeyedLimiterLincheckTest.class);
  }
}
