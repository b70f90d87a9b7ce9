// The `rtl` device: a Verilated tsp_top in this process, driven through its 32-bit host bus exactly
// as a driver drives hardware (tsp/device.h), plus what only a simulation can offer:
//   * observation of the core's internal state for the lockstep checker (lockstep.h): stream
//     registers, MEM bank writes, error pulses, dispatches, run_q / cycle_q (the signals documented
//     at the top of rtl/core/tsp_core.sv);
//   * clock control, SVA ($error) status, FST trace, Verilator coverage;
//   * a simulation-only backdoor for bulk MEM and instruction words: the block-RAM arrays
//     (tsp_ram_sdp.mem_q, `verilator public_flat_rw`) are written and read directly from C++
//     between clock edges while the core is idle, instead of one bus request per 32 bits. It has
//     exactly the effect of the bus path (tb/system/backdoor_test.cc proves it word by word); while
//     the core is busy, bulk accesses take the bus path (which ignores them, as the hardware does).
//     It is on by default; RtlOptions::backdoor = false (spec option `backdoor=off`) forces the bus.
//
// Each Verilated geometry is its own static library (tsp_rtl_default, tsp_rtl_small, one
// Verilator build each); a binary links one or both. Linking one registers its device specs:
// tsp_rtl_default "rtl" and "rtl:default", tsp_rtl_small "rtl:small". Then
//   tsp::OpenDevice("rtl:small,trace=out.fst,backdoor=off,seed=3", &err)
// opens one (options after the geometry, comma-separated), and OpenRtlDevice() gives the RtlDevice
// interface directly.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tsp/device.h"
#include "tsp/model.h"

namespace tsp::tb {

// Clocks from the CTRL.START write to run cycle 0, exactly (tsp_top / tsp_core): the clock edge
// that takes the write (tsp_csr's start_o is combinational of the request) moves tsp_core from
// PhIdle to PhStart, the next edge to PhPrime, the one after to PhRun (run_q = 1, cycle_q = 0).
// Write32 returns right after the write's own edge, so run cycle 0 begins after exactly this many
// further clocks (run_q rises at the third clock edge, counting the one that takes the write; run
// cycle 0 begins three clocks after the write is presented). RtlDevice::Start() asserts it on every run:
// run_q must be 0 after 0 and 1 of them and 1 (with cycle_q = 0) after the second.
inline constexpr uint64_t kStartToRunClocks = 2;

struct RtlOptions {
  std::string trace_path;  // write an FST waveform here (empty: no trace)
  // Verilator random init of un-reset state (RAM starts as garbage; the cores are Verilated with
  // --x-initial unique and the device sets randReset(2)): VerilatedContext::randSeed. Never 0
  // (Verilator would take a time-based seed: not replayable).
  uint32_t rand_seed = 1;
  bool backdoor = true;    // bulk MEM / instruction words through the simulation-only backdoor
};

class RtlDevice : public Device {
 public:
  std::string name() const override { return "rtl"; }
  std::string Describe() const override;

  // ---- clock ----
  virtual void Tick(uint64_t n = 1) = 0;
  uint64_t clocks() const override = 0;  // clock cycles since construction (reset and loads included)
  virtual bool assertion_failed() const = 0;  // an SVA ($error) fired
  virtual void clear_assertion_failure() = 0;  // forget an earlier SVA failure (next program)
  virtual void set_assertions(bool on) = 0;    // VerilatedContext::assertOn
  virtual void FlushTrace() = 0;
  // Writes Verilator coverage (line/toggle) collected so far; false when not built with coverage.
  virtual bool WriteCoverage(const std::string &path) = 0;

  // The random initial state seed this device was built with (RtlOptions::rand_seed).
  virtual uint32_t rand_seed() const = 0;

  // ---- backdoor ----
  // True when bulk MEM / instruction words go through the backdoor (RtlOptions::backdoor, and the
  // RAM arrays were found in this build). backdoor_note() says why not, when not.
  virtual bool backdoor() const = 0;
  virtual void set_backdoor(bool on) = 0;
  virtual std::string backdoor_note() const = 0;

  // ---- observation (values during the current cycle) ----
  virtual bool running() const = 0;        // run_q: inside run cycles
  virtual uint64_t run_cycle() const = 0;  // cycle_q
  virtual StreamSlot Slot(Dir d, uint32_t stream, uint32_t position, uint32_t superlane) const = 0;
  virtual std::vector<MemWrite> MemWrites() const = 0;                // bank writes at the end of this cycle
  virtual uint32_t ErrNow() const = 0;                                // error pulses raised for this run cycle
  virtual bool Dispatched(uint32_t queue, uint64_t *word) const = 0;  // icu_disp: this run cycle's dispatch

 protected:
  // After CTRL.START: exactly kStartToRunClocks clocks to run cycle 0; an error if the run phase
  // begins earlier or later.
  bool AfterStart(std::string *error) override;
  // Clocks until the run ends or run cycle max_cycles.
  void WaitDone(uint64_t max_cycles, std::vector<std::string> *details) override;
};

// Opens the Verilated core of geometry `config` ("" = the only one linked, or "default").
std::unique_ptr<RtlDevice> OpenRtlDevice(const std::string &config, const RtlOptions &opt, std::string *error);
// Geometries whose core is linked into this binary.
std::vector<std::string> LinkedRtlCores();

// TSP_RTL_RAND_SEED: the random initial state seed of new `rtl` devices opened through a spec
// (tsp-sim, OpenDevice) or by the system tests' shared device, and the default of tsp-rtl-regress
// --rand-seed. A number 1..2^32-1, or "random" for a fresh seed (printed by whoever uses it).
inline constexpr const char *kRandSeedEnv = "TSP_RTL_RAND_SEED";
// Parses a seed as above ("random": from std::random_device, never 0). False and *error otherwise.
bool ParseRandSeed(const std::string &text, uint32_t *seed, std::string *error);
// The seed from TSP_RTL_RAND_SEED, or `fallback` when it is not set. False (and *error) for a bad value.
bool RandSeedFromEnv(uint32_t fallback, uint32_t *seed, std::string *error);

// Parses the args of an "rtl" spec: [CONFIG][,trace=FILE][,seed=N][,backdoor=on|off].
bool ParseRtlArgs(const std::string &args, std::string *config, RtlOptions *opt, std::string *error);

// ---- used by the per-geometry libraries (rtl_core.cc) ----
using RtlCoreFactory = std::function<std::unique_ptr<RtlDevice>(const RtlOptions &opt)>;
// Registers a core and the device specs "rtl:CONFIG" (and "rtl" for the default geometry).
bool RegisterRtlCore(const std::string &config, RtlCoreFactory factory);

}  // namespace tsp::tb
