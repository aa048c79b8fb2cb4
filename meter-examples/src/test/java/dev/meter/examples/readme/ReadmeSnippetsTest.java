package dev.meter.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Limits;
import dev.meter.api.Rate;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every fenced {@code java} block of README.md, compiled as the README shows it and then run: a
 * snippet that stops compiling, or throws, fails the build.
 *
 * <p>Each block becomes the body of a method {@code snippet()} of a class extending
 * {@link ReadmeContext}, which declares the names the README uses without declaring them (stand-ins
 * for the network). Import lines at the top of a block become the file's imports; class declarations
 * in a block are local classes of the method. A block preceded by {@code <!-- readme: compile only -->}
 * (it sends real HTTP requests) is compiled but not run.
 */
class ReadmeSnippetsTest {
  private static final Path README = locateReadme();
  private static final String COMPILE_ONLY = "<!-- readme: compile only -->";
  private static final List<String> IMPORTS = List.of(
      "dev.meter.api.*", "dev.meter.api.spi.*", "dev.meter.api.event.*", "dev.meter.core.*", "dev.meter.testing.*", "java.util.*",
      "java.util.concurrent.*", "java.util.stream.*", "java.time.*", "java.net.*", "java.net.http.*",
      "java.net.http.HttpResponse.BodyHandlers", "java.nio.file.*");

  record Block(int line, List<String> imports, String body, boolean run) {
    String className() {
      return "Readme_line_" + line;
    }
  }

  private static List<Block> blocks;
  private static Path compiled;

  @BeforeAll
  static void compileEveryBlock(@TempDir Path dir) throws IOException {
    blocks = javaBlocks(Files.readAllLines(README));
    Path sources = Files.createDirectories(dir.resolve("src/dev/meter/examples/readme"));
    compiled = Files.createDirectories(dir.resolve("classes"));
    List<File> files = new ArrayList<>();
    for (Block block : blocks) {
      Path source = sources.resolve(block.className() + ".java");
      Files.writeString(source, sourceOf(block));
      files.add(source.toFile());
    }
    compileCleanly(files, List.of("-classpath", classPath(), "-d", compiled.toString()),
        "README snippets that do not compile cleanly");
  }

  /**
   * A JPMS consumer: the same snippets (and their context) as one named module that says only
   * {@code requires dev.meter.core} (and {@code dev.meter.testing} for the virtual-time ones,
   * {@code dev.meter.redis} for the Redis ones), compiled against the module path. A type the
   * snippets need that a module does not export fails here.
   */
  @Test
  void everyBlock_compilesInAModularConsumer(@TempDir Path dir) throws IOException {
    Path sources = Files.createDirectories(dir.resolve("src/dev/meter/examples/readme"));
    List<File> files = new ArrayList<>();
    Path moduleInfo = Files.writeString(dir.resolve("src/module-info.java"), String.join("\n",
        "module readme.consumer {",
        "  requires dev.meter.core;",
        "  requires dev.meter.testing;",
        "  requires dev.meter.redis;",
        "  requires dev.meter.micrometer;",
        "  requires java.net.http;",
        "  requires org.assertj.core;",
        "}", ""));
    files.add(moduleInfo.toFile());
    Path context = README.getParent().resolve("meter-examples/src/test/java/dev/meter/examples/readme/ReadmeContext.java");
    files.add(Files.copy(context, sources.resolve("ReadmeContext.java")).toFile());
    for (Block block : blocks) {
      files.add(Files.writeString(sources.resolve(block.className() + ".java"), sourceOf(block)).toFile());
    }
    String modulePath = Stream.of(classPath().split(File.pathSeparator))
        .filter(entry -> Stream.of("meter-api", "meter-core", "meter-test", "meter-redis", "meter-micrometer", "micrometer-",
                "HdrHistogram", "LatencyUtils", "lettuce-core", "netty-",
                "reactor-core", "reactive-streams", "jspecify", "assertj-core")
            .anyMatch(Path.of(entry).toString()::contains))
        .collect(java.util.stream.Collectors.joining(File.pathSeparator));
    compileCleanly(files, List.of("--module-path", modulePath,
            "-d", Files.createDirectories(dir.resolve("classes")).toString()),
        "README snippets that do not compile in a modular consumer (module path: " + modulePath + ")");
  }

