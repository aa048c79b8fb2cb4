package dev.meter.kotlin

import dev.meter.api.Limits
import dev.meter.api.FailurePolicy
import dev.meter.api.ItemResult
import dev.meter.api.spi.Limiter
import dev.meter.api.Outcome
import dev.meter.api.RunOptions
import kotlin.time.Duration
import kotlinx.coroutines.flow.Flow

/**
 * Runs [task] on each of these items, under the given limits, and returns when every task has
 * ended. An item is taken only when its task may start.
 *
 * Cancellable: cancelling the caller cancels the run and every running task (each a child coroutine
 * of the caller, in its context), and this function returns only after they have ended. A failing
 * task fails the call with its own exception, unwrapped, after the running ones are cancelled
 * (fail fast), or, with [failurePolicy] `RUN_ALL_THEN_THROW`, once all ran; with [captureOutcome]
 * task failures never fail the call.
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
 * @param captureOutcome task failures do not fail the call (they are dropped: use [amapResults] to see them)
 * @param task what to do with one item; runs as a child coroutine of the caller
 */
public suspend fun <T> Iterable<T>.runOnEach(
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
  captureOutcome: Boolean = false,
  task: suspend (T) -> Unit,
): Unit = runOnEachOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, failurePolicy, taskTimeout), captureOutcome, task)

/**
 * A flow of [task]'s results over these items, in the order the tasks finish. Each collection
 * is one run under the given limits; an item is taken only when its task may start, and a collector
 * that stops reading stops new starts once the run's buffer is full.
 *
 * Cancellable: cancelling the collector, or stopping early (`take`, `first`), cancels the run and
 * every running task, and collection ends only after they have ended. A failing task fails the flow
 * with its own exception, unwrapped (fail fast unless [failurePolicy] says otherwise).
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
 * @param task what to do with one item; runs as a child coroutine of the collector, in its context
 */
public fun <T, R> Iterable<T>.amap(
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
  task: suspend (T) -> R,
): Flow<R> = amapOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, failurePolicy, taskTimeout), ordered = false, task)

/**
 * Like [amap], but the results come in input order: a result that finishes early waits in the
 * run's bounded re-order buffer for the ones before it.
 *
 * Cancellable, as [amap].
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
 * @param task what to do with one item; runs as a child coroutine of the collector, in its context
 */
public fun <T, R> Iterable<T>.amapOrdered(
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
  task: suspend (T) -> R,
): Flow<R> = amapOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, failurePolicy, taskTimeout), ordered = true, task)

/**
 * Like [amap], but each result is an [ItemResult]: the input's position, the input itself and the
 * task's `Outcome`. A task's failure is an `Outcome` failure and never fails the flow — a per-item
 * error report ([failurePolicy] does not apply).
 * With [ordered] the results come in input order.
 *
 * Cancellable, as [amap].
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
 * @param ordered results in input order instead of completion order
 * @param task what to do with one item; runs as a child coroutine of the collector, in its context
 */
public fun <T, R> Iterable<T>.amapResults(
  limits: Limits? = null,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  maxStarts: Int? = null,
  per: Duration? = null,
  maxBurst: Int? = null,
  limiter: Limiter? = null,
  taskTimeout: Duration? = null,
  options: RunOptions = RunOptions.defaults(),
  ordered: Boolean = false,
  task: suspend (T) -> R,
): Flow<ItemResult<T, R>> =
  amapResultsOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, null, taskTimeout), ordered, task)

/**
 * Runs [task] on each of these items, pulled lazily, under the given limits, and returns when every task has
 * ended. An item is taken only when its task may start.
 *
 * Cancellable: cancelling the caller cancels the run and every running task (each a child coroutine
 * of the caller, in its context), and this function returns only after they have ended. A failing
 * task fails the call with its own exception, unwrapped, after the running ones are cancelled
 * (fail fast), or, with [failurePolicy] `RUN_ALL_THEN_THROW`, once all ran; with [captureOutcome]
 * task failures never fail the call.
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
 * @param captureOutcome task failures do not fail the call (they are dropped: use [amapResults] to see them)
 * @param task what to do with one item; runs as a child coroutine of the caller
 */
public suspend fun <T> Sequence<T>.runOnEach(
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
  captureOutcome: Boolean = false,
  task: suspend (T) -> Unit,
): Unit = runOnEachOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, failurePolicy, taskTimeout), captureOutcome, task)

/**
 * A flow of [task]'s results over these items, pulled lazily, in the order the tasks finish. Each collection
 * is one run under the given limits; an item is taken only when its task may start, and a collector
 * that stops reading stops new starts once the run's buffer is full.
 *
 * Cancellable: cancelling the collector, or stopping early (`take`, `first`), cancels the run and
 * every running task, and collection ends only after they have ended. A failing task fails the flow
 * with its own exception, unwrapped (fail fast unless [failurePolicy] says otherwise).
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
 * @param task what to do with one item; runs as a child coroutine of the collector, in its context
 */
