package dev.meter.kotlin

import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.suspendCancellableCoroutine

/**
 * Lets one body at a time wait for a gate by yielding to its dispatcher, and keeps the others in line,
 * suspended, until the one holding it is through. A body that yields wakes every time its dispatcher
 * comes round: with 64 of them yielding for the slots of a rate in bursts of 1, four callers kept both
 * cores busy, and a body preempted between its booking and its beginning let one more into a
 * millisecond than the envelope allows. The baton passes in line order; a body cancelled in line
 * gives up its place, and one cancelled as the baton reached it passes it on.
 */
internal class SpinBaton {
  private val held = AtomicBoolean()
  private val line = ConcurrentLinkedQueue<Waiter>()

  /** Runs [block] holding the baton, waiting in line for it first if another body holds it. */
  suspend fun hold(block: suspend () -> Unit) {
    take()
    try {
      block()
    } finally {
      pass()
    }
  }

  private suspend fun take() {
    if (held.compareAndSet(false, true)) return
    suspendCancellableCoroutine { body ->
      val waiter = Waiter(body)
      line.add(waiter)
      body.invokeOnCancellation { waiter.state.compareAndSet(WAITING, GONE) }
      // The holder may have let it go, finding the line empty, since the first look.
      if (held.compareAndSet(false, true)) pass()
    }
  }

  /** Gives the baton to the first body in line that still waits for it, or lets it go. */
  private fun pass() {
    while (true) {
      val next = line.poll()
      if (next == null) {
        held.set(false)
        // A body that joined the line meanwhile saw the baton held: take it back for that one.
        if (line.isEmpty() || !held.compareAndSet(false, true)) return
        continue
      }
      if (next.state.compareAndSet(WAITING, GIVEN)) {
        // Dropped if that body is cancelled before it runs: then it goes to the next.
        next.body.resume(Unit) { _, _, _ -> pass() }
        return
      }
    }
  }

  private class Waiter(val body: CancellableContinuation<Unit>) {
    val state = AtomicInteger(WAITING)
  }

  private companion object {
    const val WAITING = 0
    const val GIVEN = 1
    const val GONE = 2
  }
}
