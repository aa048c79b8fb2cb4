package dev.meter.core;

import dev.meter.api.AdaptiveConfig;
import dev.meter.api.LimiterConfig;
import dev.meter.api.Limits;
import dev.meter.api.OverloadedException;
import dev.meter.api.spi.Limiter;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Model checks the adaptive limiter's state with Lincheck: starts, successes and refusals (of the
 * rate, of the tasks at once, of either) coming back on several threads, limits set by hand and the
 * clock moving. Every interleaving explored must give results some sequential order of the same
 * operations gives, and leave the books right: the permits the limiter counts are exactly those the
 * threads hold, and its limits in force are within their floors and ceilings (a decrease and a climb
 * racing, or a change handed to the shared limiter outside the adaptive lock, must not leave a limit
 * outside them or a permit uncounted).
 */
@Param(name = "thread", gen = ThreadIdGen.class)
@Param(name = "kind", gen = IntGen.class, conf = "0:2")
@Param(name = "limit", gen = IntGen.class, conf = "1:4")
public class AdaptiveLimiterLincheckTest {
  private static final Duration INTERVAL = Duration.ofMillis(100);
  private static final OverloadedException.Exceeded[] KINDS = OverloadedException.Exceeded.values();

  private final VirtualTime time = VirtualTime.create();
  private final DefaultAdaptiveLimiter limiter = new DefaultAdaptiveLimiter(AdaptiveConfig.builder(LimiterConfig.builder()
          .maxAtOnce(3).rate(2, INTERVAL).maxBurst(3).timeSource(time).build())
      .minAtOnce(1).maxAtOnce(4).minPerSecond(1).recoverySuccesses(2).build());
  @SuppressWarnings("unchecked")
  private final ArrayDeque<Limiter.Permit>[] held = new ArrayDeque[8];

  {
    for (int i = 0; i < held.length; i++) {
      held[i] = new ArrayDeque<>();
    }
  }

  public AdaptiveLimiterLincheckTest() {}

  /** A run's start: true if the permit was taken. */
  @Operation
  public boolean start(@Param(name = "thread") int thread) {
    long now = time.read();
    if (!(limiter.tryAcquire(null, now, now) instanceof Limiter.Permit permit)) {
      return false;
    }
    held[thread].push(permit);
    return true;
  }

  /** A task of this thread's succeeds: true if it had one running. */
  @Operation
  public boolean succeed(@Param(name = "thread") int thread) {
    if (held[thread].isEmpty()) {
      return false;
    }
    limiter.release(held[thread].pop(), time.read(), "ok", null);
    return true;
  }

  /** A task of this thread's is refused for load, naming the rate, the tasks at once, or neither. */
  @Operation
  public boolean refused(@Param(name = "thread") int thread, @Param(name = "kind") int kind) {
    if (held[thread].isEmpty()) {
      return false;
    }
    limiter.release(held[thread].pop(), time.read(), null, new OverloadedException("refused", null, KINDS[kind]));
    return true;
  }

  @Operation
  public void setMaxAtOnce(@Param(name = "limit") int limit) {
    limiter.setMaxAtOnce(limit);
  }

  /** Half an interval passes. */
  @Operation
  public void advance() {
    time.advance(INTERVAL.dividedBy(2));
  }

  @Validate
  public void booksBalanceAndLimitsWithinBounds() {
    int holding = 0;
    for (ArrayDeque<Limiter.Permit> permits : held) {
      holding += permits.size();
    }
    if (limiter.running() != holding) {
      throw new AssertionError("limiter counts " + limiter.running() + " running, threads hold " + holding);
    }
    Limits limits = limiter.limits();
    double perSecond = limits.rate().perSecond();
    if (limits.maxAtOnce() < 1 || limits.maxAtOnce() > 4 || perSecond < 1 || perSecond > 20
        || limits.maxBurst() < 1 || limits.maxBurst() > 3) {
      throw new AssertionError("limits out of their bounds: " + limits);
    }
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)  // model checking explores thousands of interleavings
  void modelChecking_everyExploredInterleaving_isLinearizableBalancedAndBounded() {
    new ModelCheckingOptions().iterations(Integer.getInteger("meter.lincheck.iterations", 20) / 2)
        .invocationsPerIteration(500).threads(3).actorsPerThread(3).check(AdaptiveLimiterLincheckTest.class);
  }
}
