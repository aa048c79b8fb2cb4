package dev.meter.examples;

import dev.meter.api.ItemResult;
import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.core.Meter;
import dev.meter.redis.MeterRedis;
import dev.meter.redis.RedisLimiter;
import dev.meter.redis.RedisLimiterConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * One crawler process of {@link SharedQuotaCrawlExample}: fetches its pages through a quota held in
 * Redis that other crawler processes share, and prints what it did on one line for its parent.
 *
 * <p>Arguments: redis URI, quota name, the server's base URI, pages, first page, per second, burst,
 * max at once.
 */
public final class QuotaCrawler {
  private QuotaCrawler() {}

  /** Crawls its pages; the arguments are in the class comment. */
  public static void main(String[] args) throws Exception {
    URI redisUri = URI.create(args[0]);
    String quota = args[1];
    URI base = URI.create(args[2]);
    int pages = Integer.parseInt(args[3]);
    int first = Integer.parseInt(args[4]);
    Limits limits = Limits.of(Integer.parseInt(args[7]), Rate.perSecond(Double.parseDouble(args[5])), Integer.parseInt(args[6]));

    List<URI> urls = new ArrayList<>();
    for (int page = first; page < first + pages; page++) {
      urls.add(base.resolve("/page/" + page));
    }
    RedisClient client = RedisClient.create(redisUri.toString());
    try (StatefulRedisConnection<String, String> connection = client.connect();
        RedisLimiter shared = MeterRedis.limiter(connection, RedisLimiterConfig.builder(quota).limits(limits).build())) {
      long startedAt = System.currentTimeMillis();
      RunOptions options = RunOptions.builder().maxAtOnce(limits.maxAtOnce()).limiter(shared).build();
      long failed = 0;
      for (ItemResult<URI, String> page : Meter.with(options).amapResults(urls, Http::get)) {
        if (page.outcome().isFailure()) {
          failed++;
        }
      }
      // Wall-clock times, so that the parent can put the crawlers' spans on one line.
      System.out.printf("CRAWLED pages=%d failed=%d startedAtMillis=%d endedAtMillis=%d%n", pages, failed, startedAt,
          System.currentTimeMillis());
    } finally {
      client.shutdown();
    }
  }
}
