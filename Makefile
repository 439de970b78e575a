# Herald — the two commands: `make run` and `make test` (see README.md).
# Both install missing Debian packages first (scripts/install-deps.sh, idempotent).
JOBS ?= $(shell nproc)
BUILD ?= build

.PHONY: all deps build run test test-unit test-py test-asan fuzz checksrc format clean bench

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHD_WERROR=ON >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# Start heraldd on SQLite at 127.0.0.1:8080 with the demo data directory ./demo-data
# (seeded with demo accounts on first start). Ctrl-C stops it.
run: build
	@./scripts/run-demo.sh $(BUILD)/heraldd

# Every test: source checks, unit tests, black-box tests, the same under ASan+UBSan, fuzzers.
test: deps
	@./scripts/test.sh all

test-unit: deps
	@./scripts/test.sh unit

test-py: deps
	@./scripts/test.sh py

test-asan: deps
	@./scripts/test.sh asan

fuzz: deps
	@./scripts/test.sh fuzz

checksrc:
	@./scripts/checksrc.sh

format:
	@find src tests/unit fuzz tools bench -name '*.[ch]' 2>/dev/null | xargs clang-format -i

bench: build
	@./bench/run.sh

clean:
	rm -rf build build-asan build-fuzz
