#!/usr/bin/env bash
# bench/run.sh — build heraldd and herald-load (optimised, into build/) if needed, then run
# every server benchmark; herald-load prints one line per figure ("name value unit
# [target<op>T ok|MISS]"), lines starting with '#' are context. See docs/benchmarks.md.
#
#   bench/run.sh             full run (idle 10k sockets, 30 s of 1:1 messages, 10k-subscriber
#                            fan-out, 1M-message history); about 5 minutes on 2 cores
#   bench/run.sh --quick     smoke run with small sizes, well under a minute
#   bench/run.sh [herald-load flags]   e.g. --seconds 10 --senders 128 --threads 2
#
# Environment: BUILD (default build), JOBS (default 2), TMPDIR (where fresh data directories
# go; keep it on a real disk, not tmpfs, or fsync costs nothing and the numbers lie).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
JOBS=${JOBS:-2}

if [ ! -f "$BUILD/CMakeCache.txt" ] ||
   ! grep -qE '^CMAKE_BUILD_TYPE:STRING=(Release|RelWithDebInfo)$' "$BUILD/CMakeCache.txt" ||
   grep -qE '^HD_SANITIZE:BOOL=ON$' "$BUILD/CMakeCache.txt"; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHD_SANITIZE=OFF >/dev/null || exit 1
fi
cmake --build "$BUILD" --target heraldd herald-load -j"$JOBS" >/dev/null || {
  echo "bench/run.sh: build failed" >&2; exit 1; }

echo "# herald server benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores" \
     "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -sr)"
echo "# herald-load $* all   (heraldd: $BUILD/heraldd, data under ${TMPDIR:-/tmp})"
"$BUILD/bench/load/herald-load" --server "$BUILD/heraldd" "$@" all
status=$?

if [ -x bench/pdq.sh ]; then
  bench/pdq.sh || status=1
fi
exit $status
