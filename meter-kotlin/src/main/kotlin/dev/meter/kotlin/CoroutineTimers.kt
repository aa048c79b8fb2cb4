package dev.meter.kotlin

import dev.meter.api.TimeSource
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch

/**
 * A [TimeSource] whose clock is [clock] and whose timers are coroutine delays in [scope]: under a test
 * dispatcher they wait in virtual time. Each timer is a child of the run's scope, so none outlives the
 * run. Delays have the coroutine clock's millisecond resolution and are rounded up, so a timer never
 * fires before its time on that clock.
 */
internal class CoroutineTimers(
  private val scope: CoroutineScope,
  private val clock: () -> Long,
) : TimeSource {
  override fun read(): Long = clock()

  override fun schedule(callback: Runnable, delayNanos: Long): TimeSource.Scheduled {
    val dueAt = read() + delayNanos
    val job = scope.launch {
      delay(millisUntil(dueAt))
      callback.run()
    }
    return TimeSource.Scheduled { job.cancelWithoutCause() }
  }

  private fun millisUntil(dueAt: Long): Long {
    val nanos = dueAt - read()
    return if (nanos <= 0) 0 else (nanos + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI
  }
}
