"""Ratios between engines, targets, and the markdown table and chart of a bench run."""

from dataclasses import dataclass
from pathlib import Path

RECOMMENDED = "recommended"  # stands for the bundle's recommended variant in a Figure


@dataclass(frozen=True)
class Figure:
    """One measured number: ``(engine, variant, regime, metric)`` at a thread count."""

    engine: str
    variant: str
    regime: str
    metric: str

    def value(self, results: list[dict], threads: int, recommended: str) -> float | None:
        variant = recommended if self.variant == RECOMMENDED else self.variant
        for result in results:
            if (result["engine"], result["variant"], result["threads"]) == (
                self.engine,
                variant,
                threads,
            ):
                return result[self.regime][self.metric]
        return None


@dataclass(frozen=True)
class Ratio:
    name: str
    description: str
    numerator: Figure
    denominator: Figure


RATIOS = (
    Ratio(
        "litert_vs_ort_int8_p50_padded",
        "recommended LiteRT p50 / ONNX Runtime dynamic-int8 p50, padded",
        Figure("litert", RECOMMENDED, "padded", "p50_ms"),
        Figure("onnxruntime", "dynamic_int8", "padded", "p50_ms"),
    ),
    Ratio(
        "litert_vs_ort_int8_p50_real",
        "recommended LiteRT p50 / ONNX Runtime dynamic-int8 p50, real lengths",
        Figure("litert", RECOMMENDED, "real", "p50_ms"),
        Figure("onnxruntime", "dynamic_int8", "real", "p50_ms"),
    ),
    Ratio(
        "real_vs_padded_throughput",
        "recommended LiteRT throughput at real lengths / padded",
        Figure("litert", RECOMMENDED, "real", "throughput_per_s"),
        Figure("litert", RECOMMENDED, "padded", "throughput_per_s"),
    ),
    Ratio(
        "tensorflow_vs_litert_p50_padded",
        "Keras float in TensorFlow p50 / recommended LiteRT p50, padded",
        Figure("tensorflow", "float32", "padded", "p50_ms"),
        Figure("litert", RECOMMENDED, "padded", "p50_ms"),
    ),
    Ratio(
        "tensorflow_vs_litert_p50_real",
        "Keras float in TensorFlow p50 / recommended LiteRT p50, real lengths",
        Figure("tensorflow", "float32", "real", "p50_ms"),
        Figure("litert", RECOMMENDED, "real", "p50_ms"),
    ),
)


@dataclass(frozen=True)
class Target:
    ratio: str
    at_least: float | None
    at_most: float | None
    description: str

    def passed(self, value: float) -> bool:
        return (self.at_least is None or value >= self.at_least) and (
            self.at_most is None or value <= self.at_most
        )


TARGETS = (
    Target(
        "litert_vs_ort_int8_p50_padded",
        None,
        0.65,
        "recommended p50 at max length <= 0.65 x ONNX Runtime dynamic-int8 p50",
    ),
    Target(
        "real_vs_padded_throughput",
        3.0,
        None,
        "real-length throughput >= 3 x throughput padded to max length",
    ),
    Target(
        "tensorflow_vs_litert_p50_padded",
        5.0,
        None,
        ">= 5 x faster than Keras float in TensorFlow at max length",
    ),
    Target(
        "tensorflow_vs_litert_p50_real",
        5.0,
        None,
        ">= 5 x faster than Keras float in TensorFlow at real lengths",
    ),
)


def compute_ratios(results: list[dict], recommended: str) -> dict[str, dict[str, float]]:
    """``{threads: {ratio name: value}}`` for every ratio whose two figures were measured."""
    ratios = {}
    for threads in sorted({result["threads"] for result in results}):
        values = {}
        for ratio in RATIOS:
            numerator = ratio.numerator.value(results, threads, recommended)
            denominator = ratio.denominator.value(results, threads, recommended)
            if numerator is not None and denominator:
                values[ratio.name] = round(numerator / denominator, 4)
        ratios[str(threads)] = values
    return ratios


def check_targets(ratios: dict[str, dict[str, float]]) -> list[dict]:
    """Each target at one thread (or the fewest measured); ``passed`` is None if unmeasured."""
    threads = min(ratios, key=int)
    checks = []
    for target in TARGETS:
        value = ratios[threads].get(target.ratio)
        checks.append(
            {
                "target": target.description,
                "ratio": target.ratio,
                "threads": int(threads),
                "value": value,
                "passed": None if value is None else target.passed(value),
            }
        )
    return checks


def _latencies(regime: dict) -> str:
    return f"{regime['p50_ms']:.2f} / {regime['p90_ms']:.2f} / {regime['p99_ms']:.2f}"


