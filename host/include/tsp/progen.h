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
// Modes (the ProgenOptions fields below "Modes", named by ProgenOptions::Preset) aim the generator
// at corners the default programs miss: long programs with a queue filled to IqDepth, full field
// ranges, GATHER/SCATTER over every word, MXM double buffering, dense barriers, fp32 data of every
// class, one planted schedule error (docs/verification.md section 1).
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
  // Main instructions to draw jobs from (unit opcodes only); empty = every unit opcode. An opcode
  // listed k times is drawn k times as often.
  std::vector<isa::Opcode> ops;

  // ---- Modes (docs/verification.md section 1). With every field below at its default the
  // generator makes exactly the programs it always made (seeds are pinned by tests);
  // Preset(name) names the useful combinations.
  std::string mode = "default";   // the preset these options came from (reports only)
  uint32_t max_repeat_n = 6;      // REPEAT n of a job: 1..max_repeat_n (1..2 for occupancy >= 8)
  uint32_t max_repeat_slack = 3;  // REPEAT d: the job's largest occupancy + 0..max_repeat_slack
  uint32_t max_gap = 40;          // idle gaps: NOP 5..max_gap (bit length uniform when above 40)
  // long: the instruction memory budget is counted exactly (words per queue <= IqDepth), jobs are
  // paced over the whole span, then one MEM queue is filled with READs to a drawn share in
  // [iq_fill, 1] of IqDepth (30 %: exactly IqDepth). 0 = off.
  double iq_fill = 0;
  // fields: REPEAT n and d of jobs drawn over their whole 16-bit fields (bit length uniform),
  // strides over the whole signed 16-bit field where the hardware ignores or wraps them (non-MEM
  // instructions, LW rows) and as large as MEM allows for READ / WRITE, addresses at the top of
  // MEM; after the jobs, with giant_rate each: a REPEAT whose n is in the top quarter of its field
  // (d = 1) and a job re-issued once with d in the top quarter.
  bool wide_fields = false;
  double giant_rate = 0;
  // gather: GATHER / SCATTER addresses from data tables (16 read-only words per slice with random
  // lane-0 bytes, so address vectors fall on every word of the slice), exact per-tile bank
  // reservations, and with mixed_bank_rate a READ of the other bank in the same cycle as the
  // GATHER's / SCATTER's bank access in the same slice.
  bool data_tables = false;
  double mixed_bank_rate = 0;
  // mxm: share of jobs that are double-buffered MXM pipelines: 2-3 rounds of 16 rows loaded by LW
  // (i8 / i16 / i32) interleaved with ABCs on the weights installed before, then IW.
  double mxm_pipeline_rate = 0;
  double sync_share = 0.5;  // share of the idle queues that park on SYNC at each barrier
  // fp: MEM words read as 4-stream groups hold whole fp32 vectors of every class (normals of any
  // exponent, denormals, +-0, +-inf, NaNs); b operands of fadd / fsub / fmax / fmul read straight
  // from MEM are lane-wise -a or a (values that cancel).
  bool fp_data = false;
  // error: one deliberate schedule error is added to an otherwise legal program
  // (GeneratedProgram::expected_error).
  bool plant_error = false;

  // The named presets: "default", "long", "fields", "gather", "mxm", "sync", "fp", "error".
  // Throws std::invalid_argument (listing the names) for any other name.
  static ProgenOptions Preset(const std::string &name);
  static std::vector<std::string> PresetNames();
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
  // Modes (as the generator placed them; tests measure the programs themselves).
  std::string mode = "default";
  uint32_t fill_reads = 0;     // long: READs added to fill the hot queue
  uint32_t fill_queue = 0;     // long: the hot queue
  uint32_t giants = 0;         // fields: giant REPEAT jobs placed
  uint32_t mixed_bank = 0;     // gather: READs placed beside a GATHER / SCATTER bank access
  uint32_t mxm_pipelines = 0;  // mxm: double-buffered pipelines placed
  uint32_t fp_vectors = 0;     // fp: coherent fp32 vectors written into MEM words
  // error mode: the planted error's isa::ErrorBit (0: a legal program), and where it is.
  uint32_t expected_error = 0;
  std::string planted;
};

