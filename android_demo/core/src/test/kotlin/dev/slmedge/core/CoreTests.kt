package dev.slmedge.core

import java.io.File
import kotlin.system.exitProcess

// A tiny test runner (no JUnit jar is available to kotlinc here). Every expected value comes
// from the golden files that android_demo/tools/make_golden.py writes with the Python
// `tokenizers` library, numpy and Python's json module.

private const val MAX_PRINTED_FAILURES = 20

/** Counts the cases of one test and prints its first failures in full. */
class Check(private val testName: String) {
    var cases = 0
        private set
    var failures = 0
        private set

    fun equal(text: String, expected: Any?, actual: Any?, what: String = "ids") {
        cases++
        if (expected != actual) fail("text: ${show(text)}\n    expected $what: $expected\n    actual $what:   $actual")
    }

    fun isTrue(condition: Boolean, message: () -> String) {
        cases++
        if (!condition) fail(message())
    }

    private fun fail(message: String) {
        failures++
        if (failures <= MAX_PRINTED_FAILURES) println("  FAIL $testName: $message")
        if (failures == MAX_PRINTED_FAILURES + 1) println("  ($testName: further failures are counted, not printed)")
    }
}

/** The text with invisible characters escaped, shortened if very long. */
fun show(text: String): String {
    val out = StringBuilder("\"")
    forEachCodePoint(if (text.length > 300) text.substring(0, 300) else text) { cp ->
        if (cp < 0x20 || cp == 0x7F || isControl(cp) || (isWhitespace(cp) && cp != 0x20)) {
            out.append(if (cp > 0xFFFF) String.format("\\U%08X", cp) else String.format("\\u%04X", cp))
        } else {
            out.appendCodePoint(cp)
        }
    }
    out.append('"')
    if (text.length > 300) out.append("... (${text.length} chars)")
    return out.toString()
}

fun readJsonl(file: File): List<Map<String, Any?>> =
    file.readLines(Charsets.UTF_8).filter { it.isNotBlank() }.map { Json.parse(it).asObject(file.name) }

fun ints(value: Any?): List<Int> = value.asList("ints").map { it.asInt("int") }

/** Loads a suite's tokenizer.json from the golden directory. */
fun loadTokenizer(suite: File): Tokenizer = TokenizerJson.load(File(suite, "tokenizer.json").readText(Charsets.UTF_8))

fun idsMatch(suite: File, check: Check) {
    val tokenizer = loadTokenizer(suite)
    for (row in readJsonl(File(suite, "ids.jsonl"))) {
        val text = row.required("text").asString("text")
        val maxLength = row.required("max_length").asInt("max_length")
        val actual = tokenizer.encode(text, maxLength).ids.toList()
        check.equal("[${row["source"]}, max_length $maxLength] $text", ints(row["ids"]), actual)
    }
}

fun codePointSweepMatches(suite: File, check: Check) {
    val tokenizer = loadTokenizer(suite)
    for (row in readJsonl(File(suite, "sweep.jsonl"))) {
        val text = row.required("text").asString("text")
        check.equal(text, ints(row["ids"]), tokenizer.encode(text, Int.MAX_VALUE).ids.toList())
    }
}

fun paddedInputsMatch(suite: File, check: Check) {
    val manifest = BundleManifest.parse(File(suite, "manifest.json").readText(Charsets.UTF_8))
    val preprocessor = Preprocessor(loadTokenizer(suite), manifest)
    for (row in readJsonl(File(suite, "padded.jsonl"))) {
        val text = row.required("text").asString("text")
        val expected = row.required("inputs").asList("inputs").map { ints(it) }
        val actual = preprocessor.encode(text).arrays.map { it.toList() }
        check.equal(text, expected, actual, "inputs ${manifest.inputNames}")
    }
}

fun manifestRejectsUnknownVersion(goldenDir: File, check: Check) {
    val text = File(goldenDir, "wordpiece-minilm/manifest.json").readText(Charsets.UTF_8)
    val future = text.replace(Regex("\"format_version\"\\s*:\\s*1"), "\"format_version\": 2")
    check.isTrue(future != text) { "the golden manifest has no format_version 1" }
    val rejected = try {
        BundleManifest.parse(future)
        false
    } catch (e: JsonException) {
        true
    }
    check.isTrue(rejected) { "format_version 2 was accepted" }
}

