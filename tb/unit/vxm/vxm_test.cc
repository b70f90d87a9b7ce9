// tsp_vxm against the reference model (tsp::Model), cycle by cycle.
//
// Each test builds a program in which MEM slices READ (random) data onto the streams that reach the
// VXM and the VXM queues run VXM instructions. The model runs it; in every cycle c the testbench
//  * drives the RTL's east_i / west_i with the model's stream registers at positions VXM-1 (east-
//    going) and VXM+1 (west-going) during c, east_own_i / west_own_i with the registers at the VXM
//    position itself (what operands read in place, `@E4`, see), and disp_i[a] with the instruction
//    queue vxm.a dispatched at c (QueueView::dispatched_this_cycle / last_word);
//  * compares every east_wr_o / west_wr_o slot with the model's register at the VXM position after
//    the cycle: a written slot must hold exactly the RTL's write; an unwritten one must hold the
//    value that hopped in from the neighbour (so a write the RTL misses is caught);
//  * compares err_o[EmptyRead] / err_o[StreamCollision] with the errors the model reported for the
//    VXM queues in that cycle, and idle_o with the dispatch history (no read or write due now or
//    later).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "Vtsp_vxm_tb.h"
#include "harness.h"
#include "rtl_geometry.h"
#include "ref/builder.h"
#include "tsp/instr.h"
#include "tsp/model.h"
#include "tsp/numerics.h"
#include "tsp/vxm.h"

