package dev.meter.kotlin

import dev.meter.api.FailurePolicy
import dev.meter.api.spi.Limiter
import dev.meter.api.Limits
import dev.meter.api.RunOptions
import kotlin.time.Duration
import kotlin.time.toJavaDuration
import kotlinx.coroutines.CoroutineScope

/**
 * The named options every entry point takes, gathered once so that each entry point turns them into
 * [RunOptions] the same way. A null field leaves the value of [base] as it is.
 */
internal class Settings(
  private val base: RunOptions,
  private val limits: Limits?,
  private val maxAtOnce: Int?,
  private val maxPerSecond: Double?,
  private val maxStarts: Int?,
  private val per: Duration?,
  private val maxBurst: Int?,
  private val limiter: Limiter?,
  private val failurePolicy: FailurePolicy?,
  private val taskTimeout: Duration?,
) {
  init {
    // Checked here, when the call is made: before any item is taken or any task starts.
    require(taskTimeout == null || (taskTimeout.isPositive() && taskTimeout.isFinite())) {
      "taskTimeout must be a finite positive duration, but was $taskTimeout"
    }
    toBuilder()  // the core builder checks every limit and how they combine
  }

  /**
   * The run's options. Under `runTest` they take the test scheduler's virtual time (see [TestTime]);
   * otherwise, unless the options set a time source, the run's timers fire on [scope]'s dispatcher
   * ([DispatchingTimers]).
   */
  fun toRunOptions(scope: CoroutineScope): RunOptions {
    val builder = toBuilder()
    if (base.timeSource() == null) {
      builder.timeSource(scope.asTimeSource())
    }
    return builder.build()
  }

  private fun toBuilder(): RunOptions.Builder {
    val builder = base.toBuilder().limits((limits ?: base.limits()).with(maxAtOnce, maxPerSecond, maxStarts, per, maxBurst))
    limiter?.let(builder::limiter)
    failurePolicy?.let(builder::failurePolicy)
    taskTimeout?.let { builder.taskTimeout(it.toJavaDuration()) }
    builder.build()  // checks the combination now
    return builder
  }
}
