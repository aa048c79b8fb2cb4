package dev.meter.kotlin

import dev.meter.api.FailurePolicy
import java.util.Random
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/**
 * Many randomized runs through the Kotlin entry points on real threads, with failures, timeouts,
 * bodies that block or clean up in a non-cancellable `finally`, and the caller cancelled at random
 * moments. After each: every started item's task ended exactly once, nothing is still running, no
 * more than maxAtOnce bodies were ever alive (counted from a body's first line to the end of its
 * `finally`, so a slot freed before its coroutine ended shows), and each delivered result belongs to
 * a started item and came once. A third of the runs start under a rate of their own, and a third go
 * through one shared limiter with a rate: when all have ended, its gate counts no start as granted
 * and not yet begun (one left counted would hold back every later grant through that limiter). A
 * third retry failed items (which then fail only their first attempt): each attempt's body ends once,
 * and attempts of one item never run at once.
 * `-Dmeter.kotlin.stress.runs=N` (300 in the build), `-Dmeter.kotlin.stress.seed=S`.
 */
class StressTest {
  private val runs = Integer.getInteger("meter.kotlin.stress.runs", 300)
  private val shared = sharedLimiter(limits = limits(maxPerSecond = 20_000.0, maxBurst = 4))

  private enum class Entry { AMAP, AMAP_ORDERED, AMAP_RESULTS, RUN_ON_EACH, AMAP_ORDERED_RESULTS, RUN_ALL }

  @Test
  fun randomizedRunsAndCancellations_keepEveryInvariant(): Unit = runBlocking {
    val base = java.lang.Long.getLong("meter.kotlin.stress.seed", System.nanoTime())
    for (r in 0 until runs) {
      val seed = base + r
      try {
        runOne(Random(seed))
      } catch (failure: Throwable) {
        throw AssertionError("stress run $r broke an invariant; replay with -Dmeter.kotlin.stress.seed=$seed -Dmeter.kotlin.stress.runs=1", failure)
      }
    }
    assertThat(StartPacer.sharedGate(shared)?.pendingGrants() ?: 0).`as`("starts granted through the shared limiter and never begun nor ended").isZero()
  }

