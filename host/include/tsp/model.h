// Cycle-exact reference model of the whole TSP: every stream register of every hop, every queue,
// the superlane stagger, every fixed latency and both MEM banks of every tile. It is the golden
// model the RTL is compared against cycle by cycle, and its error checks are the schedule checker.
//
// Time: cycle 0 is the first cycle after START. An instruction dispatched at cycle t acts on
// superlane k at cycle t+k ("operand read" cycle r). It reads eastward streams arriving from
// position p-1 and westward streams arriving from p+1 (the register contents during cycle r); a
// VXM operand with aloc / bloc (ISA v2, `@E4`) reads the register at the VXM's own position
// instead. A result with latency L is written at cycle r+L into the stream register at the slice's
// own position; during cycle w+1 that register holds it (so the VXM reads its own result in place
// at w+1), and a slice d positions downstream reads it at cycle w+d. Every other register takes
// its upstream neighbour's value each cycle; values fall off the edge of the chip.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tsp/geometry.h"
#include "tsp/instr.h"
#include "tsp/program.h"

namespace tsp {

using Word16 = std::array<uint8_t, isa::kLanesPerSuperlane>;

// One stream register of one superlane (16 lanes) at one position.
struct StreamSlot {
  bool valid = false;
  Word16 bytes{};
};

// A schedule or run-time error, with where and when.
struct ModelError {
  uint64_t cycle = 0;
  uint32_t bit = 0;       // isa::ErrorBit
  std::string where;      // queue or slice name
  std::string message;    // full human-readable text (includes cycle, slice, stream, superlane)
};

// A MEM word written in a cycle (what the RTL lockstep compares).
struct MemWrite {
  uint32_t slice;
  uint32_t superlane;
  uint32_t addr;
  Word16 data;
};

enum class QueueStatus : uint8_t { kRunning, kNop, kRepeat, kSync, kDone };

struct QueueView {
  uint32_t pc;                // index of the next instruction to fetch
  QueueStatus status;
  uint64_t next_dispatch;     // earliest cycle of the next dispatch
  uint64_t dispatched;        // instructions dispatched so far (re-issues included)
  bool dispatched_this_cycle; // an instruction (or re-issue) was dispatched in the last cycle
  uint64_t last_word;         // encoding of the last dispatched instruction
};

enum class RunStatus : uint8_t { kDone, kTimeout, kDeadlock };

struct RunResult {
  RunStatus status;
  uint64_t cycles;  // cycles executed until every queue and pipeline was idle
  std::string message;
};

class Model {
 public:
  explicit Model(const Geometry &geom);
  ~Model();
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;

  const Geometry &geometry() const { return geom_; }

  // Host interface. LoadProgram validates every instruction against the geometry; on failure it
  // returns false with a message naming the queue and instruction index.
  bool LoadProgram(const Program &p, std::string *error);
  void WriteMem(uint32_t slice, uint32_t addr, const std::vector<uint8_t> &vector_bytes);
  std::vector<uint8_t> ReadMem(uint32_t slice, uint32_t addr) const;  // VL bytes
  uint8_t ReadMemByte(uint64_t flat_address) const;
  void WriteMemByte(uint64_t flat_address, uint8_t value);

  // Resets queues, pipelines, stream registers, cycle counter and errors (MEM is kept).
  void Start();
  // Advances one clock cycle. Returns false once the program is done (nothing left to do).
  bool Step();
  RunResult Run(uint64_t max_cycles);

  bool done() const;
  uint64_t cycle() const { return cycle_; }  // cycles executed since Start()

  // Full per-cycle state (after the last Step()).
  const StreamSlot &Stream(Dir d, uint32_t stream, uint32_t position, uint32_t superlane) const;
  const std::vector<MemWrite> &mem_writes() const { return mem_writes_; }  // during the last cycle
  QueueView Queue(uint32_t q) const;
  const std::vector<ModelError> &errors() const { return errors_; }
  uint32_t error_bits() const { return error_bits_; }

  // Optional per-cycle hook, called at the end of every Step() (after state updates).
  void SetCycleHook(std::function<void(const Model &)> hook) { hook_ = std::move(hook); }

 private:
  struct Impl;
  Geometry geom_;
  std::unique_ptr<Impl> impl_;
  uint64_t cycle_ = 0;
  std::vector<MemWrite> mem_writes_;
  std::vector<ModelError> errors_;
  uint32_t error_bits_ = 0;
  std::function<void(const Model &)> hook_;
  friend struct ModelAccess;
};

const char *RunStatusName(RunStatus s);

}  // namespace tsp
