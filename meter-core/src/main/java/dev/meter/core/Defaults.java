package dev.meter.core;

import java.lang.reflect.Method;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The executor and scheduler a run uses when its options name none; created on first use. */
final class Defaults {
  /** Platform threads in the fallback blocking pool: bounded, so a huge run cannot exhaust the OS. */
  static final int FALLBACK_POOL_THREADS = 256;

  private Defaults() {}

  static Executor blockingExecutor() {
    return BlockingHolder.EXECUTOR;
  }

  static ScheduledExecutorService scheduler() {
    return SchedulerHolder.SCHEDULER;
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
      EXECUTOR = virtual != null ? virtual : boundedDaemonPool();
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

    private static ExecutorService boundedDaemonPool() {
      ThreadPoolExecutor pool = new ThreadPoolExecutor(
          FALLBACK_POOL_THREADS, FALLBACK_POOL_THREADS, 30, TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(), daemonThreads("meter-blocking-"));
      pool.allowCoreThreadTimeOut(true);
      return pool;
    }
  }

  private static final class SchedulerHolder {
    static final ScheduledExecutorService SCHEDULER = create();

    private static ScheduledExecutorService create() {
      ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemonThreads("meter-timer-"));
      timer.setRemoveOnCancelPolicy(true);
      return timer;
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
