package dev.meter.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps the leases of running tasks alive: every third of the lease time, one renew command per quota
 * with leases carries all of this JVM's lease ids at once (and the limiter's other periodic chore, a
 * keyed limiter forgetting idle keys, runs on the same tick). A lease the server no longer has is taken
 * again if a slot is free; otherwise the listener hears that it was lost.
 */
final class LeaseRenewal {
  private final RedisLink link;
  private final long leaseMicros;
  private final Supplier<AskArguments> arguments;
  private final ScheduledFuture<?> timer;
  // Guarded by this.
  private boolean closed;

  LeaseRenewal(RedisLink link, Duration leaseTime, Supplier<AskArguments> arguments, Runnable alsoEachTime) {
    this.link = link;
    this.leaseMicros = TimeUnit.NANOSECONDS.toMicros(leaseTime.toNanos());
    this.arguments = arguments;
    long every = leaseTime.toNanos() / 3;
    this.timer = link.scheduler.scheduleWithFixedDelay(() -> {
      synchronized (this) {
        if (closed) {
          return;
        }
        renewNow();
        alsoEachTime.run();
      }
    }, every, every, TimeUnit.NANOSECONDS);
  }

  /** One renewal of every quota with leases, as the timer runs it. */
  void renewNow() {
    for (Quota quota : link.leasingQuotas()) {
      renew(quota);
    }
  }

  private void renew(Quota quota) {
    List<String> ids = List.copyOf(quota.leases());
    List<String> args = new ArrayList<>();
    args.add(Long.toString(leaseMicros));
    args.add(Integer.toString(Math.max(arguments.get().slots(), 1)));
    args.addAll(ids);
    link.tidy("renew", quota.scripts().run(RedisScripts.RENEW, args.toArray(String[]::new)), reply -> {
      if (reply == null || reply.size() < 3) {
        return;
      }
      // A lease taken again that this JVM no longer holds was released after the renewal was sent,
      // and Redis ran the release first: release it again (this one runs after the renewal).
      for (int i = 3; i < reply.size(); i++) {
        quota.releasedMeanwhile(ids.get(reply.get(i).intValue()));
      }
      if (reply.get(2) > 0) {
        int lost = reply.get(2).intValue();
        link.tell(() -> link.listener.onLeasesLost(quota.name(), lost));
      }
    });
  }

  /** Stops renewing; a renewal under way has been sent when this returns. */
  void close() {
    synchronized (this) {
      closed = true;
    }
    timer.cancel(false);
  }
}
