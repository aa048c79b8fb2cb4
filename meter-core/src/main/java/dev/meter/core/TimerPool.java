package dev.meter.core;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * meter's default timers: one thread that waits for the next timer and runs its callback itself, and a
 * watchdog that adds a thread only while a callback overruns.
 *
 * <p>Why one thread: a timer that falls due then costs one wake-up. A pool of several threads that take
 * turns waiting (the JDK's leader and followers) wakes a second thread at each firing to take over the
 * wait, which doubled the context switches of a rate with no burst, where every start is a firing.
 *
 * <p>Why the watchdog: a callback may keep its thread (a listener that blocks, a drain pass that starts
 * tasks for its whole 100 ms), and other runs' timers must still fire. The watchdog sleeps until the
 * earliest moment a callback could have overrun ({@link #OVERRUN_NANOS} after the head timer falls due,
 * or after the callback running now began) and, if one has, lets the pool start one more thread, given
 * back when that callback ends. So it wakes about once per {@code OVERRUN_NANOS} while timers fire, and
 * never while none is set.
 */
final class TimerPool extends ScheduledThreadPoolExecutor {
  /** How long a callback may keep the timer thread before another thread takes over the timers. */
  static final long OVERRUN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  /** Threads at most: this many callbacks overrunning at once hold the rest until one ends. */
  static final int MAX_THREADS = 64;

  private final CopyOnWriteArrayList<TimerThread> threads = new CopyOnWriteArrayList<>();
  private final Thread watchdog;
  /** When the watchdog will look next, by {@link System#nanoTime()}; {@code Long.MAX_VALUE} if never. */
  private volatile long watchdogWakesAt = Long.MAX_VALUE;
  private volatile boolean watchdogIdle;

  TimerPool(String prefix) {
    super(1);
    AtomicInteger count = new AtomicInteger();
    setThreadFactory(runnable -> {
      TimerThread thread = new TimerThread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    setRemoveOnCancelPolicy(true);
    setKeepAliveTime(30, TimeUnit.SECONDS);
    allowCoreThreadTimeOut(true);
    watchdog = new Thread(this::watch, prefix + "watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    ScheduledFuture<?> timer = super.schedule(command, delay, unit);
    long due = System.nanoTime() + Math.max(0, unit.toNanos(delay));
    // Wake the watchdog only if this timer could overrun before it looks anyway.
    if (watchdogIdle || due + OVERRUN_NANOS - watchdogWakesAt < 0) {
      LockSupport.unpark(watchdog);
    }
    return timer;
  }

  @Override
  protected void beforeExecute(Thread thread, Runnable callback) {
    if (thread instanceof TimerThread timer) {
      timer.callbackSince = System.nanoTime() | 1;  // never 0 while a callback runs
    }
  }

  @Override
  protected void afterExecute(Runnable callback, Throwable thrown) {
    if (Thread.currentThread() instanceof TimerThread timer) {
      timer.callbackSince = 0;
      if (timer.relieved) {
        timer.relieved = false;
        resize(-1);
      }
    }
  }

  /** @return whether the pool's size changed (not beyond 1 .. {@link #MAX_THREADS}) */
  private synchronized boolean resize(int by) {
    int size = getCorePoolSize() + by;
    if (size < 1 || size > MAX_THREADS) {
      return false;
    }
    setCorePoolSize(size);  // a larger size starts a thread for the timers that wait
    return true;
  }

  private void watch() {
    while (!isShutdown()) {
      long now = System.nanoTime();
      long lookIn = Long.MAX_VALUE;
      for (TimerThread thread : threads) {
        long since = thread.callbackSince;
        if (since == 0 || thread.relieved) {
          continue;
        }
        long ran = now - since;
        if (ran >= OVERRUN_NANOS) {
          thread.relieved = resize(1);
        } else {
          lookIn = Math.min(lookIn, OVERRUN_NANOS - ran);
        }
      }
      BlockingQueue<Runnable> queue = getQueue();
      if (queue.peek() instanceof Delayed head) {
        lookIn = Math.min(lookIn, Math.max(0, head.getDelay(TimeUnit.NANOSECONDS)) + OVERRUN_NANOS);
      }
      if (lookIn == Long.MAX_VALUE) {
        watchdogWakesAt = Long.MAX_VALUE;
        watchdogIdle = true;
        if (queue.isEmpty()) {  // looked again after saying so: a timer set meanwhile unparks this thread
          LockSupport.park(this);
        }
        watchdogIdle = false;
      } else {
        watchdogWakesAt = now + lookIn;
        LockSupport.parkNanos(this, lookIn);
      }
    }
  }

  /** A timer thread, with what the watchdog needs to know of it. */
  private final class TimerThread extends Thread {
    /** When the callback it runs began ({@code | 1}), 0 if none runs. */
    volatile long callbackSince;
    /** Whether another thread was added because its callback overran. */
    volatile boolean relieved;

    TimerThread(Runnable work, String name) {
      super(work, name);
    }

    @Override
    public void run() {
      threads.add(this);
      try {
        super.run();
      } finally {
        threads.remove(this);
      }
    }
  }
}
