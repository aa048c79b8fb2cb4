package dev.meter.kotlin

import dev.meter.api.AdaptiveLimiter
import dev.meter.api.Limits
import dev.meter.api.OverloadedException
import dev.meter.api.Rate
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatThrownBy
import org.junit.jupiter.api.Test
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes

/** The adaptive limiter with Kotlin's named parameters, on runTest's clock. */
@OptIn(ExperimentalCoroutinesApi::class)
class AdaptiveLimiterKotlinTest {

  @Test
  fun adaptiveLimiter_refusalsAsThrownOrAsValues_lowerItsLimits() = runTest {
    // Given an adaptive limiter of 4 at once and 10 per second, for which an answer of 429 is a refusal too
    val changes = mutableListOf<AdaptiveLimiter.Change>()
    val service = adaptiveLimiter(
      limits = Limits.of(4, Rate.perSecond(10.0), 4),
      overloadWhen = { outcome -> (outcome.isSuccess && outcome.getOrThrow() == 429) || outcome.failureOrNull() is OverloadedException },
      onChange = { changes += it },
      timeSource = backgroundScope.asTimeSource(),
    )

    // When a first burst is refused by a thrown OverloadedException, and later ones by a 429 answer
    val answers = (1..12).toList().amapResults(limiter = service) { i ->
      delay(100)
      when {
        i <= 4 -> throw OverloadedException("503")
        i % 2 == 0 -> 429
        else -> 200
      }
    }.toList()

    // Then each kind of refusal lowered the limits, and never above where they started
    assertThat(answers).hasSize(12)
    assertThat(changes.first().cause).isEqualTo(AdaptiveLimiter.Cause.OVERLOAD)
    assertThat(changes.first().after).isEqualTo(Limits.of(3, Rate.perSecond(9.0), 3))
    assertThat(changes.count { it.cause == AdaptiveLimiter.Cause.OVERLOAD }).isGreaterThanOrEqualTo(2)
    assertThat(service.limits().rate()!!.perSecond()).isLessThan(9.0)
  }

  @Test
  fun keyedAdaptiveLimiter_eachHostAdaptsOnItsOwn_andChangesNameTheirKey() = runTest {
    // Given a limiter per host from 10 per second, and host b refusing its first three requests
    val changes = mutableListOf<AdaptiveLimiter.Change>()
    val perHost = keyedAdaptiveLimiter<String>(
      limits = Limits.of(Rate.perSecond(10.0), 2),
      onChange = { changes += it },
      forgetAfter = 5.minutes,
      timeSource = backgroundScope.asTimeSource(),
    )
    var refusedByB = 0

    // When requests to both go through it, b's refusals tried again
    val answers = listOf("a1", "b1", "a2", "b2", "a3", "b3", "b4", "a4").asFlow().amap(
      limiter = perHost.by { item: String -> item.take(1) },
      options = runOptions { retry(retryPolicy(maxAttempts = 5, initialDelay = 10.milliseconds)) },
    ) { item ->
      delay(10)
      if (item.startsWith("b") && refusedByB < 3) {
        refusedByB++
        throw OverloadedException("429 from b", null, OverloadedException.Exceeded.RATE)
      }
      item
    }.toList()

    // Then every request was answered, only b's limits came down, and each change names b
    assertThat(answers).hasSize(8)
    assertThat(perHost.limits("b").orElseThrow().rate()!!.perSecond()).isLessThan(10.0)
    assertThat(changes).isNotEmpty().allSatisfy { assertThat(it.key).isEqualTo("b") }
    assertThatThrownBy { keyedAdaptiveLimiter<String>(limits = Limits.of(4), forgetAfter = 0.minutes) }
      .hasMessage("forgetAfter must be a finite positive duration, but was 0s")
  }

  @Test
  fun adaptiveLimiter_badValues_throwNamingThem() {
    assertThatThrownBy { adaptiveLimiter(limits = Limits.of(4), backoffRatio = 1.5) }
      .hasMessage("backoffRatio must be > 0 and < 1, but was 1.5")
    assertThatThrownBy { adaptiveLimiter(limits = Limits.of(4), minPerSecond = 1.0) }
      .hasMessage("minPerSecond and maxPerSecond need a starting rate, but the limiter has none")
  }

  @Test
  fun costLimiter_namedParameters_chargeEachStartItsCost() = runTest {
    // Given 600 tokens a minute in bursts of 300, and prompts of 100 and 200 tokens
    val tokens = costLimiter<Int>(rate = Rate.of(600.0, java.time.Duration.ofMinutes(1)), maxBurst = 300,
      timeSource = backgroundScope.asTimeSource()) { size -> size.toLong() }
    val startedAt = mutableListOf<Long>()

    // When four run through it
    listOf(200, 100, 200, 100).asFlow().runOnEach(limiter = tokens) { startedAt += currentTime }

    // Then the first two fit the burst, the next waits for 200 more tokens (20 s), the last for 100 (10 s)
    assertThat(startedAt).containsExactly(0L, 0L, 20_000L, 30_000L)
  }
}