// Generates the program for `seed` (the same seed and options always give the same program).
// Throws std::logic_error if the generator built an instruction that fails Validate (a bug).
GeneratedProgram GenerateProgram(const Geometry &g, uint64_t seed, const ProgenOptions &opt = {});

// Every MEM, VXM, SXM and MXM opcode.
std::vector<isa::Opcode> UnitOpcodes();

// Static and dynamic opcode counts of a program (undecodable words are skipped).
OpcodeCounts CountOpcodes(const Program &p);

// Figures measured on a program's instruction words (REPEATs expanded), independent of how it
// was generated.
struct ProgramFigures {
  uint64_t longest_queue = 0;  // instruction words of the longest queue
  uint32_t max_nop = 0;        // largest NOP n
  uint32_t max_repeat_n = 0;   // largest REPEAT n
  uint32_t max_repeat_d = 0;   // largest REPEAT d
  int32_t min_stride = 0;      // most negative REPEAT stride
  int32_t max_stride = 0;      // largest REPEAT stride
  int32_t min_mem_stride = 0;  // the same, of REPEATs of READ / WRITE (the MEM address)
  int32_t max_mem_stride = 0;
  uint32_t max_mem_addr = 0;  // highest READ / WRITE address reached (strides applied)
  uint64_t syncs = 0, notifies = 0;
  uint32_t mxm_swaps = 0;           // IWs installing 16 rows all loaded since the previous IW
  uint32_t mxm_overlapped_abc = 0;  // ABCs on installed weights while the next 16 rows load
                                    // (after an IW and a LW, before the IW that is a swap)
};
ProgramFigures MeasureProgram(const Program &p);

// Figures measured by running a program on the reference model and looking at what the units
// actually read (a cycle hook samples the operand registers of every dispatch).
enum class FpClass : uint8_t { kNormal, kDenormal, kZero, kInf, kNan, kCount };
const char *FpClassName(FpClass c);
struct DataFigures {
  // f32 operand lanes read by FADD..FRSQRT (a unless it is an integer, b unless immediate) and by
  // VCVT from f32, per class; distinct exponents of the normal ones.
  std::array<uint64_t, static_cast<size_t>(FpClass::kCount)> fp_lanes{};
  uint32_t fp_exponents = 0;
  uint64_t fp_cancel = 0;              // FADD lanes with b = -a and FSUB lanes with b = a (a finite, nonzero)
  uint64_t gather_accesses = 0;        // GATHER / SCATTER tile accesses
  std::vector<uint32_t> gather_words;  // distinct word addresses (mod 2W) they touched, sorted
  uint64_t mixed_bank = 0;             // (slice, tile, cycle)s with a READ / WRITE access to one bank and a
                                       // GATHER / SCATTER access to the other
  uint64_t invalid_samples = 0;        // sampled operand registers holding no value (0 for legal programs)
  uint64_t interleaved = 0;            // VXM dispatches inside a running FEXP / FRECIP / FRSQRT's occupancy
                                       // (its odd slots, ISA version 5 interleave)
  uint32_t error_bits = 0;             // Model::error_bits() at the end
  uint64_t cycles = 0;
};
DataFigures ProbeOnModel(const Geometry &g, const Program &p, uint64_t max_cycles = 10'000'000);

// Runs `p` on a fresh reference model. True iff it loads, finishes (RunStatus::kDone) and reports
// no schedule error; otherwise *report names the status and the first errors.
bool CheckOnModel(const Geometry &g, const Program &p, std::string *report, uint64_t *cycles = nullptr,
                  uint64_t max_cycles = 1'000'000);

}  // namespace tsp