  /**
   * Compiles {@code files} as the README promises (Java 17, no warnings) with {@code where} options
   * (class or module path, output), failing with every diagnostic placed on its README line.
   */
  private static void compileCleanly(List<File> files, List<String> where, String what) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager fileManager = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
      List<String> options = new ArrayList<>(List.of("--release", "17", "-proc:none", "-Xlint:unchecked", "-Werror"));
      options.addAll(where);
      boolean ok = javac.getTask(null, fileManager, diagnostics, options, null,
          fileManager.getJavaFileObjectsFromFiles(files)).call();
      List<String> errors = new ArrayList<>();
      for (Diagnostic<? extends JavaFileObject> each : diagnostics.getDiagnostics()) {
        if (each.getKind() == Diagnostic.Kind.ERROR || each.getKind() == Diagnostic.Kind.WARNING
            || each.getKind() == Diagnostic.Kind.MANDATORY_WARNING) {
          errors.add(where(each) + ": " + each.getMessage(Locale.ROOT));
        }
      }
      assertThat(errors).as(what).isEmpty();
      assertThat(ok).isTrue();
    }
  }

  @Test
  void readme_hasJavaBlocks_andEveryOneIsCompiled() {
    assertThat(blocks).hasSizeGreaterThanOrEqualTo(15);
  }

  /**
   * What each README block that shows behaviour must have done, keyed by a piece of text only that
   * block holds; checked after it ran (waiting up to 10 s for work it left running). Blocks that check
   * themselves ({@code assertThat}) need none.
   */
  private static final Map<String, Consumer<ReadmeContext>> CHECKS = Map.ofEntries(
      Map.entry("Meter.blocking(file -> upload(", c -> assertThat(c.calls)
          .contains("upload file 0", "upload file 1", "upload file 2")),
      Map.entry("() -> fetch(\"https://a.example\")", c -> {
        assertThat(c.calls).contains("fetch https://a.example", "fetch https://b.example");
        assertThat(c.calls).anyMatch(call -> call.startsWith("download "));
        assertThat(c.gallery.shown).extracting(ReadmeContext.Thumbnail::image).containsExactly("cat.png", "dog.png");
      }),
      Map.entry("Source.from(Files.lines(csv))", c -> {
        assertThat(c.calls).contains("insert a,1", "insert b,2", "insert c,3");
        assertThat(c.progress.steps).hasValue(3);
      }),
      Map.entry("Meter.with(Limits.of(5)).runOnEach(userIds", c -> assertThat(c.calls)
          .filteredOn(call -> call.startsWith("sync user ")).hasSize(6)),
      Map.entry("amapResults(urls, this::statusOf)", c -> assertThat(c.calls)
          .contains("status https://a.example/1", "status https://b.example/2", "status https://c.example/3")),
      Map.entry("Outcome.capture(() -> Integer.parseInt(text))", c -> assertThat(c.calls).containsExactly("use 21")),
      Map.entry("forEachOrThrow(IOException.class", c -> assertThat(c.archive).content()
          .contains("page of https://a.example/1", "page of https://b.example/2", "page of https://c.example/3")),
      Map.entry("CompletableFuture<Void> orders =", c -> assertThat(c.calls).contains(
          "sync user u1", "sync user u2", "sync user u3", "sync order o1", "sync order o2")),
      Map.entry("api.setLimits(api.limits()", c -> assertThat(c.api.limits())
          .isEqualTo(Limits.of(4, Rate.perSecond(5)))),
      Map.entry("StatsRecorder progress = new StatsRecorder();", c -> assertThat(c.calls)
          .contains("fetch https://a.example/1", "fetch https://b.example/2", "fetch https://c.example/3")),
      Map.entry("amapResults(urls, this::callService)", c -> assertThat(c.calls)
          .contains("use https://a.example/1 took 2 attempt(s): Success[value=answer from https://a.example/1]",
              "use https://c.example/3 took 2 attempt(s): Success[value=answer from https://c.example/3]")),
      Map.entry("new WeightedLimiter(10)", c -> assertThat(c.calls)
          .contains("fetch short", "fetch longer", "fetch x")));

  /** Blocks that only declare or configure (options, a limiter, a recipe's task): nothing to observe. */
  private static final List<String> DECLARE_ONLY = List.of(
      "throw new OverloadedException(\"429 for \"",   // a limiter, its options and a task that reports refusals
      "Meter.adaptiveLimiter(AdaptiveConfig",          // an adaptive limiter and a task that reports refusals
      "Meter.costLimiter(LimiterConfig",               // limiters of requests and tokens, and their options
      "Meter.keyedAdaptiveLimiter(AdaptiveConfig",     // a keyed adaptive limiter and a run's options
      "perHost.pauseFor(\"api.example.com\"",          // a keyed limiter and its options
      "lookahead(1_000)",                              // options
      "taskTimeout(Duration.ofSeconds(30)).build();"); // options

  @TestFactory
  Stream<DynamicTest> everyRunnableBlock_runsAndDoesWhatItShows() throws IOException {
    URLClassLoader loader = new URLClassLoader(new URL[] {compiled.toUri().toURL()},
        ReadmeSnippetsTest.class.getClassLoader());
    return blocks.stream().filter(Block::run).map(block -> DynamicTest.dynamicTest(
        "README line " + block.line(), () -> {
          ReadmeContext context = runBlock(loader, block);
          List<Consumer<ReadmeContext>> checks = CHECKS.entrySet().stream()
              .filter(check -> block.body().contains(check.getKey())).map(Map.Entry::getValue).toList();
          if (checks.isEmpty()) {
            assertThat(block.body().contains("assertThat(") || DECLARE_ONLY.stream().anyMatch(block.body()::contains))
                .as("README line %s shows behaviour but nothing checks it: add it to CHECKS", block.line())
                .isTrue();
          }
          for (Consumer<ReadmeContext> check : checks) {
            eventually(() -> check.accept(context));
          }
        }));
  }

  @Test
  void everyCheck_namesExactlyOneBlock() {
    for (String key : CHECKS.keySet()) {
      assertThat(blocks).as("blocks holding %s", key).filteredOn(block -> block.body().contains(key)).hasSize(1);
    }
    for (String key : DECLARE_ONLY) {
      assertThat(blocks).as("blocks holding %s", key).filteredOn(block -> block.body().contains(key)).hasSize(1);
    }
  }

  /** Retries {@code check} for up to 10 s: a block may leave work running that its check waits for. */
  private static void eventually(Runnable check) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (;;) {
      try {
        check.run();
        return;
      } catch (AssertionError notYet) {
        if (System.nanoTime() - deadline > 0) {
          throw notYet;
        }
        Thread.sleep(20);
      }
    }
  }

  private static ReadmeContext runBlock(ClassLoader loader, Block block) throws Exception {
    Class<?> type = loader.loadClass("dev.meter.examples.readme." + block.className());
    ReadmeContext instance = (ReadmeContext) type.getDeclaredConstructor().newInstance();
    Method snippet = type.getDeclaredMethod("snippet");
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      Future<?> ran = thread.submit(() -> {
        try {
          snippet.invoke(instance);
        } catch (InvocationTargetException thrown) {
          throw new AssertionError("README line " + block.line() + " threw", thrown.getCause());
        } catch (IllegalAccessException impossible) {
          throw new AssertionError(impossible);
        }
        return null;
      });
      ran.get(60, TimeUnit.SECONDS);
    } finally {
      thread.shutdownNow();
    }
    return instance;
  }

  /** The java blocks, with the README line each starts at. */
  static List<Block> javaBlocks(List<String> lines) {
    List<Block> found = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).strip().equals("```java")) {
        continue;
      }
      boolean run = !(i > 0 && lines.get(i - 1).strip().equals(COMPILE_ONLY));
      int start = i + 1;
      int end = start;
      while (end < lines.size() && !lines.get(end).strip().equals("```")) {
        end++;
      }
      List<String> imports = new ArrayList<>();
      StringBuilder body = new StringBuilder();
      for (String line : lines.subList(start, end)) {
        if (line.startsWith("import ")) {
          imports.add(line);
        } else {
          body.append(line).append('\n');
        }
      }
      found.add(new Block(start + 1, imports, body.toString(), run));
      i = end;
    }
    return found;
  }

  private static String sourceOf(Block block) {
    StringBuilder source = new StringBuilder("package dev.meter.examples.readme;\n");
    for (String each : IMPORTS) {
      source.append("import ").append(each).append(";\n");
    }
    source.append("import static org.assertj.core.api.Assertions.assertThat;\n");
    block.imports().forEach(line -> source.append(line).append('\n'));
    source.append("@SuppressWarnings(\"unused\")\n");
    source.append("public class ").append(block.className()).append(" extends ReadmeContext {\n");
    source.append("  public void snippet() throws Exception {\n");
    source.append("//README:").append(block.line()).append('\n');  // body lines start on the next line
    source.append(block.body());
    source.append("  }\n}\n");
    return source.toString();
  }

  /** A diagnostic's place as a README line, when it falls in a snippet's body. */
  private static String where(Diagnostic<? extends JavaFileObject> diagnostic) {
    JavaFileObject file = diagnostic.getSource();
    if (file == null) {
      return "?";
    }
    try {
      List<String> source = List.of(file.getCharContent(true).toString().split("\n", -1));
      int marker = -1;
      for (int i = 0; i < source.size(); i++) {
        if (source.get(i).startsWith("//README:")) {
          marker = i;
          break;
        }
      }
      int readmeLine = Integer.parseInt(source.get(marker).substring("//README:".length()));
      long offset = diagnostic.getLineNumber() - 1 - (marker + 1);
      return offset >= 0 ? "README.md:" + (readmeLine + offset) : file.getName() + ":" + diagnostic.getLineNumber();
    } catch (IOException | RuntimeException unknown) {
      return file.getName() + ":" + diagnostic.getLineNumber();
    }
  }

  /** The test's class path: the entries of java.class.path and any jars their manifests name. */
  private static String classPath() {
    Set<String> entries = new LinkedHashSet<>();
    for (String property : new String[] {"java.class.path", "jdk.module.path"}) {
      String value = System.getProperty(property);
      if (value != null && !value.isEmpty()) {
        entries.addAll(List.of(value.split(File.pathSeparator)));
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  private static Path locateReadme() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("README.md");
      if (Files.exists(candidate) && Files.exists(dir.resolve("meter-core"))) {
        return candidate;
      }
    }
    throw new IllegalStateException("README.md not found above " + Path.of("").toAbsolutePath());
  }
}
