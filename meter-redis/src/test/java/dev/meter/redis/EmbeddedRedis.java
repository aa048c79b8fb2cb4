package dev.meter.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import redis.embedded.RedisServer;

/**
 * A real redis-server on loopback for the tests, from the embedded-redis artifact (its jar carries
 * the binary), so a machine with only a JDK and Maven runs them. One per test class: start it in
 * {@code @BeforeAll}, close it in {@code @AfterAll}.
 */
final class EmbeddedRedis implements AutoCloseable {
  private final RedisServer server;
  private final RedisClient client;
  final int port;

  private EmbeddedRedis(int port) throws IOException {
    this.port = port;
    // No snapshot on shutdown: a restarted server comes back empty, as one that crashed would.
    this.server = RedisServer.newRedisServer().bind("127.0.0.1").port(port).setting("save \"\"")
        .setting("appendonly no").build();
    server.start();
    this.client = RedisClient.create("redis://127.0.0.1:" + port);
  }

  /** Starts a server on a free loopback port. */
  static EmbeddedRedis start() {
    try {
      int port;
      try (ServerSocket socket = new ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      return new EmbeddedRedis(port);
    } catch (IOException failed) {
      throw new UncheckedIOException(failed);
    }
  }

  /** Stops the server (its data goes with it, as in a crash without persistence). */
  void stop() throws IOException {
    server.stop();
  }

  /** Starts the server again on the same port, empty. */
  void restart() throws IOException {
    server.start();
  }

  /** A new connection; close it when done. */
  StatefulRedisConnection<String, String> connect() {
    return client.connect();
  }

  @Override
  public void close() throws IOException {
    client.shutdown();
    server.stop();
  }
}
