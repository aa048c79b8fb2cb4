package dev.meter.examples;

import dev.meter.api.AsyncCall;
import dev.meter.core.Meter;
import java.net.URI;
import java.util.List;

/** {@code runAny}: the same file from several mirrors; the first good answer wins, the rest are cancelled. */
public final class RunAnyMirrorsExample {
  private RunAnyMirrorsExample() {}

  static String run(List<URI> mirrors) {
    List<AsyncCall<String>> tries = mirrors.stream().<AsyncCall<String>>map(mirror -> () -> Http.get(mirror)).toList();
    return Meter.withDefaults().runAny(tries).join();
  }

  public static void main(String[] args) throws Exception {
    try (RateLimitedServer server = RateLimitedServer.start(RateLimitedServer.Limits.defaults())) {
      URI broken = server.baseUri().resolve("missing/file");  // answers 404: a failure runAny skips
      System.out.println(run(List.of(broken, server.page(1), server.page(2))));
    }
  }
}
