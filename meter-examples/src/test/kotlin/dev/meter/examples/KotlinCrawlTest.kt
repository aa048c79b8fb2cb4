package dev.meter.examples

import dev.meter.api.Limits
import dev.meter.api.Rate
import kotlinx.coroutines.runBlocking
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

class KotlinCrawlTest {
  @Test
  fun run_kotlinFlowAndJavaAmapShareOneLimiter_serverSeesOneLimit(): Unit = runBlocking {
    RateLimitedServer.start(RateLimitedServer.Limits.defaults()).use { server ->
      // Given 4 at once, 20 per second, bursts of 3, shared by a Kotlin flow and a Java amap
      val result = KotlinCrawl.run(server, 40, Limits.of(4, Rate.perSecond(20.0), 3))

      // Then both halves were fetched, the server never had more than 4 in flight, and refused none
      assertThat(result.kotlinPages).isEqualTo(20)
      assertThat(result.javaPages).isEqualTo(20)
      assertThat(result.server.served()).isEqualTo(40)
      assertThat(result.server.peakInFlight()).isBetween(1, 4)
      assertThat(result.server.refused()).isZero()
    }
  }
}