/** [path, kind, value] per leaf, the same shape as make_golden.py's json_leaves. */
fun jsonLeaves(value: Any?, path: String = "$"): List<List<Any?>> = when (value) {
    is Map<*, *> -> listOf(listOf(path, "object", value.size.toLong())) +
        value.entries.flatMap { jsonLeaves(it.value, "$path.${it.key}") }
    is List<*> -> listOf(listOf(path, "array", value.size.toLong())) +
        value.withIndex().flatMap { jsonLeaves(it.value, "$path[${it.index}]") }
    is String -> {
        val codePoints = ArrayList<Long>()
        forEachCodePoint(value) { codePoints.add(it.toLong()) }
        listOf(listOf(path, "string", codePoints))
    }
    is Boolean -> listOf(listOf(path, "bool", value))
    null -> listOf(listOf(path, "null", null))
    else -> listOf(listOf(path, "number", (value as Number).toDouble()))
}

/** Leaves compared with numbers as doubles (so 0 equals -0.0, as in Python). */
fun sameLeaves(expected: List<Any?>, actual: List<List<Any?>>): Boolean =
    expected.size == actual.size && expected.zip(actual).all { (e, a) ->
        val leaf = e.asList("leaf")
        if (leaf[1] != "number") {
            leaf == a
        } else {
            leaf[0] == a[0] && a[1] == "number" && (leaf[2] as Number).toDouble() == (a[2] as Number).toDouble()
        }
    }

fun jsonParserMatchesPython(goldenDir: File, check: Check) {
    for (row in readJsonl(File(goldenDir, "json_cases.jsonl"))) {
        val text = row.required("json").asString("json")
        val expected = row["leaves"]
        val parsed = try {
            jsonLeaves(Json.parse(text))
        } catch (e: JsonException) {
            null
        }
        if (expected == null) {
            check.isTrue(parsed == null) { "accepted invalid JSON ${show(text)} as $parsed" }
        } else {
            check.isTrue(parsed != null && sameLeaves(expected.asList("leaves"), parsed)) {
                "JSON ${show(text)}\n    expected leaves: $expected\n    actual leaves:   $parsed"
            }
        }
    }
}

fun scoresMatchNumpy(goldenDir: File, check: Check) {
    for (row in readJsonl(File(goldenDir, "scores.jsonl"))) {
        if (row["kind"] == "softmax") {
            val logits = row.required("logits").asList("logits").map { (it as Number).toFloat() }.toFloatArray()
            val expected = row.required("probs").asList("probs").map { (it as Number).toDouble() }
            val probs = Scores.softmax(logits)
            check.isTrue(expected.indices.all { Math.abs(expected[it] - probs[it]) < 1e-6 }) {
                "softmax of ${logits.toList()}\n    expected: $expected\n    actual:   ${probs.toList()}"
            }
            check.equal("top-5 of ${logits.toList()}", ints(row["top5"]), Scores.topK(probs, 5).toList(), "indices")
        } else {
            val stats = LatencyStats()
            row.required("samples").asList("samples").forEach { stats.add((it as Number).toDouble()) }
            for (key in listOf("p50", "p90")) {
                val expected = (row.required(key) as Number).toDouble()
                val actual = if (key == "p50") stats.p50 else stats.p90
                check.isTrue(Math.abs(expected - actual) <= 1e-9 * Math.max(1.0, Math.abs(expected))) {
                    "$key of ${stats.count} samples: expected $expected, actual $actual"
                }
            }
        }
    }
}

/** A model stand-in that returns a fixed row, to test what the classifier does around the model. */
class FixedRunner(private val row: FloatArray) : InferenceRunner {
    var lastInputs: ModelInputs? = null

    override fun run(inputs: ModelInputs): FloatArray {
        lastInputs = inputs
        return row
    }
}

