package dev.slmedge.core

/** Runs the model on one padded request and returns its output row (the app wraps LiteRT). */
interface InferenceRunner {
    fun run(inputs: ModelInputs): FloatArray
}

/** One label with its probability. */
class Prediction(val index: Int, val label: String, val score: Float)

/** What one classification produced, with where the time went. */
class Classification(
    val predictions: List<Prediction>,
    val tokenCount: Int,
    val paddedLength: Int,
    val preprocessMs: Double,
    val inferenceMs: Double
) {
    val best: Prediction get() = predictions.first()
    val totalMs: Double get() = preprocessMs + inferenceMs
}

/** Text in, labels out: tokenize and pad as the manifest says, run, rank the labels. */
class TextClassifier(
    val manifest: BundleManifest,
    private val preprocessor: Preprocessor,
    private val runner: InferenceRunner
) {
    init {
        require(manifest.task == "sequence-classification") {
            "this app classifies whole texts; the bundle's task is ${manifest.task}"
        }
    }

    fun classify(text: String, topK: Int = 3): Classification {
        val start = System.nanoTime()
        val inputs = preprocessor.encode(text)
        val encoded = System.nanoTime()
        val output = runner.run(inputs)
        val done = System.nanoTime()
        check(output.size == manifest.labels.size) {
            "the model gives ${output.size} scores but manifest.json lists ${manifest.labels.size} labels"
        }
        // Bundles end in a softmax ("probabilities"); a logits output is normalised here.
        val probabilities = if (manifest.outputName == "probabilities") output else Scores.softmax(output)
        val predictions = Scores.topK(probabilities, topK)
            .map { Prediction(it, manifest.labels[it], probabilities[it]) }
        val preprocessMs = (encoded - start) / 1e6
        val inferenceMs = (done - encoded) / 1e6
        return Classification(predictions, inputs.tokenCount, inputs.paddedLength, preprocessMs, inferenceMs)
    }
}
