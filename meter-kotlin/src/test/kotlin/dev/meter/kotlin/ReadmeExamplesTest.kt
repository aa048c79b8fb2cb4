package dev.meter.kotlin

import dev.meter.api.FailurePolicy
import dev.meter.api.Limits
import dev.meter.api.Rate
import dev.meter.api.RunOptions
import java.net.URI
import kotlinx.coroutines.flow.buffer
import dev.meter.core.Meter
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.future.await
import kotlinx.coroutines.test.TestCoroutineScheduler
import kotlinx.coroutines.test.currentTime
import kotlin.coroutines.coroutineContext
import kotlinx.coroutines.test.runTest
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/** What the README's flows carry in the pacing example. */
private typealias Event = Int

/** The README's Kotlin examples, as written there, against fakes, in virtual time. */
@OptIn(ExperimentalCoroutinesApi::class)
class ReadmeExamplesTest {
  data class Page(val url: String)

  private val urls = (1..12).map { "https://example.com/$it" }
  private val stored = mutableListOf<Page>()

  /** When each fetch began, in the test scheduler's virtual time. */
  private val fetchedAt = mutableListOf<Long>()

  private suspend fun fetch(url: String): Page {
    fetchedAt += coroutineContext[TestCoroutineScheduler]!!.currentTime
    delay(10.milliseconds)
    return Page(url)
  }

  private fun store(page: Page) {
    stored += page
  }

  private suspend fun count(of: String): Int {
    delay(5.milliseconds)
    return of.length
  }

  @Test
  fun kotlinSection_examples_runAsWritten() = runTest {
    val mirror1 = "https://mirror1.example.com"
    val mirror2 = "https://mirror2.example.com"
    val a = "aa"
    val b = "bbb"

    // readme:begin
    // at most 5 at once, 10 starts per second with bursts of 3; results as they finish
    val pages: List<Page> = urls.asFlow()
        .amap(limits = limits(maxAtOnce = 5, maxPerSecond = 10.0, maxBurst = 3)) { url -> fetch(url) }
        .toList()

    urls.runOnEach(maxAtOnce = 5) { url -> store(fetch(url)) }          // an Iterable or a Flow
    val inOrder: Flow<Page> = urls.amapOrdered(maxAtOnce = 5) { fetch(it) }
    val fastest: Page = runAny({ fetch(mirror1) }, { fetch(mirror2) })    // the rest are cancelled
    val all: List<Int> = runAll({ count(a) }, { count(b) }, maxAtOnce = 2)
    urls.runOnEach(limits = limits(rate = rate(100.0, per = 1.minutes))) { fetch(it) }  // 100 a minute
    // readme:end
    val paced = fetchedAt.takeLast(urls.size)  // the last call's fetches (the flow inOrder is cold: it has not run yet)

    assertThat(pages.map { it.url }).containsExactlyInAnyOrderElementsOf(urls)
    assertThat(stored).hasSize(12)
    assertThat(inOrder.toList().map { it.url }).isEqualTo(urls)
    assertThat(fastest.url).isIn(mirror1, mirror2)
    assertThat(all).containsExactly(2, 3)
    assertThat(paced.zipWithNext { x, y -> y - x }).`as`("100 per minute: one start every 600 ms").containsOnly(600L).hasSize(11)
  }

  @Test
  fun permitsPacingAndKotlinTypes_exampleRunsAsWritten() = runTest {
    val db = object {
      suspend fun query(id: Int): String {
        delay(1)
        return "row $id"
      }
    }
    val id = 7
    val events: Flow<Event> = (1..3).asFlow()
    val api = sharedLimiter(maxPerSecond = 100.0, timeSource = backgroundScope.asTimeSource())
    val perHostResults = listOf("a.example", "b.example").amapOrderedResults { it.uppercase() }
    val reported = mutableListOf<String>()
    fun report(index: Long, url: String, result: Result<String>) {
      reported += "$index $url ${result.getOrNull()}"
    }

    // readme:begin
    val pool = sharedLimiter(maxAtOnce = 4)                              // a connection pool's size, say
    val row = pool.withPermit { db.query(id) }                           // anywhere, not only in a run
    val ticks: Flow<Event> = events.pace(maxPerSecond = 10.0)            // at most 10 elements a second
    api.pauseFor(30.seconds)                                             // a kotlin.time.Duration
    perHostResults.collect { (index, url, result) -> report(index, url, result) }  // a Kotlin Result
    // readme:end

    assertThat(row).isEqualTo("row 7")
    val before = currentTime
    assertThat(ticks.toList()).containsExactly(1, 2, 3)
    assertThat(currentTime - before).`as`("three elements at 10/s: 0, 100 and 200 ms").isEqualTo(200L)
    assertThat(reported).containsExactly("0 a.example A.EXAMPLE", "1 b.example B.EXAMPLE")
    assertThat(pool.stats().succeeded()).isEqualTo(1)
  }