namespace {

using tsp::Dir;
using tsp::Geometry;
using tsp::Instr;
using tsp::isa::Opcode;
using tsp::test::Builder;
using Tb = tsp::tb::Harness<Vtsp_vxm_tb>;
using tsp::tb::kSlotBits;
using tsp::tb::RtlGeometry;

Geometry Geom() { return RtlGeometry(); }

constexpr uint32_t kLanes = 16;
constexpr uint32_t kDispBits = 65;   // {valid, 64-bit instr}

// ---- Bit access to Verilator's wide ports ----
template <typename W>
void PutBit(W &w, size_t bit, bool v) {
  auto &word = w[bit / 32];
  const uint32_t m = 1u << (bit % 32);
  word = v ? (word | m) : (word & ~m);
}
template <typename W>
bool GetBit(const W &w, size_t bit) {
  return (w[bit / 32] >> (bit % 32)) & 1u;
}
template <typename W>
void PutBits(W &w, size_t lsb, size_t width, uint64_t v) {
  for (size_t i = 0; i < width; ++i) PutBit(w, lsb + i, (v >> i) & 1u);
}
template <typename W>
uint64_t GetBits(const W &w, size_t lsb, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v |= uint64_t{GetBit(w, lsb + i)} << i;
  return v;
}

// streams_t / writes_t element [s][k] (packed, [StreamsPerDir-1:0][NumSuperlanes-1:0]).
size_t SlotLsb(const Geometry &g, uint32_t s, uint32_t k) { return (size_t{s} * g.superlanes() + k) * kSlotBits; }

template <typename W>
void PutSlot(W &w, const Geometry &g, uint32_t s, uint32_t k, const tsp::StreamSlot &slot) {
  const size_t lsb = SlotLsb(g, s, k);
  for (uint32_t l = 0; l < kLanes; ++l) PutBits(w, lsb + 8 * l, 8, slot.bytes[l]);
  PutBit(w, lsb + 128, slot.valid);
}
template <typename W>
tsp::StreamSlot GetSlot(const W &w, const Geometry &g, uint32_t s, uint32_t k) {
  tsp::StreamSlot slot;
  const size_t lsb = SlotLsb(g, s, k);
  for (uint32_t l = 0; l < kLanes; ++l) slot.bytes[l] = static_cast<uint8_t>(GetBits(w, lsb + 8 * l, 8));
  slot.valid = GetBit(w, lsb + 128);
  return slot;
}

std::string SlotStr(const tsp::StreamSlot &s) {
  std::string r = s.valid ? "valid [" : "empty [";
  char buf[4];
  for (uint32_t l = 0; l < kLanes; ++l) {
    std::snprintf(buf, sizeof buf, "%02x", s.bytes[l]);
    r += buf;
    if (l + 1 < kLanes) r += ' ';
  }
  return r + "]";
}

bool SameSlot(const tsp::StreamSlot &a, const tsp::StreamSlot &b) { return a.valid == b.valid && a.bytes == b.bytes; }

// ---- Lockstep runner ----
struct Stats {
  uint64_t cycles = 0;
  uint64_t writes = 0;           // slots the RTL wrote (all compared)
  uint64_t empty_cycles = 0;     // cycles with err_o[EmptyRead]
  uint64_t collision_cycles = 0; // cycles with err_o[StreamCollision]
  uint64_t dispatches = 0;
  uint64_t local_reads = 0;       // dispatched instructions with aloc / bloc (ISA v2)
  std::set<std::string> covered;  // instruction kinds whose writes were compared
  bool ok = true;
};

std::string Kind(const Instr &in) {
  std::string k(in.info().mnemonic);
  k += ".d" + std::to_string(in.dtype);
  if (in.op == Opcode::kVcvt || in.aint) k += ".s" + std::to_string(in.stype);
  if (in.aint) k += ".aint";
  if (in.sat) k += ".sat";
  if (in.bimm) k += ".imm";
  return k;
}

Stats RunLockstep(const tsp::Program &prog, uint64_t max_cycles = 200000) {
  Stats st;
  const Geometry g = Geom();
  const uint32_t P = g.vxm_position(), S = g.superlanes(), NS = g.streams(), A = g.vxm_alus();
  const uint32_t q0 = g.num_mem_slices();
  tsp::Model m(g);
  std::string err;
  if (!m.LoadProgram(prog, &err)) {
    ADD_FAILURE() << "model rejected the program: " << err;
    st.ok = false;
    return st;
  }
  m.Start();
  Tb tb;
  for (uint32_t s = 0; s < NS; ++s) {
    for (uint32_t k = 0; k < S; ++k) {
      PutSlot(tb->east_i, g, s, k, tsp::StreamSlot{});
      PutSlot(tb->west_i, g, s, k, tsp::StreamSlot{});
      PutSlot(tb->east_own_i, g, s, k, tsp::StreamSlot{});
      PutSlot(tb->west_own_i, g, s, k, tsp::StreamSlot{});
    }
  }
  PutBits(tb->disp_i, 0, kDispBits * A, 0);
  tb.Reset();

  struct Disp {
    uint64_t t0;
    Instr in;
  };
  std::vector<Disp> history;  // for idle_o and coverage
  size_t err_seen = 0;
  int reported = 0;
  auto fail = [&](const std::string &msg) {
    st.ok = false;
    if (reported++ < 8) ADD_FAILURE() << msg;
  };

  while (!m.done() && st.cycles < max_cycles && reported < 8) {
    const uint64_t c = m.cycle();
    // Inputs during cycle c: the model's registers V(c) at the VXM's neighbours.
    std::vector<tsp::StreamSlot> east_in(NS * S), west_in(NS * S);
    for (uint32_t s = 0; s < NS; ++s) {
      for (uint32_t k = 0; k < S; ++k) {
        east_in[s * S + k] = m.Stream(Dir::kEast, s, P - 1, k);
        west_in[s * S + k] = m.Stream(Dir::kWest, s, P + 1, k);
        PutSlot(tb->east_i, g, s, k, east_in[s * S + k]);
        PutSlot(tb->west_i, g, s, k, west_in[s * S + k]);
        PutSlot(tb->east_own_i, g, s, k, m.Stream(Dir::kEast, s, P, k));
        PutSlot(tb->west_own_i, g, s, k, m.Stream(Dir::kWest, s, P, k));
      }
    }
    m.Step();
    for (uint32_t a = 0; a < A; ++a) {
      const auto qv = m.Queue(q0 + a);
      PutBit(tb->disp_i, a * kDispBits + 64, qv.dispatched_this_cycle);
      PutBits(tb->disp_i, a * kDispBits, 64, qv.dispatched_this_cycle ? qv.last_word : 0);
      if (qv.dispatched_this_cycle) {
        Instr in;
        std::string derr;
        EXPECT_TRUE(tsp::Decode(qv.last_word, &in, &derr, &g)) << derr;
        history.push_back({c, in});
        ++st.dispatches;
        st.local_reads += (in.aloc || in.bloc) ? 1 : 0;
      }
    }
    tb.Eval();

    // Writes.
    std::set<std::string> wrote_kinds;
    for (uint32_t d = 0; d < 2; ++d) {
      for (uint32_t s = 0; s < NS; ++s) {
        for (uint32_t k = 0; k < S; ++k) {
          const tsp::StreamSlot rtl = d == 0 ? GetSlot(tb->east_wr_o, g, s, k) : GetSlot(tb->west_wr_o, g, s, k);
          const tsp::StreamSlot model = m.Stream(static_cast<Dir>(d), s, P, k);
          const tsp::StreamSlot &hop = d == 0 ? east_in[s * S + k] : west_in[s * S + k];
          const std::string where = std::string(d == 0 ? "E" : "W") + std::to_string(s) + " superlane " +
                                    std::to_string(k) + " cycle " + std::to_string(c);
          if (rtl.valid) {
            ++st.writes;
            if (!SameSlot(rtl, model)) {
              fail("write " + where + ": RTL " + SlotStr(rtl) + ", model register after the cycle " + SlotStr(model));
            }
          } else if (!SameSlot(hop, model)) {
            fail("no RTL write " + where + " but the model's register is " + SlotStr(model) +
                 " (the value arriving was " + SlotStr(hop) + ")");
          }
        }
      }
    }
    // Coverage: every instruction whose write is due now (L after its read at some tile) was compared.
    for (const auto &h : history) {
      const uint64_t lat = h.in.info().latency;
      if (c >= h.t0 + lat && c < h.t0 + lat + S) st.covered.insert(Kind(h.in));
    }

    // Errors of the VXM queues in this cycle.
    bool want_empty = false, want_coll = false;
    const auto &errs = m.errors();
    for (; err_seen < errs.size(); ++err_seen) {
      const auto &e = errs[err_seen];
      if (e.where.rfind("vxm", 0) != 0) {
        fail("unexpected non-VXM model error: " + e.message);
        continue;
      }
      if (e.cycle != c) fail("model error from another cycle: " + e.message);
      if (e.bit == tsp::isa::kErrEmptyRead) want_empty = true;
      if (e.bit == tsp::isa::kErrStreamCollision) want_coll = true;
      if (e.bit != tsp::isa::kErrEmptyRead && e.bit != tsp::isa::kErrStreamCollision) {
        fail("unexpected model error kind: " + e.message);
      }
    }
    const uint32_t rtl_err = tb->err_o;
    const bool got_empty = (rtl_err & tsp::isa::kErrEmptyRead) != 0;
    const bool got_coll = (rtl_err & tsp::isa::kErrStreamCollision) != 0;
    if (got_empty != want_empty) {
      fail("cycle " + std::to_string(c) + ": err_o[EmptyRead] = " + std::to_string(got_empty) + ", model " +
           std::to_string(want_empty));
    }
    if (got_coll != want_coll) {
      fail("cycle " + std::to_string(c) + ": err_o[StreamCollision] = " + std::to_string(got_coll) + ", model " +
           std::to_string(want_coll));
    }
    const uint32_t other = rtl_err & ~static_cast<uint32_t>(tsp::isa::kErrEmptyRead | tsp::isa::kErrStreamCollision);
    if (other != 0) fail("cycle " + std::to_string(c) + ": unexpected err_o bits " + std::to_string(other));
    st.empty_cycles += got_empty;
    st.collision_cycles += got_coll;

    // idle_o: no dispatched instruction reads (until t0+S-1) or writes (until t0+S-1+L) now or later.
    bool busy = false;
    for (const auto &h : history) {
      if (h.t0 + S - 1 + h.in.info().latency >= c) busy = true;
    }
    if (tb->idle_o == busy) {
      fail("cycle " + std::to_string(c) + ": idle_o = " + std::to_string(tb->idle_o) + " but busy = " +
           std::to_string(busy));
    }

    tb.Tick();
    ++st.cycles;
  }
  if (!m.done()) fail("model not done after " + std::to_string(st.cycles) + " cycles");
  // The cycle after the model's last one: the VXM is idle.
  PutBits(tb->disp_i, 0, kDispBits * A, 0);
  tb.Eval();
  EXPECT_EQ(tb->idle_o, 1) << "idle_o low in cycle " << m.cycle() << " when the model is done";
  return st;
}

// ---- Random programs ----
class Rng {
 public:
  explicit Rng(uint64_t seed) : r_(seed) {}
  uint32_t U32() { return static_cast<uint32_t>(r_()); }
  uint32_t Below(uint32_t n) { return U32() % n; }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(r_) < p; }
  uint8_t Byte() {
    static const uint8_t kBytes[] = {0x00, 0x80, 0x7F, 0xFF, 0x3F, 0xBF, 0x40, 0xC0, 0x01, 0xFE, 0x42, 0x3E};
    return Chance(0.5) ? static_cast<uint8_t>(U32()) : kBytes[Below(12)];
  }
  uint32_t F32() {
    static const uint32_t kF[] = {0x00000000, 0x80000000, 0x3F800000, 0xBF800000, 0x7F800000, 0xFF800000,
                                  0x7FC00000, 0x00000001, 0x7F7FFFFF, 0x3F000000, 0x40000000, 0x42D00000};
    return Chance(0.5) ? U32() : kF[Below(12)];
  }

