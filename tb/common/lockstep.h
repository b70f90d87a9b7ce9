// RTL-vs-model lockstep co-simulation.
//
// RunLockstep() runs a program on the `rtl` device (rtl_device.h) and on tsp::Model side by side.
// The program goes in through the device's own driver path (Device::LoadProgram, Device::Start:
// host bus, or the simulation backdoor for bulk MEM / instruction words), exactly as any host
// program would load it. After every run cycle it compares every stream register (valid bit, and
// the 16 bytes whenever either side is valid) of every direction, stream, position and superlane,
// every MEM bank write, every dispatch and the error pulses of that cycle, using the device's
// observation signals. The first mismatch stops the run with cycle, position name, hemisphere,
// stream, superlane, lane, expected and actual value, the last instructions dispatched, and the
// program written to a .tspb file for replay (`tsp-sim --device rtl FILE --lockstep`). At the end
// DONE, CYCLE and ERROR must equal the model's cycle count and error_bits(), and every MEM word the
// program loaded or wrote is read back through the device's own read path (Device::ReadMemWords:
// the backdoor, or the host bus with backdoor=off) and compared with the model's final MEM.
//
// Time alignment (docs/rtl.md): during run cycle t the RTL's stream_q equals the model's state
// after t Steps and mem_mon_* shows the bank writes of model cycle t.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rtl_device.h"
#include "tsp/geometry.h"
#include "tsp/model.h"
#include "tsp/program.h"

namespace tsp::tb {

// Comparator self-test: fault injection into what the checker observes of the RTL (never into the
// RTL itself). One signal class is corrupted once, at the first opportunity at or after run cycle
// `cycle` (the first cycle in which that class has something to corrupt, e.g. a MEM write); the run
// must then fail in the comparator of that class. tb/system/inject_test.cc proves every comparator
// fires on its own.
enum class Inject {
  kNone,
  kStreamData,      // bit `bit` (mod 128) of the first valid stream register slot compared
  kStreamValid,     // the valid bit of the first stream register slot compared (E0, position 0, superlane 0)
  kMemWriteAddr,    // bit `bit` (mod address width) of the address of the first MEM bank write
  kMemWriteData,    // bit `bit` (mod 128) of its 16 bytes
  kMemWriteEnable,  // its write enable: the bank write disappears
  kMemWriteSlice,   // it is seen on the next MEM slice (mod the number of slices)
  kDispatch,        // bit `bit` (mod 64) of the first dispatched instruction word (lowest queue)
  kErrorPulse,      // error pulse bit `bit` (mod the number of error bits)
  kCycleCounter,    // bit `bit` (mod 64) of cycle_q
  kRunEnd,          // run_q reads 0 after the clock: the RTL seems to have finished
  kStatusDone,      // DONE (bit 1) of the STATUS read after the run (cycle ignored)
  kStatusError,     // ERROR (bit 2) of the STATUS read after the run, alone (cycle ignored)
  kCycleCsr,        // bit `bit` (mod 64) of CYCLE read after the run (cycle ignored)
  kErrorCsr,        // bit `bit` (mod the number of error bits) of the sticky error state read after the
                    // run: ERROR, and STATUS.ERROR to match (cycle ignored)
  kMemReadback,     // bit `bit` (mod 8 VL) of the first MEM word read back after the run (cycle ignored)
  kCount
};
struct InjectSpec {
  Inject what = Inject::kNone;
  uint64_t cycle = 0;
  uint32_t bit = 0;
};
// "stream-data", "mem-write-addr", ... (as the tests name them).
std::string InjectName(Inject what);

// Schedule-error assertions (tsp_core: NoStreamCollision_A, ...) are on while a program runs
// unless the reference model says that the program (or rtl_program) raises schedule errors; then
// they are off for that run and only the error pulses / ERROR CSR are compared.
struct LockstepOptions {
  bool compare = true;                         // false: RTL only (no model, no comparison)
  uint64_t max_cycles = 2'000'000;             // run-cycle limit
  std::string fail_dir = "lockstep-failures";  // where a failing program is written
  std::string name = "program";                // file name stem of the failing program
  bool write_failure = true;
  // Checker self-test: load this program into the RTL instead (the model still runs `p`).
  const Program *rtl_program = nullptr;
  // false: the program is already loaded on the device (an earlier run, or the caller loaded it):
  // only START. The model still loads `p` (MEM images included), so MEM must hold them.
  bool load = true;
  // After the run: read back every MEM word the program loaded (its MEM images) or wrote (the
  // model's mem_writes(), per superlane) and compare with the model's final MEM (compare only).
  bool readback = true;
  // Comparator self-test (above); Inject::kNone in every real run.
  InjectSpec inject;
  // Installed as the model's cycle hook (Model::SetCycleHook) before START (compare only): it sees
  // the model after every Step, i.e. exactly the dispatches compared with the RTL's in that cycle
  // (tsp-rtl-regress --fcov samples functional coverage with it, tsp/fcov.h).
  std::function<void(const Model &)> model_hook;
};

// True when the reference model says the program raises schedule errors (or cannot load it):
// the RTL's schedule-error SVAs are then switched off for that run.
bool ModelExpectsErrors(const Geometry &g, const Program &p, uint64_t max_cycles);

struct LockstepResult {
  bool ok = false;
  std::string message;  // first mismatch (multi-line), or a one-line summary
  bool rtl_done = false;
  uint64_t rtl_cycles = 0;  // CYCLE_HI:CYCLE_LO after DONE
  uint64_t model_cycles = 0;
  uint32_t rtl_error = 0;    // ERROR CSR
  uint32_t model_error = 0;  // Model::error_bits()
  uint64_t compared_cycles = 0;
  uint64_t load_clocks = 0, run_clocks = 0;
  double load_seconds = 0, run_seconds = 0;
  std::string replay_path;  // .tspb written on failure
  uint64_t mem_writes = 0;  // MEM bank writes (slice, superlane, word) compared during the run
  uint64_t readback_words = 0;  // MEM words read back and compared after the run
  double readback_seconds = 0;
  bool injected = false;  // opt.inject was applied (at run cycle injected_cycle)
  uint64_t injected_cycle = 0;
};

// Loads and runs `p` on `dev` (and on the reference model when opt.compare).
LockstepResult RunLockstep(RtlDevice &dev, const Program &p, const LockstepOptions &opt = {});

// "west", "east" or "center" for a floorplan position.
std::string HemisphereOf(const Geometry &g, uint32_t position);

}  // namespace tsp::tb
