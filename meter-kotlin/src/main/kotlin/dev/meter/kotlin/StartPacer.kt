package dev.meter.kotlin

import dev.meter.api.RunOptions
import dev.meter.api.SharedLimiter
import dev.meter.api.TimeSource
import java.util.Collections
import java.util.WeakHashMap
import java.util.concurrent.ConcurrentSkipListMap
import kotlin.coroutines.resume
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.yield

/**
 * Holds a rate envelope at the moments task bodies really begin. The engine grants starts within the
 * envelope; a Kotlin body then waits for its dispatcher, and two bodies granted close together can
 * begin closer still when the first waited longer: at 100,000/s, four callers through one shared
 * limiter put 264 starts in a millisecond where the envelope allows 200.
 *
 * So each body, when it begins, also passes a [StartGate] for each rate it starts under: the run's
 * own, and that of every [SharedLimiter] it goes through, one gate per limiter for all the runs that
 * share it (it follows the limiter's `setLimits`). A body that comes too early waits on a timer of the
 * run's clock (the JDK timer thread with its nanosecond precision, or the test scheduler) and then
 * asks again, so a late wake-up never lets bodies through in a bunch; the bodies of a run that wake at
 * the same moment share one timer, and a body that begins leaving room wakes the next group early.
 * Only a fast rate with bursts of 1 or 2 waits by yielding to the dispatcher (see [StartGate]).
 * Yielding for every wait under a millisecond, as this did before, cost a core at 100,000/s (11.5 ms
 * of CPU per 1,000 starts); a timer for every waiting body kept the caller's thread as busy.
 *
 * The engine's grants follow the gates ([StartGrants], the run's first limiter): it grants a start
 * only when the gates would let its body begin, counting the bodies granted and not yet begun, so
 * bodies rarely wait here at all.
 *
 * Keyed and custom limiters hold their envelope where the engine grants the start; the bodies they let
 * through begin after their dispatch.
 */
internal class StartPacer private constructor(private val time: TimeSource, private val gates: Array<StartGate>) {
  // The gates are an array: iterating a list allocated an iterator several times a start.
  /** This run's bodies waiting for a moment, by that moment. */
  private val wakeUps = ConcurrentSkipListMap<Long, WakeUp>()
  /** The run's first limiter when [paced]. */
  private val grants = StartGrants(gates)

  /**
   * The engine has granted a start: it counts in the gates (see [StartGrants]) until [grantDone], when
   * its body has begun (after [awaitStart]) or its task has ended without its body beginning.
   */
  fun granting() {
    for (gate in gates) gate.granting()
  }

  /** A start counted by [granting] has begun, or will never begin. Once per [granting]. */
  fun grantDone() {
    for (gate in gates) gate.grantDone()
  }

  /**
   * [options] with [StartGrants] over this pacer's gates first, so that the engine grants starts as
   * the gates will admit their bodies; [options] as they are when no gate holds a rate (a shared
   * limiter with no limits keeps its leases then).
   */
  fun paced(options: RunOptions): RunOptions =
    if (gates.none { it.hasRate() }) options else options.toBuilder().limiters(listOf(grants) + options.limiters()).build()

  /** The run's clock, as [tryStart] and [awaitStart] take it. */
  fun now(): Long = time.read()

  /**
   * Books a body's start at [now] in every gate if each admits it then, without suspending: with
   * grants that follow the gates ([StartGrants]) nearly every body begins at once, and [awaitStart], a
   * suspending call, would allocate its state machine for each of them. False: call [awaitStart].
   */
  fun tryStart(now: Long): Boolean = gates.all { it.admits(now) } && book(now, now)

  /** Books a start at [now] in every gate, which admit it; false if a racing body took the room. */
  private fun book(now: Long, since: Long): Boolean {
    // Booked in order; one lost to a racing body leaves the earlier ones booked, which only slows
    // a later start (never lets one through early), and the caller asks again.
    // Before booking: resuming the woken bodies takes microseconds, and coming between this body's
    // booking and its first line they would let it begin that much later than its booking says.
    wakeEarlyIfRoom(now)
    return gates.all { it.tryBook(now, since) }
  }

