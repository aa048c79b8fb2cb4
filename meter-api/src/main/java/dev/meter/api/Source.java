package dev.meter.api;

import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Where a run's items come from. A run pulls them lazily: the next item is taken only when a task for
 * it is about to start, so an endless source runs in bounded memory. A source that throws (or a
 * publisher that signals an error) fails the run with that exception.
 *
 * <p>{@code Iterable}s are accepted directly by every entry point; wrap the others with
 * {@code Source.from(...)}.
 *
 * @param <T> the items' type
 */
public sealed interface Source<T extends @Nullable Object>
    permits Source.OfIterable, Source.OfIterator, Source.OfStream, Source.OfPublisher {

  /** Items of an {@code Iterable}; {@link Iterable#iterator()} is called once, when the run starts. */
  record OfIterable<T extends @Nullable Object>(Iterable<? extends T> iterable) implements Source<T> {
    /** @throws NullPointerException if {@code iterable} is null */
    public OfIterable {
      Objects.requireNonNull(iterable, "source");
    }
  }

  /** Items of an {@code Iterator}, which the run consumes. */
  record OfIterator<T extends @Nullable Object>(Iterator<? extends T> iterator) implements Source<T> {
    /** @throws NullPointerException if {@code iterator} is null */
    public OfIterator {
      Objects.requireNonNull(iterator, "source");
    }
  }

  /** Items of a {@code Stream}, consumed through its iterator; the run closes the stream when it ends. */
  record OfStream<T extends @Nullable Object>(Stream<? extends T> stream) implements Source<T> {
    /** @throws NullPointerException if {@code stream} is null */
    public OfStream {
      Objects.requireNonNull(stream, "source");
    }
  }

  /**
   * Items of a {@code Flow.Publisher}, requested one at a time as tasks can start; the run cancels its
   * subscription when it stops early.
   */
  record OfPublisher<T extends @Nullable Object>(Flow.Publisher<? extends T> publisher)
      implements Source<T> {
    /** @throws NullPointerException if {@code publisher} is null */
    public OfPublisher {
      Objects.requireNonNull(publisher, "source");
    }
  }

  /** A source over {@code iterable}. */
  static <T extends @Nullable Object> Source<T> from(Iterable<? extends T> iterable) {
    return new OfIterable<>(iterable);
  }

  /** A source over {@code iterator}. */
  static <T extends @Nullable Object> Source<T> from(Iterator<? extends T> iterator) {
    return new OfIterator<>(iterator);
  }

  /** A source over {@code stream}. */
  static <T extends @Nullable Object> Source<T> from(Stream<? extends T> stream) {
    return new OfStream<>(stream);
  }

  /** A source over {@code publisher}. */
  static <T extends @Nullable Object> Source<T> from(Flow.Publisher<? extends T> publisher) {
    return new OfPublisher<>(publisher);
  }
}
