package dev.meter.kotlin

import dev.meter.api.TimeSource
import java.util.concurrent.ScheduledExecutorService
import java.util.concurrent.ScheduledThreadPoolExecutor
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch

/**
 * A run's time in real time: the system clock, and timers that wait on one shared JDK timer thread,
 * with its nanosecond precision, and then run their callback as a coroutine of the run's scope, on the
 * caller's dispatcher. So the run's drain loop, when a rate lets the next task start, runs on the
 * caller's dispatcher; a timer of a run whose scope has ended does nothing, and the timer thread itself
 * runs no run's code.
 */
internal class DispatchingTimers(private val scope: CoroutineScope) : TimeSource {
  override fun read(): Long = System.nanoTime()

  override fun schedule(callback: Runnable, delayNanos: Long): TimeSource.Scheduled {
    if (delayNanos <= 0) {
      val job = scope.launch { callback.run() }
      return TimeSource.Scheduled { job.cancelWithoutCause() }
    }
    val timer = shared.schedule({ scope.launch { callback.run() } }, delayNanos, TimeUnit.NANOSECONDS)
    return TimeSource.Scheduled { timer.cancel(false) }
  }

  /** Runs [callback] on the timer thread itself, for a callback that only resumes a coroutine. */
  fun scheduleOnTimerThread(callback: Runnable, delayNanos: Long): TimeSource.Scheduled {
    val timer = shared.schedule(callback, delayNanos, TimeUnit.NANOSECONDS)
    return TimeSource.Scheduled { timer.cancel(false) }
  }

  private companion object {
    val shared: ScheduledExecutorService by lazy {
      ScheduledThreadPoolExecutor(1) { runnable ->
        Thread(runnable, "meter-kotlin-timer").apply { isDaemon = true }
      }.apply { removeOnCancelPolicy = true }
    }
  }
}
