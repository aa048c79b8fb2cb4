package dev.meter.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Two crawler processes through one quota in Redis, against the embedded rate-limited server. */
class SharedQuotaCrawlExampleTest {

  @Test
  void twoCrawlerProcesses_oneQuota_noRefusal_andNeverMoreInFlightThanTheServerAllows() throws Exception {
    // Given a server of 25/s, bursts of 10, 8 in flight, and two crawler JVMs that share a quota of 24/s,
    // bursts of 5, 7 at once (each alone would be allowed all of it)
    // When each fetches 60 pages
    SharedQuotaCrawlExample.Report report = SharedQuotaCrawlExample.run(2, 60, null);

    // Then the server refused none (no 429, no 503), so every page was fetched
    assertThat(report.server().refused()).isZero();
    assertThat(report.server().peakInFlight()).isLessThanOrEqualTo(SharedQuotaCrawlExample.SERVER.maxInFlight());
    assertThat(report.failed()).isZero();
    assertThat(report.server().served()).isEqualTo(120);
  }
}
