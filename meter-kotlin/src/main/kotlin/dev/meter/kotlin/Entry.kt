package dev.meter.kotlin

import dev.meter.api.ItemResult
import dev.meter.api.Limits
import dev.meter.api.RunOptions
import dev.meter.api.spi.Limiter
import kotlinx.coroutines.flow.Flow

// The entry points over items: each takes the work, the two common limits by name, the rest of the
// limits as one `Limits` value, a limiter to share, and `options` for everything else. The same five
// parameters, in the same order, mean the same everywhere:
//
//   maxAtOnce     at most this many tasks running at any instant
//   maxPerSecond  at most this many starts per second (GCRA)
//   limits        all limits as one value (a burst, a rate over any period: see `limits(...)`); the two
//                 named ones override its parts
//   limiter       a shared, keyed or custom limiter every start must also pass, with other runs
//   options       the rest (failure policy, task timeout, listeners, clock: see `runOptions { }`)
//
// An Iterable or a Sequence (as `asIterable()`) is pulled lazily, a Flow collected in the call's scope;
// an item is taken only when its task may start. Tasks are child coroutines of the caller (or of the
// collector), in its context, started as `launch` starts them.

/**
 * Runs [task] on each of these items under the given limits and returns when every task has ended.
 *
 * Cancellable: cancelling the caller cancels the run and every running task, and this function
 * returns only after they (and a source flow) have ended. A failing task fails the call with its own
 * exception, unwrapped, after the running ones are cancelled; with `failurePolicy(RUN_ALL_THEN_THROW)`
 * in [options], once all ran, with one `TasksFailedException` carrying every failure. To keep failures
 * as values, collect [amapResults].
 *
 * @param maxAtOnce at most this many tasks running at any instant
 * @param maxPerSecond at most this many starts per second
 * @param limits all limits as one value; see [limits]
 * @param limiter a limiter shared with other runs; see [sharedLimiter]
 * @param options everything else; see [runOptions]
 */
public suspend fun <T> Iterable<T>.runOnEach(
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
  task: suspend (T) -> Unit,
): Unit = runOnEachOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, limiter), task)

/** Runs [task] on each element of this flow; see [Iterable.runOnEach]. The flow is collected in the call's scope. */
public suspend fun <T> Flow<T>.runOnEach(
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
  task: suspend (T) -> Unit,
): Unit = runOnEachOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, limiter), task)

/**
 * A flow of [task]'s results over these items, in the order the tasks finish. Each collection is one
 * run under the given limits. A collector that stops reading stops new starts once the results held
 * for it reach the run's buffer size; a `buffer(n)` right after sets that size (fused, as kotlinx's
 * channel flows fuse it; two at least).
 *
 * Cancellable: cancelling the collector, or stopping early (`take`, `first`), cancels the run and every
 * running task, and collection ends only after they have ended. A failing task fails the flow with its
 * own exception, unwrapped (fail fast unless [options] say otherwise).
 *
 * @param maxAtOnce at most this many tasks running at any instant
 * @param maxPerSecond at most this many starts per second
 * @param limits all limits as one value; see [limits]
 * @param limiter a limiter shared with other runs; see [sharedLimiter]
 * @param options everything else; see [runOptions]
 */
public fun <T, R> Iterable<T>.amap(
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
  task: suspend (T) -> R,
): Flow<R> = valuesOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, limiter), ordered = false, task)

/** [task]'s results over this flow's elements, in the order the tasks finish; see [Iterable.amap]. */
public fun <T, R> Flow<T>.amap(
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
  task: suspend (T) -> R,
): Flow<R> = valuesOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, limiter), ordered = false, task)

/**
 * Like [Iterable.amap], but the results come in input order: a result that finishes early waits in
 * the run's bounded re-order buffer for the ones before it. Cancellable, as [Iterable.amap].
 */
public fun <T, R> Iterable<T>.amapOrdered(
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
  task: suspend (T) -> R,
): Flow<R> = valuesOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, limiter), ordered = true, task)

/** [task]'s results over this flow's elements, in their order; see [Iterable.amapOrdered]. */
public fun <T, R> Flow<T>.amapOrdered(
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
  task: suspend (T) -> R,
): Flow<R> = valuesOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, limiter), ordered = true, task)

/**
 * Like [Iterable.amap], but each result is an [ItemResult]: the item's position, the item and what the
 * task gave, `val (index, item, result) = it` (a Kotlin [Result]). A task's failure is a failed result
 * and never fails the flow: a per-item report (the failure policy does not apply). Cancellable, as
 * [Iterable.amap].
 */
public fun <T, R> Iterable<T>.amapResults(
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
  task: suspend (T) -> R,
): Flow<ItemResult<T, R>> = itemResultsOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, limiter), ordered = false, task)

/** Each element's [ItemResult], in the order the tasks finish; see [Iterable.amapResults]. */
public fun <T, R> Flow<T>.amapResults(
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
  task: suspend (T) -> R,
): Flow<ItemResult<T, R>> = itemResultsOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, limiter), ordered = false, task)

/** Like [Iterable.amapResults], in input order. Cancellable, as [Iterable.amap]. */
public fun <T, R> Iterable<T>.amapOrderedResults(
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
  task: suspend (T) -> R,
): Flow<ItemResult<T, R>> = itemResultsOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, limiter), ordered = true, task)

/** Each element's [ItemResult], in input order; see [Iterable.amapResults]. */
public fun <T, R> Flow<T>.amapOrderedResults(
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
  task: suspend (T) -> R,
): Flow<ItemResult<T, R>> = itemResultsOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, limiter), ordered = true, task)
