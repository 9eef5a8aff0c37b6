package dev.slmedge.core

import java.util.regex.Pattern

/** GPT-2's reversible map from the 256 byte values to printable characters. */
object ByteLevel {
    private val byteToChar: CharArray = CharArray(256).also { table ->
        var next = 256
        for (b in 0 until 256) {
            val printable = b in 33..126 || b in 161..172 || b in 174..255
            table[b] = if (printable) b.toChar() else (next++).toChar()
        }
    }

    /** The UTF-8 bytes of [text], one mapped character per byte. */
    fun encode(text: String): String {
        val bytes = text.toByteArray(Charsets.UTF_8)
        val out = CharArray(bytes.size)
        for (i in bytes.indices) out[i] = byteToChar[bytes[i].toInt() and 0xFF]
        return String(out)
    }
}

/** Hugging Face `ByteLevel` pre-tokenizer: the GPT-2 split, then bytes to characters. */
class ByteLevelPreTokenizer(
    private val addPrefixSpace: Boolean,
    private val useRegex: Boolean
) : PreTokenizer {
    override fun split(text: String): List<String> {
        val input = if (addPrefixSpace && !text.startsWith(" ")) " $text" else text
        val words = if (useRegex) splitGpt2(input) else listOf(input)
        return words.map { ByteLevel.encode(it) }
    }

    private fun splitGpt2(text: String): List<String> {
        val words = ArrayList<String>()
        val matcher = GPT2_PATTERN.matcher(text)
        var last = 0
        while (matcher.find()) {
            if (matcher.start() > last) words.add(text.substring(last, matcher.start()))
            words.add(matcher.group())
            last = matcher.end()
        }
        if (last < text.length) words.add(text.substring(last))
        return words
    }

    companion object {
        // \s spelled out as Unicode White_Space: Java's \s is ASCII-only, and Android's regex
        // engine does not take UNICODE_CHARACTER_CLASS.
        private const val WS =
            "\\t\\n\\u000B\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000"
        private val GPT2_PATTERN: Pattern = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^$WS\\p{L}\\p{N}]+|[$WS]+(?![^$WS])|[$WS]+"
        )
    }
}

/**
 * Hugging Face `BPE` (RoBERTa, GPT-2): start from single characters and apply the learned merge
 * with the best (lowest) rank, leftmost first, until none applies.
 */
class BpeModel(
    private val vocab: Map<String, Int>,
    merges: List<Pair<String, String>>,
    unkToken: String?,
    private val continuingSubwordPrefix: String?,
    private val endOfWordSuffix: String?,
    private val fuseUnk: Boolean,
    private val ignoreMerges: Boolean
) : TokenModel {
    private class Merge(val rank: Int, val newId: Int)

    private val unkId: Int? = unkToken?.let { vocab[it] }
    private val merges = HashMap<Long, Merge>()
    private val cache = HashMap<String, IntArray>()

    init {
        val prefixLength = continuingSubwordPrefix?.length ?: 0
        for ((rank, merge) in merges.withIndex()) {
            val (a, b) = merge
            val idA = vocab[a] ?: throw JsonException("BPE merge \"$a $b\": \"$a\" is not in the vocab")
            val idB = vocab[b] ?: throw JsonException("BPE merge \"$a $b\": \"$b\" is not in the vocab")
            // With a subword prefix ("##"), merging "a" and "##b" gives "ab".
            val prefixed = prefixLength > 0 && b.startsWith(continuingSubwordPrefix!!)
            val joined = a + if (prefixed) b.substring(prefixLength) else b
            val newId = vocab[joined]
                ?: throw JsonException("BPE merge \"$a $b\": \"$joined\" is not in the vocab")
            this.merges[pairKey(idA, idB)] = Merge(rank, newId) // a repeated pair: the last wins, as in Rust
        }
    }

    override fun tokenize(word: String, out: MutableList<Int>) {
        val cached = cache[word]
        if (cached != null) {
            cached.forEach { out.add(it) }
            return
        }
        val whole = if (ignoreMerges) vocab[word] else null
        val ids = if (whole != null) intArrayOf(whole) else mergeWord(word)
        if (cache.size >= CACHE_CAPACITY) cache.clear()
        cache[word] = ids
        ids.forEach { out.add(it) }
    }

    private fun mergeWord(word: String): IntArray {
        val symbols = ArrayList<Int>()
        var pendingUnk = false // an unknown character not yet emitted, so runs can be fused
        var offset = 0
        while (offset < word.length) {
            val next = offset + Character.charCount(word.codePointAt(offset))
            var symbol = word.substring(offset, next)
            if (offset > 0 && continuingSubwordPrefix != null) symbol = continuingSubwordPrefix + symbol
            if (next == word.length && endOfWordSuffix != null) symbol += endOfWordSuffix
            val id = vocab[symbol]
            if (id != null) {
                if (pendingUnk) symbols.add(unkId!!)
                pendingUnk = false
                symbols.add(id)
            } else if (unkId != null) {
                if (pendingUnk && !fuseUnk) symbols.add(unkId)
                pendingUnk = true
            }
            offset = next
        }
        if (pendingUnk) symbols.add(unkId!!)

        while (symbols.size > 1) {
            var best: Merge? = null
            var bestAt = -1
            for (i in 0 until symbols.size - 1) {
                val merge = merges[pairKey(symbols[i], symbols[i + 1])] ?: continue
                if (best == null || merge.rank < best.rank) {
                    best = merge
                    bestAt = i
                }
            }
            if (best == null) break
            symbols[bestAt] = best.newId
            symbols.removeAt(bestAt + 1)
        }
        return symbols.toIntArray()
    }

    private fun pairKey(a: Int, b: Int): Long = (a.toLong() shl 32) or (b.toLong() and 0xFFFFFFFFL)

    companion object {
        private const val CACHE_CAPACITY = 10_000
    }
}
