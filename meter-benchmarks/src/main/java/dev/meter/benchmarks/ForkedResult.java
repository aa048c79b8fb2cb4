package dev.meter.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one measurement in a fresh JVM, so that no peer inherits another's threads, JIT state or heap,
 * and reads back the one line it reports: {@code RESULT key=value key=value ...}.
 */
final class ForkedResult {
  static final String PREFIX = "RESULT ";

  private ForkedResult() {}

  static Map<String, String> run(List<String> jvmArgs, Class<?> main, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(args);
    try {
      Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      Map<String, String> result = null;
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          if (line.startsWith(PREFIX)) {
            result = parse(line.substring(PREFIX.length()));
          }
        }
      }
      int exit = process.waitFor();
      if (exit != 0 || result == null) {
        throw new IllegalStateException("forked run failed (exit " + exit + "): " + String.join(" ", args));
      }
      return result;
    } catch (IOException e) {
      throw new IllegalStateException("cannot fork a JVM: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static Map<String, String> parse(String fields) {
    Map<String, String> result = new LinkedHashMap<>();
    for (String field : fields.trim().split("\\s+")) {
      int eq = field.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("not key=value: " + field);
      }
      result.put(field.substring(0, eq), field.substring(eq + 1));
    }
    return result;
  }

  /** Prints a result line for the parent; values must not contain spaces. */
  static void report(Map<String, ?> fields) {
    StringBuilder line = new StringBuilder(PREFIX);
    fields.forEach((key, value) -> line.append(key).append('=').append(value).append(' '));
    System.out.println(line.toString().trim());
  }
}
