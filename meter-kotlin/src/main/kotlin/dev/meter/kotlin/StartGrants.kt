package dev.meter.kotlin

import dev.meter.api.spi.Limiter

/**
 * Keeps the engine's grants in step with the [StartGate]s the bodies then begin through, as the first
 * limiter of a run whose gates hold a rate.
 *
 * The engine books a start where it grants it, and the gate books it again where the body begins, a
 * dispatch later: two schedules of one rate. A body that begins late (a preemption, a collection)
 * moves the gate's schedule later for good, while the engine's stays where it was; from then on the
 * engine grants starts the gate makes wait, each waiting body holding its slot (at 64 at once, soon
 * every slot, and every grant then went through the limiter's wake-ups) and its own timer: four Kotlin
 * callers at 100,000/s spent 10 ms of CPU per 1,000 starts that way. So the engine grants a start only
 * when every gate would admit one now with the bodies granted before counted as begun, and otherwise
 * asks again when it would ([StartGate.grantAllowedAt]). The gate's schedule is then the one in
 * force, and bodies rarely wait in it.
 *
 * This limiter holds nothing per start: the run's [TaskWorkers] count each start in the gates from its
 * launch until its body has begun ([StartPacer.granting]). It never refuses with a signal, only with a
 * time.
 */
internal class StartGrants(private val gates: Array<StartGate>) : Limiter {
  /** This run's turn to grant again, if it has one: see [StartGate.takeGrantTurn]. Drain-confined. */
  private var turn = 0L
  private var hasTurn = false

  override fun tryAcquire(item: Any?, nowNanos: Long, waitingSinceNanos: Long): Limiter.Decision {
    var latest = nowNanos
    var closed: StartGate? = null
    for (gate in gates) {
      val allowedAt = gate.grantAllowedAt(nowNanos)
      if (allowedAt - latest > 0) {
        latest = allowedAt
        closed = gate
      }
    }
    if (closed == null) return Limiter.GRANTED
    // A run asked again before its turn (a task of its own settled, and it may have granted a start
    // or two since) keeps it: a turn taken on every refusal would run ahead of time. One whose turn
    // has come and found no room takes the next.
    if (!hasTurn || turn - nowNanos <= 0) {
      turn = closed.takeGrantTurn(latest)
      hasTurn = true
    }
    return Limiter.Decision.retryAt(if (turn - latest > 0) turn else latest)
  }

  override fun refund(permit: Limiter.Permit, nowNanos: Long) {}

  override fun release(permit: Limiter.Permit, nowNanos: Long) {}

  /** Never asked: this limiter refuses with a time only. Should it be, the start is tried again at once. */
  override fun awaitSignal(item: Any?, wakeUp: Runnable): Limiter.Registration {
    wakeUp.run()
    return Limiter.Registration {}
  }
}
