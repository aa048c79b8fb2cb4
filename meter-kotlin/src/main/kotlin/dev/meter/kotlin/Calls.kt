package dev.meter.kotlin

import dev.meter.api.Limits
import dev.meter.api.FailurePolicy
import dev.meter.api.spi.Limiter
import dev.meter.api.Outcome
import dev.meter.api.RunOptions
import kotlin.time.Duration

/**
 * Runs every task under the given limits and returns their results in the order of [tasks].
 *
 * Cancellable: cancelling the caller cancels every running task (child coroutines of the caller),
 * and this function returns only after they have ended. The first failure cancels the rest and is
 * thrown unwrapped (or, with [failurePolicy] `RUN_ALL_THEN_THROW`, every task runs and one
 * `TasksFailedException` carries all failures).
 *
 * @param limits all three limits as one value; the named limits below override its parts
 * @param maxAtOnce at most this many tasks running at any instant
 * @param maxPerSecond at most this many starts per second (GCRA); or give [maxStarts] and [per]
 * @param maxStarts with [per]: at most this many starts per [per], for example `maxStarts = 100, per = 1.minutes`
 * @param per the period [maxStarts] counts over
 * @param maxBurst how many starts the rate lets through at once (1 unless set)
 * @param limiter a shared, keyed or custom limiter every start must also pass, built in Java or Kotlin
 * @param failurePolicy what a task failure does to the call: fail fast unless set, or `RUN_ALL_THEN_THROW`
 * @param taskTimeout a task running longer is cancelled and fails with `TaskTimeoutException`
 * @param options further options (buffer size, lookahead, listeners, clock); the named parameters override them
 */
public suspend fun <R> runAll(
  tasks: Iterable<suspend () -> R>,
  limits: Limits? = null,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  maxStarts: Int? = null,
  per: Duration? = null,
  maxBurst: Int? = null,
  limiter: Limiter? = null,
  failurePolicy: FailurePolicy? = null,
  taskTimeout: Duration? = null,
  options: RunOptions = RunOptions.defaults(),
): List<R> = runAllOf(tasks, Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, failurePolicy, taskTimeout))

/**
 * Runs every task under the given limits and returns each one's [Outcome] (value or failure), in the
 * order of [tasks]: a task's failure never fails the call.
 *
 * Cancellable, as [runAll].
 *
 * @param limits all three limits as one value; the named limits below override its parts
 * @param maxAtOnce at most this many tasks running at any instant
 * @param maxPerSecond at most this many starts per second (GCRA); or give [maxStarts] and [per]
 * @param maxStarts with [per]: at most this many starts per [per], for example `maxStarts = 100, per = 1.minutes`
 * @param per the period [maxStarts] counts over
 * @param maxBurst how many starts the rate lets through at once (1 unless set)
 * @param limiter a shared, keyed or custom limiter every start must also pass, built in Java or Kotlin
 * @param taskTimeout a task running longer is cancelled and fails with `TaskTimeoutException`
 * @param options further options (buffer size, lookahead, listeners, clock); the named parameters override them
 */
public suspend fun <R> runAllOutcomes(
  tasks: Iterable<suspend () -> R>,
  limits: Limits? = null,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  maxStarts: Int? = null,
  per: Duration? = null,
  maxBurst: Int? = null,
  limiter: Limiter? = null,
  taskTimeout: Duration? = null,
  options: RunOptions = RunOptions.defaults(),
): List<Outcome<R>> = runAllOutcomesOf(tasks, Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, null, taskTimeout))

/**
 * Runs [tasks] under the given limits until one succeeds, returns its result and cancels the rest.
 * If all fail, throws one `TasksFailedException` carrying every failure; no tasks is a clear
 * `IllegalArgumentException`.
 *
 * Cancellable: cancelling the caller cancels every running task, and this function returns only
 * after they have ended.
 *
 * @param limits all three limits as one value; the named limits below override its parts
 * @param maxAtOnce at most this many tasks running at any instant
 * @param maxPerSecond at most this many starts per second (GCRA); or give [maxStarts] and [per]
 * @param maxStarts with [per]: at most this many starts per [per], for example `maxStarts = 100, per = 1.minutes`
 * @param per the period [maxStarts] counts over
 * @param maxBurst how many starts the rate lets through at once (1 unless set)
 * @param limiter a shared, keyed or custom limiter every start must also pass, built in Java or Kotlin
 * @param taskTimeout a task running longer is cancelled and fails with `TaskTimeoutException`
 * @param options further options (buffer size, lookahead, listeners, clock); the named parameters override them
 */
public suspend fun <R> runAny(
  tasks: Iterable<suspend () -> R>,
  limits: Limits? = null,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  maxStarts: Int? = null,
  per: Duration? = null,
  maxBurst: Int? = null,
  limiter: Limiter? = null,
  taskTimeout: Duration? = null,
  options: RunOptions = RunOptions.defaults(),
): R = runAnyOf(tasks, Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, null, taskTimeout))

