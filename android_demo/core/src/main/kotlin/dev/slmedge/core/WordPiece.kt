package dev.slmedge.core

/** Hugging Face `BertPreTokenizer`: split on whitespace, and make each punctuation mark a word. */
class BertPreTokenizer : PreTokenizer {
    override fun split(text: String): List<String> {
        val words = ArrayList<String>()
        val word = StringBuilder()
        forEachCodePoint(text) { cp ->
            when {
                isWhitespace(cp) -> flush(word, words)
                isPunctuation(cp) -> {
                    flush(word, words)
                    words.add(String(Character.toChars(cp)))
                }
                else -> word.appendCodePoint(cp)
            }
        }
        flush(word, words)
        return words
    }

    private fun flush(word: StringBuilder, words: MutableList<String>) {
        if (word.isNotEmpty()) words.add(word.toString())
        word.setLength(0)
    }
}

/**
 * Hugging Face `WordPiece` (BERT, MiniLM, DistilBERT): greedy longest match first, later pieces
 * prefixed with "##"; a word with any unmatchable part, or longer than [maxInputCharsPerWord]
 * code points, becomes the unknown token as a whole.
 */
class WordPieceModel(
    private val vocab: Map<String, Int>,
    unkToken: String,
    private val continuingSubwordPrefix: String,
    private val maxInputCharsPerWord: Int
) : TokenModel {
    private val unkId: Int = vocab[unkToken]
        ?: throw JsonException("WordPiece: unk_token \"$unkToken\" is not in the vocab")

    override fun tokenize(word: String, out: MutableList<Int>) {
        // Offsets of code point boundaries, so a piece never splits a surrogate pair.
        val bounds = arrayListOf(0)
        var offset = 0
        while (offset < word.length) {
            offset += Character.charCount(word.codePointAt(offset))
            bounds.add(offset)
        }
        val codePoints = bounds.size - 1
        if (codePoints > maxInputCharsPerWord) {
            out.add(unkId)
            return
        }
        val pieces = ArrayList<Int>()
        var start = 0
        while (start < codePoints) {
            var end = codePoints
            var found: Int? = null
            while (start < end) {
                val text = word.substring(bounds[start], bounds[end])
                found = vocab[if (start > 0) continuingSubwordPrefix + text else text]
                if (found != null) break
                end--
            }
            if (found == null) {
                out.add(unkId)
                return
            }
            pieces.add(found)
            start = end
        }
        out.addAll(pieces)
    }
}
