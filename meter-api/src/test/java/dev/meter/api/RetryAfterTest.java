package dev.meter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
  /** Sun, 06 Nov 1994 08:49:37 GMT, the RFC's own example, less 120 seconds. */
  private static final Instant NOW = Instant.parse("1994-11-06T08:47:37Z");

  @ParameterizedTest(name = "[{index}] \"{0}\" -> {1} s")
  @CsvSource(delimiter = '|', value = {
      "120                             | 120",
      "0                               | 0",
      "'  7 '                          | 7",
      "007                             | 7",
      "Sun, 06 Nov 1994 08:49:37 GMT   | 120",
      "sun, 06 nov 1994 08:49:37 gmt   | 120",
      "Sunday, 06-Nov-94 08:49:37 GMT  | 120",
      "Sun Nov  6 08:49:37 1994        | 120",
      "Sun Nov 06 08:49:37 1994        | 120",
      "Mon, 06 Nov 1994 08:49:37 GMT   | 120",
      "Sun, 06 Nov 1994 08:48:60 GMT   | 82",
      "Sun, 06 Nov 1994 08:00:00 GMT   | 0",
      "Thu, 01 Jan 1970 00:00:00 GMT   | 0",
  })
  void parse_wellFormedValue_waitsThatLong(String value, long seconds) {
    // Given a value in one of RFC 9110's forms (the day name is not checked; a past date is no wait)
    // When it is read two minutes before the RFC's example date
    RetryAfter read = RetryAfter.parse(value, NOW);

    // Then it is a wait of that many seconds
    assertThat(read).isEqualTo(new RetryAfter.Wait(Duration.ofSeconds(seconds)));
    assertThat(read.delay()).contains(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @CsvSource(delimiter = '|', value = {
      "''                               | empty value",
      "'   '                            | empty value",
      "-5                               | delay-seconds must be >= 0, but was -5",
      "1.5                              | neither delay-seconds nor an HTTP-date",
      "soon                             | neither delay-seconds nor an HTTP-date",
      "120s                             | neither delay-seconds nor an HTTP-date",
      "Sun, 06 Nov 1994 08:49:37 PST    | neither delay-seconds nor an HTTP-date",
      "Sun, 6 Nov 1994 08:49:37 GMT     | neither delay-seconds nor an HTTP-date",
      "2026-12-06T10:00:00Z             | neither delay-seconds nor an HTTP-date",
  })
  void parse_malformedValue_isReportedWithTheReason(String value, String reason) {
    // Given a value in neither form, or a date that does not exist
    // When it is read
    RetryAfter read = RetryAfter.parse(value, NOW);

    // Then it is reported as malformed, with the value and why, and gives no wait; nothing is thrown
    assertThat(read).isEqualTo(new RetryAfter.Malformed(value, reason));
    assertThat(read.delay()).isEmpty();
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @CsvSource(delimiter = '|', value = {
      "Sun, 30 Feb 1994 08:49:37 GMT    | FEBRUARY 30",
      "Sun, 06 Nov 1994 25:49:37 GMT    | HourOfDay",
      "Sun Nov 31 08:49:37 1994         | NOVEMBER 31",
  })
  void parse_dateThatDoesNotExist_isReportedWithWhatIsWrong(String value, String what) {
    RetryAfter read = RetryAfter.parse(value, NOW);

    assertThat(read).isInstanceOfSatisfying(RetryAfter.Malformed.class, malformed -> {
      assertThat(malformed.value()).isEqualTo(value);
      assertThat(malformed.reason()).startsWith("not a valid date: ").contains(what);
    });
  }

  @Test
  void parse_delaySecondsBeyondALong_waitsTheLongestWholeSeconds() {
    assertThat(RetryAfter.parse("99999999999999999999999", NOW).delay()).contains(Duration.ofSeconds(Long.MAX_VALUE));
    assertThat(RetryAfter.parse("9223372036854775807", NOW).delay()).contains(Duration.ofSeconds(Long.MAX_VALUE));
    assertThat(RetryAfter.parse("9223372036854775806", NOW).delay()).contains(Duration.ofSeconds(Long.MAX_VALUE - 1));
  }

  @Test
  void parse_rfc850TwoDigitYear_isTheLatestYearNotMoreThan50YearsAhead() {
    // Given a clock in 2026: "76" is 2076 (50 years ahead), "77" is 1977, "30" is 2030
    Instant now = Instant.parse("2026-12-06T00:00:00Z");

    assertThat(RetryAfter.parse("Sunday, 06-Dec-76 00:00:00 GMT", now).delay())
        .contains(Duration.between(now, Instant.parse("2076-12-06T00:00:00Z")));
    assertThat(RetryAfter.parse("Tuesday, 06-Dec-77 00:00:00 GMT", now).delay()).contains(Duration.ZERO);
    assertThat(RetryAfter.parse("Friday, 06-Dec-30 00:00:00 GMT", now).delay())
        .contains(Duration.between(now, Instant.parse("2030-12-06T00:00:00Z")));
  }

  @Test
  void of_headersWithADate_measureAnHttpDateFromTheServersClock() {
    // Given a server whose clock is an hour ahead of ours, asking for a retry two minutes after its now
    HttpHeaders headers = headers(Map.of(
        "Date", List.of("Sun, 06 Nov 1994 09:47:37 GMT"),
        "Retry-After", List.of("Sun, 06 Nov 1994 09:49:37 GMT")));

    // When it is read with our clock
    Optional<RetryAfter> read = RetryAfter.of(headers, NOW);

    // Then the wait is the two minutes, not an hour and two minutes
    assertThat(read).contains(new RetryAfter.Wait(Duration.ofMinutes(2)));
  }

  @Test
  void of_headersWithoutAValidDate_measureFromNow() {
    assertThat(RetryAfter.of(headers(Map.of("Retry-After", List.of("Sun, 06 Nov 1994 08:49:37 GMT"))), NOW))
        .contains(new RetryAfter.Wait(Duration.ofMinutes(2)));
    assertThat(RetryAfter.of(headers(Map.of(
            "Date", List.of("yesterday"), "Retry-After", List.of("Sun, 06 Nov 1994 08:49:37 GMT"))), NOW))
        .contains(new RetryAfter.Wait(Duration.ofMinutes(2)));
  }

  @Test
  void of_headers_firstRetryAfterCountsAndNoneIsEmpty() {
    assertThat(RetryAfter.of(headers(Map.of("retry-after", List.of("3", "7"))), NOW))
        .contains(new RetryAfter.Wait(Duration.ofSeconds(3)));
    assertThat(RetryAfter.of(headers(Map.of("Content-Type", List.of("text/plain"))), NOW)).isEmpty();
    assertThat(RetryAfter.of(headers(Map.of("Retry-After", List.of("later"))), NOW))
        .contains(new RetryAfter.Malformed("later", "neither delay-seconds nor an HTTP-date"));
  }

  @Test
  void parseAndOf_nullArguments_throwNamingThem() {
    assertThatThrownBy(() -> RetryAfter.parse(null, NOW)).isInstanceOf(NullPointerException.class).hasMessage("value");
    assertThatThrownBy(() -> RetryAfter.parse("1", null)).isInstanceOf(NullPointerException.class).hasMessage("now");
    assertThatThrownBy(() -> RetryAfter.of((HttpHeaders) null, NOW)).isInstanceOf(NullPointerException.class).hasMessage("headers");
    assertThatThrownBy(() -> RetryAfter.of(headers(Map.of()), null)).isInstanceOf(NullPointerException.class).hasMessage("now");
    assertThatThrownBy(() -> new RetryAfter.Wait(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("duration must be >= 0, but was PT-1S");
  }

  private static HttpHeaders headers(Map<String, List<String>> fields) {
    return HttpHeaders.of(fields, (name, value) -> true);
  }
}
