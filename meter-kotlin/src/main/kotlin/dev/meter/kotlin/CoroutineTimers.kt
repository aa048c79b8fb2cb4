package dev.meter.kotlin

import dev.meter.api.Ticker
import java.util.concurrent.AbstractExecutorService
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.RejectedExecutionException
import java.util.concurrent.Callable
import java.util.concurrent.Delayed
import java.util.concurrent.Executors
import java.util.concurrent.FutureTask
import java.util.concurrent.ScheduledExecutorService
import java.util.concurrent.ScheduledFuture
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch

/**
 * A [ScheduledExecutorService] whose timers are coroutine delays in [scope]: under a test dispatcher
 * they wait in virtual time. Each timer is a child of the run's scope, so none outlives the run.
 * Delays have the coroutine clock's millisecond resolution and are rounded up, so a timer never fires
 * before its time on that clock.
 */
internal class CoroutineTimers(
  private val scope: CoroutineScope,
  private val clock: Ticker,
) : AbstractExecutorService(), ScheduledExecutorService {
  private val pending: MutableSet<Timer<*>> = ConcurrentHashMap.newKeySet()

  @Volatile
  private var shut = false

  override fun schedule(command: Runnable, delay: Long, unit: TimeUnit): ScheduledFuture<*> =
    schedule(Executors.callable(command), delay, unit)

  override fun <V> schedule(callable: Callable<V>, delay: Long, unit: TimeUnit): ScheduledFuture<V> {
    val timer = Timer(callable, now() + unit.toNanos(delay))
    start(timer) {
      delay(millisUntil(timer.dueAt))
      timer.run()
    }
    return timer
  }

  override fun scheduleAtFixedRate(command: Runnable, initialDelay: Long, period: Long, unit: TimeUnit): ScheduledFuture<*> {
    require(period > 0) { "period must be > 0, but was $period" }
    return repeating(command, unit.toNanos(initialDelay)) { due -> due + unit.toNanos(period) }
  }

  override fun scheduleWithFixedDelay(command: Runnable, initialDelay: Long, delay: Long, unit: TimeUnit): ScheduledFuture<*> {
    require(delay > 0) { "delay must be > 0, but was $delay" }
    return repeating(command, unit.toNanos(initialDelay)) { _ -> now() + unit.toNanos(delay) }
  }

  private fun repeating(command: Runnable, initialDelayNanos: Long, next: (Long) -> Long): ScheduledFuture<*> {
    val timer = Timer(Executors.callable<Unit>(command, Unit), now() + initialDelayNanos)
    start(timer) {
      while (isActive) {
        delay(millisUntil(timer.dueAt))
        if (!timer.runAgain()) {
          return@start
        }
        timer.dueAt = next(timer.dueAt)
      }
    }
    return timer
  }

  private fun start(timer: Timer<*>, body: suspend CoroutineScope.() -> Unit) {
    if (shut) {
      throw RejectedExecutionException("timers of a run that has shut them down")
    }
    pending.add(timer)
    val job = scope.launch(block = body)
    job.invokeOnCompletion { pending.remove(timer) }
    timer.job = job
  }

  override fun execute(command: Runnable) {
    schedule(command, 0, TimeUnit.NANOSECONDS)
  }

  /** No new timers; those already set still fire (the JDK's default for delayed tasks). */
  override fun shutdown() {
    shut = true
  }

  /** No new timers, and those set are cancelled; returns none to run, as none ran. */
  override fun shutdownNow(): MutableList<Runnable> {
    shut = true
    pending.toList().forEach { it.cancel(false) }
    return mutableListOf()
  }

  override fun isShutdown(): Boolean = shut

  override fun isTerminated(): Boolean = shut && pending.isEmpty()

  /** Does not wait: a thread blocked here would stop the virtual clock it waits on. */
  override fun awaitTermination(timeout: Long, unit: TimeUnit): Boolean = isTerminated

  private fun now(): Long = clock.read()

  private fun millisUntil(dueAt: Long): Long {
    val nanos = dueAt - now()
    return if (nanos <= 0) 0 else (nanos + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI
  }

  private inner class Timer<V>(callable: Callable<V>, @Volatile var dueAt: Long) : FutureTask<V>(callable), ScheduledFuture<V> {
    @Volatile
    var job: Job? = null

    fun runAgain(): Boolean = runAndReset()

    override fun cancel(mayInterruptIfRunning: Boolean): Boolean {
      val cancelled = super.cancel(mayInterruptIfRunning)
      job?.cancel()
      return cancelled
    }

    override fun getDelay(unit: TimeUnit): Long = unit.convert(dueAt - now(), TimeUnit.NANOSECONDS)

    override fun compareTo(other: Delayed): Int =
      getDelay(TimeUnit.NANOSECONDS).compareTo(other.getDelay(TimeUnit.NANOSECONDS))
  }
}
