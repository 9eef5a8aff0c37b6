package dev.slmedge.core

// Character classes as the Rust `tokenizers` library defines them, so that tokenization matches
// on every Android version. They are spelled out rather than taken from java.lang.Character
// alone: Java's isWhitespace differs (it excludes U+00A0 and includes U+001C..U+001F), and the
// library reads categories from Unicode 8.0 tables while Java and Android use newer ones.

inline fun forEachCodePoint(text: String, action: (Int) -> Unit) {
    var i = 0
    while (i < text.length) {
        val cp = text.codePointAt(i)
        action(cp)
        i += Character.charCount(cp)
    }
}

/** Rust's `char::is_whitespace`: the Unicode White_Space property. */
fun isWhitespace(cp: Int): Boolean = when (cp) {
    in 0x09..0x0D, 0x20, 0x85, 0xA0, 0x1680, in 0x2000..0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true
    else -> false
}

/** BERT's "control": categories Cc, Cf and Co, less tab, newline and carriage return. */
fun isControl(cp: Int): Boolean {
    if (cp == 0x09 || cp == 0x0A || cp == 0x0D) return false // tab, newline, carriage return
    val library = Unicode8.classOf(cp)
    if (library != null) return library == Unicode8.CONTROL
    return when (Character.getType(cp).toByte()) {
        Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE -> true
        else -> false
    }
}

/** BERT punctuation: any ASCII punctuation or symbol character, or a Unicode P* category. */
fun isPunctuation(cp: Int): Boolean {
    if (cp in 33..47 || cp in 58..64 || cp in 91..96 || cp in 123..126) return true
    val library = Unicode8.classOf(cp)
    if (library != null) return library == Unicode8.PUNCTUATION
    return when (Character.getType(cp).toByte()) {
        Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
        Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
        Character.OTHER_PUNCTUATION -> true
        else -> false
    }
}

/** Category Mn, which accent stripping drops after NFD. */
fun isNonSpacingMark(cp: Int): Boolean {
    val library = Unicode8.classOf(cp)
    if (library != null) return library == Unicode8.NON_SPACING_MARK
    return Character.getType(cp) == Character.NON_SPACING_MARK.toInt()
}

/** The CJK ideograph blocks that BERT splits into one token each. */
fun isChineseChar(cp: Int): Boolean =
    cp in 0x4E00..0x9FFF || cp in 0x3400..0x4DBF || cp in 0x20000..0x2A6DF || cp in 0x2A700..0x2B73F ||
        cp in 0x2B740..0x2B81F || cp in 0x2B920..0x2CEAF || cp in 0xF900..0xFAFF || cp in 0x2F800..0x2FA1F

/**
 * Code points whose class in the library's Unicode 8.0 tables differs from today's Unicode:
 * mostly characters assigned since, which the library sees as unassigned ("o": none of the
 * classes), plus a few whose category changed. Written by tools/unicode_overrides.py, which asks
 * the library about every code point; the code point sweep test checks it.
 */
object Unicode8 {
    const val CONTROL = 'c'
    const val PUNCTUATION = 'p'
    const val NON_SPACING_MARK = 'm'
    const val NONE = 'o'

    private const val OVERRIDES =
        "61D:o 7FD:o 890-891:o 898-89F:o 8CA-8E2:o 9FD-9FE:o A76:o AFA-AFF:o B55:o C04:o C3C:o " +
        "C77:o C84:o D00:o D3B-D3C:o D81:o EBA:o 166D:p 1734:m 180F:o 1885-1886:o 1ABF-1ACE:o " +
        "1B7D-1B7E:o 1DF6-1DFB:o 2E43-2E4F:o 2E52-2E5D:o A82C:o A8C5:o A8FF:o A9BD:o 10D24-10D27:o " +
        "10EAB-10EAD:o 10F46-10F50:o 10F55-10F59:o 10F82-10F89:o 11070:o 11073-11074:o 110C2:o " +
        "110CD:o 111C9:p 111CF:o 1123E:o 1133B:o 11438-1143F:o 11442-11444:o 11446:o 1144B-1144F:o " +
        "1145A-1145B:o 1145D-1145E:o 11660-1166C:o 116B9:o 1182F-11837:o 11839-1183B:o " +
        "1193B-1193C:o 1193E:o 11943-11946:o 119D4-119D7:o 119DA-119DB:o 119E0:o 119E2:o " +
        "11A01-11A0A:o 11A33-11A38:o 11A3B-11A47:o 11A51-11A56:o 11A59-11A5B:o 11A8A-11A96:o " +
        "11A98-11A9C:o 11A9E-11AA2:o 11C30-11C36:o 11C38-11C3D:o 11C3F:o 11C41-11C45:o " +
        "11C70-11C71:o 11C92-11CA7:o 11CAA-11CB0:o 11CB2-11CB3:o 11CB5-11CB6:o 11D31-11D36:o " +
        "11D3A:o 11D3C-11D3D:o 11D3F-11D45:o 11D47:o 11D90-11D91:o 11D95:o 11D97:o 11EF3-11EF4:o " +
        "11EF7-11EF8:o 11FFF:o 12FF1-12FF2:o 13430-13438:o 16E97-16E9A:o 16F4F:o 16FE2:o 16FE4:o " +
        "1CF00-1CF2D:o 1CF30-1CF46:o 1E000-1E006:o 1E008-1E018:o 1E01B-1E021:o 1E023-1E024:o " +
        "1E026-1E02A:o 1E130-1E136:o 1E2AE:o 1E2EC-1E2EF:o 1E944-1E94A:o 1E95E-1E95F:o"

    private val starts: IntArray
    private val ends: IntArray
    private val classes: CharArray

    init {
        val items = OVERRIDES.split(' ')
        starts = IntArray(items.size)
        ends = IntArray(items.size)
        classes = CharArray(items.size)
        for ((i, item) in items.withIndex()) {
            val (range, cls) = item.split(':')
            val bounds = range.split('-').map { it.toInt(16) }
            starts[i] = bounds.first()
            ends[i] = bounds.last()
            classes[i] = cls[0]
        }
    }

    /** The library's class for [cp] where it differs from today's categories, else null. */
    fun classOf(cp: Int): Char? {
        if (cp < starts[0]) return null // the common case: ASCII and Latin
        var low = 0
        var high = starts.size - 1
        while (low <= high) {
            val mid = (low + high) ushr 1
            when {
                cp < starts[mid] -> high = mid - 1
                cp > ends[mid] -> low = mid + 1
                else -> return classes[mid]
            }
        }
        return null
    }
}
