package dev.meter.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** What the examples' embedded servers share: a JDK {@code HttpServer} on a free loopback port, on daemon threads. */
final class Loopback {
  private Loopback() {}

  /** A server on a free loopback port (not started: add its contexts first, then start it), its handlers run on {@code threads}. */
  static HttpServer create(ExecutorService threads) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    server.setExecutor(threads);
    return server;
  }

  /** A fixed pool of {@code count} daemon threads named {@code name}. */
  static ExecutorService threads(String name, int count) {
    return Executors.newFixedThreadPool(count, runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    });
  }

  /** The server's address with {@code path}, for example {@code http://127.0.0.1:41234/page/}. */
  static URI uri(HttpServer server, String path) {
    return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + path);
  }

  /** Answers {@code status} with a text body. */
  static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
