package dev.meter.examples;

import dev.meter.api.Amap;
import dev.meter.api.RunOptions;
import dev.meter.core.Meter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** {@code amapOrdered}: results in input order although the requests finish in any order. */
public final class OrderedAmapExample {
  private OrderedAmapExample() {}

  static List<String> run(List<URI> urls) {
    List<String> bodies = new ArrayList<>();
    try (Amap<String> pages = Meter.with(RunOptions.builder().maxAtOnce(4).maxPerSecond(20).build())
        .amapOrdered(urls, Http::get)) {
      pages.forEach(bodies::add);
    }
    return bodies;
  }

  public static void main(String[] args) throws Exception {
    try (RateLimitedServer server = RateLimitedServer.start(RateLimitedServer.Limits.defaults())) {
      run(List.of(server.page(1), server.page(2), server.page(3), server.page(4), server.page(5))).forEach(System.out::println);
    }
  }
}
