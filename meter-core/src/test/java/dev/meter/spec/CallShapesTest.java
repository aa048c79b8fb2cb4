package dev.meter.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Amap;
import dev.meter.api.AsyncCall;
import dev.meter.api.AsyncTask;
import dev.meter.api.ItemResult;
import dev.meter.api.Limits;
import dev.meter.api.Outcome;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.api.Runner;
import dev.meter.api.Source;
import dev.meter.core.Meter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.SubmissionPublisher;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The call shapes Java callers type, each written without a type witness or a cast: if one stops
 * compiling, the build fails here. Each is also run, so that what it compiles to does what it says.
 * One shape per line, numbered, so a failure names the shape.
 */
class CallShapesTest {
  private final Meter meter = Meter.with(RunOptions.builder().maxAtOnce(4).build());
  /** The same runner typed as the interface, as code that is handed one holds it. */
  private final Runner runner = meter;
  private final List<String> names = List.of("ann", "bob", "cy");
  private final List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());

  // The kinds of methods users pass: typed futures, stages, Void, wildcards, subtypes.
  CompletableFuture<Void> syncUser(String name) {
    seen.add(name);
    return CompletableFuture.completedFuture(null);
  }

  CompletableFuture<String> fetch(String name) {
    return CompletableFuture.completedFuture(name.toUpperCase());
  }

  CompletionStage<String> stage(String name) {
    return CompletableFuture.completedFuture(name + "!");
  }

  CompletableFuture<Integer> length(String name) {
    return CompletableFuture.completedFuture(name.length());
  }

  CompletableFuture<?> anything(String name) {
    return CompletableFuture.completedFuture(name.length());
  }

  static CompletableFuture<? extends CharSequence> chars(String name) {
    return CompletableFuture.completedFuture(new StringBuilder(name));
  }

  /** A future type of the caller's own, a subtype of CompletableFuture. */
  static final class MyFuture<V> extends CompletableFuture<V> {
    static <V> MyFuture<V> of(V value) {
      MyFuture<V> future = new MyFuture<>();
      future.complete(value);
      return future;
    }
  }

  @Test
  void runOnEach_shapes_compileAndRun() {
    meter.runOnEach(names, this::syncUser).join();                                          // 1
    meter.runOnEach(names, name -> syncUser(name)).join();                                  // 2
    meter.runOnEach(names, this::fetch).join();                                             // 3
    meter.runOnEach(names, this::stage).join();                                             // 4
    meter.runOnEach(names, this::anything).join();                                          // 5
    meter.runOnEach(names, CallShapesTest::chars).join();                                   // 6
    meter.runOnEach(Set.of("dee"), this::syncUser).join();                                  // 7
    meter.runOnEach(Source.from(Stream.of("eve")), this::syncUser).join();                  // 8
    meter.runOnEach(Source.from(names.iterator()), this::syncUser).join();                  // 9
    meter.runOnEach(names, name -> CompletableFuture.runAsync(() -> seen.add(name))).join(); // 10
    meter.runOnEach(List.of(1, 2), (Number n) -> CompletableFuture.completedFuture(n)).join(); // 11
    meter.runOnEach(names, name -> MyFuture.of(name)).join();                               // 12
    AsyncTask<Object, String> general = item -> CompletableFuture.completedFuture(String.valueOf(item));
    meter.runOnEach(names, general).join();                                                 // 13
    meter.runOnEach(names, Meter.blocking(name -> name.length())).join();                   // 14
    meter.runOnEach(names, Meter.blocking((String name) -> seen.add(name))).join();         // 15
    assertThat(seen).contains("ann", "dee", "eve");
  }

  @Test
  void amap_shapes_compileAndRun() {
    try (Amap<String> upper = meter.amap(names, this::fetch)) {                            // 16
      assertThat(list(upper)).containsExactlyInAnyOrder("ANN", "BOB", "CY");
    }
    try (Amap<Integer> lengths = meter.amap(names, name -> length(name))) {                // 17
      assertThat(list(lengths).stream().mapToInt(Integer::intValue).sum()).isEqualTo(8);
    }
    try (Amap<Number> numbers = meter.amap(names, this::length)) {                         // 18
      assertThat(list(numbers)).hasSize(3);
    }
    try (Amap<?> any = meter.amap(names, this::anything)) {                                // 19
      assertThat(list(any)).hasSize(3);
    }
    try (Amap<String> ordered = meter.amapOrdered(names, this::stage)) {                   // 20
      assertThat(list(ordered)).containsExactly("ann!", "bob!", "cy!");
    }
    try (Amap<ItemResult<String, String>> results = meter.amapResults(names, this::fetch)) { // 21
      assertThat(list(results).stream().map(ItemResult::value).toList()).hasSize(3);
    }
    try (Amap<ItemResult<String, Integer>> results =
        meter.amapOrderedResults(Source.from(Stream.of("a", "bb")), this::length)) {      // 22
      assertThat(list(results).stream().map(ItemResult::value).toList()).containsExactly(1, 2);
    }
    try (Amap<String> blocking = meter.amap(names, Meter.blocking(String::toUpperCase))) { // 23
      assertThat(list(blocking)).hasSize(3);
    }
    try (SubmissionPublisher<String> publisher = new SubmissionPublisher<>()) {
      try (Amap<String> published = meter.amap(Source.from(publisher), this::fetch)) {     // 24
        java.util.Iterator<String> results = published.iterator();  // subscribes: the run starts
        publisher.submit("pat");
        publisher.close();
        assertThat(results.next()).isEqualTo("PAT");
        assertThat(results.hasNext()).isFalse();
      }
    }
    try (Amap<String> mine = meter.amap(names, name -> MyFuture.of(name))) {               // 25
      assertThat(list(mine)).hasSize(3);
    }
  }

  @Test
  void runAllAndRunAny_shapes_compileAndRun() {
    // A List.of(lambdas) takes its type from an assignment (Java infers nothing through .join()):
    CompletableFuture<List<String>> two = meter.runAll(List.of(() -> fetch("a"), () -> fetch("b"))); // 26
    assertThat(two.join()).containsExactly("A", "B");
    List<String> varargs = meter.runAll(() -> fetch("a"), () -> stage("b")).join();       // 27
    assertThat(varargs).containsExactly("A", "b!");
    List<AsyncCall<String>> calls = List.of(() -> fetch("c"));
    assertThat(meter.runAll(calls).join()).containsExactly("C");                          // 28
    List<String> streamed = meter.runAll(names.stream()
        .map(name -> (AsyncCall<String>) () -> fetch(name)).toList()).join();              // 29
    assertThat(streamed).containsExactly("ANN", "BOB", "CY");
    List<Void> synced = meter.runAll(() -> syncUser("x"), () -> syncUser("y")).join();    // 30
    assertThat(synced).hasSize(2);
    List<Outcome<String>> outcomes =
        meter.runAllOutcomes(() -> fetch("a"), () -> CompletableFuture.failedFuture(new IllegalStateException())).join(); // 31
    assertThat(outcomes.get(1).isFailure()).isTrue();
    CompletableFuture<List<Outcome<Integer>>> listed = meter.runAllOutcomes(List.of(() -> length("abc"))); // 32
    assertThat(listed.join().get(0).getOrThrow()).isEqualTo(3);
    String first = meter.runAny(() -> fetch("a"), () -> stage("b")).join();               // 33
    assertThat(first).isIn("A", "b!");
    CompletableFuture<String> fromList = meter.runAny(List.of(() -> fetch("z")));          // 34
    assertThat(fromList.join()).isEqualTo("Z");
    Number number = meter.runAny(() -> length("ab"), () -> CompletableFuture.completedFuture(2.5)).join(); // 35
    assertThat(number).isNotNull();
    List<Integer> blocking = meter.runAll(Meter.blocking(() -> 1), Meter.blocking(() -> 2)).join(); // 36
    assertThat(blocking).containsExactly(1, 2);
    List<String> solo = meter.runAll(() -> fetch("solo")).join();                          // 39
    assertThat(solo).containsExactly("SOLO");
  }

  @Test
  void genericHelpers_shapes_compileAndRun() {
    assertThat(forEach(names, this::syncUser)).isNull();                                   // 37
    assertThat(mapAll(names, this::fetch)).hasSize(3);                                     // 38
    runner.runOnEach(names, this::syncUser).join();                                        // 40
    CompletableFuture<List<String>> viaInterface = runner.runAll(List.of(() -> fetch("r"))); // 41
    assertThat(viaInterface.join()).containsExactly("R");
  }

  CompletableFuture<String> fetchOrFail(String name) {
    return name.equals("bob")
        ? CompletableFuture.failedFuture(new java.io.IOException("no route to " + name))
        : CompletableFuture.completedFuture(name);
  }

  @Test
  void limitsAndCheckedFailures_shapes_compileAndRun() throws Exception {
    Meter.with(Limits.of(2)).runOnEach(names, this::syncUser).join();                            // 42
    try (Amap<String> pages = Meter.with(Limits.of(2, Rate.perSecond(1_000))).amap(names, this::fetch)) { // 43
      assertThat(list(pages)).hasSize(3);
    }
    List<String> saved = new ArrayList<>();
    String caught = null;
    try (Amap<String> pages = Meter.with(Limits.of(1)).amapOrdered(names, this::fetchOrFail)) {
      pages.forEachOrThrow(java.io.IOException.class, page -> saved.add(page));                   // 44
    } catch (java.io.IOException e) {                                                             // 45
      caught = e.getMessage();
    }
    assertThat(saved).containsExactly("ann");
    assertThat(caught).isEqualTo("no route to bob");
  }

  /** A caller's own generic helper passing a Function on. */
  private <T> Void forEach(List<T> items, Function<T, CompletableFuture<Void>> work) {
    return meter.runOnEach(items, work::apply).join();
  }

  private <T, R> List<R> mapAll(List<T> items, Function<? super T, ? extends CompletionStage<R>> work) {
    try (Amap<R> results = meter.amap(items, work::apply)) {
      return list(results);
    }
  }

  /** Every element of an {@code Amap}, taken with the plain {@code for} loop callers write. */
  private static <E> List<E> list(Amap<E> results) {
    List<E> all = new ArrayList<>();
    for (E each : results) {
      all.add(each);
    }
    return all;
  }
}
