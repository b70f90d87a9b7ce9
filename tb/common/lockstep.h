// RTL-vs-model lockstep co-simulation.
//
// RtlDevice owns one Verilated tsp_top (the geometry it was compiled for is read back from the
// GEOM CSRs) and drives it only through the 32-bit host bus, exactly as a driver would: MEM images,
// instruction words, QLEN, CTRL.START, then STATUS / CYCLE / ERROR. It also reads the core's
// observation signals (rtl/core/tsp_core.sv, comment block at the top: run_q, cycle_q, stream_q,
// mem_mon_*, err_now) for the per-cycle comparison.
//
// RunLockstep() runs a program on the RTL and on tsp::Model side by side. After every run cycle it
// compares every stream register (valid bit, and the 16 bytes whenever either side is valid) of
// every direction, stream, position and superlane, every MEM bank write and the error pulses of
// that cycle. The first mismatch stops the run with cycle, position name, hemisphere, stream,
// superlane, lane, expected and actual value, the last instructions dispatched, and the program
// written to a .tspb file for replay (`tsp-rtl-sim FILE --lockstep`). At the end DONE, CYCLE and
// ERROR must equal the model's cycle count and error_bits().
//
// Time alignment (docs/rtl.md): during run cycle t the RTL's stream_q equals the model's state
// after t Steps and mem_mon_* shows the bank writes of model cycle t.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tsp/geometry.h"
#include "tsp/model.h"
#include "tsp/program.h"

namespace tsp::tb {

struct DeviceOptions {
  std::string trace_path;  // write an FST waveform here (empty: no trace)
  uint32_t rand_seed = 1;  // Verilator random init of un-reset state (RAM starts as garbage)
};

class RtlDevice {
 public:
  explicit RtlDevice(const DeviceOptions &opt = {});
  ~RtlDevice();
  RtlDevice(const RtlDevice &) = delete;
  RtlDevice &operator=(const RtlDevice &) = delete;

  // Geometry of the compiled RTL (from the GEOM/GEOM_HI CSRs after reset).
  const Geometry &geometry() const;

  // ---- host bus: one request at a time, each waits for its response ----
  uint32_t Read(uint32_t addr);
  void Write(uint32_t addr, uint32_t data);

  // ---- driver ----
  // Writes the MEM images, every instruction word and every QLEN. False (with a message) when the
  // program was built for another geometry or does not fit.
  bool LoadProgram(const Program &p, std::string *error);
  // CTRL.START, then clocks until run cycle 0 (false if it never starts).
  bool Start(std::string *error);
  // Reads one MEM word (VL bytes) through the host bus.
  std::vector<uint8_t> ReadMemWord(uint32_t slice, uint32_t addr);
  uint32_t status() { return Read(isa::kCsrStatus); }

  // ---- clock ----
  void Tick(uint64_t n = 1);
  uint64_t clocks() const;        // clock cycles since construction
  bool assertion_failed() const;  // an SVA ($error) fired
  void clear_assertion_failure();  // forget an earlier SVA failure (next program)
  void set_assertions(bool on);    // VerilatedContext::assertOn
  void FlushTrace();
  // Writes Verilator coverage (line/toggle) collected so far; false when not built with coverage.
  bool WriteCoverage(const std::string &path);

  // ---- observation (values during the current cycle) ----
  bool running() const;        // run_q: inside run cycles
  uint64_t run_cycle() const;  // cycle_q
  StreamSlot Slot(Dir d, uint32_t stream, uint32_t position, uint32_t superlane) const;
  std::vector<MemWrite> MemWrites() const;                // bank writes at the end of this cycle
  uint32_t ErrNow() const;                                // error pulses raised for this run cycle
  bool Dispatched(uint32_t queue, uint64_t *word) const;  // icu_disp: this run cycle's dispatch

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

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
};

// Loads and runs `p` on `dev` (and on the reference model when opt.compare).
LockstepResult RunLockstep(RtlDevice &dev, const Program &p, const LockstepOptions &opt = {});

// "west", "east" or "center" for a floorplan position.
std::string HemisphereOf(const Geometry &g, uint32_t position);

}  // namespace tsp::tb
