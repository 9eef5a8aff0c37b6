package dev.slmedge.core

/** The parts of a bundle's manifest.json that a runtime needs (docs/bundle-format.md). */
class BundleManifest(
    val family: String,
    val task: String,
    val labels: List<String>,
    val maxLength: Int,
    val tokenizerFile: String,
    val tokenizerKind: String,
    val padId: Int,
    /** Model inputs in the model's order; each is input_ids, attention_mask or token_type_ids. */
    val inputNames: List<String>,
    val outputName: String,
    /** Ascending buckets that a request is padded to. */
    val sequenceLengths: List<Int>,
    val recommended: String
) {
    companion object {
        const val FORMAT_VERSION = 1
        val KNOWN_INPUTS = setOf("input_ids", "attention_mask", "token_type_ids")

        fun parse(text: String): BundleManifest {
            val root = Json.parse(text).asObject("manifest.json")
            val version = root["format_version"]
            if (version != FORMAT_VERSION.toLong()) {
                throw JsonException(
                    "manifest.json: format_version $version is not supported (this app reads " +
                        "$FORMAT_VERSION); convert the model again with the matching slm-edge"
                )
            }
            val tokenizer = root.required("tokenizer").asObject("tokenizer")
            val inputs = root.required("inputs").asList("inputs").map { it.asObject("inputs[]") }
            val inputNames = inputs.map { it.required("name").asString("inputs[].name") }
            for ((name, input) in inputNames.zip(inputs)) {
                if (name !in KNOWN_INPUTS) throw JsonException("manifest.json: unknown model input \"$name\"")
                if (input["dtype"] != "int32") {
                    throw JsonException("manifest.json: input $name has dtype ${input["dtype"]}, expected int32")
                }
            }
            val maxLength = root.required("max_length").asInt("max_length")
            val buckets = (root["sequence_lengths"] ?: emptyList<Any?>()).asList("sequence_lengths")
                .map { it.asInt("sequence_lengths[]") }
            return BundleManifest(
                family = root.required("family").asString("family"),
                task = root.required("task").asString("task"),
                labels = root.required("labels").asList("labels").map { it.asString("labels[]") },
                maxLength = maxLength,
                tokenizerFile = tokenizer.required("file").asString("tokenizer.file"),
                tokenizerKind = tokenizer.required("kind").asString("tokenizer.kind"),
                padId = tokenizer.required("pad_id").asInt("tokenizer.pad_id"),
                inputNames = inputNames,
                outputName = root.required("output").asObject("output").required("name").asString("output.name"),
                sequenceLengths = buckets.filter { it <= maxLength }.sorted(),
                recommended = (root["recommended"] as? String) ?: ""
            )
        }
    }
}

/** The int32 arrays for one text, padded to [paddedLength], in the manifest's input order. */
class ModelInputs(
    val names: List<String>,
    val arrays: List<IntArray>,
    val tokenCount: Int,
    val paddedLength: Int
)

/** Text to padded model inputs, as the manifest describes them. Not thread-safe. */
class Preprocessor(private val tokenizer: Tokenizer, private val manifest: BundleManifest) {
    fun encode(text: String): ModelInputs {
        val encoding = tokenizer.encode(text, manifest.maxLength)
        val count = encoding.length
        val length = paddedLength(count)
        val inputIds = IntArray(length) { if (it < count) encoding.ids[it] else manifest.padId }
        val attentionMask = IntArray(length) { if (it < count) 1 else 0 }
        val tokenTypeIds = IntArray(length) { if (it < count) encoding.typeIds[it] else 0 }
        val arrays = manifest.inputNames.map { name ->
            when (name) {
                "input_ids" -> inputIds
                "attention_mask" -> attentionMask
                else -> tokenTypeIds
            }
        }
        return ModelInputs(manifest.inputNames, arrays, count, length)
    }

    /** The smallest bucket that holds [tokenCount] tokens; max_length when none does. */
    fun paddedLength(tokenCount: Int): Int =
        manifest.sequenceLengths.firstOrNull { it >= tokenCount } ?: manifest.maxLength
}
