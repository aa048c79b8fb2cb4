package dev.meter.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each small example against the embedded server, with its result checked. */
class SmallExamplesTest {
  private RateLimitedServer server;

  @BeforeEach
  void startServer() throws IOException {
    server = RateLimitedServer.start(RateLimitedServer.Limits.defaults());
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void runAll_resultsInCallOrder() {
    assertThat(RunAllExample.run(server)).containsExactly("page /page/1", "page /page/2", "page /page/3");
  }

  @Test
  void runAny_brokenMirrorSkipped_aGoodOneWins() {
    String answer = RunAnyMirrorsExample.run(List.of(server.baseUri().resolve("missing/file"), server.page(1), server.page(2)));

    assertThat(answer).isIn("page /page/1", "page /page/2");
  }

  @Test
  void errorReport_everyUrlWithItsResultOrError() {
    List<String> report = ErrorReportExample.run(List.of(server.page(1), server.baseUri().resolve("nowhere"), server.page(3)));

    assertThat(report).hasSize(3);
    assertThat(report.get(0)).endsWith("/page/1 -> ok: page /page/1");
    assertThat(report.get(1)).endsWith("/nowhere -> error: HTTP 404 for " + server.baseUri().resolve("nowhere"));
    assertThat(report.get(2)).endsWith("/page/3 -> ok: page /page/3");
  }

  @Test
  void orderedAmap_bodiesInInputOrder() {
    List<String> bodies = OrderedAmapExample.run(List.of(server.page(5), server.page(4), server.page(3), server.page(2), server.page(1)));

    assertThat(bodies).containsExactly("page /page/5", "page /page/4", "page /page/3", "page /page/2", "page /page/1");
  }

  @Test
  void blockingTasks_fetchEveryPage() {
    Set<String> bodies = ConcurrentHashMap.newKeySet();

    int threads = BlockingTasksExample.run(List.of(server.page(1), server.page(2), server.page(3), server.page(4)), bodies);

    assertThat(bodies).containsExactlyInAnyOrder("page /page/1", "page /page/2", "page /page/3", "page /page/4");
    assertThat(threads).isBetween(1, 4);
    assertThat(server.stats().peakInFlight()).isLessThanOrEqualTo(4);
  }
}
