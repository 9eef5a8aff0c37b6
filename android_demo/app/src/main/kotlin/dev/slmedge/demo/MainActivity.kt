package dev.slmedge.demo

import android.app.Activity
import android.content.Intent
import android.os.Bundle
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.CheckBox
import android.widget.EditText
import android.widget.Spinner
import android.widget.TextView
import dev.slmedge.core.Classification
import dev.slmedge.core.LatencyStats
import java.util.Locale
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors

/** Classifies what the user types, with the latency of that run and p50/p90 after warm-up. */
class MainActivity : Activity() {
    // The interpreter and the tokenizer are used from this one thread only.
    private val worker: ExecutorService = Executors.newSingleThreadExecutor()
    private var bundle: AssetBundle? = null // set on the worker
    private var demo: Demo? = null // used on the worker only

    private lateinit var input: EditText
    private lateinit var threads: Spinner
    private lateinit var xnnpack: CheckBox
    private lateinit var classify: Button
    private lateinit var benchmark: Button
    private lateinit var label: TextView
    private lateinit var details: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
        input = findViewById(R.id.input)
        threads = findViewById(R.id.threads)
        xnnpack = findViewById(R.id.xnnpack)
        classify = findViewById(R.id.classify)
        benchmark = findViewById(R.id.benchmark)
        label = findViewById(R.id.label)
        details = findViewById(R.id.details)
        val info = findViewById<TextView>(R.id.bundle_info)

        threads.adapter = ArrayAdapter(this, android.R.layout.simple_spinner_dropdown_item, THREAD_CHOICES)
        threads.setSelection(THREAD_CHOICES.indexOf(DEFAULT_THREADS))

        worker.execute {
            val message = try {
                val loaded = AssetBundle.load(assets)
                bundle = loaded
                describe(loaded.manifest)
            } catch (e: Exception) {
                "Cannot load the bundle: ${e.message}"
            }
            runOnUiThread {
                info.text = message
                classify.isEnabled = bundle != null
                benchmark.isEnabled = bundle != null
            }
        }

        classify.setOnClickListener {
            val text = input.text.toString()
            val threadCount = THREAD_CHOICES[threads.selectedItemPosition]
            val useXnnpack = xnnpack.isChecked
            classify.isEnabled = false
            label.text = getString(R.string.running)
            worker.execute {
                val shown = try {
                    val demo = demoFor(threadCount, useXnnpack)
                    val result = demo.classifier.classify(text)
                    val stats = LatencyStats.measure(WARMUP_RUNS, TIMED_RUNS) { demo.classifier.classify(text) }
                    Pair(headline(result), report(result, stats, demo))
                } catch (e: Exception) {
                    Pair("Error", e.toString())
                }
                runOnUiThread {
                    label.text = shown.first
                    details.text = shown.second
                    classify.isEnabled = true
                }
            }
        }

        benchmark.setOnClickListener {
            startActivity(
                Intent(this, BenchmarkActivity::class.java)
                    .putExtra(BenchmarkActivity.EXTRA_THREADS, THREAD_CHOICES[threads.selectedItemPosition])
                    .putExtra(BenchmarkActivity.EXTRA_XNNPACK, xnnpack.isChecked),
            )
        }
    }

    override fun onStop() {
        super.onStop()
        // Free the interpreter (and its threads) while another screen, e.g. the benchmark, runs.
        worker.execute {
            demo?.close()
            demo = null
        }
    }

    override fun onDestroy() {
        super.onDestroy()
        worker.shutdown()
    }

    /** The current interpreter, or a new one when the thread count or XNNPACK changed. */
    private fun demoFor(threadCount: Int, useXnnpack: Boolean): Demo {
        demo?.let { if (it.threads == threadCount && it.useXnnpack == useXnnpack) return it }
        demo?.close()
        return Demo(bundle!!, threadCount, useXnnpack).also { demo = it }
    }

    private fun headline(result: Classification): String =
        String.format(Locale.ROOT, "%s  %.3f", result.best.label, result.best.score)

    private fun report(result: Classification, stats: LatencyStats, demo: Demo): String = buildString {
        val top = result.predictions.joinToString { String.format(Locale.ROOT, "%s %.3f", it.label, it.score) }
        appendLine("top: $top")
        appendLine("tokens: ${result.tokenCount}, padded to ${result.paddedLength}")
        appendLine(
            String.format(
                Locale.ROOT,
                "this run: %.2f ms (tokenize %.2f + inference %.2f)",
                result.totalMs, result.preprocessMs, result.inferenceMs,
            ),
        )
        appendLine("after $WARMUP_RUNS warm-up runs: ${stats.summary()}")
        append(demo.settings)
    }

    companion object {
        val THREAD_CHOICES = listOf(1, 2, 4, 8)
        const val DEFAULT_THREADS = 4
        const val WARMUP_RUNS = 5
        const val TIMED_RUNS = 30
    }
}
