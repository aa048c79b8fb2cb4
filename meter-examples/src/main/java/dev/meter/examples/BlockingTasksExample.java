package dev.meter.examples;

import dev.meter.api.RunOptions;
import dev.meter.core.Meter;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;

/**
 * Blocking tasks: plain blocking code ({@code HttpClient.send}) wrapped with {@code Meter.blocking}.
 * They run on virtual threads when the JDK has them (21+), otherwise on a bounded daemon pool.
 */
public final class BlockingTasksExample {
  private BlockingTasksExample() {}

  /** Fetches every URL with blocking calls; returns how many distinct threads ran them. */
  static int run(List<URI> urls, Set<String> bodies) {
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    Meter.with(RunOptions.builder().maxAtOnce(4).build()).runOnEach(urls, Meter.blocking((URI url) -> {
      threads.add(Thread.currentThread());
      bodies.add(Http.getBlocking(url));
      return null;
    })).join();
    return threads.size();
  }

  public static void main(String[] args) throws Exception {
    try (RateLimitedServer server = RateLimitedServer.start(RateLimitedServer.Limits.defaults())) {
      Set<String> bodies = ConcurrentHashMap.newKeySet();
      int threads = run(List.of(server.page(1), server.page(2), server.page(3), server.page(4)), bodies);
      int jdk = Runtime.version().feature();
      System.out.println(bodies.size() + " pages on " + threads + " threads, "
          + (jdk >= 21 ? "virtual ones" : "of meter's bounded daemon pool") + " (JDK " + jdk + ")");
    }
  }
}
