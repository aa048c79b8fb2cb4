package dev.meter.kotlin

import kotlin.coroutines.ContinuationInterceptor
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.MainCoroutineDispatcher
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.TestCoroutineScheduler
import kotlinx.coroutines.test.TestDispatcher

/**
 * Virtual time under kotlinx-coroutines-test: when a run's coroutines run on a [TestDispatcher] (or on
 * `Dispatchers.Main` set to one), the run reads the test scheduler's clock and sets its timers as coroutine delays on it, so rate waits
 * pass in virtual time (`runTest` skips them) instead of on the wall clock.
 *
 * kotlinx-coroutines-test is an optional dependency: without it on the class path this is never
 * looked at further than the one class check.
 */
internal class TestTime {
  internal companion object {
    private val testLibraryPresent: Boolean = try {
      Class.forName("kotlinx.coroutines.test.TestDispatcher", false, TestTime::class.java.classLoader)
      true
    } catch (absent: ClassNotFoundException) {
      false
    } catch (absent: LinkageError) {
      false
    }

    /** The test clock of [scope]'s dispatcher as a time source, or null when it is not a test dispatcher. */
    fun of(scope: CoroutineScope): CoroutineTimers? =
      if (testLibraryPresent) TestDispatchers.timeOf(scope) else null
  }
}

/** Touches kotlinx-coroutines-test's classes; only loaded once they are known to be there. */
private object TestDispatchers {
  @OptIn(ExperimentalCoroutinesApi::class)
  fun timeOf(scope: CoroutineScope): CoroutineTimers? {
    val scheduler = when (val dispatcher = scope.coroutineContext[ContinuationInterceptor]) {
      is TestDispatcher -> dispatcher.scheduler
      is MainCoroutineDispatcher -> mainTestScheduler() ?: return null
      else -> return null
    }
    return CoroutineTimers(scope) { scheduler.currentTime * NANOS_PER_MILLI }
  }

  /**
   * The test scheduler behind `Dispatchers.Main` when a test has set it to a test dispatcher
   * (`Dispatchers.setMain`, as Android `viewModelScope` tests do); null otherwise. Found through public
   * API only: a `StandardTestDispatcher` made without a scheduler takes Main's when Main is a test
   * dispatcher, and a new one each time when not, so two of them share a scheduler exactly when Main
   * has one.
   */
  @OptIn(ExperimentalCoroutinesApi::class)
  private fun mainTestScheduler(): TestCoroutineScheduler? {
    val first = StandardTestDispatcher().scheduler
    return if (StandardTestDispatcher().scheduler === first) first else null
  }
}

internal const val NANOS_PER_MILLI: Long = 1_000_000L
