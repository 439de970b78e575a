#!/usr/bin/env bash
# The test driver behind `make test`. Stages (each fails the run on the first error):
#   check  source checks (banned functions, layering, design comments, clang-format)
#   unit   release build with -Werror, Criterion unit tests through ctest
#   py     black-box pytest suite against the release heraldd
#   asan   ASan+UBSan build: unit tests and the pytest suite again
#   fuzz   clang libFuzzer drivers, each run for FUZZ_SECONDS on its seed corpus
# Usage: scripts/test.sh [all|check|unit|py|asan|fuzz]...
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
PY=/usr/bin/python3

stage() { printf '\n==== %s ====\n' "$*"; }

run_check() {
  stage "source checks"
  ./scripts/checksrc.sh
  if command -v clang-format >/dev/null; then
    bad=$(find src tests/unit fuzz tools bench -name '*.[ch]' 2>/dev/null |
      xargs clang-format --dry-run 2>&1 | grep 'warning:' | cut -d: -f1 | sort | uniq -c || true)
    if [ -n "$bad" ]; then
      echo "clang-format: files differ from .clang-format (run 'make format'):"
      echo "$bad"
      return 1
    fi
    echo "clang-format: ok"
  fi
}

build_tree() { # dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j"$JOBS"
}

run_unit() { # dir
  (cd "$1" && ctest --output-on-failure -j"$JOBS" --timeout 300)
}

run_py() { # heraldd path, extra pytest args...
  local bin=$1; shift
  HERALDD="$bin" "$PY" -m pytest -q -p no:cacheprovider tests/pytest "$@"
  HERALDD="$bin" HERALD_CLI="$(dirname "$bin")/herald" "$PY" -m pytest -q -p no:cacheprovider tests/cli "$@"
}

do_unit() {
  stage "release build + unit tests"
  build_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHD_WERROR=ON
  run_unit build
}

do_py() {
  stage "black-box tests (release)"
  [ -x build/heraldd ] || build_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHD_WERROR=ON
  run_py "$ROOT/build/heraldd"
}

do_asan() {
  stage "ASan+UBSan build: unit + black-box tests"
  build_tree build-asan -DCMAKE_BUILD_TYPE=Debug -DHD_SANITIZE=ON -DHD_WERROR=ON
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export HD_SANITIZED=1
  run_unit build-asan
  run_py "$ROOT/build-asan/heraldd"
}

do_fuzz() {
  stage "fuzzers (${FUZZ_SECONDS}s each)"
  build_tree build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DHD_FUZZ=ON -DHD_TESTS=OFF
  mkdir -p build-fuzz/artifacts
  for bin in build-fuzz/fuzz_*; do
    name=${bin##*/fuzz_}
    corpus=fuzz/corpus/$name
    work=build-fuzz/corpus-$name
    rm -rf "$work"; mkdir -p "$work"
    [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
    echo "fuzz $name"
    "$bin" -max_total_time="$FUZZ_SECONDS" -print_final_stats=0 \
      -artifact_prefix=build-fuzz/artifacts/ "$work" 2>&1 | tail -n 2
  done
}

stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(all)
for s in "${stages[@]}"; do
  case "$s" in
    all) run_check; do_unit; do_py; do_asan; do_fuzz ;;
    check) run_check ;;
    unit) do_unit ;;
    py) do_py ;;
    asan) do_asan ;;
    fuzz) do_fuzz ;;
    *) echo "unknown stage $s"; exit 2 ;;
  esac
done
stage "all requested stages passed"
