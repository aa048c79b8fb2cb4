package dev.meter.kotlin

import dev.meter.api.Limits
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong

/**
 * One rate a body must begin within: GCRA state (the theoretical arrival time of the next start, the
 * full burst at first), booked by each body as it begins, and the count of bodies waiting for it. A
 * gate gives no credit for idle time beyond the burst.
 *
 * Bodies that come too early wait on timers, in batches as meter-core's rate does: for a rate faster
 * than one start a millisecond, the waiters wake a group at a time, each group as many starts as come
 * due in a millisecond, up to half the burst, so that a wake-up begins many bodies. A fast rate whose
 * bursts are too small for groups (bursts of 1 or 2) waits by yielding to the dispatcher instead, one
 * body at a time holding the [baton], because a timer's lateness would cost it the rate. Every window
 * of `w` holds at most `burst + ceil(w / interval)` begun bodies.
 */
internal class StartGate(private val limits: () -> Limits, start: Long) {
  private val tat = AtomicLong(start)
  private val waiting = AtomicInteger()
  /** Starts the engine has granted whose bodies have neither booked here nor ended: see [StartGrants]. */
  private val granted = AtomicInteger()
  /** The first moment no run has taken as its turn to grant: see [takeGrantTurn]. */
  private val nextGrantTurn = AtomicLong(start)
  /** Held by the one body that yields for this gate when it [spins]. */
  val baton = SpinBaton()
  @Volatile private var cached: Pair<Limits, Params>? = null

  /** Whether a start at [now] conforms. */
  fun admits(now: Long): Boolean = waitAt(now) <= 0

  /** Whether two starts at [now] would conform, one after the other. */
  fun hasRoomForTwo(now: Long): Boolean {
    val params = params() ?: return true
    return waitAt(now) <= -params.interval
  }

  /**
   * Books a start at [now] if it conforms. One that has waited since [waitingSince] is booked at the
   * time it came due, but never more than [Params.lateCredit] before [now].
   */
  fun tryBook(now: Long, waitingSince: Long): Boolean {
    val params = params() ?: return true
    while (true) {
      val current = tat.get()
      val allowedAt = current - params.tolerance
      if (now - allowedAt < 0) return false
      val booked = later(allowedAt, later(waitingSince, now - params.lateCredit))
      if (tat.compareAndSet(current, later(current, booked) + params.interval)) return true
    }
  }

  /**
   * Puts a body at the end of the line of bodies waiting for this gate, and returns when it may look
   * again: when its turn comes, rounded up, for a fast rate with bursts, to a grid of group spans so
   * that the bodies of one group wake together. Call [leave] when it has waited.
   */
  fun enter(now: Long): Long {
    val ahead = waiting.getAndIncrement()
    val params = params() ?: return now
    return params.groupDue(tat.get() - params.tolerance + ahead * params.interval)
  }

  /**
   * Whether bodies should wait for this gate by yielding to their dispatcher and asking again, not on
   * timers: for a rate whose bursts are too small to make up a timer's lateness (tens of microseconds)
   * and which starts a body at least every [SPIN_NANOS], each body's own slot comes soon and waking for it
   * late would cost the rate.
   */
  fun spins(): Boolean = params()?.spins ?: false

  /** How long a start at [now] must wait; zero or less if it may go. */
  fun waitAt(now: Long): Long {
    val params = params() ?: return 0
    return tat.get() - params.tolerance - now
  }

  /** The engine has granted a start whose body will book here (see [StartGrants]). */
  fun granting() {
    granted.incrementAndGet()
  }

  /** A granted body has booked here, or ended without beginning. */
  fun grantDone() {
    granted.decrementAndGet()
  }

  /** Starts granted whose bodies have neither booked here nor ended: for tests. */
  fun pendingGrants(): Int = granted.get()

