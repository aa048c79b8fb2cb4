package dev.meter.kotlin

import dev.meter.api.Limits
import dev.meter.api.RunOptions
import dev.meter.api.SharedLimiter
import dev.meter.api.TimeSource
import java.util.Collections
import java.util.WeakHashMap
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.resume
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.yield

/**
 * Holds a rate envelope at the moments task bodies really begin. The engine grants starts within the
 * envelope; a Kotlin body then waits for its dispatcher, and two bodies granted close together can
 * begin closer still when the first waited longer: at 100,000/s, four callers through one shared
 * limiter put 264 starts in a millisecond where the envelope allows 200.
 *
 * So each body, when it begins, also passes a plain GCRA [Gate] for each rate it starts under: the
 * run's own, and that of every [SharedLimiter] it goes through, one gate per limiter for all the runs
 * that share it (it follows the limiter's `setLimits`). A gate gives no credit for lateness. A body
 * that comes too early waits without holding its thread: under a millisecond by yielding to its
 * dispatcher, longer on a timer of the run's clock (a nanosecond JDK timer, or the test scheduler), and
 * then asks again, so a late wake-up never lets bodies through in a bunch. (Queueing the waiting bodies
 * behind one that waits for all was tried: it cost as much CPU and ran 40% slower at 100,000/s.)
 *
 * Keyed and custom limiters hold their envelope where the engine grants the start; the bodies they let
 * through begin after their dispatch.
 */
internal class StartPacer private constructor(private val time: TimeSource, private val gates: List<Gate>) {

  /** Returns when a body may begin within every gate's envelope, booking its start in each. */
  suspend fun awaitStart() {
    while (true) {
      val now = time.read()
      val wait = gates.maxOf { it.waitAt(now) }
      if (wait <= 0) {
        // Booked in order; one lost to a racing body leaves the earlier ones booked, which only slows
        // a later start (never lets one through early), and the loop asks again.
        if (gates.all { it.tryBook(now) }) return
      } else if (wait < SPIN_NANOS) {
        yield()
      } else {
        sleep(wait)
      }
    }
  }

  private suspend fun sleep(nanos: Long) = suspendCancellableCoroutine { waiting ->
    val timer = time.schedule({ waiting.resume(Unit) }, nanos)
    waiting.invokeOnCancellation { timer.cancel() }
  }

  /** One GCRA state: the theoretical arrival time of the next start, the full burst at first. */
  internal class Gate(private val limits: () -> Limits, start: Long) {
    private val tat = AtomicLong(start)
    @Volatile private var cached: Pair<Limits, LongArray>? = null

    /** How long a start at [now] must wait; zero or less if it may go. */
    fun waitAt(now: Long): Long {
      val tolerance = params()?.get(TOLERANCE) ?: return 0
      return tat.get() - tolerance - now
    }

    /** Books a start at [now] if it may still go. */
    fun tryBook(now: Long): Boolean {
      val params = params() ?: return true
      val current = tat.get()
      return current - params[TOLERANCE] - now <= 0 && tat.compareAndSet(current, maxOf(current, now) + params[INTERVAL])
    }

    /** The emission interval and burst tolerance of the limits in force, or null without a rate. */
    private fun params(): LongArray? {
      val now = limits()
      val known = cached
      if (known != null && known.first === now) return known.second
      val rate = now.rate() ?: return null
      val interval = rate.intervalNanos()
      return longArrayOf(interval, (now.maxBurst() - 1) * interval).also { cached = Pair(now, it) }
    }
  }

  internal companion object {
    private const val INTERVAL = 0
    private const val TOLERANCE = 1

    /** Below this a body yields to its dispatcher and asks again instead of setting a timer. */
    private const val SPIN_NANOS = 1_000_000L

    /** The gate of each shared limiter, shared by every Kotlin run through it; forgotten with the limiter. */
    private val sharedGates: MutableMap<SharedLimiter, Gate> = Collections.synchronizedMap(WeakHashMap())

    /** The pacer of a run with [options], or null when it starts under no rate a gate can hold. */
    fun of(options: RunOptions): StartPacer? {
      val time = options.timeSource() ?: return null
      val gates = buildList {
        if (options.limits().rate() != null) add(Gate({ options.limits() }, time.read()))
        for (limiter in options.limiters()) {
          // Every shared limiter, with a rate or not: one may be given a rate while the run goes on.
          if (limiter is SharedLimiter) {
            add(sharedGates.computeIfAbsent(limiter) { Gate(it::limits, time.read()) })
          }
        }
      }
      return if (gates.isEmpty()) null else StartPacer(time, gates)
    }
  }
}
