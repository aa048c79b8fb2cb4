package dev.meter.examples;

import dev.meter.api.Amap;
import dev.meter.api.ItemResult;
import dev.meter.api.RunOptions;
import dev.meter.core.Meter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** {@code amapOrderedResults}: every URL with its result or error, a per-URL report in input order. */
public final class ErrorReportExample {
  private ErrorReportExample() {}

  static List<String> run(List<URI> urls) {
    RunOptions options = RunOptions.builder().maxAtOnce(4).build();
    List<String> report = new ArrayList<>();
    try (Amap<ItemResult<URI, String>> results = Meter.with(options).amapOrderedResults(urls, Http::get)) {
      for (ItemResult<URI, String> result : results) {
        Throwable failure = result.outcome().failureOrNull();
        report.add(result.item() + " -> " + (failure == null ? "ok: " + result.value() : "error: " + failure.getMessage()));
      }
    }
    return report;
  }

  public static void main(String[] args) throws Exception {
    try (RateLimitedServer server = RateLimitedServer.start(RateLimitedServer.Limits.defaults())) {
      run(List.of(server.page(1), server.baseUri().resolve("nowhere"), server.page(3))).forEach(System.out::println);
    }
  }
}
