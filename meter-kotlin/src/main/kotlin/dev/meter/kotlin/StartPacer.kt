package dev.meter.kotlin

import dev.meter.api.RunOptions
import dev.meter.api.TimeSource
import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.delay

/**
 * Holds a run's rate envelope at the moments its task bodies really begin. The engine grants starts
 * within the envelope, but a Kotlin task then waits for its dispatcher, and two bodies granted an
 * interval apart can begin closer than that when the first waited longer: one start too many in a
 * window. So each body, when it begins, also passes this GCRA with the run's own rate and burst on the
 * run's clock. Grants are already spaced, so it waits only for that dispatch jitter: a few
 * microseconds, spun (a `delay` cannot wait less than a millisecond); a wait of a millisecond or more
 * (a saturated dispatcher) suspends instead.
 */
internal class StartPacer private constructor(
  private val time: TimeSource,
  private val interval: Long,
  private val tolerance: Long,
) {
  // The theoretical arrival time of the next start, GCRA's one number.
  private val nextAt = AtomicLong(time.read() - tolerance - interval)

  /** Returns when a body may begin within the envelope, booking its start. */
  suspend fun awaitStart() {
    while (true) {
      val now = time.read()
      val booked = nextAt.get()
      val wait = booked - tolerance - now
      if (wait <= 0) {
        if (nextAt.compareAndSet(booked, maxOf(booked, now) + interval)) return
      } else if (wait < NANOS_PER_MILLI) {
        Thread.onSpinWait()
      } else {
        delay((wait + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI)
      }
    }
  }

  internal companion object {
    /** The pacer of a run with [options], or null when it has no rate of its own. */
    fun of(options: RunOptions): StartPacer? {
      val rate = options.limits().rate() ?: return null
      val time = options.timeSource() ?: return null
      val interval = rate.intervalNanos()
      return StartPacer(time, interval, (options.limits().maxBurst() - 1) * interval)
    }
  }
}
