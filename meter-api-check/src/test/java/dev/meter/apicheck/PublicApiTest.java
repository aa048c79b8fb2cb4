package dev.meter.apicheck;

import static org.junit.jupiter.api.Assertions.fail;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import kotlin.sequences.SequencesKt;
import kotlinx.validation.api.ClassBinarySignature;
import kotlinx.validation.api.KotlinSignaturesLoadingKt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The public API of each published module, against its baseline {@code api/MODULE.api}: a change of
 * a public signature (removed, renamed, retyped, and also added) fails the build until the baseline is
 * written anew ({@code mvn -B verify -Dmeter.api.update=true}) and committed with the change, so that
 * every change of the API is seen in review, and a break is a decision.
 */
class PublicApiTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "meter-api, dev.meter.api.Limits",
      "meter-test, dev.meter.testing.VirtualTime",
      "meter-core, dev.meter.core.Meter",
      "meter-kotlin, dev.meter.kotlin.EntryKt",
      "meter-redis, dev.meter.redis.MeterRedis",
      "meter-micrometer, dev.meter.micrometer.MicrometerMetrics",
  })
  void publicApi_isTheBaseline(String module, String aClassOfIt) throws Exception {
    Path classes = Path.of(Class.forName(aClassOfIt).getProtectionDomain().getCodeSource().getLocation().toURI());
    String dump = dump(classes);
    Path baseline = Path.of(System.getProperty("meter.root", "..")).resolve(module).resolve("api").resolve(module + ".api");
    if (Boolean.getBoolean("meter.api.update")) {
      Files.createDirectories(baseline.getParent());
      Files.writeString(baseline, dump, StandardCharsets.UTF_8);
      return;
    }
    if (!Files.exists(baseline)) {
      fail(module + " has no API baseline: run mvn -B verify -Dmeter.api.update=true and commit " + baseline.normalize());
    }
    String expected = Files.readString(baseline, StandardCharsets.UTF_8);
    if (!expected.equals(dump)) {
      List<String> diff = UnifiedDiffUtils.generateUnifiedDiff("api/" + module + ".api (baseline)", "the classes built now",
          expected.lines().toList(), DiffUtils.diff(expected.lines().toList(), dump.lines().toList()), 2);
      fail("the public API of " + module + " is not its baseline. If the change is meant (and, for a removal or a"
          + " changed signature, the version says so), run mvn -B verify -Dmeter.api.update=true and commit "
          + baseline.normalize() + " with it:\n" + String.join("\n", diff));
    }
  }

  /** The public API of the classes in {@code location} (a jar or a directory), in the validator's .api form. */
  private static String dump(Path location) throws IOException {
    List<byte[]> classFiles = new ArrayList<>();
    byte[] moduleInfo = null;
    Set<String> packages = new TreeSet<>();
    for (Entry entry : entries(location)) {
      if (!entry.name().endsWith(".class") || entry.name().startsWith("META-INF/")) {
        continue;
      }
      if (entry.name().equals("module-info.class")) {
        moduleInfo = entry.bytes();
        continue;
      }
      classFiles.add(entry.bytes());
      int slash = entry.name().lastIndexOf('/');
      packages.add(slash < 0 ? "" : entry.name().substring(0, slash).replace('/', '.'));
    }
    // A Java module's packages that it does not export are not its API, whatever their classes' modifiers.
    List<String> hidden = new ArrayList<>();
    if (moduleInfo != null) {
      ModuleDescriptor descriptor = ModuleDescriptor.read(java.nio.ByteBuffer.wrap(moduleInfo));
      Set<String> exported = new TreeSet<>();
      descriptor.exports().stream().filter(export -> !export.isQualified()).forEach(export -> exported.add(export.source()));
      packages.stream().filter(pkg -> !exported.contains(pkg)).forEach(hidden::add);
    }
    Iterator<InputStream> streams = classFiles.stream().map(bytes -> (InputStream) new java.io.ByteArrayInputStream(bytes)).iterator();
    List<ClassBinarySignature> signatures = KotlinSignaturesLoadingKt.loadApiFromJvmClasses(SequencesKt.asSequence(streams), name -> true);
    List<ClassBinarySignature> api = KotlinSignaturesLoadingKt.filterOutNonPublic(signatures, hidden, List.of());
    return KotlinSignaturesLoadingKt.dump(api, new StringBuilder()).toString();
  }

  private record Entry(String name, byte[] bytes) {}

  private static List<Entry> entries(Path location) throws IOException {
    List<Entry> entries = new ArrayList<>();
    if (Files.isDirectory(location)) {
      try (Stream<Path> files = Files.walk(location)) {
        for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
          entries.add(new Entry(location.relativize(file).toString().replace(java.io.File.separatorChar, '/'), Files.readAllBytes(file)));
        }
      }
      return entries;
    }
    try (ZipFile jar = new ZipFile(location.toFile())) {
      List<ZipEntry> sorted = new ArrayList<>(jar.stream().toList());
      sorted.sort(java.util.Comparator.comparing(ZipEntry::getName));
      for (ZipEntry entry : sorted) {
        if (!entry.isDirectory()) {
          try (InputStream in = jar.getInputStream(entry)) {
            entries.add(new Entry(entry.getName(), in.readAllBytes()));
          }
        }
      }
    }
    return entries;
  }
}
