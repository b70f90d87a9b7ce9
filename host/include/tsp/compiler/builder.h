// Builds a compiler::Graph in program order: MEM buffers, vector values and unit instructions.
//
// A Vec is either a wire (the streams written by a node, used directly by the consumers: they are
// then placed rigidly together) or a MEM reference (each consumer gets its own MEM READs, timed
// for it). Buffer reads and writes are recorded in program order and become dependency edges.
// A wire that cannot reach its consumer directly (a VXM result used by a VXM op while VXM chaining
// is off, or any producer and consumer at the same floorplan position) is spilled through a
// scratch buffer automatically.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <tuple>
#include <cstdint>
#include <string>
#include <set>
#include <unordered_map>
#include <vector>

#include "tsp/compiler/graph.h"

namespace tsp::compiler {

struct Vec {
  std::vector<Part> parts;  // wire: one part per stream
  uint32_t buf = kNone;     // MEM reference: buffer ...
  uint32_t word = 0;        // ... word within it ...
  uint8_t plane0 = 0;       // ... first plane ...
  uint8_t nplanes = 0;      // ... and number of planes (0 = all)
  uint32_t stamp = kNone;   // MEM reference: writes to the buffer when the reference was taken

  bool is_mem() const { return buf != kNone; }
  bool empty() const { return buf == kNone && parts.empty(); }
  // Byte planes [first, first + n) of this value (a narrower view).
  Vec Planes(uint32_t first, uint32_t n) const;
};

struct BuilderOptions {
  bool vxm_chain = false;  // VXM ops may read the VXM's own output of the previous cycle
};

// The words of a buffer that a data-dependent access (GATHER, SCATTER) can select: those with
// word % stride == residue (the caller guarantees it). Accesses to disjoint sets do not depend on
// each other.
struct WordSet {
  uint32_t stride = 1, residue = 0;
  bool Has(uint32_t w) const { return w % stride == residue; }
};

class Builder {
 public:
  Builder(Graph *g, const BuilderOptions &opt) : g_(*g), opt_(opt) {}

  Graph &graph() { return g_; }
  const Geometry &geom() const { return g_.geom; }

  uint32_t NewBuffer(const std::string &name, uint32_t planes, const std::array<uint32_t, 4> &slices, uint32_t addr,
                     uint32_t words);
  uint32_t NewState(const std::string &name);
  // Scratch buffers (4 planes, 1 word) for automatic spills; used round-robin.
  void AddScratch(uint32_t buf, Hemi side);
  void SetTag(const std::string &tag);

  Vec Mem(uint32_t buf, uint32_t word = 0) const;
  Vec Read(uint32_t buf, uint32_t word = 0);  // explicit READs: one wire several consumers can share
  void Write(const Vec &v, uint32_t buf, uint32_t word = 0);

  // ---- VXM ----
  Vec Vop(isa::Opcode op, isa::DType dt, const Vec &a, const Vec &b, bool sat = false);
  // FADD/FSUB/FMUL/FMAX whose operand a is an integer of type `atype`, converted to fp32 (ISA v2 aint).
  Vec FopIntA(isa::Opcode op, isa::DType atype, const Vec &a, const Vec &b);
  Vec VopImm(isa::Opcode op, isa::DType dt, const Vec &a, uint32_t imm, bool sat = false);
  Vec Vop1(isa::Opcode op, isa::DType dt, const Vec &a);
  Vec Cvt(isa::DType to, isa::DType from, const Vec &a, float scale = 1.0f);
  Vec Fadd(const Vec &a, const Vec &b) { return Vop(isa::Opcode::kFadd, isa::DType::kF32, a, b); }
  Vec Fsub(const Vec &a, const Vec &b) { return Vop(isa::Opcode::kFsub, isa::DType::kF32, a, b); }
  Vec Fmul(const Vec &a, const Vec &b) { return Vop(isa::Opcode::kFmul, isa::DType::kF32, a, b); }
  Vec Fmax(const Vec &a, const Vec &b) { return Vop(isa::Opcode::kFmax, isa::DType::kF32, a, b); }
  Vec FaddI(const Vec &a, float b);
  Vec FmulI(const Vec &a, float b);
  Vec FmaxI(const Vec &a, float b);
  Vec Fexp(const Vec &a) { return Vop1(isa::Opcode::kFexp, isa::DType::kF32, a); }
  Vec Frecip(const Vec &a) { return Vop1(isa::Opcode::kFrecip, isa::DType::kF32, a); }
  Vec Frsqrt(const Vec &a) { return Vop1(isa::Opcode::kFrsqrt, isa::DType::kF32, a); }
  Vec Frelu(const Vec &a) { return Vop1(isa::Opcode::kVrelu, isa::DType::kF32, a); }

