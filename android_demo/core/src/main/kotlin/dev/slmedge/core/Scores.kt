package dev.slmedge.core

import java.util.Locale

/** Post-processing of a classifier's output row. */
object Scores {
    /** Softmax, computed from the largest logit down so that large logits do not overflow. */
    fun softmax(logits: FloatArray): FloatArray {
        if (logits.isEmpty()) return FloatArray(0)
        var max = logits[0]
        for (value in logits) if (value > max) max = value
        val exps = DoubleArray(logits.size) { Math.exp((logits[it] - max).toDouble()) }
        val sum = exps.sum()
        return FloatArray(logits.size) { (exps[it] / sum).toFloat() }
    }

    /** Indices of the [k] highest scores, best first; equal scores keep index order. */
    fun topK(scores: FloatArray, k: Int): IntArray =
        scores.indices.sortedWith(compareByDescending<Int> { scores[it] }.thenBy { it }).take(k).toIntArray()
}

/** Latency samples in milliseconds, with the percentiles the app shows. */
class LatencyStats {
    private val samples = ArrayList<Double>()

    val count: Int get() = samples.size
    val p50: Double get() = percentile(50.0)
    val p90: Double get() = percentile(90.0)

    fun add(ms: Double) {
        samples.add(ms)
    }

    fun addAll(other: LatencyStats) {
        samples.addAll(other.samples)
    }

    /** Linear interpolation between the two nearest ranks (numpy's default percentile). */
    fun percentile(p: Double): Double {
        require(samples.isNotEmpty()) { "no latency samples" }
        val sorted = samples.sorted()
        val rank = p / 100.0 * (sorted.size - 1)
        val low = Math.floor(rank).toInt()
        val high = Math.ceil(rank).toInt()
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low)
    }

    fun summary(): String = String.format(Locale.ROOT, "p50 %.1f ms, p90 %.1f ms over %d runs", p50, p90, count)

    companion object {
        /**
         * Runs [block] [warmup] times untimed (first runs pay for allocation, caches and, with
         * XNNPACK, weight packing), then [runs] times timed.
         */
        inline fun measure(warmup: Int, runs: Int, block: () -> Unit): LatencyStats {
            repeat(warmup) { block() }
            val stats = LatencyStats()
            repeat(runs) {
                val start = System.nanoTime()
                block()
                stats.add((System.nanoTime() - start) / 1e6)
            }
            return stats
        }
    }
}
