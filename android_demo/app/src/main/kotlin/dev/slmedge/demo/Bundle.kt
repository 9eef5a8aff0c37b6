package dev.slmedge.demo

import android.content.res.AssetManager
import dev.slmedge.core.BundleManifest
import dev.slmedge.core.InferenceRunner
import dev.slmedge.core.ModelInputs
import dev.slmedge.core.Preprocessor
import dev.slmedge.core.TextClassifier
import dev.slmedge.core.Tokenizer
import dev.slmedge.core.TokenizerJson
import org.tensorflow.lite.Interpreter
import java.io.Closeable
import java.io.FileInputStream
import java.nio.MappedByteBuffer
import java.nio.channels.FileChannel

/** A converted bundle that scripts/copy_bundle_to_android.sh put into the app's assets. */
class AssetBundle private constructor(
    val manifest: BundleManifest,
    val tokenizer: Tokenizer,
    private val assets: AssetManager,
) {
    /** The model, memory-mapped from the APK (stored uncompressed, see app/build.gradle.kts). */
    fun mapModel(): MappedByteBuffer = assets.openFd(MODEL_FILE).use { fd ->
        FileInputStream(fd.fileDescriptor).channel.use { channel ->
            channel.map(FileChannel.MapMode.READ_ONLY, fd.startOffset, fd.declaredLength)
        }
    }

    companion object {
        const val MODEL_FILE = "model.tflite"

        fun load(assets: AssetManager): AssetBundle {
            val present = assets.list("")?.toSet().orEmpty()
            val missing = listOf("manifest.json", MODEL_FILE, "labels.txt").filter { it !in present }
            if (missing.isNotEmpty()) {
                throw IllegalStateException(
                    "No bundle in the app's assets (missing ${missing.joinToString()}). " +
                        "Run scripts/copy_bundle_to_android.sh BUNDLE_DIR and rebuild the app.",
                )
            }
            val manifest = BundleManifest.parse(read(assets, "manifest.json"))
            val labels = read(assets, "labels.txt").lines().filter { it.isNotBlank() }
            check(labels == manifest.labels) {
                "labels.txt and manifest.json list different labels; copy the whole bundle again"
            }
            check(manifest.tokenizerFile in present) { "${manifest.tokenizerFile} is missing from the assets" }
            return AssetBundle(manifest, TokenizerJson.load(read(assets, manifest.tokenizerFile)), assets)
        }

        private fun read(assets: AssetManager, name: String): String =
            assets.open(name).bufferedReader(Charsets.UTF_8).use { it.readText() }
    }
}

/**
 * Runs the model with the LiteRT interpreter. Inputs are resized only when a request falls in
 * another length bucket than the previous one. Not thread-safe: use it from one thread.
 */
class LiteRtRunner(
    model: MappedByteBuffer,
    private val manifest: BundleManifest,
    val threads: Int,
    val useXnnpack: Boolean,
) : InferenceRunner, Closeable {
    private val interpreter = Interpreter(
        model,
        Interpreter.Options().setNumThreads(threads).setUseXNNPACK(useXnnpack),
    )
    private val output = arrayOf(FloatArray(manifest.labels.size))
    private val outputIndex: Int
    private var currentLength = -1

    init {
        val count = interpreter.inputTensorCount
        check(count == manifest.inputNames.size) {
            "the model has $count inputs but manifest.json lists ${manifest.inputNames.size}"
        }
        // manifest.json gives the model's input order; a tensor whose name says otherwise means
        // the model and the manifest come from different conversions.
        for (i in 0 until count) {
            val tensorName = interpreter.getInputTensor(i).name()
            val named = BundleManifest.KNOWN_INPUTS.filter { tensorName.contains(it) }
            check(named.isEmpty() || manifest.inputNames[i] in named) {
                "model input $i is \"$tensorName\" but manifest.json says ${manifest.inputNames[i]}"
            }
        }
        outputIndex = (0 until interpreter.outputTensorCount)
            .firstOrNull { interpreter.getOutputTensor(it).name().contains(manifest.outputName) } ?: 0
    }

    override fun run(inputs: ModelInputs): FloatArray {
        if (inputs.paddedLength != currentLength) {
            for (i in inputs.arrays.indices) interpreter.resizeInput(i, intArrayOf(1, inputs.paddedLength))
            interpreter.allocateTensors()
            currentLength = inputs.paddedLength
        }
        // Each input is int32 [1, L], fed in the manifest's order.
        val feeds = Array<Any>(inputs.arrays.size) { arrayOf(inputs.arrays[it]) }
        interpreter.runForMultipleInputsOutputs(feeds, mapOf<Int, Any>(outputIndex to output))
        return output[0].copyOf()
    }

    override fun close() = interpreter.close()
}

/** The bundle's classifier with one interpreter, for one thread count and XNNPACK setting. */
class Demo(val bundle: AssetBundle, val threads: Int, val useXnnpack: Boolean) : Closeable {
    private val runner = LiteRtRunner(bundle.mapModel(), bundle.manifest, threads, useXnnpack)
    val preprocessor = Preprocessor(bundle.tokenizer, bundle.manifest)
    val classifier = TextClassifier(bundle.manifest, preprocessor, runner)

    val settings: String
        get() = "$threads thread${if (threads == 1) "" else "s"}, XNNPACK ${if (useXnnpack) "on" else "off"}"

    override fun close() = runner.close()
}

/** One line about the bundle, for the top of both screens. */
fun describe(manifest: BundleManifest): String = listOf(
    manifest.family,
    manifest.recommended.ifEmpty { "model" },
    "${manifest.labels.size} labels",
    manifest.tokenizerKind,
    "max ${manifest.maxLength} tokens",
    "buckets ${manifest.sequenceLengths.joinToString("/")}",
).joinToString(" · ")
