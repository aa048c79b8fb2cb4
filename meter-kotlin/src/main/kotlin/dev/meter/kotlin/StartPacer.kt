package dev.meter.kotlin

import dev.meter.api.RunOptions
import dev.meter.api.TimeSource
import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.delay
import kotlinx.coroutines.yield

/**
 * Holds a run's rate envelope at the moments its task bodies really begin. The engine grants starts
 * within the envelope; a Kotlin body then waits for its dispatcher, and two bodies granted close
 * together can begin closer still when the first waited longer: one start too many in a window (at
 * 10,000/s: 12 in a millisecond where the envelope allows 11).
 *
 * So each body, when it begins, also passes a plain GCRA: the run's rate and burst on the run's clock,
 * with no credit for lateness. A body that comes too early waits without holding its thread: under a
 * millisecond it yields to the dispatcher and asks again, longer it is delayed and asks again, so no
 * late wake-up ever lets bodies through in a bunch. The cost is CPU at fast rates (yielding is a busy
 * wait through the dispatcher's queue), the price of an envelope that holds at the bodies themselves.
 */
internal class StartPacer private constructor(
  private val time: TimeSource,
  private val interval: Long,
  private val tolerance: Long,
) {
  /** GCRA's theoretical arrival time; the full burst at the run's start. */
  private val tat = AtomicLong(time.read())

  /** Returns when a body may begin within the envelope, booking its start. */
  suspend fun awaitStart() {
    while (true) {
      val now = time.read()
      val current = tat.get()
      val wait = current - tolerance - now
      if (wait <= 0) {
        if (tat.compareAndSet(current, (if (current - now >= 0) current else now) + interval)) return
      } else if (wait < NANOS_PER_MILLI) {
        yield()
      } else {
        delay(wait / NANOS_PER_MILLI)
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
