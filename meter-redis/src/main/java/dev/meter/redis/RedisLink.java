package dev.meter.redis;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * What the quotas of one limiter share about Redis: whether it answers, the time-out every command
 * gets, the timer, the listener, and the ids of leases. While Redis does not answer a fail-open limiter
 * pings it every retry interval (its quotas send nothing then); a fail-closed one learns it is back
 * from the next ask that gets through (its quotas send one at a time).
 */
final class RedisLink {
  private static final System.Logger LOG = System.getLogger("dev.meter.redis");

  /** What a limiter does when Redis stops or starts answering. */
  interface Owner {
    /** Redis stopped answering and the limiter falls back to local limits: wake every waiter. */
    void fellBack();

    /** Redis answers again: wake every waiter, to ask the quota again. */
    void recovered();
  }

  final QuotaCommands pinger;
  final ScheduledExecutorService scheduler;
  final RedisListener listener;
  final String name;
  final boolean failOpen;
  final long commandTimeoutNanos;
  final long retryIntervalNanos;
  final long slotPollNanos;
  private final String leasePrefix = UUID.randomUUID() + ":";
  private final AtomicLong leases = new AtomicLong();
  private @Nullable Owner owner;
  /** The quotas that have (or recently had) leases to renew, kept apart from any map of keys. */
  private final java.util.Set<Quota> leasing = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final Object lock = new Object();
  // Guarded by lock.
  private boolean available = true;
  private long unavailableSince;
  private boolean pinging;
  private @Nullable ScheduledFuture<?> pingTimer;
  private boolean closed;
  /** Commands sent whose reply or failure has not been handled yet. */
  private int inFlight;

  RedisLink(QuotaCommands pinger, RedisLimiterConfig config, ScheduledExecutorService scheduler) {
    this.pinger = pinger;
    this.scheduler = scheduler;
    this.listener = config.listener();
    this.name = config.name();
    this.failOpen = config.fallback() != null;
    this.commandTimeoutNanos = config.commandTimeout().toNanos();
    this.retryIntervalNanos = config.retryInterval().toNanos();
    this.slotPollNanos = config.slotPollInterval().toNanos();
  }

  void owner(Owner owner) {
    this.owner = owner;
  }

  boolean available() {
    synchronized (lock) {
      return available;
    }
  }

  /** {@code quota} holds a lease now: renew it until it holds none. */
  void leasing(Quota quota) {
    leasing.add(quota);
  }

  /** The quotas with leases to renew; one found with none is dropped (and comes back with its next lease). */
  java.util.List<Quota> leasingQuotas() {
    java.util.List<Quota> quotas = new java.util.ArrayList<>();
    for (Quota quota : leasing) {
      if (quota.leases().isEmpty()) {
        leasing.remove(quota);
        if (quota.leases().isEmpty()) {
          continue;
        }
        leasing.add(quota);
      }
      quotas.add(quota);
    }
    return quotas;
  }

  String nextLeaseId() {
    return leasePrefix + leases.incrementAndGet();
  }

  /**
   * Sends a command with the time-out: {@code onTime} gets its reply or failure (a
   * {@link TimeoutException} if it took too long); a reply that comes after the time-out goes to
   * {@code late} instead (its effect on Redis happened and may need undoing). The command counts as in
   * flight (see {@link #awaitQuiet}) until its reply or failure has been handled, so that whatever
   * the handler sends in turn is counted before it is not.
   */
  <V> void call(CompletionStage<V> command, BiConsumer<@Nullable V, @Nullable Throwable> onTime,
      BiConsumer<@Nullable V, @Nullable Throwable> late) {
    synchronized (lock) {
      inFlight++;
    }
    AtomicBoolean settled = new AtomicBoolean();
    ScheduledFuture<?> timeout = scheduler.schedule(() -> {
      if (settled.compareAndSet(false, true)) {
        onTime.accept(null, new TimeoutException("redis did not answer within " + Duration.ofNanos(commandTimeoutNanos)));
      }
    }, commandTimeoutNanos, TimeUnit.NANOSECONDS);
    command.whenComplete((value, failure) -> {
      try {
        if (settled.compareAndSet(false, true)) {
          timeout.cancel(false);
          onTime.accept(value, failure);
        } else {
          late.accept(value, failure);
        }
      } finally {
        synchronized (lock) {
          inFlight--;
          lock.notifyAll();
        }
      }
    });
  }