 private:
  std::mt19937_64 r_;
};

uint32_t DBytes(uint32_t dtype) { return tsp::GroupWidth(dtype); }
bool IsFp(Opcode op) { return tsp::IsFloatOp(op); }  // operand helpers: tsp/vxm.h

const std::vector<Opcode> &VxmOps() {
  static const std::vector<Opcode> v = {Opcode::kVadd,  Opcode::kVsub,  Opcode::kVmul,  Opcode::kVmax,
                                        Opcode::kVrelu, Opcode::kVshl,  Opcode::kVshr,  Opcode::kVsrl,
                                        Opcode::kVmov,  Opcode::kVcvt,  Opcode::kFadd,  Opcode::kFsub,
                                        Opcode::kFmul,  Opcode::kFmax,  Opcode::kFexp,  Opcode::kFrecip,
                                        Opcode::kFrsqrt};
  return v;
}

bool HasB(Opcode op) { return tsp::VxmUsesB(op); }

// A random stream group field of `width` streams (aligned), direction random unless given.
uint32_t Group(Rng &r, const Geometry &g, uint32_t width, int dir = -1) {
  const uint32_t groups = g.streams() / width;
  const uint32_t d = dir < 0 ? r.Below(2) : static_cast<uint32_t>(dir);
  return tsp::StreamField(static_cast<Dir>(d), r.Below(groups) * width);
}

