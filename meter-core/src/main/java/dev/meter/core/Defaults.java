package dev.meter.core;

import dev.meter.api.TimeSource;
import java.lang.reflect.Method;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a run uses when its options name nothing: the blocking executor, and the time source. Each is
 * created on first use.
 *
 * <p>The default time source is a {@link TimerPool}: one daemon thread that waits for the next timer
 * and runs its callback itself (one wake-up per firing), and a watchdog that adds a thread while a
 * callback overruns, so that a run whose listener or task keeps a timer thread delays no other run's
 * timers for more than about 10 ms.
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
    static final TimeSource TIME = TimeSource.of(new TimerPool("meter-timer-"));
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
