#!/usr/bin/env bash
# Proves that the device install (the `device` extra, no TensorFlow) runs a bundle.
#
#   scripts/check_device_install.sh BUNDLE_DIR
#
# Creates a fresh venv in a temporary directory, installs this project with only its
# `device` extra (as a Raspberry Pi would), checks that TensorFlow is not
# importable there, and classifies a text with slm_edge.runtime. PYTHON picks the
# interpreter (default python3.11). Exits non-zero on any failure.
set -euo pipefail

if [[ $# -ne 1 || ! -f "$1/manifest.json" ]]; then
    echo "usage: $0 BUNDLE_DIR  (a directory with manifest.json, from slm-edge convert)" >&2
    exit 2
fi
bundle=$(cd "$1" && pwd)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-python3.11}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "creating a venv in $work with $python"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --upgrade pip
"$work/venv/bin/pip" install --quiet "$root[device]"

# Run from the temporary directory so that the source tree cannot shadow the install.
cd "$work"
"$work/venv/bin/python" - "$bundle" <<'PY'
import importlib.util
import sys

if importlib.util.find_spec("tensorflow") is not None:
    sys.exit("FAIL: tensorflow is importable in the device venv")

from slm_edge.runtime import TextClassifier

classifier = TextClassifier.from_bundle(sys.argv[1])
prediction = classifier.classify(["a charming and often affecting journey"])[0]
if prediction.label not in classifier.labels:
    sys.exit(f"FAIL: unexpected prediction {prediction}")
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("tensorflow", "tf_keras"))
if loaded:
    sys.exit(f"FAIL: the runtime imported {loaded}")
print(
    f"OK: device install ran {sys.argv[1]} on {classifier.backend} "
    f"({classifier.num_threads} threads, loaded in {classifier.load_seconds:.3f}s): "
    f"{prediction.label} {prediction.score:.3f}"
)
PY
