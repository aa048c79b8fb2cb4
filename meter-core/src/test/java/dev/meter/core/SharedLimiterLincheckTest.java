package dev.meter.core;

import dev.meter.api.spi.Limiter;
import dev.meter.api.LimiterConfig;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayDeque;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Model checks the shared limiter's state with Lincheck: every interleaving Lincheck explores of
 * starts, finishes, refunds, waits given up, limit changes, pauses and the clock moving must
 * give results some sequential order of the same operations gives (linearizability), and must leave
 * the limiter's books right: the permits it counts are exactly those the threads hold, and no
 * withdrawn wait stays registered.
 *
 * <p>Each thread keeps its own permits ({@code held[thread]}), so a finish only gives back what its
 * thread took, as a run only releases what it started. Time is virtual and moves only by
 * {@link #advance()}, so the rate's answers depend on the order of operations alone.
 */
@Param(name = "thread", gen = ThreadIdGen.class)
@Param(name = "limit", gen = IntGen.class, conf = "1:3")
public class SharedLimiterLincheckTest {
  private static final Duration INTERVAL = Duration.ofMillis(100);

  private final VirtualTime time = VirtualTime.create();
  private final DefaultSharedLimiter limiter = new DefaultSharedLimiter(LimiterConfig.builder()
      .maxAtOnce(2).rate(1, INTERVAL).maxBurst(2).timeSource(time).build());
  @SuppressWarnings("unchecked")
  private final ArrayDeque<Limiter.Permit>[] held = new ArrayDeque[8];

  {
    for (int i = 0; i < held.length; i++) {
      held[i] = new ArrayDeque<>();
    }
  }

  public SharedLimiterLincheckTest() {}

  /** A run's start: true if every permit was taken. */
  @Operation
  public boolean start(@Param(name = "thread") int thread) {
    long now = time.read();
    if (!(limiter.tryAcquire(null, now, now) instanceof Limiter.Permit permit)) {
      return false;
    }
    held[thread].push(permit);
    return true;
  }

  /** A task of this thread's ends: true if it had one running. */
  @Operation
  public boolean finish(@Param(name = "thread") int thread) {
    if (held[thread].isEmpty()) {
      return false;
    }
    limiter.release(held[thread].pop(), time.read());
    return true;
  }

  /**
   * A start this thread was granted, given back because another of its run's limits refused it. (The
   * engine gives it back right after the grant; the grant and the refund are separate steps there too,
   * so another run may see the permit taken in between, and this test models them as two operations.)
   */
  @Operation
  public boolean refund(@Param(name = "thread") int thread) {
    if (held[thread].isEmpty()) {
      return false;
    }
    limiter.refund(held[thread].pop(), time.read());
    return true;
  }

  /** A run waits for a signal and is cancelled before or after it comes. */
  @Operation
  public void waitThenGiveUp() {
    limiter.awaitSignal(null, () -> { }).cancel();
  }

  @Operation
  public void setMaxAtOnce(@Param(name = "limit") int limit) {
    limiter.setMaxAtOnce(limit);
  }

  /** Read without the lock (Kotlin start gates read it as each body begins); it must never lag a change. */
  @Operation
  public int maxAtOnceNow() {
    return limiter.limits().maxAtOnce();
  }

  @Operation
  public void pause() {
    limiter.pauseFor(INTERVAL);
  }

  /** Half an interval passes; due timers fire and wake waiters. */
  @Operation
  public void advance() {
    time.advance(INTERVAL.dividedBy(2));
  }

  @Validate
  public void booksBalance() {
    int holding = 0;
    for (ArrayDeque<Limiter.Permit> permits : held) {
      holding += permits.size();
    }
    if (limiter.running() != holding) {
      throw new AssertionError("limiter counts " + limiter.running() + " running, threads hold " + holding);
    }
    if (limiter.hasWaiters()) {
      throw new AssertionError("a wait that was given up is still registered");
    }
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)  // model checking explores thousands of interleavings
  void modelChecking_everyExploredInterleaving_isLinearizableAndBalanced() {
    new ModelCheckingOptions().iterations(Integer.getInteger("meter.lincheck.iterations", 20))
        .invocationsPerIteration(1_000).threads(3).actorsPerThread(3).check(SharedLimiterLincheckTest.class);
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)  // 3 threads on 2 shared cores: ~100 s, slower when the machine is busy
  void stress_realThreads_isLinearizableAndBalanced() {
    new StressOptions().iterations(Integer.getInteger("meter.lincheck.iterations", 20) * 5)
        .invocationsPerIteration(2_000).threads(3).actorsPerThread(3).check(SharedLimiterLincheckTest.class);
  }
}
