package dev.meter.core;

import dev.meter.api.Limits;
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
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Model checks the shared limiter's leases (see {@link DefaultSharedLimiter#lease}) with Lincheck: runs
 * that start on leases while other threads set, lift and pause limits must give the results that the
 * plain {@link Rule}, run in some sequential order of the same operations, gives; so no start on a
 * lease made void by a limit gets through,
 * and must leave the books right: the limiter counts as running exactly the permits the threads hold
 * plus those lent and not given back.
 *
 * <p>Each thread plays one run, keeping its lease as {@link Leases} does: a block of permits and the
 * epoch it was lent at, renewed when it runs out or the epoch moves, and given back at the end of a pass.
 */
@Param(name = "thread", gen = ThreadIdGen.class)
@Param(name = "limit", gen = IntGen.class, conf = "1:2")
public class SharedLimiterLeaseLincheckTest {
  private static final int BLOCK = 2;

  private final VirtualTime time = VirtualTime.create();
  private final DefaultSharedLimiter limiter =
      new DefaultSharedLimiter(LimiterConfig.builder().timeSource(time).build());
  @SuppressWarnings("unchecked")
  private final ArrayDeque<Limiter.Permit>[] held = new ArrayDeque[8];
  private final long[] epochs = new long[8];
  private final int[] left = new int[8];

  {
    for (int i = 0; i < held.length; i++) {
      held[i] = new ArrayDeque<>();
    }
  }

  public SharedLimiterLeaseLincheckTest() {}

  /** A run starts a task that goes on running: on its lease if one holds or can be had, else by asking. */
  @Operation
  public boolean start(@Param(name = "thread") int thread) {
    if (left[thread] == 0 || !limiter.leaseHolds(epochs[thread])) {
      limiter.endLease(left[thread]);
      left[thread] = 0;
      long epoch = limiter.lease(BLOCK);
      if (epoch < 0) {  // not lent (a limit, or a pause)
        long now = time.read();
        if (!(limiter.tryAcquire(null, now, now) instanceof Limiter.Permit permit)) {
          return false;
        }
        held[thread].push(permit);
        return true;
      }
      epochs[thread] = epoch;
      left[thread] = BLOCK;
    }
    left[thread]--;
    held[thread].push(limiter.leasedPermit());
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

  /** This thread's pass ends: its lease goes back. */
  @Operation
  public void endPass(@Param(name = "thread") int thread) {
    limiter.endLease(left[thread]);
    left[thread] = 0;
  }

  @Operation
  public void setMaxAtOnce(@Param(name = "limit") int limit) {
    limiter.setMaxAtOnce(limit);
  }

  @Operation
  public void lift() {
    limiter.setMaxAtOnce(Limits.UNLIMITED);
  }

  @Operation
  public void pause() {
    limiter.pauseFor(Duration.ofSeconds(1));
  }

  @Validate
  public void booksBalance() {
    int holding = 0;
    for (int i = 0; i < held.length; i++) {
      holding += held[i].size() + left[i];
    }
    if (limiter.running() != holding) {
      throw new AssertionError("limiter counts " + limiter.running() + " running, threads hold " + holding);
    }
  }

  /**
   * What the operations must do, one at a time: the rule written plainly. A thread's lease holds until it
   * runs out, its pass ends, or any limit or pause is set; lent permits count as running; a start that
   * cannot have a lease asks the limits (time stands still here, so a pause holds for good).
   */
  public static final class Rule {
    private int limit = Limits.UNLIMITED;
    private boolean paused;
    private long epoch;
    private int running;
    private final int[] held = new int[8];
    private final long[] epochs = new long[8];
    private final int[] left = new int[8];

    public Rule() {}

    public boolean start(int thread) {
      if (left[thread] == 0 || epochs[thread] != epoch) {
        running -= left[thread];
        left[thread] = 0;
        if (limit != Limits.UNLIMITED || paused) {
          if (paused || running >= limit) {
            return false;
          }
          running++;
          held[thread]++;
          return true;
        }
        running += BLOCK;
        left[thread] = BLOCK;
        epochs[thread] = epoch;
      }
      left[thread]--;
      held[thread]++;
      return true;
    }

    public boolean finish(int thread) {
      if (held[thread] == 0) {
        return false;
      }
      held[thread]--;
      running--;
      return true;
    }

    public void endPass(int thread) {
      running -= left[thread];
      left[thread] = 0;
    }

    public void setMaxAtOnce(int limit) {
      this.limit = limit;
      epoch++;
    }

    public void lift() {
      limit = Limits.UNLIMITED;
      epoch++;
    }

    public void pause() {
      paused = true;
      epoch++;
    }
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)  // model checking explores thousands of interleavings
  void modelChecking_everyExploredInterleaving_isLinearizableAndBalanced() {
    new ModelCheckingOptions().iterations(Integer.getInteger("meter.lincheck.iterations", 20))
        .invocationsPerIteration(500).threads(3).actorsPerThread(3).sequentialSpecification(Rule.class)
        .check(SharedLimiterLeaseLincheckTest.class);
  }
}
