// Versions that work together: AGP 8.7 needs Gradle 8.9+ (see gradle/wrapper), JDK 17+ and
// Android Studio Ladybug or newer.
plugins {
    id("com.android.application") version "8.7.3" apply false
    id("org.jetbrains.kotlin.android") version "2.0.21" apply false
    id("org.jetbrains.kotlin.jvm") version "2.0.21" apply false
}
