package dev.meter.api;

import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A server's {@code Retry-After} answer (RFC 9110, section 10.2.3), read as how long to wait: either
 * form, delay-seconds ({@code 120}) or an HTTP-date ({@code Sun, 06 Nov 1994 08:49:37 GMT}, and the
 * obsolete RFC 850 and asctime forms a recipient must also accept), or a value that is neither.
 *
 * <p>A malformed value is a {@link Malformed} result saying what is wrong, never an exception: a
 * server's odd header must not fail the request it came with. A date in the past is a wait of zero;
 * a number of seconds too large for a {@code long} is the longest {@link Duration} of whole seconds
 * (a retry policy caps it with its own longest wait).
 */
public sealed interface RetryAfter permits RetryAfter.Wait, RetryAfter.Malformed {

  /**
   * Reads {@code value}, a {@code Retry-After} field value, at {@code now}: the instant an HTTP-date is
   * measured from (the response's {@code Date}, or the local clock when it has none).
   *
   * @throws NullPointerException if {@code value} or {@code now} is null
   */
  static RetryAfter parse(String value, Instant now) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(now, "now");
    return RetryAfterParser.parse(value, now);
  }

  /**
   * The {@code Retry-After} of {@code response}, if it has one. An HTTP-date is measured from the
   * response's own {@code Date} header when that is a valid date (so a server's clock and this one may
   * differ), and from {@code now} otherwise. Of several {@code Retry-After} fields, the first counts.
   *
   * @throws NullPointerException if {@code response} or {@code now} is null
   */
  static Optional<RetryAfter> of(HttpResponse<?> response, Instant now) {
    Objects.requireNonNull(response, "response");
    Objects.requireNonNull(now, "now");
    return of(response.headers(), now);
  }

  /**
   * The {@code Retry-After} in {@code headers}, if there is one; see {@link #of(HttpResponse, Instant)}.
   *
   * @throws NullPointerException if {@code headers} or {@code now} is null
   */
  static Optional<RetryAfter> of(HttpHeaders headers, Instant now) {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(now, "now");
    Optional<String> value = headers.firstValue("Retry-After");
    if (value.isEmpty()) {
      return Optional.empty();
    }
    Instant from = headers.firstValue("Date").flatMap(RetryAfterParser::httpDate).orElse(now);
    return Optional.of(RetryAfterParser.parse(value.get(), from));
  }

  /** How long to wait: {@link Wait#duration()}, or empty when the value was {@link Malformed}. */
  Optional<Duration> delay();

  /**
   * A well-formed value.
   *
   * @param duration how long to wait from the instant the value was read at; zero or more
   */
  record Wait(Duration duration) implements RetryAfter {
    /** @throws IllegalArgumentException if {@code duration} is negative */
    public Wait {
      Objects.requireNonNull(duration, "duration");
      if (duration.isNegative()) {
        throw new IllegalArgumentException("duration must be >= 0, but was " + duration);
      }
    }

    @Override
    public Optional<Duration> delay() {
      return Optional.of(duration);
    }
  }

  /**
   * A value that is neither delay-seconds nor an HTTP-date.
   *
   * @param value the value as the server sent it
   * @param reason what is wrong with it, lowercase, for a log line or an event
   */
  record Malformed(String value, String reason) implements RetryAfter {
    public Malformed {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public Optional<Duration> delay() {
      return Optional.empty();
    }
  }
}
