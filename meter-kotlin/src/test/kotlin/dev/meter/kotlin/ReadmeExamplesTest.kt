package dev.meter.kotlin

import dev.meter.api.RunOptions
import dev.meter.core.Meter
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.future.await
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/** The README's Kotlin examples, as written there, against fakes, in virtual time. */
@OptIn(ExperimentalCoroutinesApi::class)
class ReadmeExamplesTest {
  data class Page(val url: String)

  private val urls = (1..12).map { "https://example.com/$it" }
  private val stored = mutableListOf<Page>()

  private suspend fun fetch(url: String): Page {
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

    val pages: List<Page> = urls.asFlow()
      .amap(maxAtOnce = 5, maxPerSecond = 10.0, maxBurst = 3) { url -> fetch(url) }
      .toList()
    urls.runOnEach(maxAtOnce = 5) { url -> store(fetch(url)) }
    val inOrder: Flow<Page> = urls.amapOrdered(maxAtOnce = 5) { fetch(it) }
    val fastest: Page = runAny({ fetch(mirror1) }, { fetch(mirror2) })
    val all: List<Int> = runAll({ count(a) }, { count(b) }, maxAtOnce = 2)
    val startedAt = mutableListOf<Long>()
    val before = currentTime
    urls.runOnEach(maxStarts = 100, per = 1.minutes) { startedAt += currentTime; fetch(it) }

    assertThat(pages.map { it.url }).containsExactlyInAnyOrderElementsOf(urls)
    assertThat(stored).hasSize(12)
    assertThat(inOrder.toList().map { it.url }).isEqualTo(urls)
    assertThat(fastest.url).isIn(mirror1, mirror2)
    assertThat(all).containsExactly(2, 3)
    assertThat(startedAt.zipWithNext { x, y -> y - x }).`as`("100 per minute: one start every 600 ms").containsOnly(600L).hasSize(11)
    assertThat(startedAt.first()).`as`("the first start is at once").isEqualTo(before)
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

    val api = sharedLimiter(maxAtOnce = 10, maxPerSecond = 50.0)
    val fromKotlin = ids.asFlow().amap(limiter = api) { client.get(it) }
    val fromJava = Meter.with(RunOptions.builder().limiter(api).build()).runAll(ids.map { id -> dev.meter.api.AsyncCall { client.getAsync(id) } })

    assertThat(fromKotlin.toList()).containsExactlyInAnyOrder("item 1", "item 2", "item 3")
    assertThat(fromJava.await()).containsExactly("item 1", "item 2", "item 3")
  }

  @Test
  fun virtualTimeExample_runsAsWritten() = runTest {
    val startedAt = mutableListOf<Long>()
    (1..100).asFlow().amap(maxPerSecond = 1.0) { startedAt += currentTime }.collect()
    assertThat(currentTime).isEqualTo(99_000)
  }
}
