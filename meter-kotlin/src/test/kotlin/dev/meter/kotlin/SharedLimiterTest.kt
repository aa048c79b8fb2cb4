package dev.meter.kotlin

import dev.meter.api.LimiterConfig
import dev.meter.api.Limits
import dev.meter.api.event.StatsRecorder
import dev.meter.api.RunOptions
import dev.meter.core.Meter
import java.util.concurrent.CompletableFuture
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.count
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/** One limiter, built in Java, holds one limit for a Kotlin flow and a Java amap running at once. */
class SharedLimiterTest {

  @Test
  fun sharedLimiter_kotlinFlowAndJavaAmapAtOnce_holdOneLimitTogether(): Unit = runBlocking {
    // Given a limiter of 3 at once built with the Java API, and one probe seeing both sides' tasks
    val limiter = Meter.limiter(LimiterConfig.builder().maxAtOnce(3).build())
    val probe = Probe()
    val timer = Executors.newSingleThreadScheduledExecutor()
    try {
      // When a Kotlin flow and a Java amap (on another thread) each run 40 tasks through it
      val kotlinSide = async(Dispatchers.Default) {
        (0 until 40).asFlow().amap(limiter = limiter) { i -> probe.track("k$i") { delay(2.milliseconds) } }.count()
      }
      val javaSide = CompletableFuture.supplyAsync {
        Meter.with(RunOptions.builder().limiter(limiter).build()).amap((0 until 40).toList()) { i: Int ->
          probe.started.add("j$i")
          probe.peak.accumulateAndGet(probe.active.incrementAndGet(), Math::max)
          val done = CompletableFuture<Int>()
          timer.schedule({
            probe.active.decrementAndGet()
            probe.ended.add("j$i")
            done.complete(i)
          }, 2, TimeUnit.MILLISECONDS)
          done
        }.use { results -> results.count() }
      }

      // Then both finish, and never more than 3 ran at once on both sides together
      assertThat(kotlinSide.await()).isEqualTo(40)
      assertThat(withContext(Dispatchers.IO) { javaSide.get(60, TimeUnit.SECONDS) }).isEqualTo(40)
      assertThat(probe.ended).hasSize(80)
      assertThat(probe.peak.get()).isLessThanOrEqualTo(3)
      assertThat(limiter.stats().succeeded()).isEqualTo(80)
      assertThat(limiter.stats().running()).isZero()
    } finally {
      timer.shutdownNow()
    }
  }

  @Test
  fun limiters_builtInKotlin_takeANameAndAListener(): Unit = runBlocking {
    // Given limiters named in Kotlin, one with a listener that counts its starts
    val stats = StatsRecorder()
    val shared = sharedLimiter(maxAtOnce = 2, name = "github", listener = stats)
    val keyed = keyedLimiter<String>(maxAtOnce = 1, name = "per-host")
    val adaptive = adaptiveLimiter(Limits.of(4), name = "search")

    // When a flow runs through the shared one
    (1..5).asFlow().amap(limiter = shared) { it }.count()

    // Then each has its name, and the listener heard every task
    assertThat(listOf(shared.name(), keyed.name(), adaptive.name())).containsExactly("github", "per-host", "search")
    assertThat(stats.snapshot().succeeded()).isEqualTo(5)
  }
}