  /**
   * Returns when a body that came at [since] may begin within every gate's envelope, booking its start
   * in each.
   */
  suspend fun awaitStart(since: Long) {
    var now = since
    while (true) {
      val closed = gates.firstOrNull { !it.admits(now) }
      if (closed == null) {
        if (book(now, since)) return
      } else if (closed.spins() && time is DispatchingTimers) {
        // In real time only: a test clock does not move while a body keeps yielding.
        closed.baton.hold { yieldUntilOpen(closed) }
      } else {
        val due = closed.enter(now)
        try {
          if (due - now > 0) sleepUntil(due, now)
        } finally {
          closed.leave()
        }
      }
      now = time.read()
    }
  }

  /** Yields to the dispatcher until [gate] admits a start; sleeps instead for a millisecond or more. */
  private suspend fun yieldUntilOpen(gate: StartGate) {
    while (true) {
      val now = time.read()
      val wait = gate.waitAt(now)
      if (wait <= 0) return
      if (wait < StartGate.SPIN_NANOS) yield() else sleepUntil(now + wait, now)
    }
  }

  /**
   * Wakes this run's next group of waiting bodies now if the gates have room for another start beside
   * the one about to be booked: they wait for the moments their turns were reckoned at, and a body that
   * began without waiting (or a group that woke late) may have left room before then, which would be
   * lost once the burst is full.
   */
  private fun wakeEarlyIfRoom(now: Long) {
    if (wakeUps.isEmpty() || !gates.all { it.hasRoomForTwo(now) }) return
    wakeUps.pollFirstEntry()?.value?.fire()
  }

  /**
   * Suspends until [due] with the other bodies of this run due then. A body cancelled meanwhile leaves
   * at once (its continuation is cancelled); the timer's resumption then does nothing to it.
   */
  private suspend fun sleepUntil(due: Long, now: Long) = suspendCancellableCoroutine { waiting ->
    val wakeUp = wakeUps.computeIfAbsent(due) { WakeUp(due).also { schedule(it, due - now) } }
    // Refused when it has just fired: the moment has come.
    if (!wakeUp.add(waiting)) waiting.resume(Unit)
  }

  private fun schedule(wakeUp: WakeUp, nanos: Long) {
    val fire = Runnable {
      wakeUps.remove(wakeUp.due, wakeUp)
      wakeUp.fire()
    }
    // In real time the timer thread resumes the bodies itself: a resumption dispatches them anyway.
    (time as? DispatchingTimers)?.scheduleOnTimerThread(fire, nanos) ?: time.schedule(fire, nanos)
  }

  /** The bodies that wait for one moment. */
  private class WakeUp(val due: Long) {
    private var waiting: ArrayList<CancellableContinuation<Unit>>? = ArrayList()

    /** Adds [body], unless this has fired already. */
    @Synchronized
    fun add(body: CancellableContinuation<Unit>): Boolean = waiting?.add(body) ?: false

    /** Resumes the bodies; those cancelled meanwhile ignore it. */
    fun fire() {
      val bodies = synchronized(this) { waiting.also { waiting = null } } ?: return
      for (body in bodies) body.resume(Unit)
    }
  }

  internal companion object {
    /** The gate of each shared limiter, shared by every Kotlin run through it; forgotten with the limiter. */
    private val sharedGates: MutableMap<SharedLimiter, StartGate> = Collections.synchronizedMap(WeakHashMap())

    /** The gate of [limiter], if a Kotlin run has gone through it: for tests. */
    fun sharedGate(limiter: SharedLimiter): StartGate? = sharedGates[limiter]

    /** The pacer of a run with [options], or null when it starts under no rate a gate can hold. */
    fun of(options: RunOptions): StartPacer? {
      val time = options.timeSource() ?: return null
      val gates = buildList {
        if (options.limits().rate() != null) add(StartGate({ options.limits() }, time.read()))
        for (limiter in options.limiters()) {
          // Every shared limiter, with a rate or not: one may be given a rate while the run goes on.
          if (limiter is SharedLimiter) {
            add(sharedGates.computeIfAbsent(limiter) { StartGate(it::limits, time.read()) })
          }
        }
      }
      return if (gates.isEmpty()) null else StartPacer(time, gates.toTypedArray())
    }
  }
}