Instr RandomVxm(Rng &r, const Geometry &g, Opcode op) {
  Instr in;
  in.op = op;
  switch (op) {
    case Opcode::kVadd:
    case Opcode::kVsub:
    case Opcode::kVmul:
      in.sat = r.Below(2);
      in.dtype = r.Below(3);
      break;
    case Opcode::kVmax:
      in.dtype = r.Below(3);
      break;
    case Opcode::kVshl:
    case Opcode::kVshr:
    case Opcode::kVsrl:
      in.dtype = r.Below(3);
      in.imm = r.Below(8 * DBytes(in.dtype));
      break;
    case Opcode::kVrelu:
    case Opcode::kVmov:
      in.dtype = r.Below(4);
      break;
    case Opcode::kVcvt: {
      in.dtype = r.Below(4);
      in.stype = r.Below(4);
      static const uint32_t kScales[] = {0x3F800000, 0x3F000000, 0x40000000, 0x3B800000, 0x47800000, 0xBF800000};
      in.imm = r.Chance(0.3) ? r.F32() : kScales[r.Below(6)];
      break;
    }
    default:
      in.dtype = 3;
      break;
  }
  if (op >= Opcode::kFadd && op <= Opcode::kFmax && r.Chance(0.3)) {  // ISA v2: integer operand a
    in.aint = 1;
    in.stype = r.Below(3);
  }
  const uint32_t wsrc = tsp::VxmSourceWidth(in);
  const uint32_t wdst = tsp::VxmDestWidth(in);
  in.a = Group(r, g, wsrc);
  in.dst = Group(r, g, wdst);
  in.aloc = r.Chance(0.3);  // ISA v2: read in place at the VXM's own position
  if (HasB(op)) {
    if (r.Chance(0.25)) {
      in.bimm = 1;
      in.imm = IsFp(op) ? r.F32() : static_cast<uint32_t>(tsp::num::SignExtend(r.U32(), 8 * static_cast<int>(wdst)));
    } else {
      in.b = Group(r, g, wdst);
      in.bloc = r.Chance(0.3);
    }
  }
  return in;
}

struct GenOptions {
  uint32_t cycles = 1500;       // span of VXM dispatches
  double mem_rate = 0.9;        // probability a MEM slice starts a chunk of READs (else a short gap)
  double vxm_rate = 0.6;        // probability a VXM queue dispatches in a cycle
  double special_rate = 0.06;   // share of FEXP/FRECIP/FRSQRT among VXM instructions
  double interleave = 0.5;      // probability that the ALU goes on in a special function's odd slots
  uint64_t *interleaved = nullptr;  // counts the instructions dispatched in those slots
};

