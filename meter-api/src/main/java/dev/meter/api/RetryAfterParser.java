package dev.meter.api;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The grammar of RFC 9110's delay-seconds and HTTP-date, kept out of the public interface. */
final class RetryAfterParser {
  private static final String DAY = "(Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
  private static final String LONG_DAY = "(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
  private static final String MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
  private static final String TIME = "(\\d{2}):(\\d{2}):(\\d{2})";
  private static final List<String> MONTHS =
      List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec");

  /** IMF-fixdate: {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
  private static final Pattern IMF_FIXDATE =
      Pattern.compile(DAY + ", (\\d{2}) " + MONTH + " (\\d{4}) " + TIME + " GMT", Pattern.CASE_INSENSITIVE);
  /** rfc850-date: {@code Sunday, 06-Nov-94 08:49:37 GMT}. */
  private static final Pattern RFC_850 =
      Pattern.compile(LONG_DAY + ", (\\d{2})-" + MONTH + "-(\\d{2}) " + TIME + " GMT", Pattern.CASE_INSENSITIVE);
  /** asctime-date: {@code Sun Nov  6 08:49:37 1994}. */
  private static final Pattern ASCTIME =
      Pattern.compile(DAY + " " + MONTH + " ( \\d|\\d{2}) " + TIME + " (\\d{4})", Pattern.CASE_INSENSITIVE);

  private RetryAfterParser() {}

  static RetryAfter parse(String raw, Instant now) {
    String value = raw.strip();
    if (value.isEmpty()) {
      return new RetryAfter.Malformed(raw, "empty value");
    }
    if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return new RetryAfter.Wait(Duration.ofSeconds(seconds(value)));
    }
    if (value.startsWith("-") && value.length() > 1 && value.substring(1).chars().allMatch(c -> c >= '0' && c <= '9')) {
      return new RetryAfter.Malformed(raw, "delay-seconds must be >= 0, but was " + value);
    }
    Optional<Instant> date;
    try {
      date = date(value, now);
    } catch (DateTimeException invalid) {
      return new RetryAfter.Malformed(raw, "not a valid date: " + invalid.getMessage());
    }
    if (date.isEmpty()) {
      return new RetryAfter.Malformed(raw, "neither delay-seconds nor an HTTP-date");
    }
    Duration wait = Duration.between(now, date.get());
    return new RetryAfter.Wait(wait.isNegative() ? Duration.ZERO : wait);
  }

  /** An HTTP-date field such as {@code Date}, if {@code value} is one. */
  static Optional<Instant> httpDate(String value) {
    try {
      return date(value.strip(), Instant.now());
    } catch (DateTimeException invalid) {
      return Optional.empty();
    }
  }

  /** Digits as seconds; beyond {@code Long.MAX_VALUE}, that. */
  private static long seconds(String digits) {
    long seconds = 0;
    for (int i = 0; i < digits.length(); i++) {
      int digit = digits.charAt(i) - '0';
      if (seconds > (Long.MAX_VALUE - digit) / 10) {
        return Long.MAX_VALUE;
      }
      seconds = seconds * 10 + digit;
    }
    return seconds;
  }

  /**
   * The instant {@code value} names in any of the three forms, or empty if it has none of their
   * shapes. The day name is not checked against the date: it is redundant, and a server that gets it
   * wrong still means the date.
   *
   * @throws DateTimeException if it has one of the shapes but names no real date or time
   */
  private static Optional<Instant> date(String value, Instant now) {
    Matcher imf = IMF_FIXDATE.matcher(value);
    if (imf.matches()) {
      return Optional.of(instant(
          Integer.parseInt(imf.group(4)), month(imf.group(3)), Integer.parseInt(imf.group(2)), imf, 5));
    }
    Matcher rfc850 = RFC_850.matcher(value);
    if (rfc850.matches()) {
      int year = fullYear(Integer.parseInt(rfc850.group(4)), now);
      return Optional.of(instant(year, month(rfc850.group(3)), Integer.parseInt(rfc850.group(2)), rfc850, 5));
    }
    Matcher asctime = ASCTIME.matcher(value);
    if (asctime.matches()) {
      return Optional.of(instant(Integer.parseInt(asctime.group(7)), month(asctime.group(2)),
          Integer.parseInt(asctime.group(3).strip()), asctime, 4));
    }
    return Optional.empty();
  }

  private static Instant instant(int year, int month, int day, Matcher time, int hourGroup) {
    int hour = Integer.parseInt(time.group(hourGroup));
    int minute = Integer.parseInt(time.group(hourGroup + 1));
    // A leap second (60) is the last second of its minute here: java.time has none.
    int second = Math.min(59, Integer.parseInt(time.group(hourGroup + 2)));
    return LocalDateTime.of(year, month, day, hour, minute, second).toInstant(ZoneOffset.UTC);
  }

  private static int month(String name) {
    return MONTHS.indexOf(name.toLowerCase(Locale.ROOT)) + 1;
  }

  /**
   * RFC 9110, section 5.6.7: a two-digit year that would be more than 50 years in the future is the
   * most recent past year with the same last two digits.
   */
  private static int fullYear(int twoDigits, Instant now) {
    int thisYear = LocalDateTime.ofInstant(now, ZoneOffset.UTC).getYear();
    int year = thisYear - Math.floorMod(thisYear, 100) + twoDigits;
    return year > thisYear + 50 ? year - 100 : year;
  }
}
