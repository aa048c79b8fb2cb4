package dev.meter.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Two crawler processes through one quota in Redis, against the embedded rate-limited server. */
class SharedQuotaCrawlExampleTest {

  @Test
  void twoCrawlerProcesses_oneQuota_noRefusal_andNeverMoreInFlightThanTheQuota() throws Exception {
    // Given a server of 25/s, bursts of 10, 8 in flight, and two crawler JVMs that share a quota of 24/s,
    // bursts of 5, 8 at once (each alone would be allowed all of it)
    // When each fetches 60 pages
    SharedQuotaCrawlExample.Report report = SharedQuotaCrawlExample.run(2, 60, null);

    // Then every page was fetched, the server refused none, and never saw more than 8 at once
    assertThat(report.failed()).isZero();
    assertThat(report.server().served()).isEqualTo(120);
    assertThat(report.server().refused()).isZero();
    assertThat(report.server().peakInFlight()).isLessThanOrEqualTo(SharedQuotaCrawlExample.QUOTA_AT_ONCE);
  }
}
