package dev.meter.redis;

import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.api.spi.Limiter;
import dev.meter.core.Meter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A JVM of its own sharing a quota, started by {@link MultiJvmTest}: {@code run} starts items through
 * the quota, each task counting itself in Redis while it runs (so the parent sees the concurrency of
 * every JVM together) and printing its grant's server time; {@code hold} starts tasks that never end,
 * says so, and waits to be killed.
 *
 * <p>Arguments: mode, port, quota name, items, task millis, maxAtOnce, per second, burst, lease millis.
 */
public final class QuotaChild {
  /** The script a task runs when it starts: counts it running, and keeps the most ever counted. */
  static final String COUNT_IN = "local n = redis.call('INCR', KEYS[1]) "
      + "if n > tonumber(redis.call('GET', KEYS[2]) or '0') then redis.call('SET', KEYS[2], n) end return n";

  private QuotaChild() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    int port = Integer.parseInt(args[1]);
    String name = args[2];
    int items = Integer.parseInt(args[3]);
    long taskMillis = Long.parseLong(args[4]);
    Limits limits = Limits.of(Integer.parseInt(args[5]), Rate.perSecond(Double.parseDouble(args[6])), Integer.parseInt(args[7]));
    Duration lease = Duration.ofMillis(Long.parseLong(args[8]));
    PrintStream out = System.out;

    RedisClient client = RedisClient.create("redis://127.0.0.1:" + port);
    try (StatefulRedisConnection<String, String> connection = client.connect();
        StatefulRedisConnection<String, String> counting = client.connect();
        RedisLimiter quota = MeterRedis.limiter(connection, RedisLimiterConfig.builder(name).limits(limits).leaseTime(lease).build())) {
      RedisAsyncCommands<String, String> redis = counting.async();
      String[] counters = {"test:{" + name + "}:running", "test:{" + name + "}:most"};
      Limiter printing = new Watched(quota, permit -> out.println("GRANT " + ((RedisGrant) permit).grantedAtMicros));
      RunOptions options = RunOptions.builder().maxAtOnce(items).limiter(printing).build();
      CompletableFuture<Void> run = Meter.with(options).runOnEach(Recorder.items(items), item -> {
        CompletionStage<Long> counted = redis.eval(COUNT_IN, ScriptOutputType.INTEGER, counters);
        if (mode.equals("hold")) {
          return counted.thenCompose(n -> {
            out.println("HOLDING " + item);
            return new CompletableFuture<Void>();  // never ends: its lease is held until the JVM dies
          });
        }
        return counted.thenCompose(n -> delay(taskMillis)).thenCompose(done -> redis.decr(counters[0])).thenApply(n -> null);
      });
      run.get(120, TimeUnit.SECONDS);
      out.println("DONE " + items);
    } finally {
      client.shutdown();
    }
  }

  private static CompletionStage<Void> delay(long millis) {
    return CompletableFuture.runAsync(() -> {}, CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS));
  }

  /**
   * The command line that starts a child JVM with these arguments, with everything this JVM has on its
   * class path and module path (Surefire puts meter-redis's modules on the latter) on the class path.
   */
  static List<String> command(String... args) {
    String classPath = System.getProperty("java.class.path");
    String modulePath = System.getProperty("jdk.module.path");
    if (modulePath != null && !modulePath.isEmpty()) {
      classPath = classPath + java.io.File.pathSeparator + modulePath;
    }
    List<String> command = new java.util.ArrayList<>(List.of(
        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classPath, "-Xmx128m", QuotaChild.class.getName()));
    command.addAll(List.of(args));
    return command;
  }
}