tsp::Program RandomProgram(uint64_t seed, const GenOptions &o) {
  const Geometry g = Geom();
  Rng r(seed);
  Builder b(g);
  const uint32_t M = g.mem_slices_per_hemi(), NS = g.streams();
  const uint32_t words = 48;
  for (uint32_t slice = 0; slice < g.num_mem_slices(); ++slice) {
    std::vector<uint8_t> bytes(size_t{words} * g.vl());
    for (auto &x : bytes) x = r.Byte();
    b.Mem(slice, 0, bytes);
  }
  // MEM slice i of the west hemisphere mostly feeds eastward stream i (mod NS), the east hemisphere
  // westward stream i, so the VXM sees fresh values on (almost) every stream every cycle. Reads come
  // in chunks (READ + REPEAT with address stride 1) so the queues fit the IQ depth; with fewer
  // slices than streams the stream rotates from chunk to chunk.
  const uint32_t span = o.cycles + 8;
  for (uint32_t h = 0; h < 2; ++h) {
    for (uint32_t i = 0; i < M; ++i) {
      const std::string q = std::string("mem.") + (h == 0 ? "w" : "e") + std::to_string(i);
      const Dir toward_vxm = h == 0 ? Dir::kEast : Dir::kWest;
      uint32_t t = 0;
      for (uint32_t chunk = 0; t < span; ++chunk) {
        if (!r.Chance(o.mem_rate)) {
          t += 1 + r.Below(3);
          continue;
        }
        const uint32_t len = 1 + r.Below(30);
        uint32_t s = (i + chunk * M) % NS;
        if (r.Chance(0.15)) s = r.Below(NS);
        const Dir d = r.Chance(0.05) ? static_cast<Dir>(1 - static_cast<int>(toward_vxm)) : toward_vxm;
        b.At(q, t, tsp::test::Read(r.Below(words - len + 1), tsp::StreamField(d, s)));
        if (len > 1) b.Add(q, tsp::test::Repeat(len - 1, 1, 1));
        t += len;
      }
    }
  }
  for (uint32_t a = 0; a < g.vxm_alus(); ++a) {
    const std::string q = "vxm." + std::to_string(a);
    uint64_t t = 4;
    uint64_t sf_t = 0, sf_end = 0;  // the last special function's dispatch, the end of its occupancy
    const size_t qi = g.num_mem_slices() + a;
    while (t < span && b.program().queues[qi].size() + 2 < g.iq_depth()) {
      // Inside a special function's occupancy only the odd offsets take (other) instructions
      // (ISA version 5 interleave).
      const bool inside = t < sf_end;
      if (!r.Chance(o.vxm_rate) || (inside && (t - sf_t) % 2 == 0)) {
        ++t;
        continue;
      }
      Opcode op;
      if (!inside && r.Chance(o.special_rate)) {
        op = static_cast<Opcode>(static_cast<int>(Opcode::kFexp) + static_cast<int>(r.Below(3)));
      } else {
        op = VxmOps()[r.Below(14)];
      }
      const Instr in = RandomVxm(r, g, op);
      std::string err;
      EXPECT_TRUE(tsp::Validate(in, g, &err)) << err;
      b.At(q, t, in);
      if (inside && o.interleaved) ++*o.interleaved;
      if (in.info().interleave) {
        sf_t = t;
        sf_end = t + in.info().occupancy;
        t += r.Chance(o.interleave) ? 1 : in.info().occupancy;
      } else {
        t += in.info().occupancy;
      }
    }
  }
  return b.program();
}

// Every opcode / dtype / stype / sat / bimm combination of the ISA.
std::set<std::string> AllKinds() {
  std::set<std::string> k;
  for (Opcode op : VxmOps()) {
    const auto &info = tsp::isa::Info(op);
    for (uint32_t dt = 0; dt < 4; ++dt) {
      if (!(info.dtype_mask & (1u << dt))) continue;
      const bool int_a = op >= Opcode::kFadd && op <= Opcode::kFmax;  // ISA v2: fadd.i8 .. fmax.i32
      for (uint32_t st = 0; st < (op == Opcode::kVcvt ? 4u : int_a ? 4u : 1u); ++st) {
        for (uint32_t sat = 0; sat < ((op >= Opcode::kVadd && op <= Opcode::kVmul) ? 2u : 1u); ++sat) {
          for (uint32_t bi = 0; bi < (HasB(op) ? 2u : 1u); ++bi) {
            Instr in;
            in.op = op;
            in.dtype = dt;
            in.stype = int_a ? (st == 3 ? 0 : st) : st;
            in.aint = int_a && st < 3;
            in.sat = sat;
            in.bimm = bi;
            k.insert(Kind(in));
          }
        }
      }
    }
  }
  return k;
}

// ---------------------------------------------------------------------------------------------

TEST(VxmLockstep, RandomPrograms) {
  std::set<std::string> covered;
  uint64_t writes = 0, empty = 0, coll = 0, cycles = 0, local = 0;
  const uint64_t seeds = Geom().iq_depth() >= 2048 ? 6 : 30;  // the small IQ holds short programs
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    GenOptions o;
    o.vxm_rate = seed % 3 == 0 ? 1.0 : 0.5;  // some programs dispatch back to back on every ALU
    o.mem_rate = seed % 2 ? 0.95 : 0.8;
    const Stats st = RunLockstep(RandomProgram(seed, o));
    ASSERT_TRUE(st.ok) << "seed " << seed;
    covered.insert(st.covered.begin(), st.covered.end());
    writes += st.writes;
    empty += st.empty_cycles;
    coll += st.collision_cycles;
    cycles += st.cycles;
    local += st.local_reads;
  }
  for (const auto &k : AllKinds()) EXPECT_TRUE(covered.count(k)) << "instruction kind never exercised: " << k;
  EXPECT_GT(writes, 20000u);
  EXPECT_GT(empty, 0u);  // both error kinds occur in random programs and were matched
  EXPECT_GT(coll, 0u);
  EXPECT_GT(local, 100u);  // instructions reading operands in place
  std::printf(
      "lockstep: %llu cycles, %llu stream writes compared, %llu empty-read and %llu collision cycles, "
      "%llu instructions reading in place\n",
      static_cast<unsigned long long>(cycles), static_cast<unsigned long long>(writes),
      static_cast<unsigned long long>(empty), static_cast<unsigned long long>(coll),
      static_cast<unsigned long long>(local));
}