  /**
   * When the engine may grant another start, as if every body granted already had booked here: at or
   * before [now] if it may grant now; otherwise the moment this gate would admit the next body, or for
   * a fast rate with bursts the moment a group's worth would be admitted, so that one wake-up of a run
   * grants a group. (Not on the grid [enter] wakes bodies on: runs sharing this gate then all woke at
   * once, their dispatches woke more threads, and four callers used more CPU.)
   */
  fun grantAllowedAt(now: Long): Long {
    val params = params() ?: return now
    var allowedAt = tat.get() - params.tolerance + granted.get() * params.interval
    if (params.spins) {
      // Bodies that yield until their slot: granted an interval ahead, so that a wake-up of the engine
      // that comes late by less than that still has its body in the gate by its slot. Granted at the
      // slot, each start was as late as the engine's timer: at 10,000/s in bursts of 1, 60% of the rate.
      allowedAt -= params.interval
    }
    return if (allowedAt - now <= 0) allowedAt else allowedAt + (params.group - 1) * params.interval
  }

  /**
   * Gives a run refused a grant the next turn to grant a group: the first group span free of other
   * runs' turns, no earlier than [allowedAt] ([grantAllowedAt]). Runs sharing this gate thus wake one
   * after another, each granting a group, rather than all at once with all but one finding the group
   * taken. A turn a run does not use leaves its room to the next: the burst keeps it.
   */
  fun takeGrantTurn(allowedAt: Long): Long {
    val params = params() ?: return allowedAt
    val span = params.group * params.interval
    while (true) {
      val free = nextGrantTurn.get()
      val turn = later(free, allowedAt)
      if (nextGrantTurn.compareAndSet(free, turn + span)) return turn
    }
  }

  /** Whether this gate holds a rate now. */
  fun hasRate(): Boolean = params() != null

  /** A body that [enter]ed has waited, and leaves the line. */
  fun leave() {
    waiting.decrementAndGet()
  }

  /** The interval, tolerance and wake-up group of the limits in force, or null without a rate. */
  private fun params(): Params? {
    val now = limits()
    val known = cached
    if (known != null && known.first === now) return known.second
    val rate = now.rate() ?: return null
    return Params(rate.intervalNanos(), now.maxBurst()).also { cached = Pair(now, it) }
  }

  private class Params(val interval: Long, burst: Int) {
    val tolerance = (burst - 1) * interval
    /** Starts woken together: those due within a millisecond, at most half the burst (the rest is room for lateness). */
    val group = minOf((GROUP_SPAN_NANOS + interval - 1) / interval, tolerance / interval / 2 + 1)
    /**
     * How much earlier than now a body that waited may be booked. meter-core's `Gcra` credits up to an
     * interval, less a nanosecond: its bodies begin right after the booking. Here a few instructions
     * (or a preemption) come in between, and every window of `w` holds at most
     * `burst + ceil(w / interval)` begun bodies only while the credit and that delay together stay
     * within an interval. So only slow rates (an interval of a millisecond or more), whose bodies wait
     * on timers one by one, are credited half an interval for the timer's lateness; faster ones wait by
     * spinning or in groups whose burst takes up the lateness, and get none.
     */
    val lateCredit = if (interval >= SPIN_NANOS) interval / 2 else 0

    /** See [StartGate.spins]. */
    val spins = group == 1L && interval < SPIN_NANOS

    /** [due] rounded up to the grid of group spans, where the bodies of one group wake together. */
    fun groupDue(due: Long): Long {
      if (group == 1L) return due
      val span = group * interval
      return due + Math.floorMod(-due, span)
    }
  }

  internal companion object {
    private const val GROUP_SPAN_NANOS = 1_000_000L
    /** Below this a spinning body yields to its dispatcher and asks again instead of setting a timer. */
    const val SPIN_NANOS = 1_000_000L

    /** The later of two readings, compared by their difference (`System.nanoTime()` may wrap). */
    private fun later(a: Long, b: Long): Long = if (a - b >= 0) a else b
  }
}
