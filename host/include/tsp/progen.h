// Random program generator: seeded, reproducible, schedule-legal TSP programs for a geometry.
//
// Programs are built forward in time from "jobs": one main instruction (any MEM, VXM, SXM or MXM
// opcode with random legal operands and types), the producers that deliver its operand streams
// (MEM reads, gathers, or other units, recursively) and consumers of its result (MEM writes,
// scatters, MXM weight loads, or nothing: the value falls off the chip edge). Every instruction
// of a job is placed with the TSP timing rule (docs/architecture.md sections 2-3)
//
//     consumer dispatch = producer dispatch + latency(producer) + |consumer position - producer position|
//
// and a job is accepted only when all its resources are free in a reservation table:
//   * queue slots (one dispatch per queue per cycle, REPEAT and SYNC hold their queue),
//   * unit occupancy (isa::OpInfo::occupancy),
//   * stream registers: each value owns its diagonal of registers (dir, stream, superlane, cycle)
//     from the producer up to its farthest reader, so every operand read sees exactly the value
//     its producer wrote for it, and no two writes ever meet in one register,
//   * MEM banks per slice and cycle (both banks for GATHER/SCATTER, whose address is data).
// VXM operands a and b are sometimes read in place at the VXM's own position (ISA v2 chaining;
// the register is the one the downstream neighbour reads, so such an operand is delivered as to a
// reader one position further, preferably by a VXM instruction one cycle earlier); fp ops sometimes
// take an integer operand a; LW loads 1, 2 or 4 rows.
// Jobs are optionally re-issued with REPEAT (every instruction of the job, same n and d, MEM
// address / LW row strides), and SYNC/NOTIFY barriers park random queues.
//
// MEM contents: only words a program may read are initialised (MemImage), so a device whose
// uninitialised RAM holds garbage behaves exactly like the model. GATHER/SCATTER addresses come
// from read-only "address table" words whose tile lane-0 bytes are chosen so that every address
// the hardware can form lands on initialised, writable words.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tsp/geometry.h"
#include "tsp/instr.h"
#include "tsp/model.h"
#include "tsp/program.h"

namespace tsp {

struct ProgenOptions {
  uint32_t min_cycles = 50;  // the last job starts between min_cycles and max_cycles (drawn per seed)
  uint32_t max_cycles = 300;
  uint32_t max_depth = 2;  // producer levels behind a main instruction (0: operands straight from MEM)
  uint32_t min_jobs = 8;   // keep placing jobs past the cycle target until this many fit
  uint32_t max_jobs = 1000;
  double repeat_rate = 0.15;   // share of jobs re-issued with REPEAT
  double barrier_rate = 0.03;  // SYNC/NOTIFY barriers per job
  double fanout_rate = 0.2;    // extra MEM writes tapping a delivered operand further downstream
  double gap_rate = 0.05;      // long idle gaps (NOP 5..40) between jobs
  double local_rate = 0.35;    // VXM operands read in place at the VXM (ISA v2), mostly VXM chains
  double int_a_rate = 0.3;     // fadd / fsub / fmul / fmax with an integer operand a (ISA v2)
  // Main instructions to draw jobs from (unit opcodes only); empty = every unit opcode.
  std::vector<isa::Opcode> ops;
};

// ISA v2 features, counted in instruction words.
enum class Feature : uint8_t { kLocalA, kLocalB, kIntA, kLw2, kLw4, kCount };
const char *FeatureName(Feature f);

struct OpcodeCounts {
  std::array<uint64_t, 256> words{};       // instruction words per opcode in the program
  std::array<uint64_t, 256> dispatches{};  // unit dispatches per opcode, REPEAT re-issues included
  std::array<uint64_t, static_cast<size_t>(Feature::kCount)> features{};  // words using each feature
};

struct GeneratedProgram {
  Program program;
  uint64_t seed = 0;
  uint32_t jobs = 0;                           // jobs placed
  uint32_t rejected = 0;                       // job attempts that did not fit the reservation table
  uint32_t barriers = 0;                       // NOTIFYs placed
  std::array<uint32_t, 256> jobs_by_op{};      // jobs placed per main opcode
  std::array<uint32_t, 256> rejected_by_op{};  // failed job attempts per main opcode
  uint64_t last_dispatch = 0;                  // cycle after the last scheduled queue activity
  uint32_t vxm_chains = 0;                     // VXM operands read in place from a VXM producer
  OpcodeCounts counts;
};

// Generates the program for `seed` (the same seed and options always give the same program).
// Throws std::logic_error if the generator built an instruction that fails Validate (a bug).
GeneratedProgram GenerateProgram(const Geometry &g, uint64_t seed, const ProgenOptions &opt = {});

// Every MEM, VXM, SXM and MXM opcode.
std::vector<isa::Opcode> UnitOpcodes();

// Static and dynamic opcode counts of a program (undecodable words are skipped).
OpcodeCounts CountOpcodes(const Program &p);

// Runs `p` on a fresh reference model. True iff it loads, finishes (RunStatus::kDone) and reports
// no schedule error; otherwise *report names the status and the first errors.
bool CheckOnModel(const Geometry &g, const Program &p, std::string *report, uint64_t *cycles = nullptr,
                  uint64_t max_cycles = 1'000'000);

}  // namespace tsp
