#!/usr/bin/env bash
# bench/pdq.sh — PDQ hashing and matching figures (docs/hashing.md). Builds pdq_bench in an
# optimised tree (default build-pdq-bench/, or $BUILD) and runs each benchmark under a 60 s
# limit, one core (taskset). Usage: bench/pdq.sh [--quick]
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-pdq-bench}
DATA=${HD_TESTDATA:-$PWD/../shared/testdata}/pdq/images
N=10000000
[ "${1:-}" = "--quick" ] && N=1000000
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHD_TESTS=OFF >/dev/null || exit 1
cmake --build "$BUILD" --target pdq_bench -j2 >/dev/null || exit 1
B="$BUILD/bench/pdq_bench"
CPU="taskset -c 0"
command -v taskset >/dev/null || CPU=""
status=0
run() { timeout 60 $CPU "$B" "$@" || status=1; }
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%F)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared)"
run core $(find "$DATA" -name '*.jpg' -o -name '*.png' | sort)
run file "$DATA/bridge-mods/aaa-orig.jpg" 51
run build 1000000
run index "$N" 200
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
