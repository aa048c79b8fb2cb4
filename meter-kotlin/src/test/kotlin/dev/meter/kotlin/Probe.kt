package dev.meter.kotlin

import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger

/** Watches tasks from the inside: how many run at once, the peak, and which items started and ended. */
class Probe {
  val active = AtomicInteger()
  val peak = AtomicInteger()
  val started: MutableSet<Any?> = ConcurrentHashMap.newKeySet()
  val ended: MutableSet<Any?> = ConcurrentHashMap.newKeySet()
  val endings = AtomicInteger()

  /** Runs [body] as item [item]'s task, counting it running from its first line to its last. */
  suspend fun <R> track(item: Any?, body: suspend () -> R): R {
    started.add(item)
    peak.accumulateAndGet(active.incrementAndGet(), Math::max)
    try {
      return body()
    } finally {
      active.decrementAndGet()
      ended.add(item)
      endings.incrementAndGet()
    }
  }
}
