package dev.meter.redis;

import dev.meter.api.spi.Limiter;
import dev.meter.api.spi.Limiter.Decision;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One quota in Redis as this JVM uses it. A start asked for finds a grant ready or waits for a signal;
 * each waiting start makes one ask (one EVALSHA of the acquire script) and its reply, when it grants,
 * is put ready and wakes one waiter, whose retried start takes it. So a start costs one round trip,
 * and nothing is granted before a start asks for it.
 *
 * <p>Asks are paced by what the last reply said: as many in flight as the quota has room for now (a
 * burst), one when it had none, and none before the moment the reply gave (the rate's next start, the
 * end of a pause, a slot's expiry or the poll interval): the quota's one timer asks again then. A
 * refused JVM thus asks about once per refusal, not once per waiting start. A grant no start claims
 * within {@link #CLAIM_NANOS} is given back (refunded).
 *
 * <p>The lock is held for bookkeeping only; replies, wake-ups and sends happen outside it.
 */
final class Quota {
  /** How long a grant waits for a start to claim it before it is given back. */
  static final long CLAIM_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final String name;
  private final QuotaCommands scripts;
  private final RedisLink link;
  private final Supplier<AskArguments> arguments;
  private final RedisCounters counters;
  /** Leases of started tasks, renewed until they settle. */
  private final Set<String> leases = ConcurrentHashMap.newKeySet();

  private final Object lock = new Object();
  // Guarded by lock.
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private final ArrayDeque<RedisGrant> ready = new ArrayDeque<>();
  /** Asks sent and neither answered nor timed out. */
  private int asking;
  /** Asks that timed out and whose reply may still come (then a grant is put ready, or given back). */
  private int late;
  /** How many asks to have in flight at once, as the last reply said (its room; at least 1). */
  private int room = 1;
  /** No ask before {@link #notBefore} (a System.nanoTime reading) while holding. */
  private boolean holding;
  private long notBefore;
  /** The hold is a slot's: a release in this JVM ends it. */
  private boolean slotBound;
  /**
   * Slots this JVM has given back whose release Redis has answered. Counted on the answer, not when
   * sent: commands sent from different threads may reach Redis in either order, so only a release
   * answered after an ask was sent can have been missed by it, and one answered after the ask's
   * refusal ends the hold.
   */
  private volatile long releasesSent;
  private @Nullable ScheduledFuture<?> timer;
  private long timerAt;
  private @Nullable ScheduledFuture<?> sweep;

  Quota(String name, QuotaCommands scripts, RedisLink link, Supplier<AskArguments> arguments, RedisCounters counters) {
    this.name = name;
    this.scripts = scripts;
    this.link = link;
    this.arguments = arguments;
    this.counters = counters;
  }

  String name() {
    return name;
  }

  QuotaCommands scripts() {
    return scripts;
  }

  // ---- the limiter SPI, for this quota ----

  /**
   * A grant ready for this start (one reserved for its item, or one reserved for nobody), or wait for a
   * signal (the ask is made when the wait registers).
   */
  Decision tryAcquire(@Nullable Object item, long waitedNanos) {
    Object claimant = item == null ? RedisGrant.NULL_ITEM : item;
    RedisGrant grant = null;
    synchronized (lock) {
      // Its own grant first (else it would be left to the sweep), or else the first reserved for nobody.
      for (RedisGrant candidate : ready) {
        if (candidate.reservedFor == claimant) {
          grant = candidate;
          break;
        }
        if (grant == null && candidate.reservedFor == RedisGrant.ANYONE) {
          grant = candidate;
        }
      }
      if (grant != null) {
        ready.remove(grant);
      }
    }
    if (grant == null) {
      return Decision.awaitSignal();
    }
    if (grant.leaseId != null) {
      leases.add(grant.leaseId);
      link.leasing(this);
    }
    counters.started(waitedNanos);
    return grant;
  }

  Limiter.Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
    Waiter waiter = new Waiter(item == null ? RedisGrant.NULL_ITEM : item, wakeUp);
    int asks;
    synchronized (lock) {
      if (claimable(waiter.item)) {
        asks = -1;
      } else {
        waiters.addLast(waiter);
        counters.waiting(1);
        asks = asksToSend(System.nanoTime());
      }
    }
    if (asks < 0) {
      waiter.fire();
    } else {
      send(asks);
    }
    return waiter;
  }

  /** The start {@code grant} allowed did not happen: give it back to Redis. */
  void refund(RedisGrant grant) {
    counters.refunded();
    giveBack(grant);
  }

  /** The task {@code grant} allowed has settled: its lease goes back. */
  void release(RedisGrant grant, @Nullable Throwable failure) {
    counters.ended(failure);
    if (grant.leaseId == null) {
      return;
    }
    leases.remove(grant.leaseId);
    link.tidy("release", scripts.runForNumber(RedisScripts.RELEASE, grant.leaseId), done -> slotFreed());
  }

  /**
   * A renewal took lease {@code leaseId} again: if this JVM no longer holds it, its release reached
   * Redis before the renewal, and it goes back once more.
   */
  void releasedMeanwhile(String leaseId) {
    if (!leases.contains(leaseId)) {
      link.tidy("release", scripts.runForNumber(RedisScripts.RELEASE, leaseId), done -> slotFreed());
    }
  }

  // ---- what the limiter tells every quota ----

  /** The limits changed or Redis answers again: whatever held the asks back is void. */
  void retime() {
    int asks;
    synchronized (lock) {
      holding = false;
      slotBound = false;
      room = 1;
      asks = asksToSend(System.nanoTime());
    }
    send(asks);
  }

  /** Wakes every waiter (the limiter fell back to local limits or came back from them). */
  void wakeAll() {
    List<Waiter> woken;
    synchronized (lock) {
      woken = new ArrayList<>(waiters);
      waiters.clear();
      counters.waiting(-woken.size());
    }
    for (Waiter waiter : woken) {
      link.scheduler.execute(waiter::fire);
    }
  }

  /** How many grants wait to be claimed (for the model-checking test's books). */
  int readyCount() {
    synchronized (lock) {
      return ready.size();
    }
  }

  /** The ids of the leases to renew. */
  Set<String> leases() {
    return leases;
  }

  /** Nothing waiting, ready, asked for or running here: a keyed limiter may forget it. */
  boolean idle() {
    synchronized (lock) {
      return waiters.isEmpty() && ready.isEmpty() && asking == 0 && late == 0 && leases.isEmpty();
    }
  }

  /** Pauses the quota for every JVM for {@code micros}; this JVM holds its asks back meanwhile. */
  void pause(long micros) {
    synchronized (lock) {
      hold(System.nanoTime(), TimeUnit.MICROSECONDS.toNanos(micros), false);
    }
    link.tidy("pause", scripts.runForNumber(RedisScripts.PAUSE, Long.toString(micros)), done -> {});
  }

  // Guarded by lock.
  private boolean claimable(Object claimant) {
    for (RedisGrant grant : ready) {
      if (grant.reservedFor == claimant || grant.reservedFor == RedisGrant.ANYONE) {
        return true;
      }
    }
    return false;
  }

  // ---- asking ----

  /** How many asks to send now for the waiters not covered by one in flight; counts them as sent. */
  // Guarded by lock.
  private int asksToSend(long now) {
    int uncovered = waiters.size() - asking;
    if (uncovered <= 0) {
      return 0;
    }
    if (holding) {
      if (now - notBefore < 0) {
        armTimer(now);
        return 0;
      }
      holding = false;
      slotBound = false;
    }
    int asks;
    if (!link.available()) {
      // Fail closed: one ask at a time finds out when Redis is back. Fail open: the waiters start
      // under the local limits, and the link pings.
      asks = link.failOpen || asking + late > 0 ? 0 : 1;
    } else {
      asks = Math.min(uncovered, Math.max(1, room) - asking);
    }
    asks = Math.max(0, asks);
    asking += asks;
    return asks;
  }

  private void send(int asks) {
    for (int i = 0; i < asks; i++) {
      AskArguments limits = arguments.get();
      String leaseId = limits.leased() ? link.nextLeaseId() : null;
      long releasesBefore = releasesSent;
      link.call(scripts.run(RedisScripts.ACQUIRE, limits.acquire(leaseId == null ? "" : leaseId)),
          (reply, failure) -> answered(leaseId, releasesBefore, reply, failure, false),
          (reply, failure) -> answered(leaseId, releasesBefore, reply, failure, true));
    }
  }

  /**
   * An ask's reply. {@code releasesBefore} is how many releases Redis had answered when it was sent: a
   * slot refusal may be stale if one was answered since (Redis may have run it after the ask), and the
   * quota asks again at once instead of holding for the poll interval.
   */
  private void answered(@Nullable String leaseId, long releasesBefore, @Nullable List<Long> reply,
      @Nullable Throwable failure, boolean wasLate) {
    if (failure != null || reply == null || reply.isEmpty()) {
      failed(failure != null ? failure : new IllegalStateException("empty reply from the acquire script"), wasLate);
      return;
    }
    link.answered();
    long now = System.nanoTime();
    Waiter wake = null;
    int asks;
    synchronized (lock) {
      if (wasLate) {
        late--;
      } else {
        asking--;
      }
      if (reply.get(0) == 1) {
        RedisGrant grant = new RedisGrant(this, leaseId, reply.get(1), reply.get(2), reply.get(3), now);
        ready.addLast(grant);
        armSweep();
        room = reply.get(4).intValue();
        if (room > 0) {
          holding = false;
          slotBound = false;
        } else if (reply.get(5) >= 0) {
          hold(now, TimeUnit.MICROSECONDS.toNanos(reply.get(5)), false);
        } else {
          holdForSlot(now, link.slotPollNanos, releasesBefore);
        }
        wake = waiters.pollFirst();
        if (wake != null) {
          counters.waiting(-1);
          grant.reservedFor = wake.item;
        }
      } else {
        room = 1;
        long wait = reply.get(1);
        if (wait >= 0) {
          hold(now, TimeUnit.MICROSECONDS.toNanos(wait), false);
        } else {
          long expiry = reply.size() > 2 ? reply.get(2) : -1;
          long poll = expiry < 0 ? link.slotPollNanos : Math.min(link.slotPollNanos, TimeUnit.MICROSECONDS.toNanos(expiry));
          holdForSlot(now, poll, releasesBefore);
        }
      }
      asks = asksToSend(now);
    }
    if (wake != null) {
      link.scheduler.execute(wake::fire);  // never run a start on the Redis client's I/O thread
    }
    send(asks);
  }

  private void failed(Throwable failure, boolean wasLate) {
    if (wasLate) {
      int asks;
      synchronized (lock) {
        late--;
        asks = asksToSend(System.nanoTime());
      }
      send(asks);
      return;
    }
    // Count the ask as late first, so a fail-closed quota sends no new one while this may still arrive.
    int asks;
    synchronized (lock) {
      asking--;
      if (failure instanceof java.util.concurrent.TimeoutException) {
        late++;
      }
      hold(System.nanoTime(), link.retryIntervalNanos, false);
      asks = asksToSend(System.nanoTime());
    }
    link.failed(failure);
    send(asks);
  }

  // Guarded by lock.
  private void hold(long now, long nanos, boolean forSlot) {
    long until = now + Math.max(0, nanos);
    if (!holding || until - notBefore > 0) {
      notBefore = until;
    }
    holding = true;
    slotBound = forSlot;
  }

  // Guarded by lock.
  private void holdForSlot(long now, long nanos, long releasesBefore) {
    if (releasesSent == releasesBefore) {
      hold(now, nanos, true);
    }
  }

  private void slotFreed() {
    int asks;
    synchronized (lock) {
      releasesSent++;
      if (!slotBound) {
        return;
      }
      holding = false;
      slotBound = false;
      asks = asksToSend(System.nanoTime());
    }
    send(asks);
  }

  // Guarded by lock: one timer, at the end of the hold.
  private void armTimer(long now) {
    if (timer != null && timerAt - notBefore <= 0) {
      return;
    }
    if (timer != null) {
      timer.cancel(false);
    }
    timerAt = notBefore;
    timer = link.scheduler.schedule(this::timerFired, notBefore - now, TimeUnit.NANOSECONDS);
  }

  private void timerFired() {
    int asks;
    synchronized (lock) {
      timer = null;
      asks = asksToSend(System.nanoTime());
    }
    send(asks);
  }

  // Guarded by lock: one sweep while grants wait to be claimed.
  private void armSweep() {
    if (sweep == null) {
      sweep = link.scheduler.schedule(this::sweepUnclaimed, CLAIM_NANOS, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Gives back grants no start claimed in time (a woken waiter's run was cancelled, or another of its
   * limits refused it), and wakes a waiter for each fresh one reserved for nobody.
   */
  private void sweepUnclaimed() {
    List<RedisGrant> stale = new ArrayList<>();
    List<Waiter> wake = new ArrayList<>();
    int asks;
    synchronized (lock) {
      sweep = null;
      long now = System.nanoTime();
      while (!ready.isEmpty() && now - ready.peekFirst().arrivedAtNanos >= CLAIM_NANOS) {
        stale.add(ready.pollFirst());
      }
      // A grant reserved for nobody (it came when nobody waited) is offered to a waiter that came since.
      for (RedisGrant grant : ready) {
        if (grant.reservedFor != RedisGrant.ANYONE) {
          continue;
        }
        Waiter next = waiters.pollFirst();
        if (next == null) {
          break;
        }
        counters.waiting(-1);
        grant.reservedFor = next.item;
        wake.add(next);
      }
      if (!ready.isEmpty()) {
        armSweep();
      }
      asks = asksToSend(now);
    }
    for (RedisGrant grant : stale) {
      giveBack(grant);
    }
    for (Waiter waiter : wake) {
      waiter.fire();
    }
    send(asks);
  }

  private void giveBack(RedisGrant grant) {
    if (grant.leaseId != null) {
      leases.remove(grant.leaseId);
    }
    boolean leased = grant.leaseId != null;
    link.tidy("refund", scripts.runForNumber(RedisScripts.REFUND, grant.refundArguments()), done -> {
      if (leased) {
        slotFreed();
      }
    });
  }

  private final class Waiter extends AtomicBoolean implements Limiter.Registration {
    private static final long serialVersionUID = 1L;
    private final transient Object item;
    private final transient Runnable wakeUp;

    Waiter(Object item, Runnable wakeUp) {
      this.item = item;
      this.wakeUp = wakeUp;
    }

    void fire() {
      if (compareAndSet(false, true)) {
        wakeUp.run();
      }
    }

    @Override
    public void cancel() {
      if (compareAndSet(false, true)) {
        synchronized (lock) {
          if (waiters.remove(this)) {
            counters.waiting(-1);
          }
        }
      }
    }
  }
}
