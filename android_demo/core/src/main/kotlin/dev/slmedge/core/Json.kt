package dev.slmedge.core

/** Thrown for malformed JSON, or JSON whose shape is not what a bundle file needs. */
class JsonException(message: String) : RuntimeException(message)

/**
 * A small strict JSON reader (RFC 8259), so that the core module needs no library on the JVM
 * and reads tokenizer.json and manifest.json the same way on a phone and in the tests.
 *
 * Objects become `Map<String, Any?>` (insertion order kept), arrays `List<Any?>`, strings
 * `String`, numbers `Long` when written without fraction or exponent and `Double` otherwise,
 * `true`/`false` `Boolean` and `null` null.
 */
object Json {
    fun parse(text: String): Any? = JsonReader(text).readDocument()
}

private class JsonReader(private val text: String) {
    private var pos = 0

    fun readDocument(): Any? {
        val value = readValue()
        skipWhitespace()
        if (pos != text.length) fail("unexpected text after the JSON value")
        return value
    }

    private fun readValue(): Any? {
        skipWhitespace()
        if (pos >= text.length) fail("unexpected end of input")
        val c = text[pos]
        return when {
            c == '{' -> readObject()
            c == '[' -> readArray()
            c == '"' -> readString()
            c == 't' -> readLiteral("true", true)
            c == 'f' -> readLiteral("false", false)
            c == 'n' -> readLiteral("null", null)
            c == '-' || c in '0'..'9' -> readNumber()
            else -> fail("unexpected character '$c'")
        }
    }

    private fun readObject(): Map<String, Any?> {
        val result = LinkedHashMap<String, Any?>()
        pos++ // '{'
        skipWhitespace()
        if (peek() == '}') {
            pos++
            return result
        }
        while (true) {
            skipWhitespace()
            if (peek() != '"') fail("expected a string key")
            val key = readString()
            skipWhitespace()
            expect(':')
            result[key] = readValue()
            skipWhitespace()
            when (peek()) {
                ',' -> pos++
                '}' -> { pos++; return result }
                else -> fail("expected ',' or '}' in an object")
            }
        }
    }

    private fun readArray(): List<Any?> {
        val result = ArrayList<Any?>()
        pos++ // '['
        skipWhitespace()
        if (peek() == ']') {
            pos++
            return result
        }
        while (true) {
            result.add(readValue())
            skipWhitespace()
            when (peek()) {
                ',' -> pos++
                ']' -> { pos++; return result }
                else -> fail("expected ',' or ']' in an array")
            }
        }
    }

    private fun readString(): String {
        pos++ // opening quote
        val out = StringBuilder()
        while (true) {
            if (pos >= text.length) fail("unterminated string")
            val c = text[pos++]
            when {
                c == '"' -> return out.toString()
                c == '\\' -> out.append(readEscape())
                c < ' ' -> fail("control character in a string")
                else -> out.append(c)
            }
        }
    }

    private fun readEscape(): Char {
        if (pos >= text.length) fail("unterminated escape")
        return when (val c = text[pos++]) {
            '"' -> '"'
            '\\' -> '\\'
            '/' -> '/'
            'b' -> '\b'
            'f' -> '\u000C'
            'n' -> '\n'
            'r' -> '\r'
            't' -> '\t'
            // A surrogate pair arrives as two \u escapes, which concatenate into one code point.
            'u' -> {
                if (pos + 4 > text.length) fail("short \\u escape")
                val hex = text.substring(pos, pos + 4)
                if (!hex.all { it in "0123456789abcdefABCDEF" }) fail("bad \\u escape")
                pos += 4
                hex.toInt(16).toChar()
            }
            else -> fail("bad escape '\\$c'")
        }
    }

    private fun readNumber(): Any {
        val start = pos
        if (peek() == '-') pos++
        when {
            peek() == '0' -> pos++
            peek() in '1'..'9' -> skipDigits()
            else -> fail("bad number")
        }
        var integral = true
        if (peek() == '.') {
            integral = false
            pos++
            if (peek() !in '0'..'9') fail("bad number")
            skipDigits()
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false
            pos++
            if (peek() == '+' || peek() == '-') pos++
            if (peek() !in '0'..'9') fail("bad number")
            skipDigits()
        }
        val literal = text.substring(start, pos)
        return if (integral) literal.toLongOrNull() ?: literal.toDouble() else literal.toDouble()
    }

    private fun readLiteral(word: String, value: Any?): Any? {
        if (!text.startsWith(word, pos)) fail("unknown literal")
        pos += word.length
        return value
    }

    private fun skipDigits() {
        while (peek() in '0'..'9') pos++
    }

    private fun skipWhitespace() {
        while (pos < text.length && text[pos] in " \n\r\t") pos++
    }

    private fun peek(): Char = if (pos < text.length) text[pos] else '\u0000'

    private fun expect(c: Char) {
        if (peek() != c) fail("expected '$c'")
        pos++
    }

    private fun fail(message: String): Nothing = throw JsonException("JSON: $message at offset $pos")
}

// Typed access with errors that name the key, for reading bundle files.

@Suppress("UNCHECKED_CAST")
fun Any?.asObject(what: String): Map<String, Any?> =
    this as? Map<String, Any?> ?: throw JsonException("$what: expected a JSON object")

fun Any?.asList(what: String): List<Any?> =
    this as? List<Any?> ?: throw JsonException("$what: expected a JSON array")

fun Any?.asString(what: String): String =
    this as? String ?: throw JsonException("$what: expected a string")

fun Any?.asInt(what: String): Int =
    (this as? Long)?.toInt() ?: throw JsonException("$what: expected an integer")

fun Map<String, Any?>.required(key: String): Any? =
    if (containsKey(key)) get(key) else throw JsonException("missing key \"$key\"")
