package dev.meter.examples;

import dev.meter.api.AsyncCall;
import dev.meter.api.RunOptions;
import dev.meter.core.Meter;
import java.util.List;

/** {@code runAll}: a few different calls at once, their results in the order of the calls. */
public final class RunAllExample {
  private RunAllExample() {}

  static List<String> run(RateLimitedServer server) {
    List<AsyncCall<String>> calls = List.of(
        () -> Http.get(server.page(1)),
        () -> Http.get(server.page(2)),
        () -> Http.get(server.page(3)));
    return Meter.with(RunOptions.builder().maxAtOnce(2).build()).runAll(calls).join();
  }

  public static void main(String[] args) throws Exception {
    try (RateLimitedServer server = RateLimitedServer.start(RateLimitedServer.Limits.defaults())) {
      run(server).forEach(System.out::println);
    }
  }
}