// ISA version 5: instructions in the odd slots of running special functions, densely (every
// special function interleaved, the ALUs dispatching whenever the rule allows), against the model
// cycle by cycle: their results, and the special functions', must be unchanged by the sharing.
TEST(VxmLockstep, InterleavedSpecialFunctions) {
  uint64_t interleaved = 0;
  for (uint64_t seed = 200; seed < 203; ++seed) {
    GenOptions o;
    o.special_rate = 0.3;
    o.vxm_rate = seed == 200 ? 1.0 : 0.7;
    o.interleave = 1.0;
    o.interleaved = &interleaved;
    const Stats st = RunLockstep(RandomProgram(seed, o));
    ASSERT_TRUE(st.ok) << "seed " << seed;
    EXPECT_TRUE(st.covered.count("fexp.d3") && st.covered.count("frecip.d3") && st.covered.count("frsqrt.d3"));
    EXPECT_GT(st.writes, 1000u);
  }
  EXPECT_GT(interleaved, 200u);
  std::printf("interleave: %llu instructions dispatched in special functions' odd slots\n",
              static_cast<unsigned long long>(interleaved));
}

TEST(VxmLockstep, SpecialFunctionsDense) {
  GenOptions o;
  o.special_rate = 0.5;
  o.vxm_rate = 1.0;
  const Stats st = RunLockstep(RandomProgram(100, o));
  EXPECT_TRUE(st.ok);
  EXPECT_TRUE(st.covered.count("fexp.d3") && st.covered.count("frecip.d3") && st.covered.count("frsqrt.d3"));
}

// Data that reaches the VXM: mem.w0 READs word `w` onto eastward stream `s` at cycle t; it arrives
// at the VXM (position P, reading from P-1) in cycle t+2+1+k for superlane k.
Builder FedProgram(const Geometry &g, uint32_t cycles) {
  Builder b(g);
  Rng r(7);
  for (uint32_t slice = 0; slice < g.num_mem_slices(); ++slice) {
    std::vector<uint8_t> bytes(size_t{16} * g.vl());
    for (auto &x : bytes) x = static_cast<uint8_t>(r.U32());
    b.Mem(slice, 0, bytes);
  }
  for (uint32_t i = 0; i < g.mem_slices_per_hemi(); ++i) {
    for (uint32_t t = 0; t < cycles; ++t) {
      b.At("mem.w" + std::to_string(i), t, tsp::test::Read(t % 16, tsp::StreamField(Dir::kEast, i % g.streams())));
      b.At("mem.e" + std::to_string(i), t, tsp::test::Read((t + 5) % 16, tsp::StreamField(Dir::kWest, i % g.streams())));
    }
  }
  return b;
}

Instr V(Opcode op, uint32_t dtype, uint32_t dst, uint32_t a, uint32_t b = 0) { return tsp::test::Vop(op, dtype, dst, a, b); }

TEST(VxmDirected, BackToBackEveryOpBothDirections) {
  const Geometry g = Geom();
  if (g.mem_slices_per_hemi() < g.streams()) GTEST_SKIP() << "too few MEM slices to fill every stream";
  Builder b = FedProgram(g, 200);
  const uint32_t W4 = g.streams() >= 8 ? 4 : 0;
  // Every ordinary op, one per cycle, alternating destination direction; results never collide
  // because each op has its own latency class and destination.
  uint64_t t = 20;
  const Opcode ops[] = {Opcode::kVadd, Opcode::kVsub, Opcode::kVmul, Opcode::kVmax, Opcode::kVrelu,
                        Opcode::kVmov, Opcode::kVshl, Opcode::kVshr, Opcode::kVsrl};
  for (uint32_t dt = 0; dt < 3; ++dt) {
    for (Opcode op : ops) {
      Instr in = V(op, dt, tsp::test::W(W4), tsp::test::E(0), tsp::test::W(0));
      if (op == Opcode::kVshl || op == Opcode::kVshr || op == Opcode::kVsrl) {
        in.b = 0;
        in.imm = 3;
      }
      if (op == Opcode::kVrelu || op == Opcode::kVmov) in.b = 0;
      if (t % 2) in.dst = tsp::test::E(W4);
      b.At("vxm.0", t++, in);
    }
  }
  for (Opcode op : {Opcode::kFadd, Opcode::kFsub, Opcode::kFmul, Opcode::kFmax}) {
    b.At("vxm.0", t++, V(op, 3, (t % 2) ? tsp::test::E(0) : tsp::test::W(0), tsp::test::W(0), tsp::test::E(0)));
  }
  const Stats st = RunLockstep(b.program());
  EXPECT_TRUE(st.ok);
  EXPECT_EQ(st.collision_cycles, 0u);
  EXPECT_EQ(st.empty_cycles, 0u);
  // 9 integer ops in each of i8 / i16 / i32 (1 + 2 + 4 streams) and 4 fp32 ops (4 streams).
  EXPECT_EQ(st.writes, (9u * (1 + 2 + 4) + 4u * 4) * g.superlanes());
}

