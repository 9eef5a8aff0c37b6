// Plain Kotlin/JVM: the tokenizers, JSON reader and pre/post-processing, with no Android
// dependency, so the same code is tested on a desktop JVM (see run_core_tests.sh).
import org.jetbrains.kotlin.gradle.dsl.JvmTarget
import org.jetbrains.kotlin.gradle.tasks.KotlinCompile

plugins {
    id("org.jetbrains.kotlin.jvm")
}

java {
    sourceCompatibility = JavaVersion.VERSION_17
    targetCompatibility = JavaVersion.VERSION_17
}

tasks.withType<KotlinCompile>().configureEach {
    compilerOptions.jvmTarget.set(JvmTarget.JVM_17)
}

// The tests are a plain main() (no JUnit), fed by golden vectors from tools/make_golden.py:
// run android_demo/run_core_tests.sh once to make them, then `./gradlew :core:goldenTest`.
tasks.register<JavaExec>("goldenTest") {
    group = "verification"
    description = "Compares the Kotlin tokenizers with the golden vectors in build/golden."
    classpath = sourceSets["test"].runtimeClasspath
    mainClass.set("dev.slmedge.core.CoreTestsKt")
    args(rootProject.file("build/golden").path)
}
