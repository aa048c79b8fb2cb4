package dev.meter.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The Lua scripts that keep one quota in Redis (acquire, release, refund, renew; see the {@code .lua}
 * files beside this class), each run atomically by the server, one round trip each, never blocking a
 * thread: by its SHA-1, loading the script on the first use and again if the server has forgotten it
 * (a restart, a {@code SCRIPT FLUSH}).
 *
 * <p>The quota named {@code name} lives in three keys with the same hash tag (so a cluster keeps them on
 * one node): {@code meter:{name}:rate}, {@code meter:{name}:leases} and {@code meter:{name}:pause}.
 */
final class RedisScripts implements QuotaCommands {
  /** One script: its source and the digest the server knows it by. */
  record Script(String name, String source, String sha) {
    static Script load(String name) {
      try (InputStream in = RedisScripts.class.getResourceAsStream(name + ".lua")) {
        if (in == null) {
          throw new IllegalStateException("script " + name + ".lua is missing from meter-redis's jar");
        }
        String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return new Script(name, source, sha1(source));
      } catch (IOException unreadable) {
        throw new UncheckedIOException(unreadable);
      }
    }
  }

  static final Script ACQUIRE = Script.load("acquire");
  static final Script RELEASE = Script.load("release");
  static final Script REFUND = Script.load("refund");
  static final Script RENEW = Script.load("renew");
  static final Script PAUSE = Script.load("pause");

  private final RedisAsyncCommands<String, String> redis;
  private final String[] keys;

  RedisScripts(RedisAsyncCommands<String, String> redis, String name) {
    this.redis = Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(name, "name");
    this.keys = new String[] {"meter:{" + name + "}:rate", "meter:{" + name + "}:leases", "meter:{" + name + "}:pause"};
  }

  /**
   * Loads every script into the server's cache, without waiting: a script first run by its SHA-1 would
   * otherwise be refused once and sent again, after commands sent later (a release would reach Redis
   * after the next ask).
   */
  void preload() {
    for (Script script : List.of(ACQUIRE, RELEASE, REFUND, RENEW, PAUSE)) {
      redis.scriptLoad(script.source());
    }
  }

  /** The quota's keys: the rate's, the leases', the pause's. */
  String[] keys() {
    return keys.clone();
  }

  @Override
  public CompletionStage<List<Long>> run(Script script, String... args) {
    return run(script, ScriptOutputType.MULTI, args);
  }

  @Override
  public CompletionStage<Long> runForNumber(Script script, String... args) {
    return run(script, ScriptOutputType.INTEGER, args);
  }

  @Override
  public CompletionStage<String> ping() {
    return redis.ping();
  }

  private <V> CompletionStage<V> run(Script script, ScriptOutputType type, String... args) {
    CompletableFuture<V> reply = new CompletableFuture<>();
    redis.<V>evalsha(script.sha(), type, keys, args).whenComplete((value, failure) -> {
      Throwable cause = failure == null ? null : unwrap(failure);
      if (cause instanceof RedisNoScriptException) {
        // The server does not know the script (yet, or any more): send it whole, once.
        redis.<V>eval(script.source(), type, keys, args).whenComplete((again, failed) -> complete(reply, again, failed));
      } else {
        complete(reply, value, cause);
      }
    });
    return reply;
  }

  private static <V> void complete(CompletableFuture<V> reply, V value, Throwable failure) {
    if (failure != null) {
      reply.completeExceptionally(unwrap(failure));
    } else {
      reply.complete(value);
    }
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static String sha1(String source) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder(40);
      for (byte b : digest) {
        hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
      }
      return hex.toString();
    } catch (java.security.NoSuchAlgorithmException impossible) {
      throw new IllegalStateException("every JDK has SHA-1", impossible);
    }
  }
}
