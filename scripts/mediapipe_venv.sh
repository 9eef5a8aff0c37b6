#!/usr/bin/env bash
# Creates a separate venv with MediaPipe, for checking that our .tflite files load in
# MediaPipe Tasks' TextClassifier (scripts/mediapipe_classify.py, tests/test_metadata.py).
#
# Separate because mediapipe 1.2.2 needs absl-py~=2.3, while tensorflow-model-optimization
# in the main venv needs absl-py~=1.2.
#
# Usage: scripts/mediapipe_venv.sh [VENV_DIR]   (default: .venv-mediapipe)
# Does nothing when VENV_DIR already has mediapipe installed.
set -euo pipefail

if [ $# -gt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    echo "usage: $0 [VENV_DIR]" >&2
    exit 2
fi
venv=${1:-.venv-mediapipe}
python=${PYTHON:-python3.11}
mediapipe_version=1.2.2

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import mediapipe" 2>/dev/null; then
    echo "$venv already has mediapipe; nothing to do"
    exit 0
fi
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "mediapipe==$mediapipe_version" numpy
"$venv/bin/python" -c "from mediapipe.tasks.python import text" \
    || { echo "error: mediapipe installed in $venv but its text tasks do not import" >&2; exit 1; }
echo "mediapipe $mediapipe_version installed in $venv"
