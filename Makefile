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
TRACE      ?= 0


.PHONY: synth-board cross-aarch64 all setup gen build sim sim-demo bench-story test test-rtl test-host lint synth format format-check clean bench fuzz fuzz-short help

all: build

help:
	@echo "make sim          a stories260K story on the RTL, checked token for token against the model (STEPS=$(STEPS) PROMPT=...)"
	@echo "make sim-demo     the demonstration program ($(PROGRAM)) on the RTL and on the model (TRACE=1: FST)"
	@echo "make test         build and run every test (what CI runs; the default and board regress / bench tools are built by make regress / bench)"
	@echo "make test-rtl     only the RTL testbenches;  make test-host: only the host tests (no Verilator)"
	@echo "make regress      long lockstep sweep (SEEDS=$(SEEDS) per geometry, MODE=default|long|fields|gather|mxm|sync|fp|error, SHARD=k/N for one slice);  make coverage: RTL coverage"
	@echo "make fcov         functional coverage (opcode x type x direction x REPEAT use) of FCOV_SEEDS=$(FCOV_SEEDS) programs per mode and geometry on the model, empty bins listed; not in make test"
	@echo "make mutate       RTL mutation testing against the unit tests (MUTANTS=n, MUT_MODULES=icu,mem, MUT_SEED=s), not in make test"
	@echo "make lint         verilator --lint-only -Wall on the RTL"
	@echo "make synth        Yosys 0.55 synthesis, resource report (default, small);  make synth-board: the board geometry against the VCU118's XCVU9P"
	@echo "make fpga         board flow (BOARD=$(BOARD) GEOMETRY=$(GEOMETRY)): Vivado if on PATH, else lint + Yosys of the board modules"
	@echo "make gatesim      each unit test on Yosys's netlist of its unit (GATESIM_UNITS, GATESIM_CONFIGS, GATESIM_LEVELS), not in make test"
	@echo "make bench        simulation speed: reference model, RTL (both geometries), Verilator build cost, stories260K"
	@echo "make bench-story  stories260K: fp32 tokens/s, model and RTL cycles/s per token, TSP tokens/s at 150 MHz"
	@echo "make fuzz         long libFuzzer run on the .tspb loader (FUZZ_SECONDS=$(FUZZ_SECONDS))"
	@echo "make cross-aarch64  host library + tests cross-compiled for aarch64, tests under qemu-user (ref device)"
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

# Main job: a stories260K story generated on the Verilated RTL (exact mode, greedy, printed as it is
# generated), then on the reference model, and whether they agree token for token, with the runs'
# statistics. Builds only tsp-run (which links the Verilated default core), not the tests.
# STEPS (positions, prompt included; ~5 s per token on the RTL here) and PROMPT choose the story.
STEPS  ?= 40
PROMPT ?=
sim: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target tsp-run
	scripts/sim_story.sh $(BUILD) $(STEPS) "$(PROMPT)"

