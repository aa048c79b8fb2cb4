package dev.meter.api;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The four entry points, bound to one {@link RunOptions}; get one from
 * {@code dev.meter.core.Meter.with(options)}. Every call is a new run with its own limits (shared
 * {@linkplain RunOptions#limiters() limiters} excepted). All of them are views over one engine: they
 * differ only in how they hand results back.
 *
 * <p>What a run yields is chosen by the method, never by an option: plain values ({@link #amap},
 * {@link #runAll}, {@link #runAny}), nothing ({@link #runOnEach}), or every item's value or failure
 * ({@link #amapResults}, {@link #runAllOutcomes}). Every option applies to every method.
 *
 * <p>Arguments are checked before anything starts: a null source or task throws
 * {@link NullPointerException} naming it.
 *
 * <p>The returned futures can be cancelled, which cancels the run: running stages are cancelled and
 * blocking tasks interrupted. Their normal or exceptional completion happens only after every started
 * task has settled. A failure is the task's original exception
 * ({@link CompletableFuture#join()} wraps it in a {@code CompletionException}, as it always does).
 */
public interface Runner {

  /** The options every run of this runner uses. */
  RunOptions options();

  /**
   * Runs {@code task} on every item; completes when all have settled. A task failure fails it as the
   * {@linkplain RunOptions#failurePolicy() failure policy} says (at once, or after every item was
   * attempted, with all failures); for every item's failure as a value, use {@link #amapResults}.
   */
  <T extends @Nullable Object> CompletableFuture<@Nullable Void> runOnEach(
      Iterable<? extends T> source, AsyncTask<? super T, ?> task);

  /** {@link #runOnEach(Iterable, AsyncTask)} over any {@link Source}. */
  <T extends @Nullable Object> CompletableFuture<@Nullable Void> runOnEach(
      Source<? extends T> source, AsyncTask<? super T, ?> task);

  /** The results in completion order, as a scoped, blocking-iterable {@link Amap}. */
  <T extends @Nullable Object, R extends @Nullable Object> Amap<R> amap(
      Iterable<? extends T> source, AsyncTask<? super T, ? extends R> task);

  /** {@link #amap(Iterable, AsyncTask)} over any {@link Source}. */
  <T extends @Nullable Object, R extends @Nullable Object> Amap<R> amap(
      Source<? extends T> source, AsyncTask<? super T, ? extends R> task);

  /**
   * The results in input order. Tasks still run concurrently; a result that finished early waits in a
   * re-order buffer, bounded by {@link RunOptions#bufferSize()}: when that many finished results wait
   * (behind a slow earlier item or a slow consumer), new starts pause.
   */
  <T extends @Nullable Object, R extends @Nullable Object> Amap<R> amapOrdered(
      Iterable<? extends T> source, AsyncTask<? super T, ? extends R> task);

  /** {@link #amapOrdered(Iterable, AsyncTask)} over any {@link Source}. */
  <T extends @Nullable Object, R extends @Nullable Object> Amap<R> amapOrdered(
      Source<? extends T> source, AsyncTask<? super T, ? extends R> task);

  /**
   * Like {@link #amap(Iterable, AsyncTask)}, each result an {@link ItemResult}: the item's position,
   * the item and its outcome. Task failures are outcomes and never fail the run (the failure policy
   * does not apply); a failing source or a cancel still does.
   */
  <T extends @Nullable Object, R extends @Nullable Object> Amap<ItemResult<T, R>> amapResults(
      Iterable<? extends T> source, AsyncTask<? super T, ? extends R> task);

  /** {@link #amapResults(Iterable, AsyncTask)} over any {@link Source}. */
  <T extends @Nullable Object, R extends @Nullable Object> Amap<ItemResult<T, R>> amapResults(
      Source<? extends T> source, AsyncTask<? super T, ? extends R> task);

  /** {@link #amapResults(Iterable, AsyncTask)} in input order, as {@link #amapOrdered} orders. */
  <T extends @Nullable Object, R extends @Nullable Object> Amap<ItemResult<T, R>> amapOrderedResults(
      Iterable<? extends T> source, AsyncTask<? super T, ? extends R> task);

  /** {@link #amapOrderedResults(Iterable, AsyncTask)} over any {@link Source}. */
  <T extends @Nullable Object, R extends @Nullable Object> Amap<ItemResult<T, R>> amapOrderedResults(
      Source<? extends T> source, AsyncTask<? super T, ? extends R> task);

  /** Every result, in the order of {@code calls}. */
  <R extends @Nullable Object> CompletableFuture<List<R>> runAll(
      Iterable<? extends AsyncCall<? extends R>> calls);

  /**
   * Every outcome, in the order of {@code calls}; task failures never fail it (the failure policy
   * does not apply).
   */
  <R extends @Nullable Object> CompletableFuture<List<Outcome<R>>> runAllOutcomes(
      Iterable<? extends AsyncCall<? extends R>> calls);

  /**
   * The first result to succeed; the other tasks are then cancelled and the future completes once
   * they have settled. If every task fails, it fails with one {@link TasksFailedException} carrying
   * every failure. Failures before the first success never fail it, whatever the failure policy.
   *
   * @throws IllegalArgumentException if {@code calls} is empty (checked before anything starts, for
   *     a {@code Collection})
   */
  <R extends @Nullable Object> CompletableFuture<R> runAny(
      Iterable<? extends AsyncCall<? extends R>> calls);
}
