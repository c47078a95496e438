# The two commands of the README: `make run` and `make test`. Both install what is
# missing first.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
ARGS ?=

.PHONY: deps build run test unit-test e2e-test e2e-files e2e-release browser-test fuzz fuzz-build format format-check lint clean \
  asan-build tsan-build test-asan test-tsan

deps:
	@scripts/install-deps.sh

# The binary only: the unit tests are built by unit-test (and the sanitizer builds), each
# benchmark by its script.
build: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DREACTOR_WERROR=ON >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target reactor

run: build
	./$(BUILD_DIR)/reactor serve $(ARGS)

# The quick checks first: clang-format 19, then clang-tidy (about 13 minutes on 2 cores).
# Each suite runs once where it finds the most: the unit tests under ASan+UBSan and under
# TSan, each end-to-end file under ASan+UBSan but for the runs only the release build makes
# (e2e-release), the browser tests on the release build. Fuzz targets get 20 s each here,
# `make fuzz` 60. The whole takes about 46 minutes on 2 cores; CI gives it 90.
test: build format-check lint fuzz e2e-release browser-test test-asan test-tsan
test: FUZZ_SECONDS = 20

# The store and object store suites run against real PostgreSQL and S3 (s3rver) servers,
# started on loopback for the run.
unit-test: build
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target unit_tests
	scripts/with-postgres.sh scripts/with-s3.sh ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# Every end-to-end file on the release build.
e2e-test: e2e-files e2e-release

# A test that hangs fails after 10 minutes instead of holding the run (and CI) forever.
TEST_TIMEOUT = --test-timeout=600000
E2E_NODE = node --experimental-websocket --test --test-concurrency=2 $(TEST_TIMEOUT)
# The two files that repeat whole deployments by the hundred (load: 500 builds; faults: 50
# kill -9 rounds) reach no code the others do not, and would double a sanitized run.
E2E_HEAVY = tests/e2e/load.test.mjs tests/e2e/faults.test.mjs
E2E_FILES = $(filter-out $(E2E_HEAVY),$(wildcard tests/e2e/*.test.mjs))
# The project files run again on PostgreSQL, each on a database of its own.
E2E_ON_POSTGRES = projects project_events skew_protection env webhooks notifications acme

e2e-files:
	REACTOR_BIN=$(abspath $(BUILD_DIR))/reactor $(E2E_NODE) $(E2E_FILES)

# What runs on the release build only: the heavy files, the PostgreSQL reruns, scale-out.
e2e-release:
	REACTOR_BIN=$(abspath $(BUILD_DIR))/reactor $(E2E_NODE) $(E2E_HEAVY)
	for file in $(E2E_ON_POSTGRES); do \
	  REACTOR_E2E_POSTGRES=1 REACTOR_BIN=$(abspath $(BUILD_DIR))/reactor scripts/with-postgres.sh \
	    node --experimental-websocket --test $(TEST_TIMEOUT) tests/e2e/$$file.test.mjs || exit 1; \
	done
	REACTOR_BIN=$(abspath $(BUILD_DIR))/reactor scripts/with-postgres.sh scripts/with-s3.sh node --experimental-websocket --test $(TEST_TIMEOUT) tests/scaleout/

# libFuzzer targets (fuzz/), built by clang 19 with ASan and UBSan in a project of their own
# (only the parsers they need), each run for FUZZ_SECONDS on a scratch copy of its seed
# corpus; crashing inputs are kept in $(FUZZ_DIR)/artifacts/.
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60

fuzz-build: deps
	@cmake -S fuzz -B $(FUZZ_DIR) -G Ninja -DCMAKE_CXX_COMPILER=clang++-19 >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh $(FUZZ_DIR)

# Sanitizer builds (cmake/sanitizers.cmake), each in a build tree of its own without the
# benchmarks: ASan+UBSan over the unit and e2e suites, TSan over the unit suite.
# scripts/with-sanitizers.sh sets the runtimes' options (stop at the first report) and fails
# the run when any sanitized process, a server or CLI an e2e test started included, wrote a
# report; reports are kept in <build dir>/reports-*/.
ASAN_DIR ?= build-asan
TSAN_DIR ?= build-tsan
# cmake/sanitizers.cmake builds them with -O1 -g1, which compile much faster than -O2 -g.
SANITIZE_CMAKE = -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREACTOR_WERROR=ON -DREACTOR_BUILD_BENCH=OFF

asan-build: deps
	@cmake -S . -B $(ASAN_DIR) $(SANITIZE_CMAKE) -DREACTOR_SANITIZE=address >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)

tsan-build: deps
	@cmake -S . -B $(TSAN_DIR) $(SANITIZE_CMAKE) -DREACTOR_SANITIZE=thread >/dev/null
	@cmake --build $(TSAN_DIR) -j $(JOBS) --target unit_tests

test-asan: asan-build
	scripts/with-sanitizers.sh $(ASAN_DIR)/reports-unit scripts/with-postgres.sh scripts/with-s3.sh \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS)
	REACTOR_BIN=$(abspath $(ASAN_DIR))/reactor scripts/with-sanitizers.sh $(ASAN_DIR)/reports-e2e \
	  $(E2E_NODE) $(E2E_FILES)

test-tsan: tsan-build
	scripts/with-sanitizers.sh $(TSAN_DIR)/reports-unit scripts/with-postgres.sh scripts/with-s3.sh \
	  ctest --test-dir $(TSAN_DIR) --output-on-failure -j $(JOBS)

# The web UI in a real browser: Debian's Chromium driven by playwright-core.
browser-test:
	npm ci --prefix tests/browser --no-audit --no-fund
	REACTOR_BIN=$(abspath $(BUILD_DIR))/reactor node --test --test-concurrency=1 $(TEST_TIMEOUT) tests/browser/

SOURCES = $(shell git ls-files '*.cpp' '*.hpp')

# clang-format from the same LLVM release as clang-tidy, so formatting and lint agree.
format:
	clang-format-19 -i $(SOURCES)

format-check:
	@clang-format-19 --dry-run --Werror $(SOURCES)

# clang-tidy 19 (.clang-tidy says why not Debian's default 14) on the project's own .cpp
# files in the compile database, one per core; the headers under src/reactor come with them.
LINT_FILES = $(CURDIR)/(src|bench|tests/unit)/.*\.cpp$$

lint: build
	run-clang-tidy-19 -clang-tidy-binary clang-tidy-19 -p $(BUILD_DIR) -quiet -j $(JOBS) \
	  -source-filter '$(LINT_FILES)'

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR) $(ASAN_DIR) $(TSAN_DIR)
