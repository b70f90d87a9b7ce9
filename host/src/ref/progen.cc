// Random program generator (see tsp/progen.h for the method).
#include "tsp/progen.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cmath>
#include <initializer_list>
#include <iterator>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "tsp/vxm.h"

namespace tsp {

namespace {

using isa::Opcode;

// SplitMix64: small, fast and identical on every platform (std:: distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed ^ 0x5EED5EED12345678ull) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t U32() { return static_cast<uint32_t>(Next() >> 32); }
  uint32_t Below(uint32_t n) { return n == 0 ? 0 : static_cast<uint32_t>(Next() % n); }
  int64_t Range(int64_t lo, int64_t hi) {  // inclusive
    return hi <= lo ? lo : lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }
  // [lo, hi] (1 <= lo) with a uniformly drawn bit length, then a uniform value of that length:
  // every order of magnitude is equally likely (integers only: the same on every platform).
  int64_t LogRange(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    auto bits = [](int64_t v) {
      int b = 0;
      while (v) {
        ++b;
        v >>= 1;
      }
      return b;
    };
    const int b = static_cast<int>(Range(bits(lo), bits(hi)));
    return Range(std::max(lo, int64_t{1} << (b - 1)), std::min(hi, (int64_t{1} << b) - 1));
  }
  template <typename T>
  void Shuffle(std::vector<T> *v) {
    for (size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[Below(static_cast<uint32_t>(i))]);
  }

 private:
  uint64_t s_;
};

// A REPEAT context: every instruction of a job is re-issued n times, d cycles apart.
struct Rep {
  uint32_t n = 0;
  uint32_t d = 1;
};

// A planned instruction (times relative to the job until committed).
struct PInstr {
  uint32_t queue = 0;
  int64_t t = 0;
  Instr in;
  Rep rep;
  int32_t stride = 0;
  // gather mode: GATHER / SCATTER word address per re-issue and tile (i * S + k); empty = unknown
  std::vector<uint32_t> tile_addr;
  // error mode: a planted error skips the reservation it violates
  bool skip_bank = false;  // bank access not reserved (BankConflict)
  int64_t busy_skip = 0;   // the first busy_skip cycles of the occupancy not reserved (UnitBusy)
};

// One stream of a produced vector: written at position `pos`, superlane k at cycle tv + k (and
// tv + i*d for re-issue i). `reach` is the farthest position that reads it (pos if none).
struct PValue {
  Dir dir = Dir::kEast;
  uint32_t stream = 0;
  uint32_t pos = 0;
  int64_t tv = 0;
  Rep rep;
  uint32_t reach = 0;
  bool skip_chain = false;  // error mode: written without owning its register (StreamCollision)
};

// fp mode: four READs of one job delivering a 4-stream group; at build time their words get the
// four byte planes of one fp32 vector per re-issue.
struct FpGroup {
  std::array<uint32_t, 4> slice{}, addr{};
  std::array<int32_t, 4> stride{};
  uint32_t n = 0;
  uint32_t reader = 0;  // position and dispatch cycle of the instruction reading the group,
  int64_t tc = 0;       // and its operand field: pairs the operands of one fp op
  uint32_t field = 0;
  int64_t src = -1;  // the group this one is derived from (plan-relative until committed)
  uint8_t rel = 0;   // 1: lane-wise -src (x + -x), 2: src (a - a), else fresh
};

struct InitWord {
  uint32_t slice, addr;
};

struct Plan {
  std::vector<PInstr> instrs;
  std::vector<PValue> values;
  std::vector<InitWord> init;
  std::vector<FpGroup> fp;
  uint32_t chains = 0;  // VXM operands read in place from a VXM producer of this plan
  uint32_t mixed = 0;   // READs beside a GATHER / SCATTER bank access (gather mode)
  struct Mark {
    size_t i, v, w, f;
    uint32_t c, x;
  };
  Mark mark() const { return {instrs.size(), values.size(), init.size(), fp.size(), chains, mixed}; }
  void Rollback(const Mark &m) {
    instrs.resize(m.i);
    values.resize(m.v);
    init.resize(m.w);
    fp.resize(m.f);
    chains = m.c;
    mixed = m.x;
  }
};

// Disjoint half-open intervals [start, end).
class IntervalSet {
 public:
  bool Overlaps(int64_t s, int64_t e) const {
    auto it = m_.lower_bound(s);
    if (it != m_.end() && it->first < e) return true;
    if (it != m_.begin() && std::prev(it)->second > s) return true;
    return false;
  }
  void Insert(int64_t s, int64_t e) { m_[s] = e; }
  void Erase(int64_t s) { m_.erase(s); }
  bool empty() const { return m_.empty(); }

 private:
  std::map<int64_t, int64_t> m_;
};

struct Block {
  int64_t end = 0;
  std::vector<Instr> code;
};

struct QueueTable {
  std::map<int64_t, Block> blocks;  // by start cycle; disjoint
  IntervalSet busy;                 // unit occupancy (issue slots)
  // Sequencer of an interleaving instruction (FEXP ..; ISA version 5): it holds the sequencer for
  // its whole occupancy but the issue slots only at the even offsets, so instructions without
  // interleave fit in the odd ones.
  IntervalSet seq;
  bool BlockOverlaps(int64_t s, int64_t e) const {
    auto it = blocks.lower_bound(s);
    if (it != blocks.end() && it->first < e) return true;
    if (it != blocks.begin() && std::prev(it)->second.end > s) return true;
    return false;
  }
};

Instr MakeOp(Opcode op) {
  Instr in;
  in.op = op;
  return in;
}

constexpr Opcode kVxmOps[] = {Opcode::kVadd,   Opcode::kVsub,  Opcode::kVmul, Opcode::kVmax, Opcode::kVrelu,
                              Opcode::kVshl,   Opcode::kVshr,  Opcode::kVsrl, Opcode::kVmov, Opcode::kVcvt,
                              Opcode::kFadd,   Opcode::kFsub,  Opcode::kFmul, Opcode::kFmax, Opcode::kFexp,
                              Opcode::kFrecip, Opcode::kFrsqrt};
constexpr Opcode kSxmProducerOps[] = {Opcode::kShup, Opcode::kShdn, Opcode::kPerm,
                                      Opcode::kDist, Opcode::kRsum, Opcode::kRmax};

class Generator {
 public:
  Generator(const Geometry &g, uint64_t seed, const ProgenOptions &opt)
      : g_(g), rng_(seed), opt_(opt), seed_(seed) {
    P_ = g.num_positions();
    streams_ = g.streams();
    words_ = g.mem_words();
    for (uint32_t q = 0; q < g.num_queues(); ++q) {
      const auto &qi = g.queue(q);
      switch (qi.kind) {
        case SliceKind::kMem:
          mems_.push_back({q, qi.position, g.MemSliceId(qi.hemi, qi.index)});
          break;
        case SliceKind::kVxm:
          vxm_q_.push_back(q);
          vxm_pos_ = qi.position;
          break;
        case SliceKind::kSxm:
          sxm_q_[qi.hemi == Hemi::kWest ? 0 : 1] = q;
          sxm_pos_[qi.hemi == Hemi::kWest ? 0 : 1] = qi.position;
          break;
        case SliceKind::kMxm:
          mxm_q_[qi.hemi == Hemi::kWest ? 0 : 1] = q;
          mxm_pos_[qi.hemi == Hemi::kWest ? 0 : 1] = qi.position;
          break;
      }
    }
    queues_.resize(g.num_queues());
    pool_.resize(g.num_mem_slices());
    ChooseAddressTable();
    ops_ = opt.ops.empty() ? UnitOpcodes() : opt.ops;
    exact_ = opt.iq_fill > 0;
    qwords_.assign(g.num_queues(), 0);
    if (opt.data_tables) ChooseDataTables();
  }

  GeneratedProgram Generate() {
    GeneratedProgram out;
    out.seed = seed_;
    out.mode = opt_.mode;
    // long: one queue is filled to iq_fill x IqDepth words afterwards, one word a cycle at most, so
    // the span must be longer than IqDepth (the board's 16,384 is above the preset's 15,000).
    int64_t lo = int64_t{opt_.min_cycles};
    if (exact_) lo = std::max<int64_t>(lo, int64_t{g_.iq_depth()} + g_.iq_depth() / 8);
    const int64_t target = rng_.Range(lo, std::max(lo, int64_t{opt_.max_cycles}));
    int64_t cursor = 0;
    while ((cursor < target || out.jobs < opt_.min_jobs) && out.jobs < opt_.max_jobs &&
           cursor < 20 * target) {
      if (rng_.Chance(opt_.barrier_rate) && TryBarrier(cursor)) ++out.barriers;
      if (opt_.mxm_pipeline_rate > 0 && rng_.Chance(opt_.mxm_pipeline_rate)) {
        if (PlaceMxmPipeline(cursor)) {
          ++out.jobs;
          ++out.mxm_pipelines;
        }
        cursor += rng_.Range(0, 3);
        continue;
      }
      const Opcode op = ops_[rng_.Below(static_cast<uint32_t>(ops_.size()))];
      for (int attempt = 0; attempt < 8; ++attempt) {
        plan_ = Plan{};
        if (!PlanJob(op) || plan_.instrs.empty()) {
          ++out.rejected;
          ++out.rejected_by_op[static_cast<uint8_t>(op)];
          continue;
        }
        int64_t first = plan_.instrs[0].t;
        for (const auto &pi : plan_.instrs) first = std::min(first, pi.t);
        bool placed = false;
        for (int64_t delay : {0, 1, 3, 7, 15}) {  // look for a hole a little later
          if (Commit(plan_, cursor + delay - first)) {
            placed = true;
            break;
          }
        }
        if (placed) {
          ++out.jobs;
          ++out.jobs_by_op[static_cast<uint8_t>(op)];
          out.vxm_chains += plan_.chains;
          out.mixed_bank += plan_.mixed;
          break;
        }
        ++out.rejected;
        ++out.rejected_by_op[static_cast<uint8_t>(op)];
      }
      cursor += rng_.Chance(opt_.gap_rate) ? Gap() : rng_.Range(0, 3);
      if (exact_) cursor = Pace(cursor, target);
    }
    // mxm: at least one pipeline per program, after the jobs if none fitted among them
    for (int i = 0; i < 4 && opt_.mxm_pipeline_rate > 0 && out.mxm_pipelines == 0; ++i, cursor += 16) {
      if (PlaceMxmPipeline(cursor)) {
        ++out.jobs;
        ++out.mxm_pipelines;
      }
    }
    if (opt_.wide_fields) PlaceGiants(cursor, &out);
    if (opt_.iq_fill > 0) FillQueue(&out);
    if (opt_.plant_error) PlantError(&out);
    if (opt_.fp_data) AssignFpWords();
    out.fp_vectors = fp_vectors_;
    out.program = Build(&out.last_dispatch);
    out.counts = CountOpcodes(out.program);
    return out;
  }

 private:
  struct MemSlot {
    uint32_t queue, pos, slice;
  };

  // ---------------------------------------------------------------------------------------
  // Geometry helpers
  static bool Upstream(uint32_t p, uint32_t j, Dir d) { return d == Dir::kEast ? p < j : p > j; }
  static uint32_t Dist(uint32_t a, uint32_t b) { return a > b ? a - b : b - a; }
  Dir RandDir() { return rng_.Chance(0.5) ? Dir::kEast : Dir::kWest; }
  static Dir Other(Dir d) { return d == Dir::kEast ? Dir::kWest : Dir::kEast; }
  uint32_t RandStream(uint32_t w) { return w * rng_.Below(streams_ / w); }
  std::vector<MemSlot> MemsUpstreamOf(uint32_t j, Dir d) const {
    std::vector<MemSlot> r;
    for (const auto &m : mems_) {
      if (Upstream(m.pos, j, d)) r.push_back(m);
    }
    return r;
  }
  std::vector<MemSlot> MemsDownstreamOf(uint32_t p, Dir d) const {
    std::vector<MemSlot> r;
    for (const auto &m : mems_) {
      if (Upstream(p, m.pos, d)) r.push_back(m);
    }
    return r;
  }
  uint32_t Occ(Opcode op) const { return isa::Info(op).occupancy; }
  uint32_t Lat(Opcode op) const { return isa::Info(op).latency; }
  // Largest occupancy allowed under a REPEAT context.
  static uint32_t MaxOcc(const Rep &rep) { return rep.n == 0 ? 1000u : rep.d; }

  // GATHER/SCATTER addresses: lane 0 of each tile of the stream pair (lo, hi) gives
  // (lo + 256 * hi) mod 2W. Address-table words hold only the bytes in table_vals_, so every
  // address the hardware can form lies in gather_addr_ (initialised, writable).
  void ChooseAddressTable() {
    const uint32_t W = g_.words_per_bank();
    for (uint32_t x = 1; x < 256; ++x) {
      std::set<uint32_t> gs;
      for (uint32_t lo : {0u, x}) {
        for (uint32_t hi : {0u, x}) gs.insert((lo + 256 * hi) % words_);
      }
      bool bank0 = false, bank1 = false;
      for (uint32_t a : gs) (a < W ? bank0 : bank1) = true;
      if (bank0 && bank1) {
        table_vals_ = {0, static_cast<uint8_t>(x)};
        gather_addr_.assign(gs.begin(), gs.end());
        break;
      }
    }
    if (gather_addr_.empty()) {  // cannot happen for power-of-two banks; keep a usable fallback
      table_vals_ = {0, 0};
      gather_addr_ = {0};
    }
    for (uint32_t a = 1; a < words_ && table_addr_.size() < 2; ++a) {
      if (std::find(gather_addr_.begin(), gather_addr_.end(), a) == gather_addr_.end())
        table_addr_.push_back(a);
    }
  }
  bool IsTable(uint32_t addr) const {
    return std::find(table_addr_.begin(), table_addr_.end(), addr) != table_addr_.end();
  }
  // A word that must never be written: an address table (data tables in gather mode).
  bool IsTable(uint32_t slice, uint32_t addr) const {
    if (opt_.data_tables) return addr >= table_base_[slice] && addr < table_base_[slice] + table_words_;
    return IsTable(addr);
  }

