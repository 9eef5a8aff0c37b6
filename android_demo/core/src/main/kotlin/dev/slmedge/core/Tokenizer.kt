package dev.slmedge.core

/** Token ids of one text with its special tokens, truncated but not padded. */
class Encoding(val ids: IntArray, val typeIds: IntArray) {
    val length: Int get() = ids.size
}

/** Text to text, before splitting into words (Hugging Face "normalizer"). */
interface Normalizer {
    fun normalize(text: String): String
}

/** Normalized text to words (Hugging Face "pre_tokenizer"). */
interface PreTokenizer {
    fun split(text: String): List<String>
}

/** One word to ids (Hugging Face "model"). */
interface TokenModel {
    fun tokenize(word: String, out: MutableList<Int>)
}

/** A token that the tokenizer matches in the raw text before anything else ("added_tokens"). */
class AddedToken(
    val id: Int,
    val content: String,
    val singleWord: Boolean,
    val lstrip: Boolean,
    val rstrip: Boolean,
    val normalized: Boolean
)

/** Special tokens around the sequence (Hugging Face "post_processor"), single-sequence case. */
class SpecialTokens(
    val prefixIds: IntArray,
    val prefixTypeIds: IntArray,
    val sequenceTypeId: Int,
    val suffixIds: IntArray,
    val suffixTypeIds: IntArray
) {
    val count: Int get() = prefixIds.size + suffixIds.size

    companion object {
        val NONE = SpecialTokens(IntArray(0), IntArray(0), 0, IntArray(0), IntArray(0))
    }
}

/**
 * The Hugging Face `tokenizers` pipeline for one sequence: added tokens, normalizer,
 * pre-tokenizer, model, truncation, post-processor. Built from tokenizer.json by
 * [TokenizerJson.load]; [encode] gives the same ids as `Tokenizer.encode(text)` in Python with
 * `enable_truncation(maxLength)`.
 */
class Tokenizer(
    private val addedTokens: List<AddedToken>,
    private val normalizer: Normalizer?,
    private val preTokenizer: PreTokenizer?,
    private val model: TokenModel,
    private val specialTokens: SpecialTokens
) {
    // Added tokens are matched on the raw text, or on the normalized text when `normalized`.
    private val rawMatcher = AddedTokenMatcher(addedTokens.filter { !it.normalized }) { it }
    private val normalizedMatcher = AddedTokenMatcher(addedTokens.filter { it.normalized }) { normalize(it) }

    fun encode(text: String, maxLength: Int): Encoding {
        val tokens = ArrayList<Int>()
        for (rawPiece in rawMatcher.split(text)) {
            if (rawPiece.id != null) {
                tokens.add(rawPiece.id)
                continue
            }
            for (piece in normalizedMatcher.split(normalize(rawPiece.text))) {
                if (piece.id != null) {
                    tokens.add(piece.id)
                } else {
                    val words = preTokenizer?.split(piece.text) ?: listOf(piece.text)
                    for (word in words) if (word.isNotEmpty()) model.tokenize(word, tokens)
                }
            }
        }
        // Truncation keeps the start of the text and leaves room for the special tokens.
        val kept = minOf(tokens.size, maxOf(0, maxLength - specialTokens.count))
        val ids = IntArray(kept + specialTokens.count)
        val typeIds = IntArray(ids.size)
        var at = 0
        for (i in specialTokens.prefixIds.indices) {
            ids[at] = specialTokens.prefixIds[i]; typeIds[at++] = specialTokens.prefixTypeIds[i]
        }
        for (i in 0 until kept) {
            ids[at] = tokens[i]; typeIds[at++] = specialTokens.sequenceTypeId
        }
        for (i in specialTokens.suffixIds.indices) {
            ids[at] = specialTokens.suffixIds[i]; typeIds[at++] = specialTokens.suffixTypeIds[i]
        }
        return Encoding(ids, typeIds)
    }

    private fun normalize(text: String): String = normalizer?.normalize(text) ?: text
}

/** A piece of text, or an added token (then [id] is set). */
class Piece(val text: String, val id: Int?)

/** Splits text around added tokens: leftmost match first, the longest among those at one place. */
class AddedTokenMatcher(private val tokens: List<AddedToken>, patternOf: (String) -> String) {
    private val patterns = tokens.map { patternOf(it.content) }

    fun split(text: String): List<Piece> {
        if (tokens.isEmpty() || text.length == 0) return listOf(Piece(text, null))
        val pieces = ArrayList<Piece>()
        var pieceStart = 0
        var searchFrom = 0
        while (true) {
            val match = findLeftmostLongest(text, searchFrom) ?: break
            val token = tokens[match.index]
            var start = match.start
            var stop = match.start + patterns[match.index].length
            searchFrom = stop
            if (token.singleWord && (endsWithWordChar(text, start) || startsWithWordChar(text, stop))) continue
            // lstrip/rstrip: the token takes the whitespace around it, but not past the last match.
            if (token.lstrip) {
                while (start > pieceStart && isWhitespace(text.codePointBefore(start))) {
                    start -= Character.charCount(text.codePointBefore(start))
                }
            }
            if (token.rstrip) {
                while (stop < text.length && isWhitespace(text.codePointAt(stop))) {
                    stop += Character.charCount(text.codePointAt(stop))
                }
            }
            if (pieceStart < start) pieces.add(Piece(text.substring(pieceStart, start), null))
            pieces.add(Piece(text.substring(start, stop), token.id))
            pieceStart = stop
            searchFrom = stop
        }
        if (pieceStart < text.length) pieces.add(Piece(text.substring(pieceStart), null))
        return pieces
    }

    private class Match(val index: Int, val start: Int)

    /** The pattern that matches first in [text] from [from] (the longest on a tie), or null. */
    private fun findLeftmostLongest(text: String, from: Int): Match? {
        var best: Match? = null
        for ((index, pattern) in patterns.withIndex()) {
            if (pattern.length == 0) continue
            val start = text.indexOf(pattern, from)
            if (start < 0) continue
            val better = best == null || start < best.start ||
                (start == best.start && pattern.length > patterns[best.index].length)
            if (better) best = Match(index, start)
        }
        return best
    }

    private fun endsWithWordChar(text: String, at: Int) = at > 0 && isWordChar(text.codePointBefore(at))

    private fun startsWithWordChar(text: String, at: Int) = at < text.length && isWordChar(text.codePointAt(at))

    // Rust's \w, approximately: single_word tokens are not used by BERT or RoBERTa checkpoints.
    private fun isWordChar(cp: Int) = Character.isLetterOrDigit(cp) || cp == 0x5F // '_'
}