def markdown_report(summary: dict) -> str:
    """The results, ratios and targets of ``summary`` (see ``runner.run_bench``) as markdown."""
    max_length, data = summary["max_length"], summary["data"]
    lines = [
        f"# slm-edge bench: {summary['bundle']}",
        "",
        f"- machine: {summary['machine']}; {summary['date']}",
        f"- data: {data['requests']} requests per regime drawn from {data['source']} "
        f"({data['distinct_texts']} texts; tokens mean {data['tokens_mean']:.1f}, "
        f"median {data['tokens_p50']:.0f}, max {data['tokens_max']})",
        f"- real: each text at its own length (LiteRT pads to the smallest of the buckets "
        f"{summary['sequence_lengths']}; ONNX Runtime and TensorFlow run the exact length); "
        f"padded: every text padded to {max_length} tokens",
        "- latency is one request end to end (tokenize, run, probabilities); throughput is "
        "sequential requests per second; load is model load until the first prediction",
        f"- max |dp|: largest probability difference from {summary['reference'] or 'n/a'} "
        "on the same texts",
        "",
        f"| engine | variant | threads | import s | load s | peak RSS MiB | real p50 / p90 / p99 "
        f"ms | real req/s | {max_length} p50 / p90 / p99 ms | {max_length} req/s | max \\|dp\\| |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in summary["results"]:
        variant = r["variant"] + (" (recommended)" if r["recommended"] else "")
        difference = r.get("max_abs_prob_diff")
        lines.append(
            f"| {r['engine']} | {variant} | {r['threads']} | {r['import_seconds']:.2f} | "
            f"{r['load_seconds']:.2f} | {r['peak_rss_mb']:.0f} | {_latencies(r['real'])} | "
            f"{r['real']['throughput_per_s']:.1f} | {_latencies(r['padded'])} | "
            f"{r['padded']['throughput_per_s']:.1f} | "
            f"{'' if difference is None else f'{difference:.1e}'} |"
        )
    thread_counts = list(summary["ratios"])
    lines += [
        "",
        "## Ratios",
        "",
        "| ratio | " + " | ".join(f"{t} thread(s)" for t in thread_counts) + " |",
        "|---|" + "--:|" * len(thread_counts),
    ]
    for ratio in RATIOS:
        cells = [summary["ratios"][t].get(ratio.name) for t in thread_counts]
        if any(cell is not None for cell in cells):
            row = " | ".join("" if cell is None else f"{cell:.2f}" for cell in cells)
            lines.append(f"| {ratio.description} | {row} |")
    lines += ["", "## Targets", ""]
    for check in summary["targets"]:
        verdict = {True: "PASS", False: "FAIL", None: "NOT MEASURED"}[check["passed"]]
        value = "" if check["value"] is None else f" ({check['value']:.2f})"
        lines.append(f"- {verdict}: {check['target']}{value}, {check['threads']} thread(s)")
    return "\n".join(lines) + "\n"


def write_chart(summary: dict, path: Path) -> None:
    """Bars of p50 per engine and variant, at real lengths and padded, one panel per threads."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    thread_counts = sorted({r["threads"] for r in summary["results"]})
    figure, axes = plt.subplots(
        1, len(thread_counts), figsize=(6 * len(thread_counts), 4.5), squeeze=False
    )
    for axis, threads in zip(axes[0], thread_counts, strict=True):
        results = [r for r in summary["results"] if r["threads"] == threads]
        positions = range(len(results))
        width = 0.4
        for offset, regime, name in (
            (-width / 2, "real", "real lengths"),
            (width / 2, "padded", f"padded to {summary['max_length']}"),
        ):
            bars = axis.bar(
                [p + offset for p in positions],
                [r[regime]["p50_ms"] for r in results],
                width,
                label=name,
            )
            axis.bar_label(bars, fmt="%.2f", fontsize=7)
        axis.set_xticks(
            list(positions),
            [
                f"{r['engine']}\n{r['variant']}" + ("\n(recommended)" if r["recommended"] else "")
                for r in results
            ],
            fontsize=8,
        )
        axis.set_yscale("log")
        axis.yaxis.set_major_formatter(ticker.ScalarFormatter())
        axis.yaxis.set_minor_formatter(ticker.NullFormatter())
        axis.set_ylabel("p50 latency (ms, log scale)")
        axis.set_title(f"{threads} thread(s)")
        axis.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    figure.suptitle(
        f"slm-edge bench: {Path(summary['bundle']).name} ({summary['family']}), p50 per request"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
