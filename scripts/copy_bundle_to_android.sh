#!/usr/bin/env bash
# Copies a converted bundle into the Android demo's assets, replacing the one there.
#
# Usage: scripts/copy_bundle_to_android.sh BUNDLE_DIR
#   BUNDLE_DIR is what `slm-edge convert` wrote (e.g. build/sst2). Then rebuild the app.
set -euo pipefail

if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    echo "usage: $0 BUNDLE_DIR" >&2
    exit 2
fi
bundle=${1%/}
assets="$(cd "$(dirname "$0")/.." && pwd)/android_demo/app/src/main/assets"
required=(manifest.json model.tflite tokenizer.json labels.txt)
optional=(vocab.txt)

if [ ! -d "$bundle" ]; then
    echo "error: $bundle is not a directory; pass the bundle directory that \`slm-edge convert\` wrote" >&2
    exit 1
fi
missing=()
for name in "${required[@]}"; do
    [ -s "$bundle/$name" ] || missing+=("$name")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "error: $bundle is not a complete bundle: ${missing[*]} missing or empty." >&2
    echo "A bundle holds ${required[*]} (and vocab.txt for WordPiece models); convert the model again." >&2
    exit 1
fi

mkdir -p "$assets"
# Remove the previous bundle first, so that no file of another model stays behind.
for name in "${required[@]}" "${optional[@]}"; do
    rm -f "$assets/$name"
done
for name in "${required[@]}" "${optional[@]}"; do
    if [ -f "$bundle/$name" ]; then
        cp "$bundle/$name" "$assets/$name"
        echo "copied $name ($(wc -c <"$assets/$name" | tr -d ' ') bytes)"
    fi
done
echo "bundle in $assets; rebuild and install the app (Android Studio: Run, or ./gradlew installRelease)"
