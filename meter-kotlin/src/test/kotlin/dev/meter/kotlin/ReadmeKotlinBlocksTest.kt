package dev.meter.kotlin

import java.nio.file.Files
import java.nio.file.Path
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/**
 * Every fenced `kotlin` block of README.md is, line for line, a region of [ReadmeExamplesTest]
 * (between `// readme:begin` and `// readme:end`), which the build compiles and runs: a README block
 * that drifts from compiled code fails here. Import lines of a block are left out of the comparison.
 */
class ReadmeKotlinBlocksTest {
  private val root: Path = generateSequence(Path.of("").toAbsolutePath()) { it.parent }
    .first { Files.exists(it.resolve("README.md")) && Files.exists(it.resolve("meter-kotlin")) }

  @Test
  fun readmeKotlinBlocks_areCompiledTestCode() {
    val blocks = kotlinBlocks(Files.readAllLines(root.resolve("README.md")))
    val regions = regions(Files.readAllLines(root.resolve("meter-kotlin/src/test/kotlin/dev/meter/kotlin/ReadmeExamplesTest.kt")))

    assertThat(blocks).hasSizeGreaterThanOrEqualTo(3)
    assertThat(regions).`as`("the README's Kotlin blocks, in order, as the test holds them").isEqualTo(blocks)
  }

  private fun kotlinBlocks(lines: List<String>): List<String> {
    val found = mutableListOf<String>()
    var i = 0
    while (i < lines.size) {
      if (lines[i].trim() == "```kotlin") {
        val end = (i + 1 until lines.size).first { lines[it].trim() == "```" }
        found += normalize(lines.subList(i + 1, end).filterNot { it.startsWith("import ") })
        i = end
      }
      i++
    }
    return found
  }

  private fun regions(lines: List<String>): List<String> {
    val found = mutableListOf<String>()
    var start = -1
    lines.forEachIndexed { index, line ->
      when (line.trim()) {
        "// readme:begin" -> start = index + 1
        "// readme:end" -> {
          found += normalize(lines.subList(start, index))
          start = -1
        }
      }
    }
    return found
  }

  /** Without the common indentation and the blank lines at either end. */
  private fun normalize(lines: List<String>): String {
    val body = lines.dropWhile { it.isBlank() }.dropLastWhile { it.isBlank() }
    val indent = body.filter { it.isNotBlank() }.minOfOrNull { line -> line.takeWhile { it == ' ' }.length } ?: 0
    return body.joinToString("\n") { if (it.isBlank()) "" else it.substring(indent).trimEnd() }
  }
}
