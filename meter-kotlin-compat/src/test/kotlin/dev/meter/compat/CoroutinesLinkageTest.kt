package dev.meter.compat

import java.lang.reflect.Executable
import java.lang.reflect.Method
import java.nio.file.Files
import java.nio.file.Path
import java.util.jar.JarFile
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test
import org.objectweb.asm.ClassReader
import org.objectweb.asm.ClassVisitor
import org.objectweb.asm.MethodVisitor
import org.objectweb.asm.Opcodes
import org.objectweb.asm.Type

/**
 * meter-kotlin is compiled against kotlinx-coroutines 1.11 and runs here on the 1.10 a Kotlin 2.0
 * project pins. A running test only reaches the paths it takes; this one reads every class of
 * meter-kotlin and resolves each method and field it uses from kotlinx.coroutines against the 1.10 on
 * the class path, as the JVM would link it, so a call that exists only in 1.11 fails the build.
 */
class CoroutinesLinkageTest {

  @Test
  fun everyCoroutinesReference_inMeterKotlin_resolvesOnCoroutines110() {
    val references = coroutinesReferencesOf(meterKotlinClasses())

    val unresolved = references.filterNot(::resolves)

    assertThat(references).isNotEmpty
    assertThat(unresolved).isEmpty()
  }

  private data class Reference(val owner: String, val name: String, val descriptor: String, val field: Boolean) {
    override fun toString() = "${owner.replace('/', '.')}.$name$descriptor"
  }

  /** The bytes of every class in meter-kotlin's jar (or classes directory, in an IDE). */
  private fun meterKotlinClasses(): List<ByteArray> {
    val location = Path.of(Class.forName("dev.meter.kotlin.IdiomsKt").protectionDomain.codeSource.location.toURI())
    if (Files.isDirectory(location)) {
      Files.walk(location).use { paths ->
        return paths.filter { it.toString().endsWith(".class") }.map(Files::readAllBytes).toList()
      }
    }
    JarFile(location.toFile()).use { jar ->
      return jar.entries().asSequence().filter { it.name.endsWith(".class") && !it.name.startsWith("META-INF") }
        .map { jar.getInputStream(it).readAllBytes() }.toList()
    }
  }

  private fun coroutinesReferencesOf(classes: List<ByteArray>): Set<Reference> {
    val found = mutableSetOf<Reference>()
    val methods = object : MethodVisitor(Opcodes.ASM9) {
      override fun visitMethodInsn(opcode: Int, owner: String, name: String, descriptor: String, isInterface: Boolean) {
        if (owner.startsWith("kotlinx/coroutines/")) found += Reference(owner, name, descriptor, field = false)
      }

      override fun visitFieldInsn(opcode: Int, owner: String, name: String, descriptor: String) {
        if (owner.startsWith("kotlinx/coroutines/")) found += Reference(owner, name, descriptor, field = true)
      }
    }
    val visitor = object : ClassVisitor(Opcodes.ASM9) {
      override fun visitMethod(access: Int, name: String, descriptor: String, signature: String?, exceptions: Array<out String>?) = methods
    }
    classes.forEach { ClassReader(it).accept(visitor, ClassReader.SKIP_DEBUG) }
    return found
  }

  /** Whether the JVM would find [reference] in its class or a supertype, as method and field resolution do. */
  private fun resolves(reference: Reference): Boolean {
    val owner = try {
      Class.forName(reference.owner.replace('/', '.'), false, javaClass.classLoader)
    } catch (missing: ClassNotFoundException) {
      return false
    }
    return hierarchyOf(owner).any { type ->
      if (reference.field) {
        type.declaredFields.any { it.name == reference.name && Type.getDescriptor(it.type) == reference.descriptor }
      } else {
        val executables: List<Executable> = type.declaredMethods.toList<Method>() + type.declaredConstructors
        executables.any { it.nameForJvm() == reference.name && it.descriptor() == reference.descriptor }
      }
    }
  }

  private fun hierarchyOf(type: Class<*>): Set<Class<*>> {
    val all = linkedSetOf<Class<*>>()
    fun add(next: Class<*>?) {
      if (next != null && all.add(next)) {
        add(next.superclass)
        next.interfaces.forEach(::add)
      }
    }
    add(type)
    return all
  }

  private fun Executable.nameForJvm() = if (this is Method) name else "<init>"

  private fun Executable.descriptor() = when (this) {
    is Method -> Type.getMethodDescriptor(this)
    else -> Type.getConstructorDescriptor(this as java.lang.reflect.Constructor<*>)
  }
}