  // ---- SXM (side: sxm.w or sxm.e) ----
  Vec Sxm(Hemi side, isa::Opcode op, isa::DType dt, const Vec &a, uint32_t imm = 0);
  Vec SxmMap(Hemi side, isa::Opcode op, isa::DType dt, const Vec &a, const Vec &map);  // PERM, DIST
  std::array<Vec, 16> Trans(Hemi side, isa::DType dt, const std::array<Vec, 16> &rows);

  // ---- MEM indirect: the 16-bit word address is lane 0 of every tile of `addr` (i16) ----
  Vec Gather(uint32_t region, uint32_t plane, const Vec &addr, WordSet ws = {});
  Vec GatherAll(uint32_t region, const Vec &addr, WordSet ws = {});
  void Scatter(const Vec &data, uint32_t region, const Vec &addr, WordSet ws = {});

  // ---- MXM (side: mxm.w or mxm.e) ----
  void Lw(Hemi side, const Vec &rows, uint32_t index);  // 1, 2 or 4 rows (streams) from row `index`
  void Iw(Hemi side);
  Vec Abc(Hemi side, const Vec &a, bool asigned, bool wsigned, const Vec *acc = nullptr);

  // Loops: BeginLoop, then Iteration() before the body of every iteration, then EndLoop.
  void BeginLoop(uint32_t min_period = 1);
  void Iteration();
  void EndLoop();

  uint32_t spills() const { return spills_; }            // wires sent through a scratch word
  uint32_t relocations() const { return relocations_; }  // MEM operands read from a scratch copy
  // Number of Write/Scatter calls into a buffer word so far. A MEM reference taken after write n must be
  // used before write n+1 (else a buffer was reused too early: the builder throws).
  uint32_t writes(uint32_t buf, uint32_t word) const { return writes_[buf][word]; }

 private:
  uint32_t AddNode(const Instr &in, uint32_t queue, uint32_t region = kNone);
  uint32_t AddValue(uint32_t node, uint8_t out, uint8_t width);
  Vec Outputs(uint32_t node, uint8_t out, uint8_t width);
  void AddOperand(uint32_t node, const Vec &v, uint32_t width);
  struct Version;
  void Touch(uint32_t node, uint32_t buf, bool write, int32_t offset, uint32_t word = kNone, WordSet ws = {});
  void TouchWord(uint32_t node, Version *ver, bool write, int32_t offset);
  uint32_t Queue(const std::string &name) const;