  @Test
  fun fiveParameters_exampleRunsAsWritten() = runTest {
    val perHost = keyedLimiter<String>(maxAtOnce = 2, timeSource = backgroundScope.asTimeSource())
    val ran = mutableListOf<Int>()
    val tasks = listOf<suspend () -> Unit>({ ran += 1 }, { ran += 2 }, { ran += 3 })

    // readme:begin
    val report = urls.amapResults(
        maxAtOnce = 5,
        limiter = perHost.by { url: String -> URI(url).host },
        options = runOptions { taskTimeout(10.seconds) },
    ) { url -> fetch(url) }.buffer(16)                                    // 16 results held for the collector
    runAll(tasks, options = runOptions { failurePolicy(FailurePolicy.RUN_ALL_THEN_THROW) })  // all run, then throw
    // readme:end

    assertThat(ran).containsExactlyInAnyOrder(1, 2, 3)
    assertThat(report.toList().map { it.outcome().getOrThrow().url }).containsExactlyInAnyOrderElementsOf(urls)
  }

  @Test
  fun oneLimiterForJavaAndKotlin_exampleRunsAsWritten() = runTest {
    val ids = listOf(1, 2, 3)
    val client = object {
      suspend fun get(id: Int): String {
        delay(1)
        return "item $id"
      }

      fun getAsync(id: Int) = java.util.concurrent.CompletableFuture.completedFuture("item $id")
    }

    // readme:begin
    val api = sharedLimiter(maxAtOnce = 10, maxPerSecond = 50.0)   // or Meter.limiter(...) from Java
    val fromKotlin = ids.asFlow().amap(limiter = api) { client.get(it) }
    // Java, same object: Meter.with(RunOptions.builder().limiter(api).build()).amap(ids, this::get)
    // readme:end
    val fromJava = Meter.with(RunOptions.builder().limiter(api).build()).runAll(ids.map { id -> dev.meter.api.AsyncCall { client.getAsync(id) } })

    assertThat(fromKotlin.toList()).containsExactlyInAnyOrder("item 1", "item 2", "item 3")
    assertThat(fromJava.await()).containsExactly("item 1", "item 2", "item 3")
  }

  // readme:begin
  @Test
  fun pacing() = runTest {
      val startedAt = mutableListOf<Long>()
      (1..100).asFlow().amap(maxPerSecond = 1.0) { startedAt += currentTime }.collect()
      assertEquals(99_000, currentTime)
  }
  // readme:end
  @Test
  fun redisQuota_exampleRunsAsWritten() = runTest {
    val port = java.net.ServerSocket(0).use { it.localPort }
    val server = redis.embedded.RedisServer.newRedisServer().bind("127.0.0.1").port(port).setting("save \"\"").build()
    server.start()
    val client = io.lettuce.core.RedisClient.create("redis://127.0.0.1:$port")
    try {
      client.connect().use { connection ->
        // readme:begin
        val quota = redisLimiter(connection, "search-api", limits = Limits.of(8, Rate.perSecond(200.0), 10), failOpen = Limits.of(3))
        val pages = urls.asFlow().amap(maxAtOnce = 16, limiter = quota) { url -> fetch(url) }.toList()
        // readme:end
        quota.close()
        assertThat(pages.map { it.url }).containsExactlyInAnyOrderElementsOf(urls)
        assertThat(quota.stats().succeeded()).isEqualTo(urls.size.toLong())
      }
    } finally {
      client.shutdown()
      server.stop()
    }
  }
}