/** The classifier feeds the preprocessed inputs and ranks labels by numpy's softmax of logits. */
fun classifierRanksLabels(goldenDir: File, check: Check) {
    val suite = File(goldenDir, "wordpiece-minilm")
    val manifestText = File(suite, "manifest.json").readText(Charsets.UTF_8)
    val tokenizer = loadTokenizer(suite)
    val twoClass = readJsonl(File(goldenDir, "scores.jsonl"))
        .first { it["kind"] == "softmax" && it.required("logits").asList("logits").size == 2 }
    val logits = twoClass.required("logits").asList("logits").map { (it as Number).toFloat() }.toFloatArray()
    val probs = twoClass.required("probs").asList("probs").map { (it as Number).toFloat() }.toFloatArray()
    val text = "a charming and often affecting journey"
    for ((outputName, row) in listOf(Pair("probabilities", probs), Pair("logits", logits))) {
        val manifest = BundleManifest.parse(manifestText.replace("\"probabilities\"", "\"$outputName\""))
        val preprocessor = Preprocessor(tokenizer, manifest)
        val runner = FixedRunner(row)
        val result = TextClassifier(manifest, preprocessor, runner).classify(text, topK = 2)
        val fed = runner.lastInputs?.arrays?.map { it.toList() }
        check.equal(text, preprocessor.encode(text).arrays.map { it.toList() }, fed, "inputs")
        val expectedOrder = ints(twoClass["top5"]).map { manifest.labels[it] }
        check.equal("$outputName output: label order", expectedOrder, result.predictions.map { it.label }, "labels")
        check.isTrue(result.predictions.all { Math.abs(it.score - probs[it.index]) < 1e-6 }) {
            "$outputName output: scores ${result.predictions.map { it.score }}, numpy ${probs.toList()}"
        }
    }
}

fun main(args: Array<String>) {
    val goldenDir = File(if (args.isNotEmpty()) args[0] else "android_demo/build/golden")
    if (!File(goldenDir, "scores.jsonl").isFile) {
        println("error: no golden vectors in $goldenDir; run android_demo/tools/make_golden.py first")
        exitProcess(2)
    }
    val tests = ArrayList<Pair<String, (Check) -> Unit>>()
    tests.add(Pair("json_parser_matches_python", { c: Check -> jsonParserMatchesPython(goldenDir, c) }))
    tests.add(Pair("scores_match_numpy", { c: Check -> scoresMatchNumpy(goldenDir, c) }))
    tests.add(Pair("classifier_ranks_labels", { c: Check -> classifierRanksLabels(goldenDir, c) }))
    tests.add(Pair("manifest_rejects_unknown_version", { c: Check -> manifestRejectsUnknownVersion(goldenDir, c) }))
    for (suite in listOf("wordpiece-minilm", "wordpiece-cased", "wordpiece-flags", "bpe-roberta")) {
        val dir = File(goldenDir, suite)
        tests.add(Pair("${suite}_ids_match_tokenizers", { c: Check -> idsMatch(dir, c) }))
        tests.add(Pair("${suite}_padded_inputs_match", { c: Check -> paddedInputsMatch(dir, c) }))
        tests.add(Pair("${suite}_code_point_sweep_matches", { c: Check -> codePointSweepMatches(dir, c) }))
    }

    var passed = 0
    var failed = 0
    for ((name, test) in tests) {
        val check = Check(name)
        val start = System.nanoTime()
        val error = try {
            test(check)
            null
        } catch (e: Exception) {
            e
        }
        val ms = (System.nanoTime() - start) / 1_000_000
        if (error == null && check.failures == 0 && check.cases > 0) {
            passed++
            println("PASS $name (${check.cases} cases, $ms ms)")
        } else {
            failed++
            val why = when {
                error != null -> "error: $error"
                check.cases == 0 -> "no cases ran"
                else -> "${check.failures} of ${check.cases} cases failed"
            }
            println("FAIL $name ($why)")
        }
    }
    println("$passed passed, $failed failed")
    if (failed > 0) exitProcess(1)
}
