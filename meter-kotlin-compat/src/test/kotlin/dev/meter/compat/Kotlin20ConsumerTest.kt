package dev.meter.compat

import dev.meter.api.Limits
import dev.meter.api.Rate
import dev.meter.kotlin.amap
import dev.meter.kotlin.asTimeSource
import dev.meter.kotlin.pace
import dev.meter.kotlin.runAll
import dev.meter.kotlin.runOnEach
import dev.meter.kotlin.sharedLimiter
import dev.meter.kotlin.withPermit
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/** A Kotlin 2.0.21 project calling meter-kotlin: it must compile against it and run. */
@OptIn(ExperimentalCoroutinesApi::class)
class Kotlin20ConsumerTest {

  @Test
  fun entryPoints_fromKotlin20_compileAndRunInVirtualTime() = runTest {
    val startedAt = mutableListOf<Long>()
    listOf(1, 2, 3).runOnEach(limits = Limits.of(2, Rate.perSecond(1.0))) { startedAt += currentTime }
    val doubled = (1..4).asFlow().amap(maxAtOnce = 2) { it * 2 }.buffer(4).toList()  // buffer fused into the run
    val both = runAll({ "a" }, { "b" })
    val paced = (1..3).asFlow().pace(maxPerSecond = 10.0).toList()
    val pool = sharedLimiter(maxAtOnce = 1, timeSource = backgroundScope.asTimeSource())

    assertThat(startedAt).containsExactly(0L, 1_000L, 2_000L)
    assertThat(doubled).containsExactlyInAnyOrder(2, 4, 6, 8)
    assertThat(both).containsExactly("a", "b")
    assertThat(paced).containsExactly(1, 2, 3)
    assertThat(pool.withPermit { "held" }).isEqualTo("held")
  }

  @Test
  fun coroutines_atRunTime_areThePinned110() {
    // What the test above ran on: the consumer's own kotlinx-coroutines, not the 1.11 meter-kotlin was built with.
    val jar = kotlinx.coroutines.Job::class.java.protectionDomain.codeSource.location.path

    assertThat(jar).contains("kotlinx-coroutines-core-jvm/1.10.2/")
  }
}