  /**
   * Sends a command that gives back or keeps what a start took ({@code what}: "release", "refund",
   * "renew", "pause"); {@code afterwards} gets its reply, or null if it failed or timed out. A failure
   * is told to the listener: the lease or booking expires by itself.
   */
  <V> void tidy(String what, CompletionStage<V> command, Consumer<@Nullable V> afterwards) {
    call(command, (done, failed) -> {
      if (failed != null) {
        tidyingFailed(what, failed);
      }
      afterwards.accept(failed == null ? done : null);
    }, (done, failed) -> {});
  }

  /**
   * Waits until every command sent so far has been answered (and what their answers sent in turn), or
   * at most the command time-out: a JVM that closes its limiter before it exits leaves no lease it gave
   * back behind.
   */
  void awaitQuiet() {
    long deadline = System.nanoTime() + commandTimeoutNanos;
    synchronized (lock) {
      boolean interrupted = false;
      long left;
      while (inFlight > 0 && (left = deadline - System.nanoTime()) > 0) {
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        } catch (InterruptedException stop) {
          interrupted = true;
          break;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A command that only tidies up failed; the lease or booking it was for expires by itself. */
  void tidyingFailed(String what, Throwable cause) {
    tell(() -> listener.onCommandFailed(name, what, cause));
  }

  void tell(Runnable event) {
    try {
      event.run();
    } catch (RuntimeException | Error thrown) {
      LOG.log(Level.WARNING, "a RedisListener of quota " + name + " threw", thrown);
    }
  }

  /** A command got through: Redis answers. */
  void answered() {
    Duration down;
    synchronized (lock) {
      if (available) {
        return;
      }
      available = true;
      down = Duration.ofNanos(System.nanoTime() - unavailableSince);
      if (pingTimer != null) {
        pingTimer.cancel(false);
        pingTimer = null;
      }
    }
    tell(() -> listener.onAvailable(name, down));
    Owner current = owner;
    if (current != null) {
      current.recovered();
    }
  }

  /** A command that needed an answer failed or timed out: Redis counts as unavailable. */
  void failed(Throwable cause) {
    synchronized (lock) {
      if (!available || closed) {
        return;
      }
      available = false;
      unavailableSince = System.nanoTime();
      if (failOpen) {
        schedulePing();
      }
    }
    tell(() -> listener.onUnavailable(name, cause, failOpen));
    LOG.log(Level.WARNING, () -> "redis quota " + name + " unavailable, "
        + (failOpen ? "starting under local limits" : "starting nothing") + " until it answers: " + cause);
    Owner current = owner;
    if (failOpen && current != null) {
      current.fellBack();
    }
  }

  void close() {
    synchronized (lock) {
      closed = true;
      if (pingTimer != null) {
        pingTimer.cancel(false);
      }
    }
  }

  // Guarded by lock.
  private void schedulePing() {
    if (!pinging && !closed) {
      pingTimer = scheduler.schedule(this::ping, retryIntervalNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void ping() {
    synchronized (lock) {
      if (available || pinging || closed) {
        return;
      }
      pinging = true;
    }
    call(pinger.ping(), (pong, failure) -> pinged(failure == null), (pong, failure) -> {});
  }

  private void pinged(boolean answered) {
    synchronized (lock) {
      pinging = false;
      if (!answered) {
        schedulePing();
        return;
      }
    }
    answered();
  }
}
