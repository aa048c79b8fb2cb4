package dev.meter.kotlin

import dev.meter.api.ItemResult
import dev.meter.api.KeyedLimiter
import dev.meter.api.Outcome
import dev.meter.api.SharedLimiter
import dev.meter.api.TimeSource
import kotlin.time.Duration
import kotlin.time.toJavaDuration
import kotlinx.coroutines.CoroutineScope

/** Lets nothing start through this limiter for [duration]; see `SharedLimiter.pauseFor(java.time.Duration)`. */
public fun SharedLimiter.pauseFor(duration: Duration): Unit = pauseFor(duration.toJavaDuration())

/** Lets nothing start for [key] for [duration]; see `KeyedLimiter.pauseFor(key, java.time.Duration)`. */
public fun <K : Any> KeyedLimiter<K>.pauseFor(key: K, duration: Duration): Unit = pauseFor(key, duration.toJavaDuration())

/**
 * This scope's clock and timers as a [TimeSource], for limiters that should keep the same time as the
 * runs in this scope: under `runTest` (a test dispatcher, or `Dispatchers.Main` set to one) the test
 * scheduler's virtual time, otherwise the system clock with timers that fire on this scope's
 * dispatcher. Timers are children of this scope: give a scope that lives as long as the limiter, such
 * as `runTest`'s `backgroundScope`.
 *
 * ```
 * @Test fun paced() = runTest {
 *   val api = sharedLimiter(maxPerSecond = 1.0, timeSource = backgroundScope.asTimeSource())
 *   listOf(1, 2, 3).runOnEach(limiter = api) { call(it) }   // 2 virtual seconds
 * }
 * ```
 */
public fun CoroutineScope.asTimeSource(): TimeSource = TestTime.of(this) ?: DispatchingTimers(this)

/** The item's position in the input, as `val (index, item, outcome) = result`. */
public operator fun <T, R> ItemResult<T, R>.component1(): Long = index()

/** The input item. */
public operator fun <T, R> ItemResult<T, R>.component2(): T = item()

/** What the task gave, as a Kotlin [Result]: its value or its failure. */
public operator fun <T, R> ItemResult<T, R>.component3(): Result<R> = outcome().asResult()
