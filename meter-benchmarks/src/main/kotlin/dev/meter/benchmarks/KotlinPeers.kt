@file:JvmName("KotlinPeers")
@file:OptIn(ExperimentalCoroutinesApi::class)

package dev.meter.benchmarks

import dev.meter.kotlin.amap
import dev.meter.kotlin.limits
import dev.meter.kotlin.runOnEach
import dev.meter.kotlin.sharedLimiter
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.flatMapMerge
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CompletableFuture
import java.util.function.Function

// The Kotlin peers, called from the Java harness. Each blocks the caller in runBlocking, as a Java
// benchmark thread needs, and awaits the same CompletableFuture tasks the Java peers are given.

/** meter-kotlin: `runOnEach` with `maxAtOnce`. */
fun meterKotlinRunOnEach(items: Iterable<Int>, maxAtOnce: Int, task: Function<Int, CompletableFuture<*>>) = runBlocking {
  items.runOnEach(maxAtOnce = maxAtOnce) { task.apply(it).await() }
}

/** meter-kotlin: `amap` with `maxAtOnce`, every result collected. */
fun meterKotlinAmap(items: Iterable<Int>, maxAtOnce: Int, task: Function<Int, CompletableFuture<*>>) = runBlocking {
  items.amap(maxAtOnce = maxAtOnce) { task.apply(it).await() }.collect()
}

/** meter-kotlin: `runOnEach` with a rate and burst. */
fun meterKotlinRate(items: Iterable<Int>, rate: Double, burst: Int, task: Function<Int, CompletableFuture<*>>) = runBlocking {
  items.runOnEach(limits = limits(maxPerSecond = rate, maxBurst = burst)) { task.apply(it).await() }
}

/**
 * W6 as issue 15 gives it: the items split between [callers] coroutines on `Dispatchers.Default`, each
 * running its own `runOnEach` through one shared limiter of the rate, the burst and [maxAtOnce].
 */
fun meterKotlinSharedRate(n: Int, callers: Int, maxAtOnce: Int, rate: Double, burst: Int, task: Function<Int, CompletableFuture<*>>) =
  runBlocking(Dispatchers.Default) {
    val shared = sharedLimiter(limits = limits(maxAtOnce = maxAtOnce, maxPerSecond = rate, maxBurst = burst))
    (0 until callers).map { c -> launch { Tasks.slice(n, callers, c).runOnEach(limiter = shared) { task.apply(it).await() } } }.joinAll()
  }

/** kotlinx.coroutines alone: `flatMapMerge(concurrency)`, each item a one-element flow awaiting its task. */
fun flatMapMerge(items: Iterable<Int>, concurrency: Int, task: Function<Int, CompletableFuture<*>>) = runBlocking {
  items.asFlow().flatMapMerge(concurrency) { item -> flow { emit(task.apply(item).await()) } }.collect()
}
