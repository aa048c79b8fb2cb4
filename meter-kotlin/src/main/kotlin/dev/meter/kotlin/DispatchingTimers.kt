package dev.meter.kotlin

import java.util.concurrent.AbstractExecutorService
import java.util.concurrent.Callable
import java.util.concurrent.ScheduledExecutorService
import java.util.concurrent.ScheduledFuture
import java.util.concurrent.ScheduledThreadPoolExecutor
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch

/**
 * A run's timers in real time: they wait on one shared JDK timer thread, with its nanosecond
 * precision, and then run their action as a coroutine of the run's scope, on the caller's dispatcher.
 * So the run's drain loop, when a rate lets the next task start, runs where that task will run and can
 * start it at once (see [RunThreads]); a timer of a run whose scope has ended does nothing.
 */
internal class DispatchingTimers(private val scope: CoroutineScope) : AbstractExecutorService(), ScheduledExecutorService {
  @Volatile
  private var shut = false

  private fun inScope(command: Runnable): Runnable = Runnable { scope.launch { command.run() } }

  override fun schedule(command: Runnable, delay: Long, unit: TimeUnit): ScheduledFuture<*> =
    shared.schedule(inScope(command), delay, unit)

  /** A callable's result is its future's, so it runs on the timer thread itself (a run sets none). */
  override fun <V> schedule(callable: Callable<V>, delay: Long, unit: TimeUnit): ScheduledFuture<V> =
    shared.schedule(callable, delay, unit)

  override fun scheduleAtFixedRate(command: Runnable, initialDelay: Long, period: Long, unit: TimeUnit): ScheduledFuture<*> =
    shared.scheduleAtFixedRate(inScope(command), initialDelay, period, unit)

  override fun scheduleWithFixedDelay(command: Runnable, initialDelay: Long, delay: Long, unit: TimeUnit): ScheduledFuture<*> =
    shared.scheduleWithFixedDelay(inScope(command), initialDelay, delay, unit)

  override fun execute(command: Runnable) {
    scope.launch { command.run() }
  }

  /** The timer thread is shared by every run: shutting down only marks this view. */
  override fun shutdown() {
    shut = true
  }

  override fun shutdownNow(): MutableList<Runnable> {
    shut = true
    return mutableListOf()
  }

  override fun isShutdown(): Boolean = shut

  override fun isTerminated(): Boolean = shut

  override fun awaitTermination(timeout: Long, unit: TimeUnit): Boolean = shut

  private companion object {
    val shared: ScheduledExecutorService by lazy {
      ScheduledThreadPoolExecutor(1) { runnable ->
        Thread(runnable, "meter-kotlin-timer").apply { isDaemon = true }
      }.apply { removeOnCancelPolicy = true }
    }
  }
}
