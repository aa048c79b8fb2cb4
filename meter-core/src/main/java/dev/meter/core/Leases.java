package dev.meter.core;

import dev.meter.api.spi.Limiter;
import dev.meter.api.internal.TaskCounters;
import org.jspecify.annotations.Nullable;

/**
 * The leases a plain run holds on meter's shared limiters while they have no limit (see
 * {@link DefaultSharedLimiter#lease}): a block of permits per limiter, taken with one lock and given
 * back at the end of the pass, so that an instant task passes its limiters without a lock, a clock read
 * or a counter update of its own. Instant tasks are counted from the items pulled while the leases
 * held, and added to the limiters' statistics at the end of the pass. Drain-confined.
 */
final class Leases {
  /**
   * Permits lent at once: a task that goes on running keeps one, so a run of pending tasks takes a
   * lock per this many starts rather than per start.
   */
  static final int BLOCK = 64;

  /** One limiter's lease. */
  private static final class Lease {
    final DefaultSharedLimiter lender;
    /** The epoch it was lent at; it holds while the limiter's epoch is the same. */
    long epoch;
    /** Permits lent and not kept by a task. */
    int left;
    /**
     * The epoch at which the limiter last lent nothing, {@link DefaultSharedLimiter#NOT_LENT} if none:
     * it is not asked again before its limits change, so that a limited limiter costs no second lock
     * per start.
     */
    long refusedAt = DefaultSharedLimiter.NOT_LENT;

    Lease(DefaultSharedLimiter lender) {
      this.lender = lender;
    }

    boolean holds() {
      return left != 0 && lender.leaseHolds(epoch);
    }
  }

  private final Lease[] leases;
  /** The lease when the run has one limiter, the common case; checked first, inline. */
  private final @Nullable Lease sole;
  private final TaskCounters[] counters;
  private final Admission<?, ?> admission;
  /** Whether every lease holds since {@link #pulledAtStart}; false after {@link #end}. */
  private boolean active;
  /** Items the run had pulled when the leases last began to hold. */
  private long pulledAtStart;
  /** Tasks started on the leases since then that kept permits (they are counted one by one). */
  private long kept;

  private Leases(DefaultSharedLimiter[] lenders, TaskCounters[] counters, Admission<?, ?> admission) {
    this.leases = new Lease[lenders.length];
    for (int i = 0; i < lenders.length; i++) {
      leases[i] = new Lease(lenders[i]);
    }
    this.sole = lenders.length == 1 ? leases[0] : null;
    this.counters = counters;
    this.admission = admission;
  }

  /** Leases for a run's limiters if every one is meter's shared limiter; null otherwise. */
  static @Nullable Leases forLimiters(Limiter[] limiters, TaskCounters[] counters, Admission<?, ?> admission) {
    DefaultSharedLimiter[] lenders = new DefaultSharedLimiter[limiters.length];
    for (int i = 0; i < limiters.length; i++) {
      if (!(limiters[i] instanceof DefaultSharedLimiter shared)) {
        return null;
      }
      lenders[i] = shared;
    }
    return new Leases(lenders, counters, admission);
  }

  /**
   * Whether the next start may go on the leases: every limiter has lent a permit that is still good,
   * renewing a lease that ran out or was voided by a change of limits. False if a limiter lends
   * nothing now, or if an item pulled earlier waits in admission for its limits (it goes first); the
   * start then asks the limiters as any start does.
   */
  boolean ready() {
    // The path of every instant task. A lease is only taken while nothing waits in admission, and
    // while one holds no start goes through admission, so nothing waits there now.
    Lease one = sole;
    if (one != null && one.holds()) {
      return true;
    }
    return readyAfterRenewing();
  }

  private boolean readyAfterRenewing() {
    if (admission.hasWaiting()) {
      return false;
    }
    for (Lease lease : leases) {
      if (!lease.holds() && !renew(lease)) {
        end();  // starts go through admission until the limits change: nothing is held meanwhile
        return false;
      }
    }
    if (!active) {
      active = true;
      pulledAtStart = admission.pulled();
      kept = 0;
    }
    return true;
  }

  private boolean renew(Lease lease) {
    DefaultSharedLimiter lender = lease.lender;
    lender.endLease(lease.left);
    lease.left = 0;
    long before = lender.leaseEpoch();
    if (before == lease.refusedAt) {
      return false;  // refused at this epoch already: nothing has changed since
    }
    long epoch = lender.lease(BLOCK);
    if (epoch == DefaultSharedLimiter.NOT_LENT) {
      lease.refusedAt = before;  // a change after that read moves the epoch on, so it is asked again
      return false;
    }
    if (epoch == DefaultSharedLimiter.NOT_LENT_WHILE_PAUSED) {
      return false;  // asked again at the next start: the pause ends without moving the epoch
    }
    lease.epoch = epoch;
    lease.left = BLOCK;
    return true;
  }

  /**
   * A task started on the leases goes on running (or failed): it keeps one permit of each lease as its
   * own, which its settling releases to the limiter.
   */
  Limiter.Permit[] keepPermits() {
    Limiter.Permit[] permits = new Limiter.Permit[leases.length];
    for (int i = 0; i < leases.length; i++) {
      leases[i].left--;
      permits[i] = leases[i].lender.leasedPermit();
    }
    kept++;
    for (TaskCounters counted : counters) {
      counted.startedAtOnce();
    }
    return permits;
  }

  /**
   * The pass ends: the unused permits go back, and the tasks that started on the leases and succeeded
   * on return (every item pulled meanwhile that kept no permit) are counted. Idempotent.
   */
  void end() {
    for (Lease lease : leases) {
      int unused = lease.left;
      if (unused > 0) {
        lease.left = 0;
        lease.lender.endLease(unused);
      }
    }
    if (active) {
      active = false;
      long instant = admission.pulled() - pulledAtStart - kept;
      if (instant > 0) {
        for (TaskCounters counted : counters) {
          counted.startedAndSucceeded(instant);
        }
      }
    }
  }
}
