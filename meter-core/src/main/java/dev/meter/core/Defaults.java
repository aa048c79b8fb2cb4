package dev.meter.core;

import dev.meter.api.TimeSource;
import java.lang.reflect.Method;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a run uses when its options name nothing: the blocking executor, and the time source. Each is
 * created on first use.
 *
 * <p>The default time source is a scheduled pool of a few daemon threads that run the timers' callbacks
 * themselves. One thread at a time waits for the next timer (the pool's leader); the others wait to
 * take over. So a run whose listener or task keeps a thread for a second delays no other run's
 * timers while a thread is left, and a timer that falls due wakes one thread, not two: handing each
 * callback from one timer thread to another pool cost a second wake-up per timer, which at 10,000
 * starts a second was later than the rate's own interval.
 */
final class Defaults {
  /** Platform threads in the fallback blocking pool: bounded, so a huge run cannot exhaust the OS. */
  static final int FALLBACK_POOL_THREADS = 256;

  private Defaults() {}

  static Executor blockingExecutor() {
    return BlockingHolder.EXECUTOR;
  }

  static TimeSource timeSource() {
    return TimeHolder.TIME;
  }

  /** Whether blocking tasks get virtual threads by default (JDK 21 and later). */
  static boolean usesVirtualThreads() {
    return BlockingHolder.VIRTUAL;
  }

  private static final class BlockingHolder {
    static final boolean VIRTUAL;
    static final Executor EXECUTOR;

    static {
      ExecutorService virtual = virtualThreadExecutor();
      VIRTUAL = virtual != null;
      EXECUTOR = virtual != null ? virtual : new OnDemandPool(FALLBACK_POOL_THREADS, 30, daemonThreads("meter-blocking-"));
    }

    // Looked up reflectively: the library is compiled for Java 17, where the method does not exist.
    private static ExecutorService virtualThreadExecutor() {
      try {
        Method factory = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
        return (ExecutorService) factory.invoke(null);
      } catch (ReflectiveOperationException | RuntimeException notAvailable) {
        return null;
      }
    }
  }

  private static final class TimeHolder {
    static final TimeSource TIME = TimeSource.of(timers());

    /**
     * Enough threads that a few runs busy in slow callbacks leave room for the others; made as timers
     * are set, and ended after 30 s idle.
     */
    private static ScheduledExecutorService timers() {
      int threads = Math.max(4, Runtime.getRuntime().availableProcessors());
      ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(threads, daemonThreads("meter-timer-"));
      timers.setRemoveOnCancelPolicy(true);
      timers.setKeepAliveTime(30, TimeUnit.SECONDS);
      timers.allowCoreThreadTimeOut(true);
      return timers;
    }
  }

  static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
