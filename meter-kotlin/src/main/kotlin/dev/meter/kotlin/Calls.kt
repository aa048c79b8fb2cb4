package dev.meter.kotlin

import dev.meter.api.Limits
import dev.meter.api.RunOptions
import dev.meter.api.spi.Limiter

// The entry points over calls, with the same five parameters as those over items (see Entry.kt).

/**
 * Runs every task under the given limits and returns their results in the order of [tasks].
 *
 * Cancellable: cancelling the caller cancels every running task (child coroutines of the caller), and
 * this function returns only after they have ended. The first failure cancels the rest and is thrown
 * unwrapped; with `failurePolicy(RUN_ALL_THEN_THROW)` in [options] every task runs and one
 * `TasksFailedException` carries all failures.
 *
 * @param maxAtOnce at most this many tasks running at any instant
 * @param maxPerSecond at most this many starts per second
 * @param limits all limits as one value; see [limits]
 * @param limiter a limiter shared with other runs; see [sharedLimiter]
 * @param options everything else; see [runOptions]
 */
public suspend fun <R> runAll(
  tasks: Iterable<suspend () -> R>,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
): List<R> = runAllOf(tasks, Settings(options, limits, maxAtOnce, maxPerSecond, limiter))

/** Runs every task; see [runAll]. */
public suspend fun <R> runAll(
  vararg tasks: suspend () -> R,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
): List<R> = runAllOf(tasks.asList(), Settings(options, limits, maxAtOnce, maxPerSecond, limiter))

/**
 * Runs every task under the given limits and returns what each gave as a Kotlin [Result], in the
 * order of [tasks]: a task's failure never fails the call. Cancellable, as [runAll]; the caller's own
 * cancellation is thrown, never returned as a result.
 */
public suspend fun <R> runAllOutcomes(
  tasks: Iterable<suspend () -> R>,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
): List<Result<R>> = runAllOutcomesOf(tasks, Settings(options, limits, maxAtOnce, maxPerSecond, limiter))

/** Runs every task, each one's [Result] kept; see [runAllOutcomes]. */
public suspend fun <R> runAllOutcomes(
  vararg tasks: suspend () -> R,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
): List<Result<R>> = runAllOutcomesOf(tasks.asList(), Settings(options, limits, maxAtOnce, maxPerSecond, limiter))

/**
 * Runs [tasks] under the given limits until one succeeds, returns its result and cancels the rest. If
 * all fail, throws one `TasksFailedException` carrying every failure; no tasks is a clear
 * `IllegalArgumentException`. Cancellable, as [runAll].
 */
public suspend fun <R> runAny(
  tasks: Iterable<suspend () -> R>,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
): R = runAnyOf(tasks, Settings(options, limits, maxAtOnce, maxPerSecond, limiter))

/** Runs [tasks] until one succeeds; see [runAny]. */
public suspend fun <R> runAny(
  vararg tasks: suspend () -> R,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  limiter: Limiter? = null,
  options: RunOptions = RunOptions.defaults(),
): R = runAnyOf(tasks.asList(), Settings(options, limits, maxAtOnce, maxPerSecond, limiter))