TEST(VxmDirected, CollisionBetweenAlus) {
  const Geometry g = Geom();
  if (g.vxm_alus() < 2) GTEST_SKIP() << "one VXM ALU in this geometry";
  Builder b = FedProgram(g, 60);
  b.At("vxm.0", 20, V(Opcode::kVadd, 0, tsp::test::E(0), tsp::test::E(0), tsp::test::W(0)));
  b.At("vxm.1", 20, V(Opcode::kVsub, 0, tsp::test::E(0), tsp::test::E(0), tsp::test::W(0)));
  const Stats st = RunLockstep(b.program());
  EXPECT_TRUE(st.ok);  // the model keeps vxm.1's value; the RTL must too
  EXPECT_EQ(st.collision_cycles, g.superlanes());
}

TEST(VxmDirected, CollisionWithinAluDifferentLatency) {
  const Geometry g = Geom();
  Builder b = FedProgram(g, 60);
  // FADD (L=3) at 20 and VMOV (L=2) at 21 both write E0..E3 at 23+k: the later-scheduled VMOV wins.
  b.At("vxm.0", 20, V(Opcode::kFadd, 3, tsp::test::E(0), tsp::test::E(0), tsp::test::W(0)));
  b.At("vxm.0", 21, V(Opcode::kVmov, 0, tsp::test::E(1), tsp::test::W(1)));
  // A special function's result cannot meet a later instruction's write on its own ALU: its
  // latency is at most its occupancy + 1 and every other VXM op has latency >= 2 (the spec says so,
  // checked here). FEXP at 30 and an FMUL as soon as the ALU is free write W0..3 without meeting.
  const auto &fexp = tsp::isa::Info(Opcode::kFexp), &fmul = tsp::isa::Info(Opcode::kFmul);
  ASSERT_LE(fexp.latency, fexp.occupancy + 1);
  b.At("vxm.0", 30, V(Opcode::kFexp, 3, tsp::test::W(0), tsp::test::E(0)));
  b.At("vxm.0", 30 + fexp.occupancy, V(Opcode::kFmul, 3, tsp::test::W(0), tsp::test::E(0), tsp::test::E(0)));
  ASSERT_GT(30 + fexp.occupancy + fmul.latency, 30 + fexp.latency);
  const Stats st = RunLockstep(b.program());
  EXPECT_TRUE(st.ok);
  EXPECT_EQ(st.collision_cycles, g.superlanes());
}

TEST(VxmDirected, EmptyReadPulses) {
  const Geometry g = Geom();
  Builder b(g);  // nothing feeds the streams
  b.At("vxm.0", 3, V(Opcode::kVadd, 1, tsp::test::E(0), tsp::test::E(0), tsp::test::W(2)));
  Instr imm = V(Opcode::kFmul, 3, tsp::test::W(0), tsp::test::W(0));
  imm.bimm = 1;
  imm.imm = 0x40000000;  // b is the immediate: only a is read
  b.At("vxm.0", 10, imm);
  const Stats st = RunLockstep(b.program());
  EXPECT_TRUE(st.ok);
  EXPECT_EQ(st.empty_cycles, 2 * g.superlanes());
  EXPECT_EQ(st.writes, (2u + 4u) * g.superlanes());  // results are written (valid) even so
}

// ---- ISA v2 ----

Instr Local(Instr in, bool a, bool b) {
  in.aloc = a;
  in.bloc = b;
  return in;
}