/**
 * Runs every task under the given limits and returns their results in the order of [tasks].
 *
 * Cancellable: cancelling the caller cancels every running task (child coroutines of the caller),
 * and this function returns only after they have ended. The first failure cancels the rest and is
 * thrown unwrapped (or, with [failurePolicy] `RUN_ALL_THEN_THROW`, every task runs and one
 * `TasksFailedException` carries all failures).
 *
 * @param limits all three limits as one value; the named limits below override its parts
 * @param maxAtOnce at most this many tasks running at any instant
 * @param maxPerSecond at most this many starts per second (GCRA); or give [maxStarts] and [per]
 * @param maxStarts with [per]: at most this many starts per [per], for example `maxStarts = 100, per = 1.minutes`
 * @param per the period [maxStarts] counts over
 * @param maxBurst how many starts the rate lets through at once (1 unless set)
 * @param limiter a shared, keyed or custom limiter every start must also pass, built in Java or Kotlin
 * @param failurePolicy what a task failure does to the call: fail fast unless set, or `RUN_ALL_THEN_THROW`
 * @param taskTimeout a task running longer is cancelled and fails with `TaskTimeoutException`
 * @param options further options (buffer size, lookahead, listeners, clock); the named parameters override them
 */
public suspend fun <R> runAll(
  vararg tasks: suspend () -> R,
  limits: Limits? = null,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  maxStarts: Int? = null,
  per: Duration? = null,
  maxBurst: Int? = null,
  limiter: Limiter? = null,
  failurePolicy: FailurePolicy? = null,
  taskTimeout: Duration? = null,
  options: RunOptions = RunOptions.defaults(),
): List<R> = runAllOf(tasks.asList(), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, failurePolicy, taskTimeout))

/**
 * Runs every task under the given limits and returns each one's [Outcome] (value or failure), in the
 * order of [tasks]: a task's failure never fails the call.
 *
 * Cancellable, as [runAll].
 *
 * @param limits all three limits as one value; the named limits below override its parts
 * @param maxAtOnce at most this many tasks running at any instant
 * @param maxPerSecond at most this many starts per second (GCRA); or give [maxStarts] and [per]
 * @param maxStarts with [per]: at most this many starts per [per], for example `maxStarts = 100, per = 1.minutes`
 * @param per the period [maxStarts] counts over
 * @param maxBurst how many starts the rate lets through at once (1 unless set)
 * @param limiter a shared, keyed or custom limiter every start must also pass, built in Java or Kotlin
 * @param taskTimeout a task running longer is cancelled and fails with `TaskTimeoutException`
 * @param options further options (buffer size, lookahead, listeners, clock); the named parameters override them
 */
public suspend fun <R> runAllOutcomes(
  vararg tasks: suspend () -> R,
  limits: Limits? = null,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  maxStarts: Int? = null,
  per: Duration? = null,
  maxBurst: Int? = null,
  limiter: Limiter? = null,
  taskTimeout: Duration? = null,
  options: RunOptions = RunOptions.defaults(),
): List<Outcome<R>> = runAllOutcomesOf(tasks.asList(), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, null, taskTimeout))

/**
 * Runs [tasks] under the given limits until one succeeds, returns its result and cancels the rest.
 * If all fail, throws one `TasksFailedException` carrying every failure; no tasks is a clear
 * `IllegalArgumentException`.
 *
 * Cancellable: cancelling the caller cancels every running task, and this function returns only
 * after they have ended.
 *
 * @param limits all three limits as one value; the named limits below override its parts
 * @param maxAtOnce at most this many tasks running at any instant
 * @param maxPerSecond at most this many starts per second (GCRA); or give [maxStarts] and [per]
 * @param maxStarts with [per]: at most this many starts per [per], for example `maxStarts = 100, per = 1.minutes`
 * @param per the period [maxStarts] counts over
 * @param maxBurst how many starts the rate lets through at once (1 unless set)
 * @param limiter a shared, keyed or custom limiter every start must also pass, built in Java or Kotlin
 * @param taskTimeout a task running longer is cancelled and fails with `TaskTimeoutException`
 * @param options further options (buffer size, lookahead, listeners, clock); the named parameters override them
 */
public suspend fun <R> runAny(
  vararg tasks: suspend () -> R,
  limits: Limits? = null,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  maxStarts: Int? = null,
  per: Duration? = null,
  maxBurst: Int? = null,
  limiter: Limiter? = null,
  taskTimeout: Duration? = null,
  options: RunOptions = RunOptions.defaults(),
): R = runAnyOf(tasks.asList(), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, null, taskTimeout))
