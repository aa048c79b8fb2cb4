package dev.meter.kotlin

import dev.meter.api.Limits
import dev.meter.api.Rate
import io.lettuce.core.RedisClient
import java.net.ServerSocket
import java.util.UUID
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.count
import kotlinx.coroutines.runBlocking
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatThrownBy
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import redis.embedded.RedisServer

/** meter-redis's limiters from Kotlin: built with named parameters, passed as `limiter =`, against a real redis-server. */
class RedisKotlinTest {
  companion object {
    private lateinit var server: RedisServer
    private lateinit var client: RedisClient

    @JvmStatic
    @BeforeAll
    fun startRedis() {
      val port = ServerSocket(0).use { it.localPort }
      server = RedisServer.newRedisServer().bind("127.0.0.1").port(port).setting("save \"\"").build()
      server.start()
      client = RedisClient.create("redis://127.0.0.1:$port")
    }

    @JvmStatic
    @AfterAll
    fun stopRedis() {
      client.shutdown()
      server.stop()
    }
  }

  @Test
  fun redisLimiter_twoFlowsOnTwoConnections_shareOneQuota(): Unit = runBlocking {
    // Given two limiters on their own connections (as two JVMs would have) over one quota of 3 at once
    val name = "kotlin-" + UUID.randomUUID()
    val probe = Probe()
    client.connect().use { first ->
      client.connect().use { second ->
        redisLimiter(first, name, maxAtOnce = 3, maxPerSecond = 500.0).use { a ->
          redisLimiter(second, name, limits = Limits.of(3, Rate.perSecond(500.0))).use { b ->
            // When two flows of 40 tasks run through them at once
            val counts = listOf(a, b).map { quota ->
              async {
                (0 until 40).asFlow().amap(maxAtOnce = 8, limiter = quota) { i -> probe.track("$i") { delay(3.milliseconds) } }.count()
              }
            }.map { it.await() }

            // Then all ran, never more than 3 at once together, and every lease went back
            assertThat(counts).containsExactly(40, 40)
            assertThat(probe.peak.get()).isLessThanOrEqualTo(3)
            assertThat(a.stats().succeeded() + b.stats().succeeded()).isEqualTo(80)
          }
        }
        assertThat(first.sync().zcard("meter:{$name}:leases")).isZero()
      }
    }
  }

  @Test
  fun redisKeyedLimiter_perKeyQuota_andBadValuesNamed(): Unit = runBlocking {
    client.connect().use { connection ->
      redisKeyedLimiter<String>(connection, "kotlin-keyed-" + UUID.randomUUID(), maxAtOnce = 1).use { perHost ->
        val probe = Probe()
        listOf("a/1", "a/2", "b/1", "b/2").runOnEach(maxAtOnce = 4, limiter = perHost.by { path: String -> path.substringBefore('/') }) { path ->
          probe.track(path) { delay(5.milliseconds) }
        }
        assertThat(probe.started).hasSize(4)
        assertThat(probe.peak.get()).isLessThanOrEqualTo(2)
      }
      assertThatThrownBy { redisLimiter(connection, "x", leaseTime = 50.milliseconds) }
        .hasMessage("leaseTime must be >= PT0.1S, but was PT0.05S")
      assertThatThrownBy { redisLimiter(connection, "x", leaseTime = kotlin.time.Duration.INFINITE) }
        .hasMessage("leaseTime must be finite, but was Infinity")
    }
  }
}
