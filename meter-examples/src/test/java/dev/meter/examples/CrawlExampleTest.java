package dev.meter.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The flagship example against the embedded server, as its command line runs it. */
class CrawlExampleTest {
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

  @Test
  void run_limitsThatFitTheServer_fetchEveryPageWithNoRefusal() throws IOException {
    // Given the default limits (5 at once, 20/s, bursts of 3) under the server's (8, 25/s, 10)
    CrawlExample.Result result = CrawlExample.run(CrawlExample.Options.parse("--n", "30", "--no-progress"), out);

    // Then every page came on the first try, and the server saw no more than 5 at once
    assertThat(result.summary().pages()).isEqualTo(30);
    assertThat(result.summary().requests()).isEqualTo(30);
    assertThat(result.server().served()).isEqualTo(30);
    assertThat(result.server().refused()).isZero();
    assertThat(result.server().peakInFlight()).isBetween(1, 5);
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("fetched 30 pages with 30 requests", "0 refusals: the limits held");
  }

  @Test
  void run_overLimit_refusedThenRecoveredByTheAdaptiveLimiterAndRetries() throws IOException {
    // Given limits well above the server's (16 at once, 80/s, bursts of 20)
    CrawlExample.Result result = CrawlExample.run(CrawlExample.Options.parse("--n", "60", "--over-limit", "--no-progress"), out);

    // Then the server refused some, each refused page was retried, and every page was fetched once
    assertThat(result.server().refused()).isPositive();
    assertThat(result.summary().refusals()).isEqualTo(result.server().refused());
    assertThat(result.summary().retries()).isEqualTo(result.summary().refusals());
    assertThat(result.summary().requests()).isEqualTo(60 + result.summary().refusals());
    assertThat(result.summary().pages()).isEqualTo(60);
    assertThat(result.server().served()).isEqualTo(60);
    assertThat(result.summary().changes()).as("the adaptive limiter's changes").isNotEmpty();
    assertThat(result.server().peakInFlight()).isLessThanOrEqualTo(16);
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("each URL tried again after the Retry-After");
  }

  @Test
  void run_urlsFile_fetchesEachListedUrl(@TempDir Path dir) throws IOException {
    try (RateLimitedServer server = RateLimitedServer.start(RateLimitedServer.Limits.defaults())) {
      Path file = dir.resolve("urls.txt");
      Files.writeString(file, IntStream.range(0, 12).mapToObj(i -> server.page(i).toString()).collect(Collectors.joining("\n")));

      CrawlExample.Result result = CrawlExample.run(
          CrawlExample.Options.parse("--urls-file", file.toString(), "--max-at-once", "2", "--no-progress"), out);

      assertThat(result.summary().pages()).isEqualTo(12);
      assertThat(result.server()).as("no embedded server when URLs are given").isNull();
      assertThat(server.stats().served()).isEqualTo(12);
      assertThat(server.stats().peakInFlight()).isLessThanOrEqualTo(2);
    }
  }

  @Test
  void run_url_fetchesItNTimes() throws IOException {
    try (RateLimitedServer server = RateLimitedServer.start(RateLimitedServer.Limits.defaults())) {
      CrawlExample.Result result = CrawlExample.run(
          CrawlExample.Options.parse("--url", server.page(7).toString(), "--n", "8", "--no-progress"), out);

      assertThat(result.summary().pages()).isEqualTo(8);
      assertThat(server.stats().served()).isEqualTo(8);
    }
  }

  @Test
  void parse_overLimitAndServerLimits_fetchEnoughPagesToComeDown() {
    CrawlExample.Options overLimit = CrawlExample.Options.parse("--over-limit", "--server-rate", "40", "--server-burst", "5",
        "--server-in-flight", "4");
    assertThat(overLimit.n()).isEqualTo(1_000);
    assertThat(overLimit.server().perSecond()).isEqualTo(40);
    assertThat(overLimit.server().burst()).isEqualTo(5);
    assertThat(overLimit.server().maxInFlight()).isEqualTo(4);
    assertThat(CrawlExample.Options.parse().n()).isEqualTo(200);
    assertThat(CrawlExample.Options.parse("--over-limit", "--n", "60").n()).isEqualTo(60);
    assertThatThrownBy(() -> CrawlExample.Options.parse("--server-rate", "0"))
        .hasMessage("--server-rate must be a finite number > 0, but was 0");
  }

  @Test
  void parse_badOptions_nameTheOptionAndValue() {
    assertThatThrownBy(() -> CrawlExample.Options.parse("--n", "0"))
        .hasMessage("--n must be an integer >= 1, but was 0");
    assertThatThrownBy(() -> CrawlExample.Options.parse("--max-per-second", "fast"))
        .hasMessage("--max-per-second must be a finite number > 0, but was fast");
    assertThatThrownBy(() -> CrawlExample.Options.parse("--burst"))
        .hasMessage("--burst needs a value");
    assertThatThrownBy(() -> CrawlExample.Options.parse("--verbose"))
        .hasMessageStartingWith("unknown option --verbose");
  }
}
