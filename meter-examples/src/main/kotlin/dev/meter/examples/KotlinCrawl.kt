package dev.meter.examples

import dev.meter.api.Limits
import dev.meter.api.Rate
import dev.meter.kotlin.amap
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.count
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking

/**
 * The crawl in Kotlin: half of the pages through a `Flow` with [amap] and suspending HTTP calls, the
 * other half through the Java [Crawl] at the same time, both through the Java crawl's one shared
 * limiter. The server sees one limit: never more than `maxAtOnce` in flight, no refusal.
 */
public object KotlinCrawl {

  /** What each side fetched, and what the server saw. */
  public class Result(public val kotlinPages: Int, public val javaPages: Int, public val server: RateLimitedServer.Stats)

  /** Runs the mixed crawl of [n] pages against [server] with the given limits. */
  public suspend fun run(server: RateLimitedServer, n: Int, limits: Limits): Result = coroutineScope {
    val client = HttpClient.newHttpClient()
    val javaCrawl = Crawl(client, limits, Crawl.PageCounter {})
    val pages = (0 until n).map { server.page(it) }
    val kotlinHalf = pages.filterIndexed { i, _ -> i % 2 == 0 }
    val javaHalf = pages.filterIndexed { i, _ -> i % 2 == 1 }

    val javaSide = async(Dispatchers.IO) { javaCrawl.fetchAll(javaHalf) }
    val kotlinPages = kotlinHalf.asFlow()
      .amap(limiter = javaCrawl.limiter()) { url -> client.get(url) }
      .count()
    Result(kotlinPages, javaSide.await().pages(), server.stats())
  }

  private suspend fun HttpClient.get(url: URI): String {
    val response = sendAsync(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofString()).await()
    check(response.statusCode() == 200) { "HTTP ${response.statusCode()} for $url" }
    return response.body()
  }

  /** `java -cp meter-examples/target/meter-examples.jar dev.meter.examples.KotlinCrawl` */
  @JvmStatic
  public fun main(args: Array<String>): Unit = runBlocking {
    RateLimitedServer.start(RateLimitedServer.Limits.defaults()).use { server ->
      val limits = Limits.of(5, Rate.perSecond(20.0), 3)
      val result = run(server, 100, limits)
      println(
        "Kotlin flow fetched ${result.kotlinPages} pages and Java amap ${result.javaPages}, through one limiter; " +
          "server: peak ${result.server.peakInFlight()} in flight (limit ${limits.maxAtOnce()}), refused ${result.server.refused()}",
      )
    }
  }
}
