#!/usr/bin/env bash
# Runs ChunkingBenchmark (JMH; about 2 minutes) and prints one figure a line beside its baseline.
# Extra arguments go to java, e.g. -XX:+UnlockDiagnosticVMOptions.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cp="$("$here/classpath.sh")"
exec java "$@" -cp "$cp" dev.tusk.bench.ChunkingBenchmark
