// Functional coverage of the dispatched instruction stream: opcode x type x direction x REPEAT use
// (docs/verification.md §5, "Functional coverage").
//
// Bins are the legal crosses only, derived from the generated ISA tables (isa::kOps and the syntax
// strings, tsp/instr_syntax.h), never written by hand:
//   * type: the instruction's type suffix as the assembler writes it: .T for an opcode with a dtype
//     mask (each allowed dtype), then .S for VCVT (each allowed source type) and for FADD..FMAX (aint
//     = 1, each allowed integer type, plus the fp32 form without .S), then .XY for ABC (ss, su, us,
//     uu); "-" for an opcode without any (MEM opcodes, IW). VADD has i8 / i16 / i32 bins, not f32.
//   * direction: E or W, the direction bit of the instruction's first stream operand in its syntax
//     (the result for READ / GATHER / VXM / SXM / ABC, the stream taken for WRITE / SCATTER, the
//     rows for LW); "-" for IW, which has no stream operand.
//   * REPEAT use, per dispatch: "issue" (the instruction's own dispatch), or a re-issue by a
//     `repeat n, d` with n = 1, n in 2..15, or n >= 16.
//   * ICU opcodes (NOP, REPEAT, SYNC, NOTIFY) never reach a unit: one bin each, no type / direction /
//     REPEAT use, sampled when their queue fetches them.
// So every unit dispatch of a legal program falls in exactly one bin, and no bin is an illegal
// combination (an opcode with a type it does not allow, an ICU opcode with a direction, ...).
//
// Sampling: Sampler watches a Model through its cycle hook (Model::SetCycleHook) and counts every
// dispatch (QueueView::dispatched_this_cycle, decoded from QueueView::last_word), re-issues
// included; whether a dispatch is a re-issue comes from the program (the queue's fetch pointer sits
// just past a REPEAT). In tsp-rtl-regress the hook is on the lockstep's model, whose dispatches are
// compared with the RTL's in every cycle, so the counts are the RTL's dispatches too.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tsp/geometry.h"
#include "tsp/instr.h"
#include "tsp/model.h"
#include "tsp/program.h"

namespace tsp::fcov {

// REPEAT use of one dispatch. kNone: an ICU bin (no dispatch).
enum class RepeatUse : int8_t { kNone = -1, kIssue = 0, kN1, kN2To15, kN16Up, kCount };
const char *RepeatUseName(RepeatUse r);  // "issue", "n=1", "n=2..15", "n>=16", "-"
RepeatUse RepeatBucket(uint32_t n);      // re-issue of a `repeat n, d`

// Direction axis: -1 none (ICU opcodes, IW), else Dir.
struct Bin {
  isa::Opcode op = isa::Opcode::kIllegal;
  std::string type = "-";  // "i16", "f32.i8", "ss", "-"
  int dir = -1;            // -1: none, 0: E, 1: W
  RepeatUse repeat = RepeatUse::kNone;
  std::string Name() const;  // "VADD i16 E n=2..15", "IW - - issue", "NOP - - -"
};

// Every legal cross, in a fixed order (isa::kOps order, then type, direction, REPEAT use).
const std::vector<Bin> &Bins();
// Index of the bin with this name; -1 if there is none.
int FindBin(const std::string &name);

// The axes of one opcode, from the ISA tables.
std::vector<std::string> TypesOf(isa::Opcode op);  // {"-"} when it has no type suffix
bool HasDirection(isa::Opcode op);                 // a stream operand (every unit opcode but IW)
const char *GroupOf(isa::Opcode op);               // "ICU", "MEM", "VXM", "SXM", "MXM"

// The bin of a decoded unit dispatch (-1 if it is not a legal unit instruction), or of an ICU
// instruction fetched (repeat must be kNone for ICU opcodes, and not for unit opcodes).
std::string TypeOf(const Instr &in);
int DirOf(const Instr &in);
int BinOf(const Instr &in, RepeatUse repeat);

// Counts per bin (over Bins()), mergeable across seeds, modes, geometries and shards.
class Coverage {
 public:
  Coverage();
  void Add(size_t bin, uint64_t n = 1) { counts_[bin] += n; }
  uint64_t count(size_t bin) const { return counts_[bin]; }
  size_t bins() const { return counts_.size(); }
  size_t hit() const;
  void Merge(const Coverage &o);

  // Programs sampled per source ("default/fields": geometry / generator mode).
  void AddPrograms(const std::string &source, uint64_t n = 1) { programs_[source] += n; }
  const std::map<std::string, uint64_t> &programs() const { return programs_; }
  uint64_t total_programs() const;
  uint64_t dispatches() const;  // unit dispatches (re-issues included)
  uint64_t reissues() const;

  // Counts file: "tsp-fcov 1", "programs SOURCE N" lines, then "bin COUNT OP TYPE DIR REPEAT" for
  // every bin (empty ones included). Parse accepts files of several runs one after the other
  // (cat), summing them; a bin this ISA does not have is an error.
  std::string Serialize() const;
  static bool Parse(const std::string &text, Coverage *out, std::string *error);
  static bool ReadFile(const std::string &path, Coverage *out, std::string *error);
  bool WriteFile(const std::string &path, std::string *error) const;

  // Markdown report: totals, hit / total per group, per REPEAT use, per direction and per opcode,
  // then the full list of empty bins.
  std::string Report(const std::string &title = "Functional coverage") const;
  // The same figures as JSON (every bin with its count, and the empty ones by name).
  std::string Json() const;

 private:
  std::vector<uint64_t> counts_;
  std::map<std::string, uint64_t> programs_;
};

// Samples the dispatches of one program run. Construct it before Model::Start (it follows the
// queues' fetch pointers from 0) and call Sample() once per Step, or install Hook().
class Sampler {
 public:
  Sampler(const Program &p, Coverage *cov);
  void Sample(const Model &m);
  std::function<void(const Model &)> Hook() {
    return [this](const Model &m) { Sample(m); };
  }

 private:
  std::vector<std::vector<Instr>> queues_;  // decoded program (kIllegal where a word does not decode)
  std::vector<uint32_t> pc_;
  Coverage *cov_;
};

// Runs `p` on a fresh reference model with a Sampler (MEM images loaded, Start, Run). Returns the
// run's result (status kTimeout with the message if the program does not load).
RunResult SampleOnModel(const Geometry &g, const Program &p, Coverage *cov, uint64_t max_cycles = 10'000'000);

}  // namespace tsp::fcov
