// Random program generator (see tsp/progen.h for the method).
#include "tsp/progen.h"

#include <fmt/format.h>

#include <algorithm>
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
};

struct InitWord {
  uint32_t slice, addr;
};

struct Plan {
  std::vector<PInstr> instrs;
  std::vector<PValue> values;
  std::vector<InitWord> init;
  uint32_t chains = 0;  // VXM operands read in place from a VXM producer of this plan
  struct Mark {
    size_t i, v, w;
    uint32_t c;
  };
  Mark mark() const { return {instrs.size(), values.size(), init.size(), chains}; }
  void Rollback(const Mark &m) {
    instrs.resize(m.i);
    values.resize(m.v);
    init.resize(m.w);
    chains = m.c;
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
  IntervalSet busy;                 // unit occupancy
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
  }

  GeneratedProgram Generate() {
    GeneratedProgram out;
    out.seed = seed_;
    const int64_t target = rng_.Range(opt_.min_cycles, std::max(opt_.min_cycles, opt_.max_cycles));
    int64_t cursor = 0;
    while ((cursor < target || out.jobs < opt_.min_jobs) && out.jobs < opt_.max_jobs &&
           cursor < 20 * target) {
      if (rng_.Chance(opt_.barrier_rate) && TryBarrier(cursor)) ++out.barriers;
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
          break;
        }
        ++out.rejected;
        ++out.rejected_by_op[static_cast<uint8_t>(op)];
      }
      cursor += rng_.Chance(opt_.gap_rate) ? rng_.Range(5, 40) : rng_.Range(0, 3);
    }
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

  // ---------------------------------------------------------------------------------------
  // Addresses
  int32_t PickStride(const Rep &rep) {
    if (rep.n == 0) return 0;
    static constexpr int32_t kStrides[] = {1, 1, 1, 1, -1, 0, 2, 3, -2};
    return kStrides[rng_.Below(9)];
  }
  // Stride for a REPEAT of an instruction without an index field: ignored by the hardware.
  int32_t NoiseStride(const Rep &rep) {
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
    *stride = PickStride(rep);
    const auto &pool = pool_[x.slice];
    for (int tries = 0; tries < 8; ++tries) {
      uint32_t a;
      if (!pool.empty() && rng_.Chance(0.7)) {
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
        ok = !IsTable(static_cast<uint32_t>(int64_t{a} + int64_t{*stride} * i));
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
    plan_.instrs.push_back({q, t, in, rep, stride});
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
  bool DeliverTable(uint32_t j, int64_t tc, const Rep &rep, uint32_t *field) {
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

  bool BuildGather(const MemSlot &x, int64_t t, Dir dir, uint32_t s, const Rep &rep,
                   std::vector<size_t> *vals) {
    Instr in = MakeOp(Opcode::kGather);
    in.s = StreamField(dir, s);
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
      if (Upstream(sxm_pos_[h], j, dir)) bag.insert(bag.end(), 2, kSxm);
      if (w == 4 && Upstream(mxm_pos_[h], j, dir)) bag.push_back(kMxm);
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
    if (VxmUsesB(in.op) && !in.bimm &&
        !DeliverAnyDir(vxm_pos_, t, VxmDestWidth(in), rep, depth, &in.b, &in.bloc))
      return false;
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
      in.imm = rng_.Chance(0.9) ? rng_.Below(g_.vl() + 1) : rng_.U32();
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
              v0.rep, rng_.Below(isa::kMxmRows + 1 - rows), PickStride(v0.rep), dt);
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
    if (op != Opcode::kTrans && rng_.Chance(opt_.repeat_rate)) {
      rep.n = static_cast<uint32_t>(rng_.Range(1, info.occupancy >= 8 ? 2 : 6));
      rep.d = info.occupancy + static_cast<uint32_t>(rng_.Range(0, 3));
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
            int32_t stride = PickStride(rep);
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
    if (rng_.Chance(opt_.repeat_rate)) rep = Rep{1, size};
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
    enum Kind : uint8_t { kBlock, kBusy, kChain, kBank } kind;
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
    qt.blocks[s] = Block{e, std::move(code)};
    undo_.push_back({UndoRec::kBlock, q, 0, s});
    return true;
  }
  bool ClaimBusy(uint32_t q, int64_t s, int64_t e) {
    auto &qt = queues_[q];
    if (qt.busy.Overlaps(s, e)) return false;
    qt.busy.Insert(s, e);
    undo_.push_back({UndoRec::kBusy, q, 0, s});
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
  void Undo() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      switch (it->kind) {
        case UndoRec::kBlock:
          queues_[it->queue].blocks.erase(it->start);
          break;
        case UndoRec::kBusy:
          queues_[it->queue].busy.Erase(it->start);
          break;
        case UndoRec::kBank:
          banks_.erase(it->key);
          break;
        case UndoRec::kChain:
          chains_[it->key].Erase(it->start);
          break;
      }
    }
    undo_.clear();
  }

  bool Commit(const Plan &p, int64_t off) {
    undo_.clear();
    const uint32_t W = g_.words_per_bank();
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
        if (!ClaimBusy(pi.queue, ti, ti + info.occupancy)) return Undo(), false;
        if (info.unit != isa::Unit::kMem) continue;
        const uint32_t slice = g_.MemSliceId(g_.queue(pi.queue).hemi, g_.queue(pi.queue).index);
        const int64_t at = ti + info.bank_offset;
        if (pi.in.op == Opcode::kRead || pi.in.op == Opcode::kWrite) {
          const uint32_t addr = static_cast<uint32_t>(int64_t{pi.in.addr} + int64_t{pi.stride} * i);
          if (!ClaimBank(slice, addr / W, at)) return Undo(), false;
        } else {  // data-dependent address: both banks
          if (!ClaimBank(slice, 0, at) || !ClaimBank(slice, 1, at)) return Undo(), false;
        }
      }
    }
    for (const auto &v : p.values) {
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
    // Instruction budget: every block costs at most 3 words (NOP, instruction, REPEAT).
    for (const auto &pi : p.instrs) {
      if (queues_[pi.queue].blocks.size() * 3 > g_.iq_depth()) return Undo(), false;
    }
    for (const auto &w : p.init) pool_[w.slice].insert(w.addr);
    undo_.clear();
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
    const int64_t release = B + isa::kNotifyLatency;
    std::vector<std::pair<uint32_t, int64_t>> syncs;
    for (uint32_t q = 0; q < queues_.size(); ++q) {
      if (q == qn || !rng_.Chance(0.5)) continue;
      const auto &blocks = queues_[q].blocks;
      auto it = blocks.upper_bound(B);  // first block starting after B
      if (it != blocks.end() && it->first < release) continue;
      int64_t e = 0;
      if (it != blocks.begin()) e = std::prev(it)->second.end;
      if (e > B) continue;
      const int64_t lo = std::max(e, last_barrier_ + 1);
      if (lo > B) continue;
      syncs.push_back({q, rng_.Range(lo, B)});
    }
    queues_[qn].blocks[B] = Block{B + 1, {MakeOp(Opcode::kNotify)}};
    for (const auto &[q, s] : syncs) queues_[q].blocks[s] = Block{release, {MakeOp(Opcode::kSync)}};
    last_barrier_ = B;
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // Output
  std::vector<uint8_t> WordData(uint32_t addr) {
    const uint32_t vl = g_.vl();
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
        const auto w = WordData(a);
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
