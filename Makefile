# TSP top-level Makefile. Main job: `make sim`. Tests: `make test`.
# Both run scripts/setup.sh first, which installs whatever is missing (Debian packages, pinned Yosys).
SHELL      := /bin/bash
BUILD      ?= build
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
PROGRAM    ?= examples/demo.tasm
DUMP       ?= --dump w0:2:1:i8 --dump w1:3:1:i8
FUZZ_SECONDS ?= 20
CMAKE_FLAGS ?=

RTL_BUILD  ?= build-rtl

.PHONY: all setup gen build sim test test-rtl lint synth format format-check clean bench fuzz fuzz-short help

all: build

help:
	@echo "make sim          build and run the demonstration program ($(PROGRAM)); prints result and cycles"
	@echo "make test         build everything and run every test (what CI runs)"
	@echo "make test-rtl     build the Verilated RTL and run its testbenches (slow)"
	@echo "make lint         verilator --lint-only -Wall on the RTL"
	@echo "make synth        Yosys 0.55 synthesis, resource report"
	@echo "make bench        print reference-model simulation speed"
	@echo "make fuzz         long libFuzzer run on the .tspb loader (FUZZ_SECONDS=$(FUZZ_SECONDS))"
	@echo "make gen          regenerate ISA files from isa/tsp_isa.json"
	@echo "make format       clang-format the C++ sources"

setup:
	@scripts/setup.sh --no-yosys

gen:
	python3 scripts/gen_isa.py

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

sim: build
	@echo "== tsp-sim: $(PROGRAM) on the reference model =="
	$(BUILD)/tsp-asm $(PROGRAM) -o $(BUILD)/demo.tspb
	$(BUILD)/tsp-sim $(BUILD)/demo.tspb $(DUMP)

test: build
	python3 scripts/gen_isa.py --check
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory fuzz-short

# RTL testbenches (Verilator + GoogleTest, lockstep with the reference model); heavy on 2 cores.
$(RTL_BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(RTL_BUILD) -G Ninja -DTSP_RTL=ON $(CMAKE_FLAGS)

test-rtl: setup $(RTL_BUILD)/build.ninja
	cmake --build $(RTL_BUILD) -j $(JOBS)
	cd $(RTL_BUILD) && ctest --output-on-failure -j $(JOBS) -L rtl

bench: build
	$(BUILD)/tsp_bench --benchmark_counters_tabular=true

$(FUZZ_BUILD)/build.ninja: CMakeLists.txt
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DTSP_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo

fuzz-build: setup $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_tspb

# Short fuzz run (part of `make test`): seeds from host/fuzz/corpus, bounded time.
fuzz-short: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/corpus
	$(FUZZ_BUILD)/fuzz_tspb -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
	    $(FUZZ_BUILD)/corpus host/fuzz/corpus 2>&1 | tail -n 12

fuzz: FUZZ_SECONDS = 600
fuzz: fuzz-short

lint: setup
	scripts/lint.sh

synth:
	@scripts/setup.sh
	scripts/synth.sh

format:
	clang-format -i $$(git ls-files '*.cc' '*.h' | grep -v isa_gen.h)

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.cc' '*.h' | grep -v isa_gen.h)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(RTL_BUILD) traces

# Random-program RTL-vs-model lockstep regression (SEEDS per geometry) and RTL coverage report.
SEEDS ?= 1000
COV_SEEDS ?= 300
COV_BUILD ?= build-coverage

.PHONY: regress coverage
regress: setup $(BUILD)/build.ninja
	BUILD=$(BUILD) JOBS=$(JOBS) scripts/regress.sh $(SEEDS)

coverage: setup
	BUILD_COV=$(COV_BUILD) JOBS=$(JOBS) scripts/coverage.sh $(COV_SEEDS)