// VXM chaining: results read in place one cycle after they are written, by the same ALU and by
// the other one, in every latency class, as a and as b; reads in place of values passing through.
// Only i8 streams the MEM slices feed in both geometries (E0, E1, W0, W1) come from outside; the
// fp32 groups are VXM results.
TEST(VxmDirected, ChainsReadInPlace) {
  const Geometry g = Geom();
  Builder b = FedProgram(g, 120);
  const std::string q1 = g.vxm_alus() >= 2 ? "vxm.1" : "vxm.0";
  using tsp::test::E;
  using tsp::test::W;
  // vadd (L=2) at 20 writes W2 at 22; at 23 a vsub (the other ALU) reads it in place as a and b.
  b.At("vxm.0", 20, V(Opcode::kVadd, 0, W(2), E(0), W(0)));
  b.At(q1, 23, Local(V(Opcode::kVsub, 0, W(3), W(2), W(2)), true, true));
  // vcvt.f32.i8 (L=3) at 30 writes E0..E3 at 33; fmul at 34 reads it in place as a and b.
  Instr cvt = V(Opcode::kVcvt, 3, E(0), E(1));
  cvt.imm = 0x3F800000;
  b.At("vxm.0", 30, cvt);
  b.At("vxm.0", 34, Local(V(Opcode::kFmul, 3, W(0), E(0), E(0)), true, true));
  // frecip (latency L) at 38 reads the product in place and writes E0..E3 at 38 + L; fmax reads it
  // one cycle later.
  const uint32_t lrecip = tsp::isa::Info(Opcode::kFrecip).latency;
  b.At(q1, 38, Local(V(Opcode::kFrecip, 3, E(0), W(0)), true, false));
  b.At("vxm.0", 38 + lrecip + 1, Local(V(Opcode::kFmax, 3, W(0), E(0), E(0)), true, true));
  // Values passing through (nothing written at the VXM in the cycle before, the fmax's write at
  // 38 + lrecip + 4 two cycles earlier): one hop later.
  const uint64_t tp = std::max<uint64_t>(80, 38 + lrecip + 6);
  ASSERT_LT(tp + 4, 120u);  // inside the fed cycles
  b.At("vxm.0", tp, Local(V(Opcode::kVmov, 0, E(2), W(0)), true, false));
  b.At(q1, tp + 1, Local(V(Opcode::kVmax, 0, W(2), E(1), E(0)), true, true));
  const Stats st = RunLockstep(b.program());
  EXPECT_TRUE(st.ok);
  EXPECT_EQ(st.empty_cycles, 0u);
  EXPECT_EQ(st.collision_cycles, 0u);
  EXPECT_EQ(st.local_reads, 6u);
}

// fadd / fsub / fmul / fmax with an integer operand a of every type (.i8, .i16 from the
// neighbour, .i32 read in place from a VXM result), b a stream or an immediate.
TEST(VxmDirected, IntegerOperandA) {
  const Geometry g = Geom();
  Builder b = FedProgram(g, 120);
  using tsp::test::E;
  using tsp::test::W;
  uint64_t t = 20;
  uint32_t writes = 0;
  for (Opcode op : {Opcode::kFadd, Opcode::kFsub, Opcode::kFmul, Opcode::kFmax}) {
    for (uint32_t st = 0; st < 3; ++st) {
      Instr in = V(op, 3, (t % 2) ? E(0) : W(0), st == 0 ? E(1) : W(0));
      in.aint = 1;
      in.stype = st;
      if (st == 2) {  // vcvt.i32.i8 E0, E1 writes the i32 group E0..E3 at t+3: read it in place at t+4
        b.At("vxm.0", t, V(Opcode::kVcvt, 2, E(0), E(1)));
        t += 4;
        writes += 4;
        in.a = E(0);
        in.aloc = 1;
      }
      if (st == 1 || g.streams() < 8) {
        in.bimm = 1;
        in.imm = 0xC0400000;  // -3.0
      } else {
        in.b = W(4);
      }
      b.At("vxm.0", t++, in);
      writes += 4;
    }
  }
  const Stats st = RunLockstep(b.program());
  EXPECT_TRUE(st.ok);
  EXPECT_EQ(st.empty_cycles, 0u);
  EXPECT_EQ(st.collision_cycles, 0u);
  EXPECT_EQ(st.writes, uint64_t{writes} * g.superlanes());
  for (const char *k : {"fadd.d3.s0.aint", "fsub.d3.s1.aint.imm", "fmul.d3.s2.aint", "fmax.d3.s0.aint"}) {
    EXPECT_TRUE(st.covered.count(k) || st.covered.count(std::string(k) + ".imm")) << k;
  }
}

// An empty register at the VXM position: reads in place raise EmptyRead like any other.
TEST(VxmDirected, EmptyLocalReads) {
  const Geometry g = Geom();
  Builder b(g);  // nothing feeds the streams
  b.At("vxm.0", 3, Local(V(Opcode::kVmov, 0, tsp::test::E(1), tsp::test::E(0)), true, false));
  Instr f = Local(V(Opcode::kFadd, 3, tsp::test::W(0), tsp::test::W(0), tsp::test::E(0)), false, true);
  f.aint = 1;  // a: one i8 stream (empty, from the neighbour), b: E0..E3 in place (empty)
  b.At("vxm.0", 10, f);
  const Stats st = RunLockstep(b.program());
  EXPECT_TRUE(st.ok);
  EXPECT_EQ(st.empty_cycles, 2 * g.superlanes());
}

}  // namespace