  // ---- rigid groups: the clusters the scheduler will place, tracked while the graph grows ----
  // Every node belongs to a group with a time relative to it; a value links its consumers into its
  // producer's group at the time the timing rule dictates. The builder keeps every group free of
  // conflicts (one dispatch per queue and cycle, unit occupancy, at most VxmAlus VXM ops per
  // cycle, one access per bank and cycle): a READ that would collide is taken from a scratch copy,
  // and a link that would collide (or contradict an earlier one) goes through a scratch word.
  // A value's path on the stream registers: direction, diagonal (east: write cycle - position,
  // west: write cycle + position, relative to its group), the positions it passes and its width.
  struct Foot {
    uint32_t value = kNone;
    int dir = 0;
    int64_t u = 0;
    uint32_t lo = 0, hi = 0;
    uint8_t width = 1;
  };
  struct Group {
    std::vector<uint32_t> nodes;
    std::map<uint32_t, std::map<int64_t, int64_t>> queues;  // queue -> busy [start, end)
    std::map<int64_t, uint32_t> vxm;                         // VXM issue slots taken per cycle
    std::map<int64_t, uint32_t> seq;                         // special-function sequencers per cycle
    std::set<std::tuple<uint32_t, uint32_t, int64_t>> banks;  // (slice, bank, cycle)
    // Streams in use per (direction, diagonal) and position: a group never needs more streams in a
    // direction at a register than the geometry has (else the scheduler could not place it at all).
    std::map<std::pair<int, int64_t>, std::vector<uint8_t>> streams;
    std::map<uint32_t, Foot> feet;  // per value
  };
  bool Fits(const Group &g, uint32_t node, int64_t t) const;
  // The footprint of `value` (produced in group frame time t_write at pos_p) reaching pos_c;
  // only the part not already counted for the value in group `g` (empty width 0 if none).
  Foot FootOf(const Group &g, uint32_t value, int64_t t_write, uint32_t pos_p, uint32_t pos_c) const;
  // Would `g` still have enough streams with the feet of `from` shifted by `off` and `extra` added?
  bool FeetFit(const Group &g, const Group *from, int64_t off, const std::vector<Foot> &extra) const;
  void AddFoot(Group &g, const Foot &f);

 public:
  struct Res {  // what a node occupies: a queue (kNone: a VXM ALU) for occ cycles, MEM banks
    uint32_t queue = kNone;
    int64_t occ = 1;
    int64_t stride = 1;       // VXM: issue slots every stride cycles of occ (tsp::VxmSlotStride)
    bool sequencer = false;   // VXM: holds a special-function sequencer for occ cycles
    int32_t bank_offset = -1;
    uint32_t slice = kNone;
    std::vector<uint32_t> banks;
  };

 private:
  bool FitsRes(const Group &g, const Res &r, int64_t t) const;
  void Place(uint32_t group, uint32_t node, int64_t t);
  bool CanMerge(uint32_t into, uint32_t from, int64_t off) const;
  void Merge(uint32_t into, uint32_t from, int64_t off);
  // A READ of `buf` word `word` plane `plane` for operand `opi` of `consumer`, placed in the
  // consumer's group (from a scratch copy if the slice is busy then).
  // *side: the side the operand's streams arrive from (0 west, 1 east, -1 not decided yet).
  Part ReadFor(uint32_t consumer, uint32_t opi, uint32_t buf, uint32_t word, uint32_t plane, int *side);
  // Links part `pt` (a wire) to operand `opi` of `consumer`; true if the link is rigid, false if
  // it had to go through a scratch word (then *out is the part to use: a READ of that word).
  Part LinkPart(uint32_t consumer, uint32_t opi, const Part &pt, bool *local, int *side);
  uint32_t PickScratch(const std::function<bool(uint32_t buf)> &ok);

  Graph &g_;
  BuilderOptions opt_;
  struct Version {
    std::vector<std::pair<uint32_t, int32_t>> writers, readers;  // (node, offset) of this version
    std::vector<std::pair<uint32_t, int32_t>> before;            // accesses of the previous version
  };
  std::vector<std::vector<Version>> versions_;  // per buffer and word
  std::vector<std::vector<uint32_t>> writes_;   // per buffer and word
  std::vector<Group> groups_;
  std::vector<uint32_t> ngroup_;                // per node
  std::vector<int64_t> ntime_;                  // per node, relative to its group
  std::vector<int> vdir_;                       // per value: -1 no remote consumer yet, 0 east, 1 west
  std::vector<uint32_t> scratch_;               // one-plane scratch words
  uint32_t next_scratch_ = 0;
  std::array<uint32_t, 2> mxm_buf_{kNone, kNone}, mxm_arr_{kNone, kNone};
  uint16_t tag_ = 0;
  uint32_t spills_ = 0, relocations_ = 0;
  int loop_ = -1;          // index into g_.loops while a loop is open
  std::set<uint32_t> loop_scratch_;  // scratch words used in the open loop
  bool want_anchor_ = false;
  int trans_side_ = -1;  // side of the rows of the TRANS being built
};

}  // namespace tsp::compiler
