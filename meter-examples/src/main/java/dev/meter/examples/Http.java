package dev.meter.examples;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;

/** The one HTTP call the small examples make: GET a URL, its body on 200, a failure otherwise. */
final class Http {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  private Http() {}

  static CompletableFuture<String> get(URI url) {
    return CLIENT.sendAsync(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(response -> body(url, response));
  }

  /** The same call, blocking the calling thread (for {@code Meter.blocking}). */
  static String getBlocking(URI url) throws Exception {
    return body(url, CLIENT.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofString()));
  }

  private static String body(URI url, HttpResponse<String> response) {
    if (response.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + response.statusCode() + " for " + url);
    }
    return response.body().trim();
  }
}