  // ---------------------------------------------------------------------------------------
  // Addresses
  int32_t PickStride(const Rep &rep) {
    if (rep.n == 0) return 0;
    static constexpr int32_t kStrides[] = {1, 1, 1, 1, -1, 0, 2, 3, -2};
    return kStrides[rng_.Below(9)];
  }
  // Stride for a REPEAT of an instruction without an index field: ignored by the hardware.
  int32_t NoiseStride(const Rep &rep) {
    if (opt_.wide_fields) return rep.n == 0 ? 0 : WideStride();
    if (rep.n == 0 || !rng_.Chance(0.2)) return 0;
    return static_cast<int32_t>(rng_.Range(-3, 3));
  }
  // A run of n+1 word addresses addr + i*stride, all inside the slice.
  bool RunFits(uint32_t addr, int32_t stride, uint32_t n) const {
    const int64_t last = int64_t{addr} + int64_t{stride} * n;
    return last >= 0 && last < int64_t{words_};
  }
  // Address (and stride) of a READ: every word it reads is initialised before START.
  bool PickReadAddr(const MemSlot &x, const Rep &rep, uint32_t *addr, int32_t *stride) {
    if (opt_.wide_fields) return PickWideAddr(x, rep, false, addr, stride);
    *stride = PickStride(rep);
    const auto &pool = pool_[x.slice];
    for (int tries = 0; tries < 8; ++tries) {
      uint32_t a;
      if (!pool.empty() && rng_.Chance(opt_.fp_data ? 0.2 : 0.7)) {  // fp: fresh words hold whole vectors
        auto it = pool.begin();
        std::advance(it, rng_.Below(static_cast<uint32_t>(pool.size())));
        a = *it;
      } else {
        a = rng_.Below(words_);
      }
      if (!RunFits(a, *stride, rep.n)) continue;
      *addr = a;
      for (uint32_t i = 0; i <= rep.n; ++i) {
        plan_.init.push_back({x.slice, static_cast<uint32_t>(int64_t{a} + int64_t{*stride} * i)});
      }
      return true;
    }
    return false;
  }
  // Address of a WRITE: never an address-table word.
  bool PickWriteAddr(const MemSlot &x, const Rep &rep, uint32_t *addr, int32_t *stride) {
    if (opt_.wide_fields) return PickWideAddr(x, rep, true, addr, stride);
    *stride = PickStride(rep);
    const auto &pool = pool_[x.slice];
    for (int tries = 0; tries < 8; ++tries) {
      uint32_t a;
      if (!pool.empty() && rng_.Chance(0.5)) {
        auto it = pool.begin();
        std::advance(it, rng_.Below(static_cast<uint32_t>(pool.size())));
        a = *it;
      } else {
        a = rng_.Below(words_);
      }
      if (!RunFits(a, *stride, rep.n)) continue;
      bool ok = true;
      for (uint32_t i = 0; i <= rep.n && ok; ++i) {
        ok = !IsTable(x.slice, static_cast<uint32_t>(int64_t{a} + int64_t{*stride} * i));
      }
      if (!ok) continue;
      *addr = a;
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------
  // Random immediates
  uint32_t RandF32() {
    switch (rng_.Below(6)) {
      case 0: {
        static constexpr uint32_t kSpecial[] = {0x00000000u, 0x80000000u, 0x3F800000u, 0xBF800000u,
                                                0x7F800000u, 0xFF800000u, 0x7FC00000u, 0x00400000u,
                                                0x7F7FFFFFu, 0x00800000u, 0x3F000000u, 0x4B000000u};
        return kSpecial[rng_.Below(12)];
      }
      case 1:
        return rng_.U32();
      default: {  // a "normal" number around 1
        const uint32_t exp = static_cast<uint32_t>(rng_.Range(118, 136));
        return (rng_.Below(2) << 31) | (exp << 23) | (rng_.U32() & 0x7FFFFFu);
      }
    }
  }
  uint32_t RandIntImm(uint32_t dtype) {
    if (rng_.Chance(0.3)) return rng_.U32();  // upper bits must be ignored
    const uint32_t bits = 8 * isa::kDTypeBytes[dtype & 3u];
    const int64_t lo = -(int64_t{1} << (bits - 1)), hi = (int64_t{1} << (bits - 1)) - 1;
    const int64_t v = rng_.Chance(0.5) ? rng_.Range(-4, 4) : rng_.Range(lo, hi);
    return static_cast<uint32_t>(v);
  }
  uint32_t RandScale() {
    if (rng_.Chance(0.4)) return 0x3F800000u;  // 1.0
    return RandF32();
  }

  // ---------------------------------------------------------------------------------------
  // Planning primitives. Each adds instructions and values to plan_; on failure the caller
  // rolls plan_ back.
  void AddInstr(uint32_t q, int64_t t, const Instr &in, const Rep &rep, int32_t stride) {
    PInstr pi;
    pi.queue = q;
    pi.t = t;
    pi.in = in;
    pi.rep = rep;
    pi.stride = stride;
    plan_.instrs.push_back(std::move(pi));
  }
  size_t AddValue(Dir dir, uint32_t stream, uint32_t pos, int64_t tv, const Rep &rep) {
    plan_.values.push_back({dir, stream, pos, tv, rep, pos});
    return plan_.values.size() - 1;
  }
  void Extend(size_t v, uint32_t reader) {
    auto &val = plan_.values[v];
    val.reach = val.dir == Dir::kEast ? std::max(val.reach, reader) : std::min(val.reach, reader);
  }

  // READ at slice x dispatched at t, onto stream (dir, s).
  bool BuildRead(const MemSlot &x, int64_t t, Dir dir, uint32_t s, const Rep &rep,
                 std::vector<size_t> *vals) {
    uint32_t addr;
    int32_t stride;
    if (!PickReadAddr(x, rep, &addr, &stride)) return false;
    Instr in = MakeOp(Opcode::kRead);
    in.addr = addr;
    in.s = StreamField(dir, s);
    AddInstr(x.queue, t, in, rep, stride);
    vals->push_back(AddValue(dir, s, x.pos, t + Lat(Opcode::kRead), rep));
    return true;
  }

  // Two READs of address-table words deliver the GATHER/SCATTER address pair to position j at tc.
  // gather mode: the table words come from the data tables (stepping through them when re-issued),
  // *addrs receives the word address of every re-issue and tile, and with one_bank the pair is
  // chosen (24 tries) so that every address lies in one bank (*one_bank, else -1).
  bool DeliverTable(uint32_t j, int64_t tc, const Rep &rep, uint32_t *field,
                    std::vector<uint32_t> *addrs = nullptr, int *one_bank = nullptr) {
    if (opt_.data_tables) return DeliverDataTable(j, tc, rep, field, addrs, one_bank);
    Dir first = RandDir();
    for (Dir d : {first, Other(first)}) {
      auto ups = MemsUpstreamOf(j, d);
      if (ups.size() < 2) continue;
      rng_.Shuffle(&ups);
      const uint32_t m0 = RandStream(2);
      for (uint32_t i = 0; i < 2; ++i) {
        const auto &x = ups[i];
        Instr in = MakeOp(Opcode::kRead);
        in.addr = table_addr_[rng_.Below(static_cast<uint32_t>(table_addr_.size()))];
        in.s = StreamField(d, m0 + i);
        const int64_t t = tc - Dist(x.pos, j) - Lat(Opcode::kRead);
        AddInstr(x.queue, t, in, rep, 0);  // stride 0: the same table word every re-issue
        plan_.init.push_back({x.slice, in.addr});
        const size_t v = AddValue(d, m0 + i, x.pos, t + Lat(Opcode::kRead), rep);
        Extend(v, j);
      }
      *field = StreamField(d, m0);
      return true;
    }
    return false;
  }

  bool DeliverDataTable(uint32_t j, int64_t tc, const Rep &rep, uint32_t *field, std::vector<uint32_t> *addrs,
                        int *one_bank) {
    const Dir first = RandDir();
    for (Dir d : {first, Other(first)}) {
      auto ups = MemsUpstreamOf(j, d);
      if (ups.size() < 2) continue;
      rng_.Shuffle(&ups);
      const uint32_t m0 = RandStream(2);
      int32_t ts = 0;
      if (rep.n > 0 && rep.n < table_words_ && rng_.Chance(0.6)) ts = rng_.Chance(0.5) ? 1 : -1;
      const int64_t span = int64_t{ts} * rep.n;
      const int64_t lo = std::max<int64_t>(0, -span),
                    hi = std::min<int64_t>(table_words_ - 1, table_words_ - 1 - span);
      std::array<uint32_t, 2> idx{};
      std::vector<uint32_t> av;
      if (one_bank) *one_bank = -1;
      for (int tries = 0; tries < (one_bank ? 24 : 1); ++tries) {
        idx = {static_cast<uint32_t>(rng_.Range(lo, hi)), static_cast<uint32_t>(rng_.Range(lo, hi))};
        av = TableAddrs(ups[0].slice, ups[1].slice, idx[0], idx[1], ts, rep.n);
        if (one_bank && (*one_bank = OneBank(av)) >= 0) break;
      }
      for (uint32_t i = 0; i < 2; ++i) {
        const auto &x = ups[i];
        Instr in = MakeOp(Opcode::kRead);
        in.addr = table_base_[x.slice] + idx[i];
        in.s = StreamField(d, m0 + i);
        const int64_t t = tc - Dist(x.pos, j) - Lat(Opcode::kRead);
        AddInstr(x.queue, t, in, rep, ts);
        for (uint32_t r = 0; r <= rep.n; ++r) {
          plan_.init.push_back({x.slice, static_cast<uint32_t>(int64_t{in.addr} + int64_t{ts} * r)});
        }
        Extend(AddValue(d, m0 + i, x.pos, t + Lat(Opcode::kRead), rep), j);
      }
      *field = StreamField(d, m0);
      if (addrs) *addrs = std::move(av);
      return true;
    }
    return false;
  }

  bool BuildGather(const MemSlot &x, int64_t t, Dir dir, uint32_t s, const Rep &rep,
                   std::vector<size_t> *vals) {
    Instr in = MakeOp(Opcode::kGather);
    in.s = StreamField(dir, s);
    if (opt_.data_tables) {
      std::vector<uint32_t> addrs;
      int bank = -1;
      const bool mixed = rep.n == 0 && rng_.Chance(opt_.mixed_bank_rate);
      if (!DeliverTable(x.pos, t, rep, &in.m, &addrs, mixed ? &bank : nullptr)) return false;
      AddInstr(x.queue, t, in, rep, NoiseStride(rep));
      if (!FinishDataAccess(x, t, false, std::move(addrs), bank)) return false;
      vals->push_back(AddValue(dir, s, x.pos, t + Lat(Opcode::kGather), rep));
      return true;
    }
    if (!DeliverTable(x.pos, t, rep, &in.m)) return false;
    for (uint32_t a : gather_addr_) plan_.init.push_back({x.slice, a});
    AddInstr(x.queue, t, in, rep, NoiseStride(rep));
    vals->push_back(AddValue(dir, s, x.pos, t + Lat(Opcode::kGather), rep));
    return true;
  }

  // Delivers a group of width w on any direction; returns the operand field. With `local` (VXM
  // operands a and b, ISA v2) the operand is sometimes read in place at the VXM's own position
  // (*local = 1): that register is the one the downstream neighbour j±1 reads, so the value is
  // delivered as to a reader at j±1 - typically by a VXM instruction one cycle earlier (chaining).
  bool DeliverAnyDir(uint32_t j, int64_t tc, uint32_t w, const Rep &rep, int depth, uint32_t *field,
                     uint32_t *local = nullptr) {
    const bool try_local = local != nullptr && rng_.Chance(opt_.local_rate);
    for (const bool in_place : {try_local, false}) {
      const Dir first = RandDir();
      for (Dir d : {first, Other(first)}) {
        const uint32_t s0 = RandStream(w);
        const auto mark = plan_.mark();
        const uint32_t reader = !in_place ? j : d == Dir::kEast ? j + 1 : j - 1;
        if (Deliver(reader, tc, w, d, s0, rep, depth, in_place)) {
          *field = StreamField(d, s0);
          if (local) *local = in_place ? 1 : 0;
          return true;
        }
        plan_.Rollback(mark);
      }
      if (!try_local) break;
    }
    return false;
  }

  // Plans producers so that streams (dir, s0 .. s0+w-1) are read at position j by an instruction
  // dispatched at tc (re-issued per rep). `chain`: the reader is a VXM operand read in place, so
  // prefer a VXM producer (one cycle before the reader).
  bool Deliver(uint32_t j, int64_t tc, uint32_t w, Dir dir, uint32_t s0, const Rep &rep, int depth,
               bool chain = false) {
    enum Kind { kReads, kGather, kVxm, kSxm, kMxm };
    std::vector<Kind> bag;
    const auto ups = MemsUpstreamOf(j, dir);
    if (ups.size() >= w) bag.insert(bag.end(), 5, kReads);
    if (depth > 0) {
      if (w == 1 && !ups.empty()) bag.push_back(kGather);
      if (Upstream(vxm_pos_, j, dir)) bag.insert(bag.end(), chain ? 12 : 3, kVxm);
      const uint32_t h = dir == Dir::kEast ? 0 : 1;  // the SXM/MXM that sends this way
      if (Upstream(sxm_pos_[h], j, dir)) bag.insert(bag.end(), opt_.fp_data && w == 4 ? 6 : 2, kSxm);
      if (w == 4 && Upstream(mxm_pos_[h], j, dir) && !opt_.fp_data) bag.push_back(kMxm);
    }
    rng_.Shuffle(&bag);
    std::vector<Kind> order;
    for (Kind k : bag) {
      if (std::find(order.begin(), order.end(), k) == order.end()) order.push_back(k);
    }
    for (Kind k : order) {
      const auto mark = plan_.mark();
      std::vector<size_t> vals;
      bool ok = false;
      switch (k) {
        case kReads: {
          auto pick = ups;
          rng_.Shuffle(&pick);
          ok = true;
          for (uint32_t i = 0; i < w && ok; ++i) {
            ok = BuildRead(pick[i], tc - Dist(pick[i].pos, j) - Lat(Opcode::kRead), dir, s0 + i, rep, &vals);
          }
          if (ok && w == 4 && opt_.fp_data) RecordFpGroup(j, tc, dir, s0, rep);
          break;
        }
        case kGather: {
          const auto &x = ups[rng_.Below(static_cast<uint32_t>(ups.size()))];
          ok = BuildGather(x, tc - Dist(x.pos, j) - Lat(Opcode::kGather), dir, s0, rep, &vals);
          break;
        }
        case kVxm: {
          // (op, dtype) pairs whose result is w streams wide.
          std::vector<std::pair<Opcode, uint32_t>> cands;
          for (Opcode op : kVxmOps) {
            if (Occ(op) > MaxOcc(rep)) continue;
            for (uint32_t dt = 0; dt < 4; ++dt) {
              if (!(isa::Info(op).dtype_mask & (1u << dt))) continue;
              const uint32_t dw = IsFloatOp(op) ? 4 : GroupWidth(dt);
              // (fp: 4-stream groups are fp32 results, not integers read as fp32)
              if (opt_.fp_data && w == 4 && !IsFloatOp(op) && dt != 3) continue;
              if (dw == w) cands.push_back({op, dt});
            }
          }
          if (cands.empty()) break;
          const auto c = cands[rng_.Below(static_cast<uint32_t>(cands.size()))];
          const uint32_t q = vxm_q_[rng_.Below(static_cast<uint32_t>(vxm_q_.size()))];
          ok = BuildVxm(q, MakeVxm(c.first, c.second), tc - Dist(vxm_pos_, j) - Lat(c.first), dir, s0, rep,
                        depth - 1, &vals);
          if (ok && chain) ++plan_.chains;
          break;
        }
        case kSxm: {
          const uint32_t h = dir == Dir::kEast ? 0 : 1;
          std::vector<std::pair<Opcode, uint32_t>> cands;
          for (Opcode op : kSxmProducerOps) {
            if (Occ(op) > MaxOcc(rep)) continue;
            for (uint32_t dt = 0; dt < 4; ++dt) {
              if ((isa::Info(op).dtype_mask & (1u << dt)) && GroupWidth(dt) == w) cands.push_back({op, dt});
            }
          }
          if (cands.empty()) break;
          const auto c = cands[rng_.Below(static_cast<uint32_t>(cands.size()))];
          ok = BuildSxm(h, MakeSxm(c.first, c.second), tc - Dist(sxm_pos_[h], j) - Lat(c.first), dir, s0, rep,
                        depth - 1, &vals);
          break;
        }
        case kMxm: {
          const uint32_t h = dir == Dir::kEast ? 0 : 1;
          ok = BuildAbc(h, tc - Dist(mxm_pos_[h], j) - Lat(Opcode::kAbc), dir, s0, rep, depth - 1, &vals);
          break;
        }
      }
      if (ok) {
        for (size_t v : vals) {
          Extend(v, j);
          if (rng_.Chance(opt_.fanout_rate)) Tap(v);
        }
        return true;
      }
      plan_.Rollback(mark);
    }
    return false;
  }

  // An extra MEM write of a delivered value somewhere downstream of its producer.
  void Tap(size_t v) {
    const PValue val = plan_.values[v];
    const auto downs = MemsDownstreamOf(val.pos, val.dir);
    if (downs.empty()) return;
    const auto &x = downs[rng_.Below(static_cast<uint32_t>(downs.size()))];
    AddWrite(x, val.tv + Dist(x.pos, val.pos), v);
  }

  bool AddWrite(const MemSlot &x, int64_t t, size_t v) {
    const PValue val = plan_.values[v];
    uint32_t addr;
    int32_t stride;
    if (!PickWriteAddr(x, val.rep, &addr, &stride)) return false;
    Instr in = MakeOp(Opcode::kWrite);
    in.addr = addr;
    in.s = StreamField(val.dir, val.stream);
    AddInstr(x.queue, t, in, val.rep, stride);
    Extend(v, x.pos);
    return true;
  }

  // ---- VXM ----
  Instr MakeVxm(Opcode op, uint32_t dtype) {
    Instr in = MakeOp(op);
    in.dtype = dtype;
    switch (op) {
      case Opcode::kVadd:
      case Opcode::kVsub:
      case Opcode::kVmul:
        in.sat = rng_.Below(2);
        [[fallthrough]];
      case Opcode::kVmax:
        if (rng_.Chance(0.25)) {
          in.bimm = 1;
          in.imm = RandIntImm(dtype);
        }
        break;
      case Opcode::kVshl:
      case Opcode::kVshr:
      case Opcode::kVsrl:
        in.imm = rng_.Below(8 * isa::kDTypeBytes[dtype]);
        break;
      case Opcode::kVcvt:
        in.stype = rng_.Below(4);
        in.imm = RandScale();
        break;
      case Opcode::kFadd:
      case Opcode::kFsub:
      case Opcode::kFmul:
      case Opcode::kFmax:
        if (rng_.Chance(0.25)) {
          in.bimm = 1;
          in.imm = RandF32();
        }
        if (rng_.Chance(opt_.int_a_rate)) {  // ISA v2: operand a an i8 / i16 / i32 group
          in.aint = 1;
          in.stype = rng_.Below(3);
        }
        break;
      default:
        break;
    }
    return in;
  }

  bool BuildVxm(uint32_t q, Instr in, int64_t t, Dir dir, uint32_t s0, const Rep &rep, int depth,
                std::vector<size_t> *vals) {
    in.dst = StreamField(dir, s0);
    if (!DeliverAnyDir(vxm_pos_, t, VxmSourceWidth(in), rep, depth, &in.a, &in.aloc)) return false;
    if (opt_.fp_data && (in.op == Opcode::kFsub || in.op == Opcode::kFmul) && !in.aint && !in.bimm &&
        rng_.Chance(in.op == Opcode::kFsub ? 0.5 : 0.3)) {  // fp: a - a, a * a (b is a's register)
      in.b = in.a;
      in.bloc = in.aloc;
    } else if (VxmUsesB(in.op) && !in.bimm &&
               !DeliverAnyDir(vxm_pos_, t, VxmDestWidth(in), rep, depth, &in.b, &in.bloc)) {
      return false;
    }
    if (opt_.fp_data) PairFpOperands(in, t);
    AddInstr(q, t, in, rep, NoiseStride(rep));
    for (uint32_t i = 0; i < VxmDestWidth(in); ++i)
      vals->push_back(AddValue(dir, s0 + i, vxm_pos_, t + Lat(in.op), rep));
    return true;
  }

  // ---- SXM ----
  Instr MakeSxm(Opcode op, uint32_t dtype) {
    Instr in = MakeOp(op);
    in.dtype = dtype;
    if (op == Opcode::kShup || op == Opcode::kShdn) {
      // (fp: short shifts, so that most lanes of a vector still hold its values, not the zero fill)
      in.imm = opt_.fp_data ? rng_.Below(5) : rng_.Chance(0.9) ? rng_.Below(g_.vl() + 1) : rng_.U32();
    }
    return in;
  }

  bool BuildSxm(uint32_t h, Instr in, int64_t t, Dir dir, uint32_t s0, const Rep &rep, int depth,
                std::vector<size_t> *vals) {
    const uint32_t w = GroupWidth(in.dtype);
    const uint32_t pos = sxm_pos_[h];
    in.dst = StreamField(dir, s0);
    if (!DeliverAnyDir(pos, t, w, rep, depth, &in.a)) return false;
    if ((in.op == Opcode::kPerm || in.op == Opcode::kDist) && !DeliverAnyDir(pos, t, 1, rep, depth, &in.b)) {
      return false;
    }
    AddInstr(sxm_q_[h], t, in, rep, NoiseStride(rep));
    for (uint32_t i = 0; i < w; ++i) vals->push_back(AddValue(dir, s0 + i, pos, t + Lat(in.op), rep));
    return true;
  }

  // ---- MXM ----
  bool BuildAbc(uint32_t h, int64_t t, Dir dir, uint32_t s0, const Rep &rep, int depth,
                std::vector<size_t> *vals) {
    Instr in = MakeOp(Opcode::kAbc);
    in.dst = StreamField(dir, s0);
    in.asigned = rng_.Below(2);
    in.wsigned = rng_.Below(2);
    const uint32_t pos = mxm_pos_[h];
    if (!DeliverAnyDir(pos, t, 1, rep, depth, &in.a)) return false;
    if (rng_.Chance(0.4)) {
      in.acc = 1;
      if (!DeliverAnyDir(pos, t, 4, rep, depth, &in.b)) return false;
    }
    AddInstr(mxm_q_[h], t, in, rep, NoiseStride(rep));
    for (uint32_t i = 0; i < 4; ++i) vals->push_back(AddValue(dir, s0 + i, pos, t + Lat(Opcode::kAbc), rep));
    return true;
  }

  // LW of 1 << dtype rows (ISA v2) from the group a_field: row + rows <= 16.
  bool AddLw(uint32_t h, int64_t t, uint32_t a_field, const Rep &rep, uint32_t row, int32_t stride,
             uint32_t dtype = 0) {
    Instr in = MakeOp(Opcode::kLw);
    in.a = a_field;
    in.imm = row;
    in.dtype = dtype;
    AddInstr(mxm_q_[h], t, in, rep, stride);
    return true;
  }

  bool AddScatter(const MemSlot &x, int64_t t, size_t v) {
    const PValue val = plan_.values[v];
    Instr in = MakeOp(Opcode::kScatter);
    in.s = StreamField(val.dir, val.stream);
    if (opt_.data_tables) {
      std::vector<uint32_t> addrs;
      int bank = -1;
      const bool mixed = val.rep.n == 0 && rng_.Chance(opt_.mixed_bank_rate);
      if (!DeliverTable(x.pos, t, val.rep, &in.m, &addrs, mixed ? &bank : nullptr)) return false;
      AddInstr(x.queue, t, in, val.rep, NoiseStride(val.rep));
      if (!FinishDataAccess(x, t, true, std::move(addrs), bank)) return false;
      Extend(v, x.pos);
      return true;
    }
    if (!DeliverTable(x.pos, t, val.rep, &in.m)) return false;
    AddInstr(x.queue, t, in, val.rep, NoiseStride(val.rep));
    Extend(v, x.pos);
    return true;
  }

  // Consumers of a main instruction's result group (all values share dir, pos, tv, rep).
  bool Sink(const std::vector<size_t> &vals) {
    if (vals.empty()) return true;
    const PValue v0 = plan_.values[vals[0]];
    const uint32_t r = rng_.Below(10);
    if (r < 2) return true;  // falls off the edge
    if (r == 8) {            // MXM weight load of 1, 2 or 4 rows: an aligned part of the group
      const uint32_t h = v0.dir == Dir::kEast ? 1 : 0;
      if (Upstream(v0.pos, mxm_pos_[h], v0.dir)) {
        const uint32_t n = static_cast<uint32_t>(vals.size());  // 1, 2 or 4 streams s0 .. s0+n-1
        const uint32_t dt = rng_.Below(n == 4 ? 3 : n == 2 ? 2 : 1), rows = 1u << dt;
        const uint32_t first = rows * rng_.Below(n / rows);
        AddLw(h, v0.tv + Dist(mxm_pos_[h], v0.pos), StreamField(v0.dir, plan_.values[vals[first]].stream),
              v0.rep, rng_.Below(isa::kMxmRows + 1 - rows), PickLwStride(v0.rep), dt);
        for (uint32_t i = 0; i < rows; ++i) Extend(vals[first + i], mxm_pos_[h]);
        return true;
      }
    }
    auto downs = MemsDownstreamOf(v0.pos, v0.dir);
    if (downs.empty()) return true;
    rng_.Shuffle(&downs);
    if (r == 9) {  // scatter one stream
      const auto &x = downs[0];
      return AddScatter(x, v0.tv + Dist(x.pos, v0.pos), vals[rng_.Below(static_cast<uint32_t>(vals.size()))]);
    }
    auto order = vals;
    rng_.Shuffle(&order);
    const uint32_t n = 1 + rng_.Below(static_cast<uint32_t>(std::min(order.size(), downs.size())));
    for (uint32_t i = 0; i < n; ++i) {
      if (!AddWrite(downs[i], v0.tv + Dist(downs[i].pos, v0.pos), order[i])) return false;
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // Jobs
  bool PlanJob(Opcode op) {
    const auto &info = isa::Info(op);
    Rep rep;
    if (forced_rep_.n > 0) {
      rep = forced_rep_;
    } else if (op != Opcode::kTrans && rng_.Chance(opt_.repeat_rate)) {
      if (opt_.wide_fields) {
        rep = WideRep(info.occupancy);
      } else {
        rep.n = static_cast<uint32_t>(rng_.Range(1, info.occupancy >= 8 ? 2 : opt_.max_repeat_n));
        rep.d = info.occupancy + static_cast<uint32_t>(rng_.Range(0, opt_.max_repeat_slack));
      }
    }
    const int depth = static_cast<int>(opt_.max_depth);
    std::vector<size_t> vals;
    switch (info.unit) {
      case isa::Unit::kMem: {
        const MemSlot x = mems_[rng_.Below(static_cast<uint32_t>(mems_.size()))];
        switch (op) {
          case Opcode::kRead:
            if (!BuildRead(x, 0, RandDir(), RandStream(1), rep, &vals)) return false;
            return Sink(vals);
          case Opcode::kGather:
            if (!BuildGather(x, 0, RandDir(), RandStream(1), rep, &vals)) return false;
            return Sink(vals);
          case Opcode::kWrite: {
            uint32_t field, addr;
            int32_t stride;
            if (!DeliverAnyDir(x.pos, 0, 1, rep, depth, &field)) return false;
            if (!PickWriteAddr(x, rep, &addr, &stride)) return false;
            Instr in = MakeOp(Opcode::kWrite);
            in.addr = addr;
            in.s = field;
            AddInstr(x.queue, 0, in, rep, stride);
            return true;
          }
          case Opcode::kScatter: {
            Instr in = MakeOp(Opcode::kScatter);
            if (!DeliverAnyDir(x.pos, 0, 1, rep, depth, &in.s)) return false;
            if (opt_.data_tables) {
              std::vector<uint32_t> addrs;
              int bank = -1;
              const bool mixed = rep.n == 0 && rng_.Chance(opt_.mixed_bank_rate);
              if (!DeliverTable(x.pos, 0, rep, &in.m, &addrs, mixed ? &bank : nullptr)) return false;
              AddInstr(x.queue, 0, in, rep, NoiseStride(rep));
              return FinishDataAccess(x, 0, true, std::move(addrs), bank);
            }
            if (!DeliverTable(x.pos, 0, rep, &in.m)) return false;
            AddInstr(x.queue, 0, in, rep, NoiseStride(rep));
            return true;
          }
          default:
            return false;
        }
      }
      case isa::Unit::kVxm: {
        uint32_t dt;
        do {
          dt = rng_.Below(4);
        } while (!(info.dtype_mask & (1u << dt)));
        const Instr in = MakeVxm(op, dt);
        const uint32_t q = vxm_q_[rng_.Below(static_cast<uint32_t>(vxm_q_.size()))];
        if (!BuildVxm(q, in, 0, RandDir(), RandStream(VxmDestWidth(in)), rep, depth, &vals)) return false;
        return Sink(vals);
      }
      case isa::Unit::kSxm: {
        uint32_t dt;
        do {
          dt = rng_.Below(4);
        } while (!(info.dtype_mask & (1u << dt)));
        const uint32_t h = rng_.Below(2);
        const Instr in = MakeSxm(op, dt);
        const uint32_t w = GroupWidth(dt);
        if (op == Opcode::kTrans) return PlanTranspose(h, in, depth);
        if (!BuildSxm(h, in, 0, RandDir(), RandStream(w), rep, depth, &vals)) return false;
        return Sink(vals);
      }
      case isa::Unit::kMxm: {
        const uint32_t h = rng_.Below(2);
        const uint32_t pos = mxm_pos_[h];
        switch (op) {
          case Opcode::kLw: {
            const uint32_t dt = rng_.Below(3), rows = 1u << dt;  // ISA v2: lw.i8 / lw.i16 / lw.i32
            uint32_t row = rng_.Below(isa::kMxmRows + 1 - rows);
            int32_t stride = PickLwStride(rep);
            if (rng_.Chance(0.4)) {  // load all 16 rows, `rows` per cycle
              rep = Rep{isa::kMxmRows / rows - 1, 1};
              row = 0;
              stride = static_cast<int32_t>(rows);
            }
            uint32_t field;
            if (!DeliverAnyDir(pos, 0, rows, rep, depth, &field)) return false;
            return AddLw(h, 0, field, rep, row, stride, dt);
          }
          case Opcode::kIw:
            AddInstr(mxm_q_[h], 0, MakeOp(Opcode::kIw), rep, NoiseStride(rep));
            return true;
          case Opcode::kAbc:
            if (!BuildAbc(h, 0, RandDir(), RandStream(4), rep, depth, &vals)) return false;
            return Sink(vals);
          default:
            return false;
        }
      }
      default:
        return false;
    }
  }

  // TRANS: 16 row vectors on consecutive cycles in, 16 column vectors on consecutive cycles out.
  // With REPEAT n, 16 the re-issues continue the row and column streams seamlessly.
  bool PlanTranspose(uint32_t h, Instr in, int depth) {
    const uint32_t size = isa::kTransposeSize;
    Rep rep;
    if (rng_.Chance(opt_.repeat_rate)) {
      rep = Rep{1, size};
      // Modes with REPEAT n beyond the default's (long, fields): n = 1..min(max_repeat_n, 64), bit
      // length uniform (functional coverage: TRANS with n >= 2; the default programs keep n = 1).
      if (opt_.max_repeat_n > ProgenOptions{}.max_repeat_n)
        rep.n = static_cast<uint32_t>(rng_.LogRange(1, std::min<uint32_t>(opt_.max_repeat_n, 64)));
    }
    const Rep rows{size * (rep.n + 1) - 1, 1};
    const uint32_t w = GroupWidth(in.dtype);
    const uint32_t pos = sxm_pos_[h];
    if (!DeliverAnyDir(pos, 0, w, rows, depth, &in.a)) return false;
    const Dir dir = RandDir();
    const uint32_t s0 = RandStream(w);
    in.dst = StreamField(dir, s0);
    AddInstr(sxm_q_[h], 0, in, rep, NoiseStride(rep));
    std::vector<size_t> vals;
    for (uint32_t i = 0; i < w; ++i) vals.push_back(AddValue(dir, s0 + i, pos, Lat(Opcode::kTrans), rows));
    return Sink(vals);
  }

  // ---------------------------------------------------------------------------------------
  // Reservation table
  struct UndoRec {
    enum Kind : uint8_t { kBlock, kBusy, kSeq, kChain, kBank } kind;
    uint32_t queue;
    int64_t key;
    int64_t start;
  };

  static int64_t ChainKey(Dir dir, uint32_t stream, int64_t diag) {
    return ((diag + (int64_t{1} << 40)) << 5) | (int64_t{static_cast<uint32_t>(dir)} << 4) | stream;
  }
  int64_t BankKey(uint32_t slice, uint32_t bank, int64_t cycle) const {
    return (cycle << 8) | (int64_t{slice} << 1) | bank;
  }

  bool ClaimBlock(uint32_t q, int64_t s, int64_t e, std::vector<Instr> code) {
    auto &qt = queues_[q];
    if (qt.BlockOverlaps(s, e)) return false;
    const int64_t dw = WordDelta(q, s, e, code.size());
    qt.blocks[s] = Block{e, std::move(code)};
    qwords_[q] += dw;
    undo_.push_back({UndoRec::kBlock, q, dw, s});
    return true;
  }
  bool ClaimBusy(uint32_t q, int64_t s, int64_t e) {
    auto &qt = queues_[q];
    if (qt.busy.Overlaps(s, e)) return false;
    qt.busy.Insert(s, e);
    undo_.push_back({UndoRec::kBusy, q, 0, s});
    return true;
  }
  // An interleaving instruction's occupancy [t, e) from cycle s >= t on (s > t: the planted
  // UnitBusy error's second instruction): the sequencer, and the issue slots t, t + 2, ...
  bool ClaimInterleaved(uint32_t q, int64_t t, int64_t s, int64_t e) {
    auto &qt = queues_[q];
    if (s < e) {
      if (qt.seq.Overlaps(s, e)) return false;
      qt.seq.Insert(s, e);
      undo_.push_back({UndoRec::kSeq, q, 0, s});
    }
    for (int64_t x = t; x < e; x += 2) {
      if (x >= s && !ClaimBusy(q, x, x + 1)) return false;
    }
    return true;
  }
  // gather mode: banks are reserved per tile (a GATHER's tiles may use different banks); `cycle`
  // is the stagger-normalised cycle (tile k accesses at cycle + k).
  bool ClaimTileBank(uint32_t slice, uint32_t tile, uint32_t bank, int64_t cycle) {
    const int64_t k = (cycle << 12) | (int64_t{slice} << 5) | (int64_t{tile} << 1) | bank;
    if (!banks_.insert(k).second) return false;
    undo_.push_back({UndoRec::kBank, 0, k, 0});
    return true;
  }
  bool ClaimBank(uint32_t slice, uint32_t bank, int64_t cycle) {
    const int64_t k = BankKey(slice, bank, cycle);
    if (!banks_.insert(k).second) return false;
    undo_.push_back({UndoRec::kBank, 0, k, 0});
    return true;
  }
  bool ClaimChain(Dir dir, uint32_t stream, int64_t diag, int64_t lo, int64_t hi) {
    const int64_t k = ChainKey(dir, stream, diag);
    auto &set = chains_[k];
    if (set.Overlaps(lo, hi + 1)) return false;
    set.Insert(lo, hi + 1);
    undo_.push_back({UndoRec::kChain, 0, k, lo});
    return true;
  }
  // Undoes the reservations back to undo_mark_ (the start of the Commit; 0 outside a transaction).
  void Undo() {
    for (auto it = undo_.rbegin(); it != undo_.rend() - static_cast<std::ptrdiff_t>(undo_mark_); ++it) {
      switch (it->kind) {
        case UndoRec::kBlock:
          queues_[it->queue].blocks.erase(it->start);
          qwords_[it->queue] -= it->key;
          break;
        case UndoRec::kBusy:
          queues_[it->queue].busy.Erase(it->start);
          break;
        case UndoRec::kSeq:
          queues_[it->queue].seq.Erase(it->start);
          break;
        case UndoRec::kBank:
          banks_.erase(it->key);
          break;
        case UndoRec::kChain:
          chains_[it->key].Erase(it->start);
          break;
      }
    }
    undo_.resize(undo_mark_);
  }

  bool Commit(const Plan &p, int64_t off) {
    if (!in_tx_) undo_.clear();
    undo_mark_ = undo_.size();
    const uint32_t W = g_.words_per_bank();
    const uint32_t S = g_.superlanes();
    for (const auto &pi : p.instrs) {
      const int64_t t = pi.t + off;
      if (t < 0) return Undo(), false;
      const auto &info = pi.in.info();
      std::vector<Instr> code{pi.in};
      if (pi.rep.n > 0) {
        Instr r = MakeOp(Opcode::kRepeat);
        r.n = pi.rep.n;
        r.d = pi.rep.d;
        r.stride = pi.stride;
        code.push_back(r);
      }
      if (!ClaimBlock(pi.queue, t, t + int64_t{pi.rep.n} * pi.rep.d + 1, std::move(code)))
        return Undo(), false;
      for (uint32_t i = 0; i <= pi.rep.n; ++i) {
        const int64_t ti = t + int64_t{i} * pi.rep.d;
        const int64_t busy_from = ti + (i == 0 ? pi.busy_skip : 0);
        if (info.interleave) {
          if (!ClaimInterleaved(pi.queue, ti, busy_from, ti + info.occupancy)) return Undo(), false;
        } else if (busy_from < ti + info.occupancy && !ClaimBusy(pi.queue, busy_from, ti + info.occupancy)) {
          return Undo(), false;
        }
        if (info.unit != isa::Unit::kMem || pi.skip_bank) continue;
        const uint32_t slice = g_.MemSliceId(g_.queue(pi.queue).hemi, g_.queue(pi.queue).index);
        const int64_t at = ti + info.bank_offset;
        if (pi.in.op == Opcode::kRead || pi.in.op == Opcode::kWrite) {
          // (wrapped like the hardware: only a planted BadField goes past the end)
          const int64_t ea = int64_t{pi.in.addr} + int64_t{pi.stride} * i;
          const uint32_t addr = static_cast<uint32_t>(ea < words_ ? ea : ea % words_);
          if (opt_.data_tables) {
            for (uint32_t k = 0; k < S; ++k) {
              if (!ClaimTileBank(slice, k, addr / W, at)) return Undo(), false;
            }
          } else if (!ClaimBank(slice, addr / W, at)) {
            return Undo(), false;
          }
        } else if (opt_.data_tables) {  // the tile addresses are known (data tables)
          for (uint32_t k = 0; k < S; ++k) {
            const bool known = pi.tile_addr.size() == size_t{pi.rep.n + 1} * S;
            for (uint32_t b = 0; b < isa::kNumBanks; ++b) {
              if (known && pi.tile_addr[size_t{i} * S + k] / W != b) continue;
              if (!ClaimTileBank(slice, k, b, at)) return Undo(), false;
            }
          }
        } else {  // data-dependent address: both banks
          if (!ClaimBank(slice, 0, at) || !ClaimBank(slice, 1, at)) return Undo(), false;
        }
      }
    }
    for (const auto &v : p.values) {
      if (v.skip_chain) continue;
      const int64_t pos = v.pos;
      for (uint32_t i = 0; i <= v.rep.n; ++i) {
        const int64_t tv = v.tv + off + int64_t{i} * v.rep.d;
        bool ok;
        if (v.dir == Dir::kEast) {
          const int64_t hi = v.reach > v.pos ? int64_t{v.reach} - 1 : pos;
          ok = ClaimChain(v.dir, v.stream, tv + 1 - pos, pos, hi);
        } else {
          const int64_t lo = v.reach < v.pos ? int64_t{v.reach} + 1 : pos;
          ok = ClaimChain(v.dir, v.stream, tv + 1 + pos, lo, pos);
        }
        if (!ok) return Undo(), false;
      }
    }
    // Instruction budget: every block costs at most 3 words (NOP, instruction, REPEAT); long mode
    // counts the words exactly.
    for (const auto &pi : p.instrs) {
      if (exact_ ? qwords_[pi.queue] > Limit(pi.queue) : queues_[pi.queue].blocks.size() * 3 > g_.iq_depth())
        return Undo(), false;
    }
    for (const auto &w : p.init) pool_[w.slice].insert(w.addr);
    const auto base = static_cast<int64_t>(fp_.size());
    for (FpGroup fg : p.fp) {
      if (fg.src >= 0) fg.src += base;
      fp_.push_back(fg);
    }
    if (!in_tx_) undo_.clear();
    return true;
  }

  // SYNC/NOTIFY barrier: one queue NOTIFYs at B, random other queues park on SYNC before B and
  // dispatch again at B + NotifyLatency.
  bool TryBarrier(int64_t cursor) {
    const int64_t B = std::max(cursor + rng_.Range(0, 12), last_barrier_ + 1);
    std::vector<uint32_t> cands;
    for (uint32_t q = 0; q < queues_.size(); ++q) {
      if (!queues_[q].BlockOverlaps(B, B + 1)) cands.push_back(q);
    }
    if (cands.empty()) return false;
    const uint32_t qn = cands[rng_.Below(static_cast<uint32_t>(cands.size()))];
    if (exact_ && qwords_[qn] + WordDelta(qn, B, B + 1, 1) > Limit(qn)) return false;
    const int64_t release = B + isa::kNotifyLatency;
    std::vector<std::pair<uint32_t, int64_t>> syncs;
    for (uint32_t q = 0; q < queues_.size(); ++q) {
      if (q == qn || !rng_.Chance(opt_.sync_share)) continue;
      const auto &blocks = queues_[q].blocks;
      auto it = blocks.upper_bound(B);  // first block starting after B
      if (it != blocks.end() && it->first < release) continue;
      int64_t e = 0;
      if (it != blocks.begin()) e = std::prev(it)->second.end;
      if (e > B) continue;
      const int64_t lo = std::max(e, last_barrier_ + 1);
      if (lo > B) continue;
      const int64_t s = rng_.Range(lo, B);
      if (exact_ && qwords_[q] + WordDelta(q, s, release, 1) > Limit(q)) continue;
      syncs.push_back({q, s});
    }
    InsertBlock(qn, B, B + 1, {MakeOp(Opcode::kNotify)});
    for (const auto &[q, s] : syncs) InsertBlock(q, s, release, {MakeOp(Opcode::kSync)});
    last_barrier_ = B;
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // Modes (ProgenOptions::Preset)

  int64_t Gap() { return opt_.max_gap <= 40 ? rng_.Range(5, opt_.max_gap) : rng_.LogRange(5, opt_.max_gap); }

  // Cycle after the last queue activity planned so far.
  int64_t EndOfActivity() const {
    int64_t e = 0;
    for (const auto &qt : queues_) {
      if (!qt.blocks.empty()) e = std::max(e, std::prev(qt.blocks.end())->second.end);
    }
    return e;
  }

  // Instruction words queue q gains when a block of `code` words is placed at [s, e) (free):
  // the block, a NOP before it if it leaves a gap, and the change to the NOP before the next one.
  int64_t WordDelta(uint32_t q, int64_t s, int64_t e, size_t code) const {
    const auto &blocks = queues_[q].blocks;
    const auto next = blocks.lower_bound(s);
    const int64_t pe = next == blocks.begin() ? 0 : std::prev(next)->second.end;
    int64_t d = static_cast<int64_t>(code) + (s > pe ? 1 : 0);
    if (next != blocks.end()) d += (next->first > e ? 1 : 0) - (next->first > pe ? 1 : 0);
    return d;
  }
  uint64_t Limit(uint32_t q) const { return q == fill_q_ ? fill_target_ : g_.iq_depth(); }
  // Places a block outside the reservation table's undo log (barriers, the final EmptyRead).
  void InsertBlock(uint32_t q, int64_t s, int64_t e, std::vector<Instr> code) {
    qwords_[q] += WordDelta(q, s, e, code.size());
    queues_[q].blocks[s] = Block{e, std::move(code)};
  }

  // long: keeps the fullest queue's share of IqDepth within 60 % of the share of the span already
  // planned, so the jobs spread over the whole span; FillQueue tops one queue up afterwards.
  int64_t Pace(int64_t cursor, int64_t target) const {
    const uint64_t maxw = *std::max_element(qwords_.begin(), qwords_.end());
    const double need = static_cast<double>(maxw) / (0.6 * g_.iq_depth()) * static_cast<double>(target);
    return std::max(cursor, static_cast<int64_t>(need));
  }

  // long: READs (their values fall off the chip edge or, sometimes, are stored further on) fill one
  // MEM queue to the drawn number of words; the last word goes right after a block (adds exactly 1).
  void FillQueue(GeneratedProgram *out) {
    const MemSlot x = mems_[rng_.Below(static_cast<uint32_t>(mems_.size()))];
    const uint32_t D = g_.iq_depth();
    const auto lo = std::min<int64_t>(D, static_cast<int64_t>(std::ceil(opt_.iq_fill * D)));
    fill_target_ = rng_.Chance(0.3) ? D : static_cast<uint64_t>(rng_.Range(lo, D));
    fill_q_ = x.queue;
    out->fill_queue = x.queue;
    const int64_t span = std::max<int64_t>(EndOfActivity(), 2);
    for (uint64_t attempt = 0; attempt < 40ull * D && qwords_[x.queue] < fill_target_; ++attempt) {
      int64_t t = rng_.Range(0, span - 1);
      if (qwords_[x.queue] + 1 >= fill_target_) {
        const auto &blocks = queues_[x.queue].blocks;
        const auto it = blocks.upper_bound(t);
        if (it == blocks.begin()) continue;
        t = std::prev(it)->second.end;
      }
      plan_ = Plan{};
      Instr in = MakeOp(Opcode::kRead);
      in.addr = rng_.Below(words_);
      const Dir dir = RandDir();
      const uint32_t s = RandStream(1);
      in.s = StreamField(dir, s);
      AddInstr(x.queue, 0, in, Rep{}, 0);
      plan_.init.push_back({x.slice, in.addr});
      const size_t v = AddValue(dir, s, x.pos, Lat(Opcode::kRead), Rep{});
      if (rng_.Chance(0.25) && !Sink({v})) continue;
      if (Commit(plan_, t)) ++out->fill_reads;
    }
    fill_q_ = UINT32_MAX;
  }

  // fields: strides over the whole signed 16-bit field (the hardware ignores them, or LW wraps
  // the row modulo 16), extremes included.
  int32_t WideStride() {
    switch (rng_.Below(8)) {
      case 0:
        return -32768;
      case 1:
        return 32767;
      case 2:
        return 0;
      case 3:
        return rng_.Chance(0.5) ? 1 : -1;
      case 4:
      case 5: {
        const auto m = static_cast<int32_t>(rng_.LogRange(1, 32767));
        return rng_.Chance(0.5) ? m : -m;
      }
      default:
        return static_cast<int32_t>(rng_.Range(-32768, 32767));
    }
  }
  int32_t PickLwStride(const Rep &rep) {
    if (!opt_.wide_fields) return PickStride(rep);
    return rep.n == 0 ? 0 : WideStride();
  }
  // fields: REPEAT n and d of a job, bit length uniform (n * d at most 2^12 cycles: the tops of the
  // fields come from PlaceGiants, which keeps the programs' lengths in check).
  Rep WideRep(uint32_t occ) {
    Rep rep;
    rep.n = static_cast<uint32_t>(rng_.LogRange(1, std::max<uint32_t>(1, opt_.max_repeat_n)));
    rep.d = occ - 1 + static_cast<uint32_t>(rng_.LogRange(1, int64_t{opt_.max_repeat_slack} + 1));
    while (uint64_t{rep.n} * rep.d > (1u << 12)) {
      if (rep.d > occ) {
        rep.d = std::max(occ, rep.d / 2);
      } else {
        rep.n = std::max(1u, rep.n / 2);
      }
    }
    return rep;
  }
  // fields: READ / WRITE address and stride: strides as large as MEM allows, addresses at the top
  // (and bottom) of MEM, pool words, or anywhere.
  bool PickWideAddr(const MemSlot &x, const Rep &rep, bool write, uint32_t *addr, int32_t *stride) {
    const auto &pool = pool_[x.slice];
    for (int tries = 0; tries < 8; ++tries) {
      int64_t st = 0;
      if (rep.n > 0 && rng_.Below(4) != 0) {
        const int64_t lim = (int64_t{words_} - 1) / rep.n;
        if (lim >= 1) {
          st = rng_.Chance(0.3) ? lim : rng_.LogRange(1, lim);  // often the largest that fits
          if (rng_.Chance(0.5)) st = -st;
        }
      }
      const int64_t span = st * rep.n;
      const int64_t lo = std::max<int64_t>(0, -span), hi = std::min<int64_t>(words_ - 1, words_ - 1 - span);
      if (lo > hi) continue;
      int64_t a;
      const uint32_t r = rng_.Below(10);
      if (r < 4) {
        a = hi - rng_.Range(0, std::min<int64_t>(3, hi - lo));  // the top of MEM
      } else if (r < 5) {
        a = lo + rng_.Range(0, std::min<int64_t>(3, hi - lo));
      } else if (r < 8 && !pool.empty()) {
        auto it = pool.begin();
        std::advance(it, rng_.Below(static_cast<uint32_t>(pool.size())));
        a = *it;
        if (a < lo || a > hi) continue;
      } else {
        a = rng_.Range(lo, hi);
      }
      bool ok = true;
      for (uint32_t i = 0; i <= rep.n && ok && write; ++i)
        ok = !IsTable(x.slice, static_cast<uint32_t>(a + st * i));
      if (!ok) continue;
      if (!write) {
        for (uint32_t i = 0; i <= rep.n; ++i)
          plan_.init.push_back({x.slice, static_cast<uint32_t>(a + st * i)});
      }
      *addr = static_cast<uint32_t>(a);
      *stride = static_cast<int32_t>(st);
      return true;
    }
    return false;
  }

  // Commits plan_ at `cursor` or a little later.
  bool CommitNear(int64_t cursor, std::initializer_list<int64_t> delays = {0, 1, 3, 7, 15, 31, 63, 127}) {
    if (plan_.instrs.empty()) return false;
    int64_t first = plan_.instrs[0].t;
    for (const auto &pi : plan_.instrs) first = std::min(first, pi.t);
    for (int64_t delay : delays) {
      if (Commit(plan_, cursor + delay - first)) return true;
    }
    return false;
  }

  // fields: after the jobs, in parallel: a REPEAT with n in the top quarter of its field (d = 1)
  // of an IW or a READ, and a job re-issued once with d in the top quarter of its field.
  void PlaceGiants(int64_t cursor, GeneratedProgram *out) {
    auto top = [&] { return rng_.Chance(0.6) ? 0xFFFFu : static_cast<uint32_t>(rng_.Range(0xC000, 0xFFFF)); };
    if (rng_.Chance(opt_.giant_rate)) {
      const Rep rep{top(), 1};
      for (int attempt = 0; attempt < 8; ++attempt) {
        plan_ = Plan{};
        bool ok = true;
        if (rng_.Chance(0.5)) {
          AddInstr(mxm_q_[rng_.Below(2)], 0, MakeOp(Opcode::kIw), rep, WideStride());
        } else {
          std::vector<size_t> vals;
          ok = BuildRead(mems_[rng_.Below(static_cast<uint32_t>(mems_.size()))], 0, RandDir(), RandStream(1),
                         rep, &vals);
        }
        if (ok && CommitNear(cursor)) {
          ++out->giants;
          break;
        }
      }
    }
    if (rng_.Chance(opt_.giant_rate)) {
      forced_rep_ = Rep{1, top()};
      for (int attempt = 0; attempt < 16; ++attempt) {
        const Opcode op = ops_[rng_.Below(static_cast<uint32_t>(ops_.size()))];
        if (op == Opcode::kTrans || op == Opcode::kLw) continue;  // they choose their own REPEAT
        plan_ = Plan{};
        if (PlanJob(op) && CommitNear(cursor)) {
          ++out->giants;
          break;
        }
      }
      forced_rep_ = Rep{};
    }
  }

  // gather: 16 read-only table words per slice at a random base, random lane-0 bytes.
  void ChooseDataTables() {
    table_words_ = std::min<uint32_t>(16, words_ / 8);
    const uint32_t n = g_.num_mem_slices();
    table_base_.resize(n);
    tables_.resize(n);
    for (uint32_t s = 0; s < n; ++s) {
      table_base_[s] = rng_.Below(words_ - table_words_ + 1);
      tables_[s].resize(table_words_);
      for (auto &w : tables_[s]) {
        w.resize(g_.vl());
        for (auto &b : w) b = static_cast<uint8_t>(rng_.U32());
      }
    }
  }
  // Word addresses (re-issue r, tile k at r * S + k) formed by table words lo_i / hi_i of slices
  // lo_s / hi_s stepping by ts per re-issue.
  std::vector<uint32_t> TableAddrs(uint32_t lo_s, uint32_t hi_s, uint32_t lo_i, uint32_t hi_i, int32_t ts,
                                   uint32_t n) const {
    std::vector<uint32_t> a;
    for (uint32_t r = 0; r <= n; ++r) {
      const auto &lw = tables_[lo_s][static_cast<uint32_t>(int64_t{lo_i} + int64_t{ts} * r)];
      const auto &hw = tables_[hi_s][static_cast<uint32_t>(int64_t{hi_i} + int64_t{ts} * r)];
      for (uint32_t k = 0; k < g_.superlanes(); ++k) {
        const uint32_t l = k * isa::kLanesPerSuperlane;
        a.push_back((uint32_t{lw[l]} + 256u * hw[l]) % words_);
      }
    }
    return a;
  }
  // The single bank all addresses fall in, or -1.
  int OneBank(const std::vector<uint32_t> &addrs) const {
    const uint32_t W = g_.words_per_bank();
    for (uint32_t a : addrs) {
      if (a / W != addrs[0] / W) return -1;
    }
    return addrs.empty() ? -1 : static_cast<int>(addrs[0] / W);
  }
  // gather: a READ of `bank` in slice x dispatched at t, whose bank access meets the GATHER's /
  // SCATTER's in every tile (its value falls off the chip edge).
  void AddCompanionRead(const MemSlot &x, int64_t t, uint32_t bank) {
    const uint32_t W = g_.words_per_bank();
    Instr rd = MakeOp(Opcode::kRead);
    rd.addr = bank * W + rng_.Below(W);
    const Dir d = RandDir();
    const uint32_t s = RandStream(1);
    rd.s = StreamField(d, s);
    AddInstr(x.queue, t, rd, Rep{}, 0);
    plan_.init.push_back({x.slice, rd.addr});
    AddValue(d, s, x.pos, t + Lat(Opcode::kRead), Rep{});
    ++plan_.mixed;
  }
  // gather: the tile addresses of a GATHER / SCATTER at slice x dispatched at t (the AddInstr just
  // made): initialised for a GATHER, never a table word for a SCATTER; maybe a companion READ.
  bool FinishDataAccess(const MemSlot &x, int64_t t, bool scatter, std::vector<uint32_t> addrs, int bank) {
    for (uint32_t a : addrs) {
      if (scatter && IsTable(x.slice, a)) return false;
      if (!scatter) plan_.init.push_back({x.slice, a});
    }
    plan_.instrs.back().tile_addr = std::move(addrs);
    if (bank >= 0) AddCompanionRead(x, t + 1, 1 - static_cast<uint32_t>(bank));
    return true;
  }

  // mxm: a double-buffered MXM pipeline on one MXM queue, every instruction in consecutive cycles
  // (so nothing else lands in between): 2-3 rounds of LW (16 rows, as 16 lw.i8, 8 lw.i16 or 4
  // lw.i32 in random row order), each LW followed by 1, 2 or 4 ABCs (one per row loaded) on the
  // weights the previous IW installed, then IW; finally 2-6 ABCs on the last weights. Results go
  // to MEM or off the edge.
  // Placed step by step in one transaction (a plan this big would almost always collide with
  // itself): an ABC that does not fit is left out, an LW that does not fit undoes everything.
  bool PlaceMxmPipeline(int64_t cursor) {
    const uint32_t h = rng_.Below(2);
    const int depth = std::min<int>(static_cast<int>(opt_.max_depth), 1);
    for (int64_t delay : {0, 2, 5, 11, 23, 47}) {
      const int64_t start = cursor + delay;
      int64_t c = 0;
      auto step = [&](auto &&plan_fn) {
        for (int attempt = 0; attempt < 6; ++attempt) {
          plan_ = Plan{};
          if (plan_fn() && Commit(plan_, start + c)) {
            ++c;
            return true;
          }
        }
        return false;
      };
      auto abc = [&] {
        std::vector<size_t> vals;
        return BuildAbc(h, 0, RandDir(), RandStream(4), Rep{}, depth, &vals) && Sink(vals);
      };
      undo_.clear();
      in_tx_ = true;
      bool ok = true;
      const auto rounds = static_cast<uint32_t>(rng_.Range(2, 3));
      for (uint32_t round = 0; round < rounds && ok; ++round) {
        const uint32_t dt = rng_.Below(3), rows = 1u << dt, n = isa::kMxmRows / rows;
        std::vector<uint32_t> order(n);
        for (uint32_t i = 0; i < n; ++i) order[i] = i;
        rng_.Shuffle(&order);
        for (uint32_t i = 0; i < n && ok; ++i) {
          ok = step([&] {
            uint32_t field;
            if (!DeliverAnyDir(mxm_pos_[h], 0, rows, Rep{}, depth, &field)) return false;
            return AddLw(h, 0, field, Rep{}, order[i] * rows, 0, dt);
          });
          // (16 ABCs per reload whatever the LW width; a few in the first round)
          for (uint32_t j = 0; j < rows && ok && (round > 0 || rng_.Chance(0.3)); ++j) step(abc);
        }
        if (ok)
          ok = step([&] {
            AddInstr(mxm_q_[h], 0, MakeOp(Opcode::kIw), Rep{}, 0);
            return true;
          });
      }
      for (int64_t i = 0, n = rng_.Range(2, 6); i < n && ok; ++i) step(abc);
      in_tx_ = false;
      if (ok) {
        undo_.clear();
        return true;
      }
      undo_mark_ = 0;
      Undo();
    }
    return false;
  }

  // fp: a fp32 value of every class: normals of any exponent and around 1, denormals, +-0, +-inf,
  // quiet and signalling NaNs with payloads, exact special values, exponents near the ends.
  uint32_t RealF32() {
    const uint32_t sign = rng_.Below(2) << 31;
    const uint32_t mant = rng_.U32() & 0x7FFFFFu;
    auto exp = [&](int64_t lo, int64_t hi) { return static_cast<uint32_t>(rng_.Range(lo, hi)) << 23; };
    switch (rng_.Below(16)) {
      case 0:
      case 1:
      case 2:
      case 3:
      case 4:
        return sign | exp(1, 254) | mant;
      case 5:
      case 6:
      case 7:
        return sign | exp(118, 136) | mant;
      case 8:
        return sign | (1 + rng_.Below(0x7FFFFF));  // denormal
      case 9:
        return sign;  // +-0
      case 10:
        return sign | 0x7F800000u;  // +-inf
      case 11:                      // NaN: quiet, or signalling with a payload
        return sign | 0x7F800000u |
               (rng_.Chance(0.5) ? 0x400000u | rng_.Below(0x400000) : 1 + rng_.Below(0x3FFFFF));
      case 12: {
        static constexpr uint32_t kExact[] = {0x3F800000u, 0x40000000u, 0x3F000000u, 0x4B800000u,
                                              0x7F7FFFFFu, 0x00800000u, 0x00000001u, 0x007FFFFFu};
        return sign | kExact[rng_.Below(8)];
      }
      default:
        return sign | (rng_.Chance(0.5) ? exp(1, 8) : exp(247, 254)) | mant;
    }
  }
  // fp: the four READs just planned deliver a 4-stream group read at position j at tc.
  void RecordFpGroup(uint32_t j, int64_t tc, Dir dir, uint32_t s0, const Rep &rep) {
    FpGroup fg;
    for (uint32_t b = 0; b < 4; ++b) {
      const auto &pi = plan_.instrs[plan_.instrs.size() - 4 + b];
      fg.slice[b] = g_.MemSliceId(g_.queue(pi.queue).hemi, g_.queue(pi.queue).index);
      fg.addr[b] = pi.in.addr;
      fg.stride[b] = pi.stride;
    }
    fg.n = rep.n;
    fg.reader = j;
    fg.tc = tc;
    fg.field = StreamField(dir, s0);
    plan_.fp.push_back(fg);
  }
  int64_t FindFpGroup(uint32_t field, uint32_t local, int64_t t) const {
    const uint32_t reader = !local ? vxm_pos_ : StreamDir(field) == Dir::kEast ? vxm_pos_ + 1 : vxm_pos_ - 1;
    for (size_t i = plan_.fp.size(); i-- > 0;) {
      const auto &fg = plan_.fp[i];
      if (fg.reader == reader && fg.tc == t && fg.field == field) return static_cast<int64_t>(i);
    }
    return -1;
  }
  // fp: operand b of fadd / fsub / fmax / fmul read straight from MEM becomes -a or a lane-wise.
  void PairFpOperands(const Instr &in, int64_t t) {
    if (in.op < Opcode::kFadd || in.op > Opcode::kFmax || in.aint || in.bimm) return;
    const int64_t ga = FindFpGroup(in.a, in.aloc, t), gb = FindFpGroup(in.b, in.bloc, t);
    if (ga < 0 || gb <= ga) return;
    auto &fg = plan_.fp[static_cast<size_t>(gb)];
    fg.src = ga;
    fg.rel = in.op == Opcode::kFadd ? 1 : in.op == Opcode::kFsub ? 2 : rng_.Chance(0.5) ? 1 : 2;
  }
  // fp: the words of each group, per re-issue, get the byte planes of one fp32 vector (unless a
  // word is already taken); derived groups copy or negate 70 % of their source's lanes.
  void AssignFpWords() {
    const uint32_t vl = g_.vl();
    std::vector<std::vector<std::vector<uint32_t>>> vecs(fp_.size());
    for (size_t gi = 0; gi < fp_.size(); ++gi) {
      const FpGroup &fg = fp_[gi];
      vecs[gi].resize(fg.n + 1);
      for (uint32_t r = 0; r <= fg.n; ++r) {
        std::array<std::pair<uint32_t, uint32_t>, 4> w;
        bool free = true;
        for (uint32_t b = 0; b < 4; ++b) {
          w[b] = {fg.slice[b], static_cast<uint32_t>(int64_t{fg.addr[b]} + int64_t{fg.stride[b]} * r)};
          if (fp_words_.count(w[b]) || IsTable(w[b].first, w[b].second)) free = false;
        }
        if (!free) continue;
        const std::vector<uint32_t> *base = nullptr;
        if (fg.src >= 0 && r < vecs[static_cast<size_t>(fg.src)].size() &&
            !vecs[static_cast<size_t>(fg.src)][r].empty())
          base = &vecs[static_cast<size_t>(fg.src)][r];
        std::vector<uint32_t> v(vl);
        for (uint32_t l = 0; l < vl; ++l) {
          v[l] = base && rng_.Chance(0.7) ? ((*base)[l] ^ (fg.rel == 1 ? 0x80000000u : 0u)) : RealF32();
        }
        for (uint32_t b = 0; b < 4; ++b) {
          std::vector<uint8_t> bytes(vl);
          for (uint32_t l = 0; l < vl; ++l) bytes[l] = static_cast<uint8_t>(v[l] >> (8 * b));
          fp_words_[w[b]] = std::move(bytes);
        }
        vecs[gi][r] = std::move(v);
        ++fp_vectors_;
      }
    }
  }

  // error: one deliberate schedule error in the legal program, planted with the reservation
  // table so that it is the only one (its reservation alone is skipped). Kinds, drawn uniformly
  // (the next one if it does not fit anywhere): StreamCollision, BankConflict, UnitBusy, BadField,
  // EmptyRead (always fits: after the end).
  void PlantError(GeneratedProgram *out) {
    const int64_t span = std::max<int64_t>(EndOfActivity(), 1);
    const uint32_t first = rng_.Below(5);
    for (uint32_t i = 0; i < 5; ++i) {
      const uint32_t kind = (first + i) % 5;
      if (kind == 4) {
        PlantEmptyRead(out);
        return;
      }
      for (int attempt = 0; attempt < 64; ++attempt) {
        plan_ = Plan{};
        std::string what;
        uint32_t bit = 0;
        const bool ok = kind == 0   ? PlanCollision(&bit, &what)
                        : kind == 1 ? PlanBankConflict(&bit, &what)
                        : kind == 2 ? PlanUnitBusy(&bit, &what)
                                    : PlanBadField(&bit, &what);
        if (!ok) continue;
        int64_t first_t = plan_.instrs[0].t;
        for (const auto &pi : plan_.instrs) first_t = std::min(first_t, pi.t);
        const int64_t at = rng_.Range(0, span + 64);  // (mostly amid the program, sometimes after it)
        if (Commit(plan_, at - first_t)) {
          out->expected_error = bit;
          out->planted = fmt::format("{} (job starting at cycle {})", what, at);
          return;
        }
      }
    }
  }
  // READ of one word re-issued once (identical data on two consecutive diagonals) into the VXM:
  // vcvt.i8.i8 (latency 3) at tc and vmov.i8 (latency 2) at tc + 1 on one ALU write the same
  // register in the same cycle.
  bool PlanCollision(uint32_t *bit, std::string *what) {
    const Dir d = RandDir();
    const auto ups = MemsUpstreamOf(vxm_pos_, d);
    if (ups.empty()) return false;
    const MemSlot x = ups[rng_.Below(static_cast<uint32_t>(ups.size()))];
    const uint32_t s = RandStream(1);
    const Rep two{1, 1};
    Instr rd = MakeOp(Opcode::kRead);
    rd.addr = rng_.Below(words_);
    rd.s = StreamField(d, s);
    AddInstr(x.queue, 0, rd, two, 0);
    plan_.init.push_back({x.slice, rd.addr});
    Extend(AddValue(d, s, x.pos, Lat(Opcode::kRead), two), vxm_pos_);
    const int64_t tc = Lat(Opcode::kRead) + Dist(x.pos, vxm_pos_);
    const uint32_t q = vxm_q_[rng_.Below(static_cast<uint32_t>(vxm_q_.size()))];
    const Dir dd = RandDir();
    const uint32_t ds = RandStream(1);
    Instr cv = MakeOp(Opcode::kVcvt);
    cv.imm = 0x3F800000u;
    cv.a = rd.s;
    cv.dst = StreamField(dd, ds);
    Instr mv = MakeOp(Opcode::kVmov);
    mv.a = rd.s;
    mv.dst = cv.dst;
    AddInstr(q, tc, cv, Rep{}, 0);
    AddInstr(q, tc + 1, mv, Rep{}, 0);
    AddValue(dd, ds, vxm_pos_, tc + Lat(Opcode::kVcvt), Rep{});
    plan_.values[AddValue(dd, ds, vxm_pos_, tc + 1 + Lat(Opcode::kVmov), Rep{})].skip_chain = true;
    *bit = isa::kErrStreamCollision;
    *what = fmt::format("StreamCollision: vcvt.i8.i8 and vmov.i8 on {} both write {}", g_.queue(q).name,
                        StreamName(cv.dst));
    return true;
  }
  // READ -> WRITE at slice x, and a READ of another word of the WRITE's bank at x one cycle later:
  // both banks accesses meet in every tile.
  bool PlanBankConflict(uint32_t *bit, std::string *what) {
    const MemSlot x = mems_[rng_.Below(static_cast<uint32_t>(mems_.size()))];
    const Dir d = RandDir();
    const auto ups = MemsUpstreamOf(x.pos, d);
    if (ups.empty()) return false;
    const MemSlot y = ups[rng_.Below(static_cast<uint32_t>(ups.size()))];
    const uint32_t s = RandStream(1);
    Instr rd = MakeOp(Opcode::kRead);
    rd.addr = rng_.Below(words_);
    rd.s = StreamField(d, s);
    AddInstr(y.queue, 0, rd, Rep{}, 0);
    plan_.init.push_back({y.slice, rd.addr});
    const size_t v = AddValue(d, s, y.pos, Lat(Opcode::kRead), Rep{});
    const int64_t tw = Lat(Opcode::kRead) + Dist(y.pos, x.pos);
    Instr wr = MakeOp(Opcode::kWrite);
    wr.addr = rng_.Below(words_);
    if (IsTable(x.slice, wr.addr)) return false;
    wr.s = rd.s;
    AddInstr(x.queue, tw, wr, Rep{}, 0);
    Extend(v, x.pos);
    const uint32_t W = g_.words_per_bank(), bank = wr.addr / W;
    Instr r2 = MakeOp(Opcode::kRead);
    r2.addr = bank * W + (wr.addr % W + 1 + rng_.Below(W - 1)) % W;  // another word of that bank
    const Dir d2 = RandDir();
    const uint32_t s2 = RandStream(1);
    r2.s = StreamField(d2, s2);
    AddInstr(x.queue, tw + 1, r2, Rep{}, 0);
    plan_.instrs.back().skip_bank = true;
    plan_.init.push_back({x.slice, r2.addr});
    AddValue(d2, s2, x.pos, tw + 1 + Lat(Opcode::kRead), Rep{});
    *bit = isa::kErrBankConflict;
    *what = fmt::format("BankConflict: write {} and read {} (bank {}) in {} in one cycle", wr.addr, r2.addr,
                        bank, g_.queue(x.queue).name);
    return true;
  }
  // fexp / frecip / frsqrt (occupancy 37) and another VXM instruction on the same ALU before it is
  // free: another special function at any offset, any other instruction at an even one (the odd
  // ones are its interleave slots, ISA version 5). Both results fall off the chip edge: what the
  // unit does with the second instruction is not part of the contract (the model executes it, the
  // RTL may drop it), only the error.
  bool PlanUnitBusy(uint32_t *bit, std::string *what) {
    static constexpr Opcode kLong[] = {Opcode::kFexp, Opcode::kFrecip, Opcode::kFrsqrt};
    const uint32_t q = vxm_q_[rng_.Below(static_cast<uint32_t>(vxm_q_.size()))];
    const Opcode op1 = kLong[rng_.Below(3)];
    std::vector<size_t> vals;
    // (depth 1: the small geometry has no four MEM slices on one side of the VXM)
    if (!BuildVxm(q, MakeVxm(op1, 3), 0, RandDir(), RandStream(4), Rep{}, 1, &vals)) return false;
    const Opcode op2 = kVxmOps[rng_.Below(static_cast<uint32_t>(std::size(kVxmOps)))];
    uint32_t dt;
    do {
      dt = rng_.Below(4);
    } while (!(isa::Info(op2).dtype_mask & (1u << dt)));
    const Instr in2 = MakeVxm(op2, dt);
    int64_t t2 = rng_.Range(1, Occ(op1) - 1);
    if (!isa::Info(op2).interleave) t2 = 2 * rng_.Range(1, (Occ(op1) - 1) / 2);
    if (!BuildVxm(q, in2, t2, RandDir(), RandStream(VxmDestWidth(in2)), Rep{}, 1, &vals)) return false;
    for (auto &pi : plan_.instrs) {
      if (pi.queue == q && pi.t == t2) pi.busy_skip = Occ(op1) - t2;
    }
    *bit = isa::kErrUnitBusy;
    *what = fmt::format("UnitBusy: {} {} cycles after {} on {}", isa::Info(op2).mnemonic, t2,
                        isa::Info(op1).mnemonic, g_.queue(q).name);
    return true;
  }
  // A READ near the top of MEM re-issued past its end: the wrapped addresses are initialised.
  bool PlanBadField(uint32_t *bit, std::string *what) {
    const MemSlot x = mems_[rng_.Below(static_cast<uint32_t>(mems_.size()))];
    const Rep rep{static_cast<uint32_t>(rng_.Range(1, 4)), static_cast<uint32_t>(rng_.Range(1, 3))};
    const auto st = static_cast<int32_t>(rng_.Range(1, 3));
    const int64_t lo = std::max<int64_t>(0, int64_t{words_} - int64_t{st} * rep.n);
    Instr rd = MakeOp(Opcode::kRead);
    rd.addr = static_cast<uint32_t>(rng_.Range(lo, words_ - 1));
    const Dir d = RandDir();
    const uint32_t s = RandStream(1);
    rd.s = StreamField(d, s);
    AddInstr(x.queue, 0, rd, rep, st);
    for (uint32_t i = 0; i <= rep.n; ++i) plan_.init.push_back({x.slice, (rd.addr + st * i) % words_});
    AddValue(d, s, x.pos, Lat(Opcode::kRead), rep);
    *bit = isa::kErrBadField;
    *what = fmt::format("BadField: read {} repeat {}, {}, {} in {} (last address {})", rd.addr, rep.n, rep.d,
                        st, g_.queue(x.queue).name, rd.addr + st * rep.n);
    return true;
  }
  // An LW after everything has fallen off the chip reads an empty register; no IW follows, so the
  // rows it loads are never used.
  void PlantEmptyRead(GeneratedProgram *out) {
    const uint32_t h = rng_.Below(2);
    const int64_t t = EndOfActivity() + P_ + 64 + rng_.Range(0, 16);
    Instr lw = MakeOp(Opcode::kLw);
    lw.imm = rng_.Below(isa::kMxmRows);
    lw.a = StreamField(h == 0 ? Dir::kWest : Dir::kEast, RandStream(1));
    InsertBlock(mxm_q_[h], t, t + 1, {lw});
    out->expected_error = isa::kErrEmptyRead;
    out->planted = fmt::format("EmptyRead: lw {} on {} at cycle {}, after the program", StreamName(lw.a),
                               g_.queue(mxm_q_[h]).name, t);
  }

  // ---------------------------------------------------------------------------------------
  // Output
  std::vector<uint8_t> WordData(uint32_t slice, uint32_t addr) {
    const uint32_t vl = g_.vl();
    if (opt_.data_tables && IsTable(slice, addr)) return tables_[slice][addr - table_base_[slice]];
    if (opt_.fp_data) {
      const auto it = fp_words_.find({slice, addr});
      if (it != fp_words_.end()) return it->second;
    }
    std::vector<uint8_t> d(vl);
    if (IsTable(addr)) {
      for (auto &b : d) b = static_cast<uint8_t>(rng_.U32());
      for (uint32_t k = 0; k < g_.superlanes(); ++k)
        d[k * isa::kLanesPerSuperlane] = table_vals_[rng_.Below(2)];
      return d;
    }
    switch (rng_.Below(4)) {
      case 0:  // small integers
        for (auto &b : d) b = static_cast<uint8_t>(rng_.Range(-8, 8));
        break;
      case 1:  // fp32 lanes (as seen by 4-stream groups: byte i of a word is one byte plane)
        for (auto &b : d) b = static_cast<uint8_t>(RandF32() >> (8 * rng_.Below(4)));
        break;
      default:
        for (auto &b : d) b = static_cast<uint8_t>(rng_.U32());
        break;
    }
    return d;
  }

  Program Build(uint64_t *last) {
    Program prog;
    prog.geometry = g_.params();
    prog.queues.resize(g_.num_queues());
    *last = 0;
    for (uint32_t q = 0; q < g_.num_queues(); ++q) {
      int64_t c = 0;
      for (const auto &[start, b] : queues_[q].blocks) {
        if (start > c) {
          Instr nop = MakeOp(Opcode::kNop);
          nop.n = static_cast<uint32_t>(start - c);
          Push(&prog, q, nop);
        }
        for (const auto &in : b.code) Push(&prog, q, in);
        c = b.end;
      }
      *last = std::max(*last, static_cast<uint64_t>(c));
    }
    for (uint32_t s = 0; s < g_.num_mem_slices(); ++s) {
      MemImage img;
      uint32_t next = 0;
      for (uint32_t a : pool_[s]) {
        if (!img.data.empty() && a != next) {
          prog.mem.push_back(img);
          img.data.clear();
        }
        if (img.data.empty()) {
          img.slice = s;
          img.addr = a;
        }
        const auto w = WordData(s, a);
        img.data.insert(img.data.end(), w.begin(), w.end());
        next = a + 1;
      }
      if (!img.data.empty()) prog.mem.push_back(img);
    }
    return prog;
  }

  void Push(Program *prog, uint32_t q, const Instr &in) {
    std::string err;
    if (!Validate(in, g_, &err)) {
      throw std::logic_error(fmt::format("progen seed {}: queue {}: generated an invalid instruction: {}",
                                         seed_, g_.queue(q).name, err));
    }
    prog->queues[q].push_back(Encode(in));
  }

  const Geometry &g_;
  Rng rng_;
  ProgenOptions opt_;
  uint64_t seed_;
  uint32_t P_ = 0, streams_ = 0, words_ = 0;
  std::vector<MemSlot> mems_;
  std::vector<uint32_t> vxm_q_;
  uint32_t vxm_pos_ = 0;
  std::array<uint32_t, 2> sxm_q_{}, sxm_pos_{}, mxm_q_{}, mxm_pos_{};
  std::vector<uint32_t> table_addr_, gather_addr_;
  std::array<uint8_t, 2> table_vals_{};
  std::vector<Opcode> ops_;
  // Modes
  bool exact_ = false;                                     // long: words per queue counted exactly
  std::vector<uint64_t> qwords_;                           // instruction words per queue (always kept)
  uint32_t fill_q_ = UINT32_MAX;                           // long: the queue being filled ...
  uint64_t fill_target_ = 0;                               // ... and its word limit while filling
  Rep forced_rep_;                                         // fields: REPEAT of the next PlanJob (n > 0)
  bool in_tx_ = false;                                     // mxm: Commits accumulate in one transaction
  size_t undo_mark_ = 0;                                   // where the current Commit's records start
  uint32_t table_words_ = 0;                               // gather: data table words per slice,
  std::vector<uint32_t> table_base_;                       // their first address per slice,
  std::vector<std::vector<std::vector<uint8_t>>> tables_;  // and contents
  std::vector<FpGroup> fp_;                                // fp: committed 4-stream READ groups
  std::map<std::pair<uint32_t, uint32_t>, std::vector<uint8_t>> fp_words_;  // fp: (slice, addr) data
  uint32_t fp_vectors_ = 0;

  std::vector<QueueTable> queues_;
  std::unordered_map<int64_t, IntervalSet> chains_;
  std::set<int64_t> banks_;
  std::vector<std::set<uint32_t>> pool_;  // initialised words per slice
  std::vector<UndoRec> undo_;
  int64_t last_barrier_ = -1;
  Plan plan_;
};

}  // namespace

std::vector<isa::Opcode> UnitOpcodes() {
  std::vector<isa::Opcode> r;
  for (const auto &op : isa::kOps) {
    if (op.unit != isa::Unit::kIcu) r.push_back(op.opcode);
  }
  return r;
}

GeneratedProgram GenerateProgram(const Geometry &g, uint64_t seed, const ProgenOptions &opt) {
  Generator gen(g, seed, opt);
  return gen.Generate();
}

const char *FeatureName(Feature f) {
  switch (f) {
    case Feature::kLocalA:
      return "VXM a in place (@)";
    case Feature::kLocalB:
      return "VXM b in place (@)";
    case Feature::kIntA:
      return "fp op, integer a (.S)";
    case Feature::kLw2:
      return "lw.i16 (2 rows)";
    case Feature::kLw4:
      return "lw.i32 (4 rows)";
    case Feature::kCount:
      break;
  }
  return "?";
}

OpcodeCounts CountOpcodes(const Program &p) {
  OpcodeCounts c;
  for (const auto &q : p.queues) {
    isa::Opcode prev = isa::Opcode::kIllegal;
    for (uint64_t w : q) {
      Instr in;
      std::string err;
      if (!Decode(w, &in, &err)) continue;
      const auto op = static_cast<uint8_t>(in.op);
      c.words[op]++;
      auto feature = [&](Feature f) { c.features[static_cast<size_t>(f)]++; };
      if (in.aloc) feature(Feature::kLocalA);
      if (in.bloc) feature(Feature::kLocalB);
      if (in.aint) feature(Feature::kIntA);
      if (in.op == isa::Opcode::kLw && in.dtype == 1) feature(Feature::kLw2);
      if (in.op == isa::Opcode::kLw && in.dtype == 2) feature(Feature::kLw4);
      if (in.op == isa::Opcode::kRepeat) {
        if (prev != isa::Opcode::kIllegal) c.dispatches[static_cast<uint8_t>(prev)] += in.n;
        continue;
      }
      c.dispatches[op]++;
      prev = in.info().unit == isa::Unit::kIcu ? isa::Opcode::kIllegal : in.op;
    }
  }
  return c;
}

ProgenOptions ProgenOptions::Preset(const std::string &name) {
  ProgenOptions o;
  o.mode = name;
  if (name == "default") return o;
  if (name == "long") {  // tens of thousands of cycles, one queue filled to 92-100 % of IqDepth
    o.min_cycles = 15000;
    o.max_cycles = 40000;
    o.max_jobs = 1000000;
    o.iq_fill = 0.92;
    o.max_repeat_n = 64;
    o.max_repeat_slack = 8;
    o.max_gap = 2000;
    return o;
  }
  if (name == "fields") {  // REPEAT n / d / stride, NOP and MEM address over their field ranges
    o.wide_fields = true;
    o.giant_rate = 0.3;
    o.repeat_rate = 0.3;
    o.max_repeat_n = 1024;
    o.max_repeat_slack = 4096;
    o.max_gap = 1u << 17;
    o.gap_rate = 0.02;
    return o;
  }
  if (name == "gather") {  // GATHER / SCATTER over every word, READs in the other bank beside them
    o.data_tables = true;
    o.mixed_bank_rate = 0.6;
    o.ops = UnitOpcodes();
    for (int i = 0; i < 6; ++i) {
      o.ops.push_back(isa::Opcode::kGather);
      o.ops.push_back(isa::Opcode::kScatter);
    }
    return o;
  }
  if (name == "mxm") {  // double-buffered LW x16 -> IW -> ABC pipelines
    o.mxm_pipeline_rate = 0.2;
    return o;
  }
  if (name == "sync") {  // a barrier before most jobs, most idle queues parked
    o.barrier_rate = 0.7;
    o.sync_share = 0.8;
    return o;
  }
  if (name == "fp") {  // fp32 vectors of every class in MEM, cancelling operands
    o.fp_data = true;
    o.int_a_rate = 0.1;
    o.local_rate = 0.15;
    o.ops = UnitOpcodes();
    for (int i = 0; i < 3; ++i) {
      for (auto op : {isa::Opcode::kFadd, isa::Opcode::kFsub, isa::Opcode::kFmul, isa::Opcode::kFmax,
                      isa::Opcode::kFexp, isa::Opcode::kFrecip, isa::Opcode::kFrsqrt, isa::Opcode::kVcvt})
        o.ops.push_back(op);
    }
    return o;
  }
  if (name == "error") {  // one planted schedule error
    o.plant_error = true;
    return o;
  }
  std::string names;
  for (const auto &n : PresetNames()) names += (names.empty() ? "" : ", ") + n;
  throw std::invalid_argument(fmt::format("unknown generator mode '{}' (modes: {})", name, names));
}

std::vector<std::string> ProgenOptions::PresetNames() {
  return {"default", "long", "fields", "gather", "mxm", "sync", "fp", "error"};
}

ProgramFigures MeasureProgram(const Program &p) {
  using isa::Opcode;
  ProgramFigures f;
  for (const auto &q : p.queues) {
    f.longest_queue = std::max<uint64_t>(f.longest_queue, q.size());
    Instr prev;
    bool have_prev = false, installed = false;
    uint32_t rows = 0;    // weight rows loaded since the last IW
    uint32_t during = 0;  // ABCs since then, dispatched after the first of those rows
    auto unit = [&](const Instr &in, uint32_t i, int32_t stride) {
      switch (in.op) {
        case Opcode::kRead:
        case Opcode::kWrite: {
          const int64_t a = int64_t{in.addr} + int64_t{stride} * i;
          if (a >= 0) f.max_mem_addr = std::max(f.max_mem_addr, static_cast<uint32_t>(a));
          break;
        }
        case Opcode::kLw:
          for (uint32_t j = 0; j < GroupWidth(in.dtype); ++j) {
            const int64_t r = int64_t{in.imm} + int64_t{stride} * i + j;
            rows |= 1u << static_cast<uint32_t>(((r % 16) + 16) % 16);
          }
          break;
        case Opcode::kIw:
          if (rows == 0xFFFFu) {
            ++f.mxm_swaps;
            f.mxm_overlapped_abc += during;
          }
          rows = 0;
          during = 0;
          installed = true;
          break;
        case Opcode::kAbc:
          if (installed && rows != 0) ++during;
          break;
        default:
          break;
      }
    };
    for (uint64_t w : q) {
      Instr in;
      std::string err;
      if (!Decode(w, &in, &err)) continue;
      switch (in.op) {
        case Opcode::kNop:
          f.max_nop = std::max(f.max_nop, in.n);
          break;
        case Opcode::kSync:
          ++f.syncs;
          break;
        case Opcode::kNotify:
          ++f.notifies;
          break;
        case Opcode::kRepeat:
          f.max_repeat_n = std::max(f.max_repeat_n, in.n);
          f.max_repeat_d = std::max(f.max_repeat_d, in.d);
          f.min_stride = std::min(f.min_stride, in.stride);
          f.max_stride = std::max(f.max_stride, in.stride);
          if (have_prev && (prev.op == Opcode::kRead || prev.op == Opcode::kWrite)) {
            f.min_mem_stride = std::min(f.min_mem_stride, in.stride);
            f.max_mem_stride = std::max(f.max_mem_stride, in.stride);
          }
          if (have_prev) {
            for (uint32_t i = 1; i <= in.n; ++i) unit(prev, i, in.stride);
          }
          break;
        default:
          unit(in, 0, 0);
          prev = in;
          have_prev = true;
          break;
      }
    }
  }
  return f;
}

const char *FpClassName(FpClass c) {
  switch (c) {
    case FpClass::kNormal:
      return "normal";
    case FpClass::kDenormal:
      return "denormal";
    case FpClass::kZero:
      return "+-0";
    case FpClass::kInf:
      return "+-inf";
    case FpClass::kNan:
      return "NaN";
    case FpClass::kCount:
      break;
  }
  return "?";
}

namespace {

FpClass ClassOf(uint32_t v) {
  const uint32_t e = (v >> 23) & 0xFFu, m = v & 0x7FFFFFu;
  if (e == 0xFF) return m ? FpClass::kNan : FpClass::kInf;
  if (e == 0) return m ? FpClass::kDenormal : FpClass::kZero;
  return FpClass::kNormal;
}

}  // namespace

DataFigures ProbeOnModel(const Geometry &g, const Program &p, uint64_t max_cycles) {
  using isa::Opcode;
  DataFigures f;
  Model m(g);
  std::string err;
  if (!m.LoadProgram(p, &err)) throw std::invalid_argument("ProbeOnModel: " + err);
  const uint32_t S = g.superlanes(), P = g.num_positions(), NS = g.streams(), L = isa::kLanesPerSuperlane;
  const uint32_t W = g.words_per_bank(), words = g.mem_words();
  auto idx = [&](uint32_t d, uint32_t s, uint32_t pos, uint32_t k) {
    return ((size_t{d} * NS + s) * P + pos) * S + k;
  };
  std::vector<StreamSlot> prev(size_t{2} * NS * P * S);
  auto snapshot = [&] {
    for (uint32_t d = 0; d < 2; ++d)
      for (uint32_t s = 0; s < NS; ++s)
        for (uint32_t pos = 0; pos < P; ++pos)
          for (uint32_t k = 0; k < S; ++k) prev[idx(d, s, pos, k)] = m.Stream(static_cast<Dir>(d), s, pos, k);
  };
  // A register as read during cycle r: now (the hook of cycle r) or, for r one cycle back, prev.
  auto slot = [&](bool back, uint32_t field, uint32_t pos, uint32_t k) -> const StreamSlot & {
    const auto d = static_cast<uint32_t>(StreamDir(field));
    return back ? prev[idx(d, StreamIndex(field), pos, k)]
                : m.Stream(StreamDir(field), StreamIndex(field), pos, k);
  };
  auto src_pos = [&](uint32_t field, uint32_t pos, bool local) {
    return local ? pos : StreamDir(field) == Dir::kEast ? pos - 1 : pos + 1;
  };
  struct Sample {
    uint64_t due;
    uint32_t q;
    Instr in;
    uint32_t k;
  };
  std::vector<Sample> pending;
  std::bitset<256> exps;
  std::set<uint32_t> gwords;
  std::unordered_map<uint64_t, uint8_t> access;  // (cycle, slice, tile) -> plain banks | data banks << 2
  auto key = [&](uint64_t cycle, uint32_t slice, uint32_t k) { return (cycle * 256 + slice) * 16 + k; };
  auto group = [&](bool back, uint32_t field, uint32_t width, uint32_t pos, uint32_t k,
                   std::array<uint32_t, 16> *v) {
    v->fill(0);
    for (uint32_t b = 0; b < width; ++b) {
      const StreamSlot &sl = slot(back, field + b, pos, k);
      if (!sl.valid) ++f.invalid_samples;
      for (uint32_t l = 0; l < L; ++l) (*v)[l] |= uint32_t{sl.bytes[l]} << (8 * b);
    }
  };
  auto sample = [&](const Sample &smp, bool back) {
    const Instr &in = smp.in;
    const uint32_t pos = g.queue(smp.q).position, k = smp.k;
    if (in.op == Opcode::kGather || in.op == Opcode::kScatter) {
      const StreamSlot &lo = slot(back, in.m, src_pos(in.m, pos, false), k);
      const StreamSlot &hi = slot(back, in.m + 1, src_pos(in.m, pos, false), k);
      if (!lo.valid || !hi.valid) ++f.invalid_samples;
      const uint32_t a = (uint32_t{lo.bytes[0]} + 256u * hi.bytes[0]) % words;
      ++f.gather_accesses;
      gwords.insert(a);
      const auto &qi = g.queue(smp.q);
      access[key(smp.due + 1, g.MemSliceId(qi.hemi, qi.index), k)] |= static_cast<uint8_t>(4u << (a / W));
      return;
    }
    const bool fa = (in.op >= Opcode::kFadd && in.op <= Opcode::kFrsqrt && !VxmIntA(in)) ||
                    (in.op == Opcode::kVcvt && in.stype == 3);
    const bool fb = in.op >= Opcode::kFadd && in.op <= Opcode::kFmax && !in.bimm;
    std::array<uint32_t, 16> a{}, b{};
    if (fa) group(back, in.a, 4, src_pos(in.a, pos, in.aloc), k, &a);
    if (fb) group(back, in.b, 4, src_pos(in.b, pos, in.bloc), k, &b);
    for (uint32_t l = 0; l < L; ++l) {
      for (const auto *v : {fa ? &a : nullptr, fb ? &b : nullptr}) {
        if (!v) continue;
        const FpClass c = ClassOf((*v)[l]);
        ++f.fp_lanes[static_cast<size_t>(c)];
        if (c == FpClass::kNormal) exps.set(((*v)[l] >> 23) & 0xFFu);
      }
      if (fa && fb) {
        const FpClass c = ClassOf(a[l]);
        const bool finite_nonzero = c == FpClass::kNormal || c == FpClass::kDenormal;
        if (finite_nonzero && in.op == Opcode::kFadd && b[l] == (a[l] ^ 0x80000000u)) ++f.fp_cancel;
        if (finite_nonzero && in.op == Opcode::kFsub && b[l] == a[l]) ++f.fp_cancel;
      }
    }
  };
  std::vector<uint64_t> sf_end(g.num_queues(), 0);  // end of the running interleaving occupancy
  m.Start();
  snapshot();
  while (m.cycle() < max_cycles && m.Step()) {
    const uint64_t c = m.cycle();  // registers as read during cycle c; dispatches of cycle c - 1
    for (uint32_t q = 0; q < g.num_queues(); ++q) {
      const QueueView v = m.Queue(q);
      if (!v.dispatched_this_cycle) continue;
      Instr in;
      if (!Decode(v.last_word, &in, &err)) continue;
      const auto &qi = g.queue(q);
      const uint64_t t = c - 1;
      if (in.info().interleave) {
        sf_end[q] = t + in.info().occupancy;
      } else if (t < sf_end[q]) {
        ++f.interleaved;
      }
      if (in.op == Opcode::kRead || in.op == Opcode::kWrite) {
        const uint32_t slice = g.MemSliceId(qi.hemi, qi.index);
        for (uint32_t k = 0; k < S; ++k) {
          access[key(t + in.info().bank_offset + k, slice, k)] |=
              static_cast<uint8_t>(1u << ((in.addr % words) / W));
        }
        continue;
      }
      const bool fp = (in.op >= Opcode::kFadd && in.op <= Opcode::kFrsqrt) || in.op == Opcode::kVcvt;
      if (!fp && in.op != Opcode::kGather && in.op != Opcode::kScatter) continue;
      for (uint32_t k = 0; k < S; ++k) {
        const Sample smp{t + k, q, in, k};
        if (k == 0) {
          sample(smp, true);
        } else {
          pending.push_back(smp);
        }
      }
    }
    for (size_t i = 0; i < pending.size();) {
      if (pending[i].due == c) {
        sample(pending[i], false);
        pending[i] = pending.back();
        pending.pop_back();
      } else {
        ++i;
      }
    }
    snapshot();
  }
  f.cycles = m.cycle();
  f.error_bits = m.error_bits();
  f.fp_exponents = static_cast<uint32_t>(exps.count());
  f.gather_words.assign(gwords.begin(), gwords.end());
  for (const auto &[k, banks] : access) {
    const uint32_t plain = banks & 3u, data = banks >> 2;
    if (((plain & 1u) && (data & 2u)) || ((plain & 2u) && (data & 1u))) ++f.mixed_bank;
  }
  return f;
}

bool CheckOnModel(const Geometry &g, const Program &p, std::string *report, uint64_t *cycles,
                  uint64_t max_cycles) {
  Model m(g);
  std::string err;
  if (!m.LoadProgram(p, &err)) {
    *report = "load failed: " + err;
    return false;
  }
  m.Start();
  const RunResult r = m.Run(max_cycles);
  if (cycles) *cycles = r.cycles;
  if (r.status == RunStatus::kDone && m.errors().empty()) {
    *report = fmt::format("done in {} cycles", r.cycles);
    return true;
  }
  *report = fmt::format("status {} after {} cycles, {} errors{}{}", RunStatusName(r.status), r.cycles,
                        m.errors().size(), r.message.empty() ? "" : ": ", r.message);
  for (size_t i = 0; i < m.errors().size() && i < 5; ++i) *report += "\n  " + m.errors()[i].message;
  return false;
}

}  // namespace tsp