  private suspend fun runOne(random: Random) {
    val n = random.nextInt(60)
    val maxAtOnce = 1 + random.nextInt(8)
    val entry = Entry.entries[random.nextInt(Entry.entries.size)]
    val failing = (0 until n).filter { random.nextInt(10) == 0 }.toSet()
    val delays = IntArray(n) { random.nextInt(3) }
    val policy = if (random.nextBoolean()) FailurePolicy.FAIL_FAST else FailurePolicy.RUN_ALL_THEN_THROW
    val cancelAfterStarts = if (random.nextInt(3) == 0) random.nextInt(n + 1) else -1
    val timeout = if (random.nextInt(3) == 0) (1 + random.nextInt(3)).milliseconds else null
    val cleanupMillis = IntArray(n) { if (random.nextInt(4) == 0) 1 + random.nextInt(2) else 0 }
    val blocking = random.nextInt(4) == 0
    val maxAttempts = if (random.nextInt(3) == 0) 2 + random.nextInt(2) else 1
    val startsPerItem = ConcurrentHashMap<Int, AtomicInteger>()
    val runningPerItem = ConcurrentHashMap<Int, AtomicInteger>()
    val overlaps = AtomicInteger()

    val probe = Probe()
    val endedPerItem = ConcurrentHashMap<Int, AtomicInteger>()
    val enoughStarted = CompletableDeferred<Unit>()
    val delivered = ConcurrentHashMap<Int, AtomicInteger>()
    // A task timed out or cancelled before its dispatched body ran is a failed outcome of an item
    // whose body never began: only values must come from bodies that began.
    val deliveredValues: MutableSet<Int> = ConcurrentHashMap.newKeySet()
    val task: suspend (Int) -> Int = { i ->
      try {
        val attempt = startsPerItem.computeIfAbsent(i) { AtomicInteger() }.incrementAndGet()
        val runningNow = runningPerItem.computeIfAbsent(i) { AtomicInteger() }
        if (runningNow.incrementAndGet() > 1) overlaps.incrementAndGet()
        probe.track(i) {
          if (probe.started.size > cancelAfterStarts && cancelAfterStarts >= 0) enoughStarted.complete(Unit)
          try {
            when {
              blocking -> Thread.sleep(delays[i].toLong())
              delays[i] == 0 -> yield()
              else -> delay(delays[i].toLong())
            }
            if (i in failing && (maxAttempts == 1 || attempt == 1)) throw IllegalStateException("item $i failed")
            i
          } finally {
            if (cleanupMillis[i] > 0) withContext(NonCancellable) { delay(cleanupMillis[i].toLong()) }
            runningNow.decrementAndGet()
          }
        }
      } finally {
        endedPerItem.computeIfAbsent(i) { AtomicInteger() }.incrementAndGet()
      }
    }
    val recordOutcome: (Int, Boolean) -> Unit = { i, isValue ->
      delivered.computeIfAbsent(i) { AtomicInteger() }.incrementAndGet()
      if (isValue) deliveredValues += i
    }
    val record: (Int) -> Unit = { i -> recordOutcome(i, true) }

    val pace = random.nextInt(3)
    val options = runOptions {
      failurePolicy(policy)
      timeout?.let { taskTimeout(it) }
      if (maxAttempts > 1) retry(retryPolicy(maxAttempts = maxAttempts, initialDelay = 0.milliseconds, maxDelay = 1.milliseconds))
      when (pace) {
        1 -> limits(limits(maxPerSecond = 5_000.0 + random.nextInt(20_000), maxBurst = 1 + random.nextInt(8)))
        2 -> limiter(shared)
      }
    }
    val caller = kotlinx.coroutines.CoroutineScope(if (blocking) Dispatchers.IO else Dispatchers.Default).launch {
      runCatching {
        val items = (0 until n).toList()
        when (entry) {
          Entry.AMAP -> items.asFlow().amap(maxAtOnce = maxAtOnce, options = options, task = task).collect { record(it) }
          Entry.AMAP_ORDERED -> items.asSequence().asIterable().amapOrdered(maxAtOnce = maxAtOnce, options = options, task = task).collect { record(it) }
          Entry.AMAP_RESULTS -> items.amapResults(maxAtOnce = maxAtOnce, options = options, task = task).collect { recordOutcome(it.index().toInt(), it.outcome().isSuccess) }
          Entry.RUN_ON_EACH -> items.runOnEach(maxAtOnce = maxAtOnce, options = options) { i -> record(task(i)) }
          Entry.AMAP_ORDERED_RESULTS -> items.asFlow().amapOrderedResults(maxAtOnce = maxAtOnce, options = options, task = task).collect { recordOutcome(it.index().toInt(), it.outcome().isSuccess) }
          Entry.RUN_ALL -> runAll(items.map { i -> suspend { task(i) } }, maxAtOnce = maxAtOnce, options = options).forEach(record)
        }
      }
    }
    withTimeout(60_000) {
      if (cancelAfterStarts >= 0) {
        launch { enoughStarted.await(); caller.cancelAndJoin() }.also { caller.join(); it.cancel() }
      }
      caller.join()
    }

    assertThat(probe.active.get()).`as`("tasks still running after the call ended").isZero()
    assertThat(probe.peak.get()).`as`("peak running").isLessThanOrEqualTo(maxAtOnce)
    for (i in probe.started) {
      val attempts = startsPerItem[i as Int]!!.get()
      assertThat(attempts).`as`("item %s's attempts", i).isLessThanOrEqualTo(maxAttempts)
      assertThat(endedPerItem[i]?.get()).`as`("item %s ended once per attempt", i).isEqualTo(attempts)
    }
    assertThat(overlaps.get()).`as`("attempts of one item running at once").isZero()
    assertThat(endedPerItem.keys).isEqualTo(probe.started)
    for ((i, count) in delivered) {
      assertThat(count.get()).`as`("item %s delivered once", i).isEqualTo(1)
    }
    assertThat(probe.started).`as`("items whose values were delivered").containsAll(deliveredValues)
  }
}
