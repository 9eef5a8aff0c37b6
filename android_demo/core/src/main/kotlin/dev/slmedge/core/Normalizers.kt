package dev.slmedge.core

import java.text.Normalizer as JavaNormalizer

/** NFD, then drop non-spacing marks: "é" -> "e". */
fun stripAccents(text: String): String = dropNonSpacingMarks(JavaNormalizer.normalize(text, JavaNormalizer.Form.NFD))

/** Drops non-spacing marks (combining accents, among others). */
fun dropNonSpacingMarks(text: String): String {
    val out = StringBuilder(text.length)
    forEachCodePoint(text) { cp -> if (!isNonSpacingMark(cp)) out.appendCodePoint(cp) }
    return out.toString()
}

/**
 * Lowercases one code point at a time, as `tokenizers` does (so "Σ" is always "σ", never the
 * final "ς"). U+0130 "İ" is the one character whose lowercase is two ("i" + U+0307).
 */
fun lowercase(text: String): String {
    val out = StringBuilder(text.length)
    forEachCodePoint(text) { cp ->
        if (cp == 0x130) out.append("i\u0307") else out.appendCodePoint(Character.toLowerCase(cp))
    }
    return out.toString()
}

/** Hugging Face `BertNormalizer`. */
class BertNormalizer(
    private val cleanText: Boolean,
    private val handleChineseChars: Boolean,
    private val stripAccents: Boolean,
    private val lowercase: Boolean
) : Normalizer {
    override fun normalize(text: String): String {
        var result = text
        if (cleanText || handleChineseChars) {
            val out = StringBuilder(text.length)
            forEachCodePoint(text) { cp ->
                when {
                    cleanText && (cp == 0 || cp == 0xFFFD || isControl(cp)) -> Unit
                    cleanText && isWhitespace(cp) -> out.append(' ')
                    handleChineseChars && isChineseChar(cp) -> out.append(' ').appendCodePoint(cp).append(' ')
                    else -> out.appendCodePoint(cp)
                }
            }
            result = out.toString()
        }
        if (stripAccents) result = stripAccents(result)
        if (lowercase) result = lowercase(result)
        return result
    }
}