# The demonstration program on the Verilated RTL (TRACE=1 also writes traces/demo.fst for GTKWave),
# then on the reference model for comparison (same results, same cycle count): one program runner,
# two devices. Waveforms need a core Verilated with tracing, which the main build leaves out (a
# sixth of its compile time): TRACE=1 builds and runs in $(TRACE_BUILD)/ (-DTSP_RTL_TRACE=ON) instead.
TRACE_BUILD ?= build-trace
DEMO_BUILD := $(if $(filter 1,$(TRACE)),$(TRACE_BUILD),$(BUILD))
$(TRACE_BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(TRACE_BUILD) -G Ninja -DTSP_RTL_TRACE=ON $(CMAKE_FLAGS)

sim-demo: setup $(DEMO_BUILD)/build.ninja
	cmake --build $(DEMO_BUILD) -j $(JOBS) --target tsp-asm tsp-sim
	$(DEMO_BUILD)/tsp-asm $(PROGRAM) -o $(DEMO_BUILD)/demo.tspb
	@echo "== tsp-sim --device rtl: $(PROGRAM) on the RTL (Verilator) =="
	TRACE=$(TRACE) $(DEMO_BUILD)/tsp-sim --device rtl $(DEMO_BUILD)/demo.tspb $(DUMP)
	@echo "== tsp-sim --device ref: $(PROGRAM) on the reference model =="
	$(DEMO_BUILD)/tsp-sim --device ref $(DEMO_BUILD)/demo.tspb $(DUMP)

test: build
	python3 scripts/gen_isa.py --check
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory fuzz-short

# Only the RTL testbenches (Verilator + GoogleTest, lockstep with the reference model).
test-rtl: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L rtl

# The host library, tools and host tests for 64-bit ARM Linux (Debian's cross compiler), the tests
# under qemu-user against the `ref` device (scripts/cross_aarch64.sh says which are left out, and why).
cross-aarch64:
	scripts/cross_aarch64.sh

# Only the host-side tests, without building the RTL (a separate build directory).
HOST_BUILD ?= build-host
test-host: setup
	cmake -S . -B $(HOST_BUILD) -G Ninja -DTSP_RTL=OFF $(CMAKE_FLAGS)
	cmake --build $(HOST_BUILD) -j $(JOBS)
	cd $(HOST_BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	cmake --build $(BUILD) -j $(JOBS) --target tsp-rtl-bench tsp-rtl-bench-small
	$(BUILD)/tsp_bench --benchmark_counters_tabular=true
	BUILD=$(BUILD) scripts/rtl_bench.sh
	$(MAKE) --no-print-directory bench-story

# stories260K: fp32 tokens/s, reference-model and RTL cycles/s and wall time per token, TSP tokens/s.
bench-story: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target tsp-story-bench
	$(BUILD)/tsp-story-bench

$(FUZZ_BUILD)/build.ninja: CMakeLists.txt
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DTSP_FUZZ=ON -DTSP_RTL=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo

fuzz-build: setup $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_tspb fuzz_checkpoint fuzz_tokenizer

# Short fuzz run (part of `make test`): seeds from host/fuzz/corpus, bounded time.
fuzz-short: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/corpus
	$(FUZZ_BUILD)/fuzz_tspb -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
	    $(FUZZ_BUILD)/corpus host/fuzz/corpus 2>&1 | tail -n 12
	@mkdir -p $(FUZZ_BUILD)/corpus_ckpt $(FUZZ_BUILD)/corpus_tok
	set -o pipefail; $(FUZZ_BUILD)/fuzz_checkpoint -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	    -print_final_stats=1 $(FUZZ_BUILD)/corpus_ckpt host/fuzz/corpus_ckpt 2>&1 | tail -n 12
	set -o pipefail; $(FUZZ_BUILD)/fuzz_tokenizer -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	    -print_final_stats=1 $(FUZZ_BUILD)/corpus_tok host/fuzz/corpus_tok 2>&1 | tail -n 12

fuzz: FUZZ_SECONDS = 600
fuzz: fuzz-short

lint: setup
	scripts/lint.sh

synth:
	@scripts/setup.sh
	scripts/synth.sh

# The board geometry only, its utilization against the VCU118's XCVU9P (about an hour of Yosys).
synth-board:
	@scripts/setup.sh
	scripts/synth.sh board

# FPGA board flow (docs/bringup.md, "VCU118" and "ZCU104"; scripts/fpga.sh): with `vivado` on PATH the Vivado
# non-project flow fpga/vivado/build.tcl (bitstream and reports in build/fpga/$(BOARD)/); without it
# the Verilator lint of the board tops and a Yosys synth_xilinx -family xcup of the board modules
# (core as a blackbox), then a message naming the steps that were not run (exit 0;
# FPGA_REQUIRE_VIVADO=1: exit 3).
# BOARD: vcu118 (the board geometry, stories260K) or zcu104 (the small geometry: bring-up only);
# GEOMETRY: empty = the board's own.
BOARD    ?= vcu118
GEOMETRY ?=
.PHONY: fpga
fpga:
	@scripts/setup.sh
	BOARD=$(BOARD) GEOMETRY=$(GEOMETRY) scripts/fpga.sh

# Gate-level re-simulation (not part of `make test`; docs/verification.md, "Gate-level
# re-simulation"): Yosys writes a netlist of each unit's top (front-end level and generic gate
# level), Verilator builds the unit's own test against it, the test runs, for both geometries.
# Summary: $(BUILD)/gatesim/summary.txt and summary.json. Builds only the host libraries it links.
GATESIM_UNITS   ?= icu mem fp vxm mxm sxm sregs core
GATESIM_CONFIGS ?= default small
GATESIM_LEVELS  ?= front gate
.PHONY: gatesim
gatesim: $(BUILD)/build.ninja
	@scripts/setup.sh
	cmake --build $(BUILD) -j $(JOBS) --target tsp_ref tsp_asm tsp_lockstep
	BUILD=$(BUILD) GATESIM_UNITS="$(GATESIM_UNITS)" GATESIM_CONFIGS="$(GATESIM_CONFIGS)" \
	    GATESIM_LEVELS="$(GATESIM_LEVELS)" scripts/gatesim.sh

format:
	clang-format -i $$(git ls-files '*.cc' '*.h' | grep -v isa_gen.h)

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.cc' '*.h' | grep -v isa_gen.h)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(HOST_BUILD) $(TRACE_BUILD) traces

# Random-program RTL-vs-model lockstep regression (SEEDS per geometry) and RTL coverage report.
# SHARD=k/N runs one deterministic slice of the seeds (docs/verification.md §5); CONFIGS, FIRST,
# STORY_STEPS and TSP_RTL_RAND_SEED are passed through to scripts/regress.sh as well.
SEEDS ?= 1000
MODE ?= default
SHARD ?=
COV_SEEDS ?= 300
COV_BUILD ?= build-coverage

.PHONY: regress coverage mutate fcov
regress: setup $(BUILD)/build.ninja
	BUILD=$(BUILD) JOBS=$(JOBS) MODE=$(MODE) SHARD="$(SHARD)" scripts/regress.sh $(SEEDS)

coverage: setup
	BUILD_COV=$(COV_BUILD) JOBS=$(JOBS) scripts/coverage.sh $(COV_SEEDS)

# Functional coverage (docs/verification.md §5, "Functional coverage"; not part of `make test`):
# FCOV_SEEDS generated programs per geometry and mode (FCOV_MODES, comma-separated, MODE:K for K
# seeds of that mode; default every mode, fewer of the long programs of long and fields) on the
# reference model (tsp-fcov, host only: no Verilator), every dispatch counted in its bin
# of opcode x type x direction x REPEAT use. Counts and reports per geometry and merged in
# $(BUILD)/fcov/ (all.md lists the empty bins); FCOV_IN adds counts files, e.g. those of
# `make regress FCOV=1` ($(BUILD)/regress/*.fcov).
FCOV_SEEDS ?= 1000
FCOV_MODES ?= default,long:100,fields:200,gather,mxm,sync,fp,error
FCOV_IN ?=
fcov: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target tsp-fcov
	@mkdir -p $(BUILD)/fcov
	for g in default small; do \
	  $(BUILD)/tsp-fcov --geometry $$g $(if $(FCOV_MODES),--modes $(FCOV_MODES)) --seeds $(FCOV_SEEDS) \
	      --jobs $(JOBS) -o $(BUILD)/fcov/$$g.fcov --report $(BUILD)/fcov/$$g.md || exit 1; \
	done
	$(BUILD)/tsp-fcov --seeds 0 --in $(BUILD)/fcov/default.fcov --in $(BUILD)/fcov/small.fcov \
	    $(foreach f,$(wildcard $(FCOV_IN)),--in $(f)) -o $(BUILD)/fcov/all.fcov --report $(BUILD)/fcov/all.md \
	    --json $(BUILD)/fcov/all.json
	@sed -n '/^## Empty bins/,$$p' $(BUILD)/fcov/all.md

# Mutation testing of the RTL (not part of `make test`; docs/verification.md, "Mutation testing"):
# MUTANTS mutants, round robin over MUT_MODULES (default: icu,mem,fp,vxm,mxm,sxm), chosen by
# MUT_SEED, each built into its unit test in a separate build ($(MUT_BUILD), Verilated from a scratch
# copy of rtl/) and run. Report: $(MUT_BUILD)/mutation-report.md.
MUTANTS ?= 20
MUT_SEED ?= 1
MUT_MODULES ?=
MUT_BUILD ?= build-mut
mutate: setup
	python3 scripts/mutate.py --count $(MUTANTS) --seed $(MUT_SEED) --jobs $(JOBS) \
	    --build $(MUT_BUILD) $(if $(MUT_MODULES),--modules $(MUT_MODULES))
