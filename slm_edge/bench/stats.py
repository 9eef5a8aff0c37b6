"""Latency summaries and the process's peak resident memory."""

import resource
import sys
from pathlib import Path

import numpy as np

PROC_STATUS = Path("/proc/self/status")


def latency_summary(seconds: list[float]) -> dict[str, float]:
    """Percentiles in milliseconds and sequential throughput (requests per second)."""
    milliseconds = np.asarray(seconds) * 1000
    p50, p90, p99 = np.percentile(milliseconds, [50, 90, 99])
    return {
        "p50_ms": round(float(p50), 4),
        "p90_ms": round(float(p90), 4),
        "p99_ms": round(float(p99), 4),
        "mean_ms": round(float(milliseconds.mean()), 4),
        "throughput_per_s": round(float(len(seconds) / np.sum(seconds)), 3),
        "requests": len(seconds),
    }


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB.

    Linux: ``VmHWM``, which belongs to this program alone; ``ru_maxrss`` is not used
    there because it keeps the parent's peak across fork and exec.
    """
    if PROC_STATUS.is_file():
        for line in PROC_STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)  # macOS: bytes
