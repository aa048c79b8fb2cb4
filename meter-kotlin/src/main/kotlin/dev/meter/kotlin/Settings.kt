package dev.meter.kotlin

import dev.meter.api.Limits
import dev.meter.api.RunOptions
import dev.meter.api.spi.Limiter
import kotlinx.coroutines.CoroutineScope

/**
 * What every entry point takes besides its work, gathered once so that each turns it into
 * [RunOptions] the same way: the named limits over [limits], over the limits of [base]; a [limiter]
 * replaces the one of [base]. Checked when the call is made, before any item is taken.
 */
internal class Settings(
  private val base: RunOptions,
  limits: Limits?,
  maxAtOnce: Int?,
  maxPerSecond: Double?,
  limiter: Limiter?,
) {
  private val options: RunOptions = base.toBuilder()
    .limits((limits ?: base.limits()).with(maxAtOnce, maxPerSecond))
    .apply { limiter?.let(::limiter) }
    .build()

  /** These settings with another buffer size: a fused `buffer(n)` after an amap. */
  fun withBufferSize(bufferSize: Int): Settings =
    Settings(options.toBuilder().bufferSize(bufferSize).build(), null, null, null, null)

  /**
   * The run's options. Unless they set a time source, the run takes [scope]'s
   * ([asTimeSource]): the test scheduler's virtual time under `runTest`, otherwise timers that fire on
   * [scope]'s dispatcher.
   */
  fun toRunOptions(scope: CoroutineScope): RunOptions =
    if (options.timeSource() != null) options else options.toBuilder().timeSource(scope.asTimeSource()).build()
}
