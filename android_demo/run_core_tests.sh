#!/usr/bin/env bash
# Tests the Kotlin core of the Android demo (tokenizers, JSON, pre/post-processing) on the JVM:
# generates golden vectors with the Python `tokenizers` library from ../shared/data, compiles
# core/src/main + core/src/test with kotlinc in one invocation, and runs the test runner.
#
# Usage: android_demo/run_core_tests.sh   (PYTHON=... to pick the interpreter; CI=true makes
# a missing kotlinc or data set an error instead of a skip)
set -euo pipefail

cd "$(dirname "$0")/.."
demo=android_demo
build=$demo/build
python=${PYTHON:-.venv/bin/python}

skip() {
    if [ "${CI:-}" = "true" ]; then
        echo "error: $1" >&2
        exit 1
    fi
    echo "skipped: $1"
    exit 0
}

command -v kotlinc >/dev/null && command -v kotlin >/dev/null ||
    skip "kotlinc not found (Debian: apt-get install -y kotlin)"
[ -d ../shared/data/sst2 ] && [ -d ../shared/data/clinc150 ] ||
    skip "../shared/data (SST-2, CLINC150) not found; the golden vectors are made from it"
if ! [ -x "$python" ] && ! command -v "$python" >/dev/null; then
    echo "error: no Python at $python; create .venv or set PYTHON" >&2
    exit 1
fi

"$python" $demo/tools/make_golden.py --data ../shared/data --out $build/golden

# kotlinc 1.3 takes ~15 s: compile again only when a source is newer than the jar.
jar=$build/core-tests.jar
sources=$(find $demo/core/src/main/kotlin $demo/core/src/test/kotlin -name '*.kt')
if [ ! -f $jar ] || [ -n "$(find $demo/core/src -name '*.kt' -newer $jar)" ]; then
    echo "compiling the Kotlin core with kotlinc"
    rm -f $jar
    # shellcheck disable=SC2086 # one argument per source file
    kotlinc -nowarn $sources -d $jar 2> >(grep -v 'Xverify:none' >&2)
fi

kotlin -cp $jar dev.slmedge.core.CoreTestsKt $build/golden
