package dev.slmedge.core

/**
 * Builds a [Tokenizer] from a Hugging Face tokenizer.json. Covers what BERT, MiniLM, DistilBERT
 * and RoBERTa checkpoints use, and refuses any other component by name rather than tokenizing
 * differently from Python.
 */
object TokenizerJson {
    fun load(text: String): Tokenizer {
        val root = Json.parse(text).asObject("tokenizer.json")
        val added = (root["added_tokens"] ?: emptyList<Any?>()).asList("added_tokens")
            .map { readAddedToken(it.asObject("added_tokens[]")) }
        return Tokenizer(
            addedTokens = added,
            normalizer = root["normalizer"]?.let { readNormalizer(it.asObject("normalizer")) },
            preTokenizer = root["pre_tokenizer"]?.let { readPreTokenizer(it.asObject("pre_tokenizer")) },
            model = readModel(root.required("model").asObject("model")),
            specialTokens = root["post_processor"]?.let { readPostProcessor(it.asObject("post_processor")) }
                ?: SpecialTokens.NONE
        )
    }

    private fun readAddedToken(spec: Map<String, Any?>) = AddedToken(
        id = spec.required("id").asInt("added token id"),
        content = spec.required("content").asString("added token content"),
        singleWord = spec["single_word"] == true,
        lstrip = spec["lstrip"] == true,
        rstrip = spec["rstrip"] == true,
        normalized = spec["normalized"] == true
    )

    private fun readNormalizer(spec: Map<String, Any?>): Normalizer = when (val type = spec["type"]) {
        "BertNormalizer" -> {
            val lowercase = spec["lowercase"] != false
            BertNormalizer(
                cleanText = spec["clean_text"] != false,
                handleChineseChars = spec["handle_chinese_chars"] != false,
                // null means "same as lowercase", as in BERT's original code.
                stripAccents = (spec["strip_accents"] as? Boolean) ?: lowercase,
                lowercase = lowercase
            )
        }
        else -> throw JsonException("tokenizer.json: normalizer type $type is not supported")
    }

    private fun readPreTokenizer(spec: Map<String, Any?>): PreTokenizer = when (val type = spec["type"]) {
        "BertPreTokenizer" -> BertPreTokenizer()
        "ByteLevel" -> ByteLevelPreTokenizer(
            addPrefixSpace = spec["add_prefix_space"] == true,
            useRegex = spec["use_regex"] != false
        )
        else -> throw JsonException("tokenizer.json: pre_tokenizer type $type is not supported")
    }

    private fun readModel(spec: Map<String, Any?>): TokenModel {
        val vocab = HashMap<String, Int>()
        for ((token, id) in spec.required("vocab").asObject("model.vocab")) vocab[token] = id.asInt("id of \"$token\"")
        return when (val type = spec["type"]) {
            "WordPiece" -> WordPieceModel(
                vocab = vocab,
                unkToken = spec.required("unk_token").asString("model.unk_token"),
                continuingSubwordPrefix = (spec["continuing_subword_prefix"] as? String) ?: "##",
                maxInputCharsPerWord = (spec["max_input_chars_per_word"] as? Long)?.toInt() ?: 100
            )
            "BPE" -> {
                if (spec["dropout"] != null) throw JsonException("tokenizer.json: BPE dropout is not supported")
                if (spec["byte_fallback"] == true) {
                    throw JsonException("tokenizer.json: BPE byte_fallback is not supported")
                }
                BpeModel(
                    vocab = vocab,
                    merges = spec.required("merges").asList("model.merges").map { readMerge(it) },
                    unkToken = spec["unk_token"] as? String,
                    continuingSubwordPrefix = spec["continuing_subword_prefix"] as? String,
                    endOfWordSuffix = spec["end_of_word_suffix"] as? String,
                    fuseUnk = spec["fuse_unk"] == true,
                    ignoreMerges = spec["ignore_merges"] == true
                )
            }
            else -> throw JsonException("tokenizer.json: model type $type is not supported")
        }
    }

    /** A merge is written "a b" (older files) or ["a", "b"] (newer ones). */
    private fun readMerge(merge: Any?): Pair<String, String> {
        if (merge is String) {
            val parts = merge.split(' ')
            if (parts.size != 2) throw JsonException("tokenizer.json: bad merge \"$merge\"")
            return Pair(parts[0], parts[1])
        }
        val parts = merge.asList("merge")
        if (parts.size != 2) throw JsonException("tokenizer.json: bad merge $merge")
        return Pair(parts[0].asString("merge"), parts[1].asString("merge"))
    }

    private fun readPostProcessor(spec: Map<String, Any?>): SpecialTokens = when (val type = spec["type"]) {
        // BERT writes {"cls": ["[CLS]", 101], "sep": ["[SEP]", 102]}; RoBERTa the same with <s>, </s>.
        "BertProcessing", "RobertaProcessing" -> {
            val cls = spec.required("cls").asList("cls")[1].asInt("cls id")
            val sep = spec.required("sep").asList("sep")[1].asInt("sep id")
            SpecialTokens(intArrayOf(cls), intArrayOf(0), 0, intArrayOf(sep), intArrayOf(0))
        }
        "TemplateProcessing" -> readTemplate(spec)
        else -> throw JsonException("tokenizer.json: post_processor type $type is not supported")
    }

    /** The "single" template, e.g. [CLS]:0 $A:0 [SEP]:0, as prefix, sequence and suffix. */
    private fun readTemplate(spec: Map<String, Any?>): SpecialTokens {
        val specials = spec.required("special_tokens").asObject("special_tokens")
        val prefix = ArrayList<Pair<Int, Int>>()
        val suffix = ArrayList<Pair<Int, Int>>()
        var sequenceTypeId: Int? = null
        for (item in spec.required("single").asList("single")) {
            val piece = item.asObject("single[]")
            val sequence = piece["Sequence"]
            if (sequence != null) {
                if (sequenceTypeId != null) throw JsonException("tokenizer.json: two sequences in a single template")
                sequenceTypeId = sequence.asObject("Sequence").required("type_id").asInt("type_id")
                continue
            }
            val special = piece.required("SpecialToken").asObject("SpecialToken")
            val typeId = special.required("type_id").asInt("type_id")
            val name = special.required("id").asString("SpecialToken id")
            val ids = specials.required(name).asObject(name).required("ids").asList("ids")
            for (id in ids) (if (sequenceTypeId == null) prefix else suffix).add(Pair(id.asInt("id"), typeId))
        }
        return SpecialTokens(
            prefix.map { it.first }.toIntArray(), prefix.map { it.second }.toIntArray(),
            sequenceTypeId ?: 0,
            suffix.map { it.first }.toIntArray(), suffix.map { it.second }.toIntArray()
        )
    }
}
