package dev.meter.core;

import dev.meter.api.Limiter;
import dev.meter.api.internal.TaskCounters;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The leases a plain run holds on meter's shared limiters while they have no limit (see
 * {@link DefaultSharedLimiter#lease}): a block of permits per limiter, taken with one lock and given
 * back at the end of the pass, so that an instant task passes its limiters without a lock, a clock read
 * or a counter update of its own. Its start and success are counted here and added to the limiters'
 * statistics at the end of the pass. Drain-confined.
 */
final class Leases {
  /**
   * Permits lent at once: a task that goes on running keeps one, so a run of pending tasks takes a
   * lock per this many starts rather than per start.
   */
  static final int BLOCK = 64;

  private final DefaultSharedLimiter[] lenders;
  private final TaskCounters[] counters;
  private final long[] epochs;
  private final int[] left;
  /**
   * The epoch at which each limiter last lent nothing, {@link DefaultSharedLimiter#NOT_LENT} if none:
   * it is not asked again before its limits change, so that a limited limiter costs no second lock per
   * start.
   */
  private final long[] refusedAt;

  private Leases(DefaultSharedLimiter[] lenders, TaskCounters[] counters) {
    this.lenders = lenders;
    this.counters = counters;
    this.epochs = new long[lenders.length];
    this.left = new int[lenders.length];
    this.refusedAt = new long[lenders.length];
    Arrays.fill(refusedAt, DefaultSharedLimiter.NOT_LENT);
  }

  /** Leases for a run's limiters if every one is meter's shared limiter; null otherwise. */
  static @Nullable Leases forLimiters(Limiter[] limiters, TaskCounters[] counters) {
    DefaultSharedLimiter[] lenders = new DefaultSharedLimiter[limiters.length];
    for (int i = 0; i < limiters.length; i++) {
      if (!(limiters[i] instanceof DefaultSharedLimiter shared)) {
        return null;
      }
      lenders[i] = shared;
    }
    return new Leases(lenders, counters);
  }

  /**
   * Whether the next start may go on the leases: every limiter has lent a permit that is still good,
   * renewing a lease that ran out or was voided by a change of limits. False if a limiter lends
   * nothing now, or if an item pulled earlier waits in {@code admission} for its limits (it goes
   * first); the start then asks the limiters as any start does.
   */
  boolean ready(Admission<?, ?> admission) {
    // One limiter is the common case, and this is the path of every instant task: checked first,
    // inline. A lease is only taken while nothing waits in admission, and while one holds no start
    // goes through admission, so nothing waits there now.
    if (lenders.length == 1 && left[0] != 0 && lenders[0].leaseHolds(epochs[0])) {
      return true;
    }
    return readyAfterRenewing(admission);
  }

  private boolean readyAfterRenewing(Admission<?, ?> admission) {
    if (admission.hasWaiting()) {
      return false;
    }
    for (int i = 0; i < lenders.length; i++) {
      if (left[i] == 0 || !lenders[i].leaseHolds(epochs[i])) {
        if (!renew(i)) {
          return false;
        }
      }
    }
    return true;
  }

  private boolean renew(int i) {
    DefaultSharedLimiter lender = lenders[i];
    lender.endLease(left[i]);
    left[i] = 0;
    long before = lender.leaseEpoch();
    if (before == refusedAt[i]) {
      return false;  // refused at this epoch already: nothing has changed since
    }
    long epoch = lender.lease(BLOCK);
    if (epoch == DefaultSharedLimiter.NOT_LENT) {
      refusedAt[i] = before;  // a change after that read moves the epoch on, so it is asked again
      return false;
    }
    epochs[i] = epoch;
    left[i] = BLOCK;
    return true;
  }

  /**
   * A task started on the leases goes on running (or failed): it keeps one permit of each lease as its
   * own, which its settling releases to the limiter.
   */
  Limiter.Permit[] keepPermits() {
    Limiter.Permit[] permits = new Limiter.Permit[lenders.length];
    for (int i = 0; i < lenders.length; i++) {
      left[i]--;
      permits[i] = lenders[i].leasedPermit();
    }
    for (TaskCounters counted : counters) {
      counted.startedAtOnce();
    }
    return permits;
  }

  /**
   * The pass ends: the unused permits go back, and the {@code instant} tasks that started on the leases
   * and succeeded on return (giving their permits back to the leases) are counted.
   */
  void end(long instant) {
    for (int i = 0; i < lenders.length; i++) {
      int unused = left[i];
      if (unused > 0) {
        left[i] = 0;
        lenders[i].endLease(unused);
      }
    }
    if (instant > 0) {
      for (TaskCounters counted : counters) {
        counted.startedAndSucceeded(instant);
      }
    }
  }
}
