package dev.meter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.core.Meter;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** JVMs of their own (child processes) sharing one quota in a real Redis. */
class MultiJvmTest {
  private static EmbeddedRedis redis;
  private static StatefulRedisConnection<String, String> connection;

  @BeforeAll
  static void startRedis() {
    redis = EmbeddedRedis.start();
    connection = redis.connect();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    connection.close();
    redis.close();
  }

  /** A child JVM and every line it printed. */
  private record Child(Process process, List<String> lines, CountDownLatch holding) {
    static Child start(String... args) throws Exception {
      ProcessBuilder builder = new ProcessBuilder(QuotaChild.command(args)).redirectErrorStream(true);
      Process process = builder.start();
      List<String> lines = new CopyOnWriteArrayList<>();
      int holds = args[0].equals("hold") ? Integer.parseInt(args[3]) : 0;
      CountDownLatch holding = new CountDownLatch(holds);
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) {
            lines.add(line);
            if (line.startsWith("HOLDING")) {
              holding.countDown();
            }
          }
        } catch (java.io.IOException closed) {
          // the child died: what it printed is kept
        }
      });
      reader.setDaemon(true);
      reader.start();
      return new Child(process, lines, holding);
    }

    List<Long> grants() {
      List<Long> grants = new ArrayList<>();
      for (String line : lines) {
        if (line.startsWith("GRANT ")) {
          grants.add(Long.parseLong(line.substring(6)));
        }
      }
      return grants;
    }
  }

  @Test
  void threeJvms_oneQuota_keepTheEnvelopeAndMaxAtOnceTogether() throws Exception {
    // Given three JVMs sharing a quota of 200 starts a second, bursts of 10, 8 at once, each with 200
    // tasks of 60 ms (together they would run 12 at once at that rate: the 8 binds)
    String name = "three-" + UUID.randomUUID();
    List<Child> children = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      children.add(Child.start("run", Integer.toString(redis.port), name, "200", "60", "8", "200", "10", "10000"));
    }

    // When all three have run
    for (Child child : children) {
      assertThat(child.process().waitFor(120, TimeUnit.SECONDS)).as("child ended").isTrue();
      assertThat(child.process().exitValue()).as("child's exit, having printed %s", tail(child.lines())).isZero();
    }

    // Then each ran its 200, together they kept the envelope on the server's clock, and never more than
    // 8 ran at once (counted in Redis by the tasks themselves)
    List<Long> grants = new ArrayList<>();
    for (Child child : children) {
      assertThat(child.lines()).contains("DONE 200");
      assertThat(child.grants()).hasSize(200);
      grants.addAll(child.grants());
    }
    Envelope.check(grants, 200, 10);
    long most = Long.parseLong(connection.sync().get("test:{" + name + "}:most"));
    assertThat(most).as("most tasks running at once over the three JVMs").isLessThanOrEqualTo(8).isGreaterThanOrEqualTo(6);
    // and the children, closing their limiters before they exited, left no lease behind (within 5 s,
    // half the lease time: a lease left behind would stay 10 s)
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (connection.sync().zcard("meter:{" + name + "}:leases") > 0 && System.nanoTime() - deadline < 0) {
      Thread.sleep(10);
    }
    assertThat(connection.sync().zcard("meter:{" + name + "}:leases")).isZero();
  }

  @Test
  void childKilledHoldingLeases_itsSlotsComeBackWithinTheLeaseTime() throws Exception {
    // Given a child JVM holding all 4 slots of a quota with leases of 1 s, with tasks that never end
    String name = "killed-" + UUID.randomUUID();
    Child child = Child.start("hold", Integer.toString(redis.port), name, "4", "0", "4", "1000", "4", "1000");
    assertThat(child.holding().await(60, TimeUnit.SECONDS)).as("child holds its 4 slots: %s", child.lines()).isTrue();

    // When it is killed without a chance to release anything
    child.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    long killedAt = serverMicros();

    // Then this JVM gets all 4 slots within the lease time of the kill (by the server's clock; plus
    // 300 ms for the slot poll and a slow machine)
    Recorder recorder = new Recorder();
    try (RedisLimiter quota = MeterRedis.limiter(connection,
        RedisLimiterConfig.builder(name).limits(Limits.of(4, Rate.perSecond(1000), 4)).leaseTime(Duration.ofSeconds(1)).build())) {
      CompletableFuture<Void> run = Meter.with(RunOptions.builder().maxAtOnce(4).limiter(recorder.watch(quota)).build())
          .runOnEach(Recorder.items(4), item -> recorder.task(item, 1));
      run.get(30, TimeUnit.SECONDS);
    }
    assertThat(recorder.grants).hasSize(4);
    assertThat(recorder.grants).allSatisfy(at -> assertThat(at - killedAt)
        .as("us from the kill to a slot").isLessThanOrEqualTo(1_000_000 + 300_000));
  }

  private static long serverMicros() {
    List<String> time = connection.sync().time();
    return Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
  }

  private static List<String> tail(List<String> lines) {
    return lines.subList(Math.max(0, lines.size() - 20), lines.size());
  }
}
