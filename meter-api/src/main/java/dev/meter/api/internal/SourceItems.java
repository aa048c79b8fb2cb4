package dev.meter.api.internal;

import dev.meter.api.Source;
import java.util.Objects;
import java.util.function.Function;

/**
 * What a {@link Source} wraps, for meter-core to open. Not API: {@code Source} keeps it private, and
 * hands core the one way to read it here (the module exports this package to {@code dev.meter.core}
 * only), so that no type exists in the public API only for the engine to pattern-match.
 *
 * @param kind which of the four forms the items come in
 * @param items the {@code Iterable}, {@code Iterator}, {@code Stream} or {@code Flow.Publisher}
 */
public record SourceItems(Kind kind, Object items) {

  /** The four forms a source takes. */
  public enum Kind { ITERABLE, ITERATOR, STREAM, PUBLISHER }

  private static volatile Function<Source<?>, SourceItems> reader;

  /** Called once, by {@code Source}'s static initializer. */
  public static void allowReading(Function<Source<?>, SourceItems> sourceReader) {
    if (reader == null) {
      reader = sourceReader;
    }
  }

  /** The items {@code source} wraps. */
  public static SourceItems of(Source<?> source) {
    Objects.requireNonNull(source, "source");  // an instance exists, so Source's initializer has run
    return reader.apply(source);
  }
}
