package dev.meter.api;

import dev.meter.api.internal.SourceItems;
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
 * {@code Source.from(...)}:
 * <ul>
 *   <li>an {@code Iterable}: {@link Iterable#iterator()} is called once, when the run starts;
 *   <li>an {@code Iterator}, which the run consumes;
 *   <li>a {@code Stream}, consumed through its iterator and closed when the run ends;
 *   <li>a {@code Flow.Publisher}, requested one item at a time as tasks can start, its subscription
 *       cancelled when the run stops early.
 * </ul>
 *
 * @param <T> the items' type
 */
public final class Source<T extends @Nullable Object> {
  static {
    SourceItems.allowReading(source -> source.items);
  }

  private final SourceItems items;

  private Source(SourceItems.Kind kind, Object items) {
    this.items = new SourceItems(kind, Objects.requireNonNull(items, "source"));
  }

  /**
   * A source over {@code iterable}.
   *
   * @throws NullPointerException if {@code iterable} is null
   */
  public static <T extends @Nullable Object> Source<T> from(Iterable<? extends T> iterable) {
    return new Source<>(SourceItems.Kind.ITERABLE, iterable);
  }

  /**
   * A source over {@code iterator}.
   *
   * @throws NullPointerException if {@code iterator} is null
   */
  public static <T extends @Nullable Object> Source<T> from(Iterator<? extends T> iterator) {
    return new Source<>(SourceItems.Kind.ITERATOR, iterator);
  }

  /**
   * A source over {@code stream}.
   *
   * @throws NullPointerException if {@code stream} is null
   */
  public static <T extends @Nullable Object> Source<T> from(Stream<? extends T> stream) {
    return new Source<>(SourceItems.Kind.STREAM, stream);
  }

  /**
   * A source over {@code publisher}.
   *
   * @throws NullPointerException if {@code publisher} is null
   */
  public static <T extends @Nullable Object> Source<T> from(Flow.Publisher<? extends T> publisher) {
    return new Source<>(SourceItems.Kind.PUBLISHER, publisher);
  }

  @Override
  public String toString() {
    return "Source.from(" + items.kind().name().toLowerCase(java.util.Locale.ROOT) + ")";
  }
}
