package dev.slmedge.demo

import android.app.Activity
import android.os.Build
import android.os.Bundle
import android.util.Log
import android.widget.Button
import android.widget.TextView
import dev.slmedge.core.LatencyStats
import java.util.Locale
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors

/**
 * Times a fixed set of sentences, from a few tokens to past max_length, end to end (tokenize,
 * run, rank), each after warm-up runs; reports p50/p90 per sentence, per bucket and overall.
 * The report also goes to Logcat (tag slm-edge) to be collected with `adb logcat -s slm-edge`.
 */
class BenchmarkActivity : Activity() {
    private val worker: ExecutorService = Executors.newSingleThreadExecutor()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_benchmark)
        val report = findViewById<TextView>(R.id.report)
        val run = findViewById<Button>(R.id.run)
        val threads = intent.getIntExtra(EXTRA_THREADS, MainActivity.DEFAULT_THREADS)
        val useXnnpack = intent.getBooleanExtra(EXTRA_XNNPACK, true)

        val start = {
            run.isEnabled = false
            report.text = getString(R.string.running)
            worker.execute {
                val text = try {
                    benchmark(threads, useXnnpack)
                } catch (e: Exception) {
                    "Error: $e"
                }
                Log.i(TAG, text)
                runOnUiThread {
                    report.text = text
                    run.isEnabled = true
                }
            }
        }
        run.setOnClickListener { start() }
        start()
    }

    override fun onDestroy() {
        super.onDestroy()
        worker.shutdown()
    }

    private fun benchmark(threads: Int, useXnnpack: Boolean): String {
        val bundle = AssetBundle.load(assets)
        Demo(bundle, threads, useXnnpack).use { demo ->
            val overall = LatencyStats()
            val byBucket = sortedMapOf<Int, LatencyStats>()
            val tokenizeOnly = LatencyStats()
            val lines = StringBuilder()
            for (sentence in SENTENCES) {
                val inputs = demo.preprocessor.encode(sentence)
                val stats = LatencyStats.measure(WARMUP_RUNS, TIMED_RUNS) { demo.classifier.classify(sentence) }
                val tokenize = LatencyStats.measure(WARMUP_RUNS, TIMED_RUNS) { demo.preprocessor.encode(sentence) }
                overall.addAll(stats)
                byBucket.getOrPut(inputs.paddedLength) { LatencyStats() }.addAll(stats)
                tokenizeOnly.addAll(tokenize)
                lines.append(
                    String.format(
                        Locale.ROOT, "%3d→%-3d  p50 %7.2f  p90 %7.2f  %s\n",
                        inputs.tokenCount, inputs.paddedLength, stats.p50, stats.p90, preview(sentence),
                    ),
                )
            }
            return buildString {
                appendLine("device: ${Build.MANUFACTURER} ${Build.MODEL} (${soc()}), Android ${Build.VERSION.RELEASE}")
                appendLine("bundle: ${describe(bundle.manifest)}")
                appendLine("settings: ${demo.settings}")
                appendLine("runs: $WARMUP_RUNS warm-up + $TIMED_RUNS timed per sentence")
                appendLine("times in ms, end to end (tokenize + inference + ranking)")
                appendLine()
                appendLine("tokens→padded")
                append(lines)
                appendLine()
                for ((length, stats) in byBucket) appendLine(percentiles("bucket %3d:".format(length), stats))
                appendLine(percentiles("all:       ", overall))
                append(percentiles("tokenization alone:", tokenizeOnly))
            }
        }
    }

    private fun percentiles(title: String, stats: LatencyStats): String =
        String.format(Locale.ROOT, "%s p50 %7.2f  p90 %7.2f  (n=%d)", title, stats.p50, stats.p90, stats.count)

    private fun soc(): String =
        if (Build.VERSION.SDK_INT >= 31) "${Build.SOC_MANUFACTURER} ${Build.SOC_MODEL}" else Build.HARDWARE

    private fun preview(sentence: String): String = if (sentence.length <= 40) sentence else sentence.take(37) + "..."

    companion object {
        const val EXTRA_THREADS = "threads"
        const val EXTRA_XNNPACK = "xnnpack"
        private const val TAG = "slm-edge"
        private const val WARMUP_RUNS = 5
        private const val TIMED_RUNS = 30

        /** Fixed inputs of increasing length, so that every bucket up to 128 tokens is exercised. */
        val SENTENCES = listOf(
            "great movie!",
            "what is my checking account balance",
            "the plot is thin, but the performances are warm and the jokes land.",
            "I would like to book a table for four people at an Italian restaurant tomorrow at 7pm, please.",
            "A slow, beautifully shot film that never quite decides what it wants to say, though its lead " +
                "gives a performance that is worth the price of the ticket on its own.",
            "Set my alarm for six thirty tomorrow morning, remind me to call the bank about the late fee on " +
                "my credit card, and then tell me whether it is going to rain in Chicago this weekend, because " +
                "I am planning a trip to see my parents and would rather not drive in a storm.",
            ("The film opens with a long, quiet sequence in a snowed-in village, and for the first half hour " +
                "it seems content to watch its characters go about their chores. Then a stranger arrives, " +
                "and the story turns into something closer to a thriller, with betrayals, a missing letter " +
                "and a chase across a frozen lake. Not every turn works, and the ending is rushed, but the " +
                "photography is stunning and the cast commits to every scene. ").repeat(2),
        )
    }
}