public fun <T, R> Sequence<T>.amap(
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
  task: suspend (T) -> R,
): Flow<R> = amapOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, failurePolicy, taskTimeout), ordered = false, task)

/**
 * Like [amap], but the results come in input order: a result that finishes early waits in the
 * run's bounded re-order buffer for the ones before it.
 *
 * Cancellable, as [amap].
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
 * @param task what to do with one item; runs as a child coroutine of the collector, in its context
 */
public fun <T, R> Sequence<T>.amapOrdered(
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
  task: suspend (T) -> R,
): Flow<R> = amapOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, failurePolicy, taskTimeout), ordered = true, task)

/**
 * Like [amap], but each result is an [ItemResult]: the input's position, the input itself and the
 * task's `Outcome`. A task's failure is an `Outcome` failure and never fails the flow — a per-item
 * error report ([failurePolicy] does not apply).
 * With [ordered] the results come in input order.
 *
 * Cancellable, as [amap].
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
 * @param ordered results in input order instead of completion order
 * @param task what to do with one item; runs as a child coroutine of the collector, in its context
 */
public fun <T, R> Sequence<T>.amapResults(
  limits: Limits? = null,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  maxStarts: Int? = null,
  per: Duration? = null,
  maxBurst: Int? = null,
  limiter: Limiter? = null,
  taskTimeout: Duration? = null,
  options: RunOptions = RunOptions.defaults(),
  ordered: Boolean = false,
  task: suspend (T) -> R,
): Flow<ItemResult<T, R>> =
  amapResultsOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, null, taskTimeout), ordered, task)

/**
 * Runs [task] on each of these items, collected lazily in the caller's context, under the given limits, and returns when every task has
 * ended. An item is taken only when its task may start.
 *
 * Cancellable: cancelling the caller cancels the run and every running task (each a child coroutine
 * of the caller, in its context), and this function returns only after they have ended. A failing
 * task fails the call with its own exception, unwrapped, after the running ones are cancelled
 * (fail fast), or, with [failurePolicy] `RUN_ALL_THEN_THROW`, once all ran; with [captureOutcome]
 * task failures never fail the call.
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
 * @param captureOutcome task failures do not fail the call (they are dropped: use [amapResults] to see them)
 * @param task what to do with one item; runs as a child coroutine of the caller
 */
public suspend fun <T> Flow<T>.runOnEach(
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
  captureOutcome: Boolean = false,
  task: suspend (T) -> Unit,
): Unit = runOnEachOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, failurePolicy, taskTimeout), captureOutcome, task)

/**
 * A flow of [task]'s results over these items, collected lazily in the caller's context, in the order the tasks finish. Each collection
 * is one run under the given limits; an item is taken only when its task may start, and a collector
 * that stops reading stops new starts once the run's buffer is full.
 *
 * Cancellable: cancelling the collector, or stopping early (`take`, `first`), cancels the run and
 * every running task, and collection ends only after they have ended. A failing task fails the flow
 * with its own exception, unwrapped (fail fast unless [failurePolicy] says otherwise).
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
 * @param task what to do with one item; runs as a child coroutine of the collector, in its context
 */
public fun <T, R> Flow<T>.amap(
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
  task: suspend (T) -> R,
): Flow<R> = amapOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, failurePolicy, taskTimeout), ordered = false, task)

/**
 * Like [amap], but the results come in input order: a result that finishes early waits in the
 * run's bounded re-order buffer for the ones before it.
 *
 * Cancellable, as [amap].
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
 * @param task what to do with one item; runs as a child coroutine of the collector, in its context
 */
public fun <T, R> Flow<T>.amapOrdered(
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
  task: suspend (T) -> R,
): Flow<R> = amapOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, failurePolicy, taskTimeout), ordered = true, task)

/**
 * Like [amap], but each result is an [ItemResult]: the input's position, the input itself and the
 * task's `Outcome`. A task's failure is an `Outcome` failure and never fails the flow — a per-item
 * error report ([failurePolicy] does not apply).
 * With [ordered] the results come in input order.
 *
 * Cancellable, as [amap].
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
 * @param ordered results in input order instead of completion order
 * @param task what to do with one item; runs as a child coroutine of the collector, in its context
 */
public fun <T, R> Flow<T>.amapResults(
  limits: Limits? = null,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  maxStarts: Int? = null,
  per: Duration? = null,
  maxBurst: Int? = null,
  limiter: Limiter? = null,
  taskTimeout: Duration? = null,
  options: RunOptions = RunOptions.defaults(),
  ordered: Boolean = false,
  task: suspend (T) -> R,
): Flow<ItemResult<T, R>> =
  amapResultsOf(Input.of(this), Settings(options, limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, limiter, null, taskTimeout), ordered, task)
