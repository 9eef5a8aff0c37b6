"""The validation report: the recommended variant and a markdown table."""

from converters.validate import VariantValidation


def choose_recommended(
    results: list[VariantValidation], reference_accuracy: float, tolerance: float
) -> tuple[str, str]:
    """The fastest variant at 128 tokens among those within ``tolerance`` of float32 accuracy."""
    eligible = [r for r in results if r.accuracy >= reference_accuracy - tolerance]
    eligible = eligible or results
    best = min(eligible, key=lambda r: (r.p50_ms_128, -r.accuracy))
    float32 = next((r for r in results if r.variant == "float32"), None)
    reason = (
        f"{best.variant} is the fastest variant at 128 tokens on 1 thread "
        f"(p50 {best.p50_ms_128:.2f} ms) among those within {tolerance * 100:.1f} points of "
        f"the Keras float accuracy ({reference_accuracy:.4f}); its dev accuracy is "
        f"{best.accuracy:.4f}"
    )
    if float32 is not None and best is not float32:
        reason += (
            f", {float32.p50_ms_128 / best.p50_ms_128:.1f}x faster than "
            f"float32 and {best.size_bytes / float32.size_bytes:.0%} of its size"
        )
    return best.variant, reason + "."


def markdown_table(results: list[VariantValidation], recommended: str, reference: float) -> str:
    """One row per variant, the recommended one marked."""
    rows = [
        "| variant | size (MB) | accuracy | Δ vs Keras | macro-F1 | agreement | max |Δp| "
        "| p50 ms @128 | p50 ms dev | ok |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|:-:|",
    ]
    for r in results:
        name = f"**{r.variant}** (recommended)" if r.variant == recommended else r.variant
        rows.append(
            f"| {name} | {r.size_bytes / 1e6:.1f} | {r.accuracy:.4f} | "
            f"{(r.accuracy - reference) * 100:+.2f} | {r.macro_f1:.4f} | {r.agreement:.4f} | "
            f"{r.max_abs_prob_diff:.2e} | {r.p50_ms_128:.2f} | {r.p50_ms_dev:.2f} | "
            f"{'yes' if r.passed else 'NO'} |"
        )
    return "\n".join(rows) + "\n"
