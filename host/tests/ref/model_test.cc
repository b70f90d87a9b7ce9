// Reference model: timing (stagger, hops, latencies), ICU, MEM, VXM, MXM, SXM and the schedule
// checker. Expected values come from plain C++ computations in this file.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "builder.h"
#include "tsp/model.h"
#include "tsp/numerics.h"

namespace tsp::test {
namespace {

using isa::Opcode;
constexpr uint32_t kI8 = 0, kI16 = 1, kI32 = 2, kF32 = 3;

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto &b : v) b = static_cast<uint8_t>(rng());
  return v;
}

Instr Vmov32(uint32_t dst, uint32_t a) { return Vop(isa::Opcode::kVmov, 3, dst, a); }

class ModelTest : public ::testing::Test {
 protected:
  Geometry g = Geometry::Default();
  uint32_t vl = g.vl();
  uint32_t S = g.superlanes();
  uint32_t w0 = g.MemSliceId(Hemi::kWest, 0);
  uint32_t w1 = g.MemSliceId(Hemi::kWest, 1);
  uint32_t e0 = g.MemSliceId(Hemi::kEast, 0);
  uint32_t pw0 = g.MemPosition(Hemi::kWest, 0);
  uint32_t pv = g.vxm_position();
};

TEST_F(ModelTest, GeometryFloorplan) {
  EXPECT_EQ(g.vl(), 64u);
  EXPECT_EQ(g.num_positions(), 21u);
  EXPECT_EQ(pv, 10u);
  EXPECT_EQ(pw0, 9u);
  EXPECT_EQ(g.MemPosition(Hemi::kWest, 7), 2u);
  EXPECT_EQ(g.MemPosition(Hemi::kEast, 0), 11u);
  EXPECT_EQ(g.queue(*g.FindQueue("sxm.w")).position, 1u);
  EXPECT_EQ(g.queue(*g.FindQueue("mxm.e")).position, 20u);
  EXPECT_EQ(g.mem_bytes(), 1048576u);  // 16 slices x 1024 words x 64 B
}

// A READ dispatched at cycle 0 writes superlane k at cycle k+2; the value then hops one position
// per cycle and falls off the edge.
TEST_F(ModelTest, ReadStaggerAndHops) {
  auto data = RandomBytes(vl, 1);
  Builder b(g);
  b.Mem(w0, 5, data).At("mem.w0", 0, Read(5, E(3)));
  Model m(g);
  std::string err;
  ASSERT_TRUE(m.LoadProgram(b.program(), &err)) << err;
  m.Start();
  // The program is done once superlane S-1's value is written (cycle S+1); the model then stops.
  uint32_t c = 0;
  while (m.Step()) {
    ++c;
    ASSERT_EQ(m.cycle(), c);
    for (uint32_t k = 0; k < S; ++k) {
      for (uint32_t p = 0; p < g.num_positions(); ++p) {
        // written at cycle k+2 at pw0 -> present at position pw0+d during cycle k+3+d
        const int64_t d = int64_t{c} - (k + 3);
        const bool expect = d >= 0 && p == pw0 + d;
        const auto &slot = m.Stream(Dir::kEast, 3, p, k);
        ASSERT_EQ(slot.valid, expect) << "cycle " << c << " k " << k << " p " << p;
        if (expect) {
          EXPECT_EQ(0, std::memcmp(slot.bytes.data(), &data[k * 16], 16));
        }
      }
    }
  }
  EXPECT_EQ(c, S + 2);
  EXPECT_TRUE(m.errors().empty());
}

// Data MEM -> VXM -> MEM with the exact timing rule; the result word is checked against C++.
TEST_F(ModelTest, MemVxmMemSaturatingAdd) {
  auto x = RandomBytes(vl, 2), y = RandomBytes(vl, 3);
  Builder b(g);
  // mem.w1 (one hop further west) dispatches one cycle earlier so both operands meet at the VXM.
  b.Mem(w0, 0, x).Mem(w1, 1, y);
  b.At("mem.w1", 0, Read(1, E(1)));  // written at 2 at p8, read by VXM (p10) at 4
  b.At("mem.w0", 1, Read(0, E(0)));  // written at 3 at p9, read by VXM at 4
  Instr add = Vop(Opcode::kVadd, kI8, W(2), E(0), E(1));
  add.sat = 1;
  b.At("vxm.0", 4, add);                // written at 6 at p10, mem.w0 reads at 7
  b.At("mem.w0", 7, Write(2, W(2)));
  Model m(g);
  auto r = LoadAndRun(m, b.program());
  ASSERT_EQ(r.status, RunStatus::kDone) << r.message;
  for (const auto &e : m.errors()) ADD_FAILURE() << e.message;
  auto out = m.ReadMem(w0, 2);
  for (uint32_t l = 0; l < vl; ++l) {
    int v = static_cast<int8_t>(x[l]) + static_cast<int8_t>(y[l]);
    v = std::min(127, std::max(-128, v));
    ASSERT_EQ(static_cast<int8_t>(out[l]), v) << "lane " << l;
  }
  // Last event: the WRITE of superlane S-1 reads at 7+S-1 and writes the bank one cycle later.
  EXPECT_EQ(r.cycles, 7u + (S - 1) + 1 + 1);
}

// Cycle count depends only on the program, never on the data.
TEST_F(ModelTest, RuntimeIndependentOfData) {
  uint64_t cycles[2];
  for (int run = 0; run < 2; ++run) {
    Builder b(g);
    b.Mem(w0, 0, RandomBytes(vl, 10u + run)).Mem(w1, 1, RandomBytes(vl, 20u + run));
    b.At("mem.w1", 0, Read(1, E(1))).At("mem.w0", 1, Read(0, E(0)));
    b.At("vxm.0", 4, Vop(Opcode::kVmul, kI8, W(2), E(0), E(1)));
    b.At("mem.w0", 7, Write(2, W(2)));
    Model m(g);
    cycles[run] = LoadAndRun(m, b.program()).cycles;
  }
  EXPECT_EQ(cycles[0], cycles[1]);
}

// Writes a vector into MEM and reads it back one superlane at a time through MEM mem_writes().
TEST_F(ModelTest, MemWritesReportedPerCycle) {
  auto x = RandomBytes(vl, 4);
  Builder b(g);
  b.Mem(w0, 0, x).At("mem.w0", 0, Read(0, W(0)));  // westward: written at p9 at k+2
  b.At("mem.w1", 0 + 3, Write(7, W(0)));            // mem.w1 (p8) reads at k+3
  Model m(g);
  std::string err;
  ASSERT_TRUE(m.LoadProgram(b.program(), &err)) << err;
  m.Start();
  std::vector<uint64_t> write_cycles;
  while (m.Step()) {
    for (const auto &w : m.mem_writes()) {
      EXPECT_EQ(w.slice, w1);
      EXPECT_EQ(w.addr, 7u);
      EXPECT_EQ(0, std::memcmp(w.data.data(), &x[w.superlane * 16], 16));
      write_cycles.push_back(m.cycle() - 1);
    }
  }
  ASSERT_EQ(write_cycles.size(), S);
  for (uint32_t k = 0; k < S; ++k) EXPECT_EQ(write_cycles[k], 3u + k + 1);  // bank write one cycle after read
  EXPECT_EQ(m.ReadMem(w1, 7), x);
}

// ---------------------------------------------------------------------------------------------
// ICU
// ---------------------------------------------------------------------------------------------
TEST_F(ModelTest, RepeatWithStrideAndGap) {
  std::vector<uint8_t> img(size_t{vl} * 4);
  for (size_t i = 0; i < img.size(); ++i) img[i] = static_cast<uint8_t>(i * 7 + 3);
  Builder b(g);
  b.Mem(w0, 10, img);
  // read 10, 11, 12, 13 at cycles 0, 3, 6, 9 onto W0; mem.w1 writes them to 20.. at +3
  b.At("mem.w0", 0, Read(10, W(0))).Add("mem.w0", Repeat(3, 3, 1));
  b.At("mem.w1", 3, Write(20, W(0))).Add("mem.w1", Repeat(3, 3, 1));
  Model m(g);
  auto r = LoadAndRun(m, b.program());
  ASSERT_EQ(r.status, RunStatus::kDone);
  EXPECT_TRUE(m.errors().empty()) << m.errors()[0].message;
  for (uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(m.ReadMem(w1, 20 + i), std::vector<uint8_t>(img.begin() + i * vl, img.begin() + (i + 1) * vl));
  }
  EXPECT_EQ(m.Queue(b.Q("mem.w0")).dispatched, 4u);
  // last write dispatched at 12, superlane S-1 reads at 12+S-1, bank write one cycle later
  EXPECT_EQ(r.cycles, 12u + S - 1 + 1 + 1);
}

TEST_F(ModelTest, NopCountsCycles) {
  Builder b(g);
  b.Add("vxm.0", Nop(1000));
  Model m(g);
  auto r = LoadAndRun(m, b.program());
  EXPECT_EQ(r.status, RunStatus::kDone);
  EXPECT_EQ(r.cycles, 1000u);
}

TEST_F(ModelTest, SyncNotifyBarrier) {
  auto x = RandomBytes(vl, 5);
  Builder b(g);
  b.Mem(w0, 0, x);
  b.Add("mem.w0", Op(Opcode::kSync)).Add("mem.w0", Read(0, W(0)));
  b.Add("mem.w1", Op(Opcode::kSync)).Add("mem.w1", Write(1, W(0)));
  // vxm.0 notifies at cycle 50: both parked queues dispatch at 50 + NotifyLatency.
  b.At("vxm.0", 50, Op(Opcode::kNotify));
  // mem.w1 must dispatch its write 3 cycles after the read: give it a NOP after the barrier.
  Program p = b.program();
  auto &q1 = p.queues[b.Q("mem.w1")];
  q1.insert(q1.begin() + 1, Encode(Nop(3)));
  Model m(g);
  std::vector<uint64_t> read_dispatch;
  m.SetCycleHook([&](const Model &mm) {
    if (mm.Queue(b.Q("mem.w0")).dispatched_this_cycle) read_dispatch.push_back(mm.cycle() - 1);
  });
  auto r = LoadAndRun(m, p);
  ASSERT_EQ(r.status, RunStatus::kDone) << r.message;
  ASSERT_EQ(read_dispatch.size(), 1u);
  EXPECT_EQ(read_dispatch[0], 50u + isa::kNotifyLatency);
  EXPECT_TRUE(m.errors().empty()) << m.errors()[0].message;
  EXPECT_EQ(m.ReadMem(w1, 1), x);
}

TEST_F(ModelTest, SyncWithoutNotifyIsDeadlockNotHang) {
  Builder b(g);
  b.Add("mem.w0", Op(Opcode::kSync)).Add("mem.w0", Read(0, W(0)));
  Model m(g);
  auto r = LoadAndRun(m, b.program(), 1000000);
  EXPECT_EQ(r.status, RunStatus::kDeadlock);
  EXPECT_LT(r.cycles, 10u);
}

TEST_F(ModelTest, TimeoutReported) {
  Builder b(g);
  b.Add("vxm.0", Nop(500));
  Model m(g);
  auto r = LoadAndRun(m, b.program(), 100);
  EXPECT_EQ(r.status, RunStatus::kTimeout);
  EXPECT_EQ(r.cycles, 100u);
}

// ---------------------------------------------------------------------------------------------
// Schedule checker
// ---------------------------------------------------------------------------------------------
TEST_F(ModelTest, CheckerStreamCollision) {
  Builder b(g);
  // vxm.0 and vxm.1 both write E0 at the VXM position in the same cycles.
  b.Mem(w0, 0, RandomBytes(vl, 6)).At("mem.w0", 0, Read(0, E(0)));
  b.At("vxm.0", 3, Vop(Opcode::kVmov, kI8, E(1), E(0)));
  b.At("vxm.1", 3, Vop(Opcode::kVmov, kI8, E(1), E(0)));
  Model m(g);
  LoadAndRun(m, b.program());
  ASSERT_FALSE(m.errors().empty());
  EXPECT_TRUE(m.error_bits() & isa::kErrStreamCollision);
  EXPECT_EQ(m.errors()[0].cycle, 5u);  // VMOV latency 2: written at 3 + 2
  EXPECT_NE(m.errors()[0].message.find("E1"), std::string::npos) << m.errors()[0].message;
  EXPECT_NE(m.errors()[0].message.find("superlane 0"), std::string::npos);
}

TEST_F(ModelTest, CheckerEmptyRead) {
  Builder b(g);
  b.At("vxm.0", 0, Vop(Opcode::kVmov, kI8, E(1), E(0)));
  Model m(g);
  LoadAndRun(m, b.program());
  ASSERT_EQ(m.errors().size(), S);  // one per superlane
  EXPECT_EQ(m.error_bits(), uint32_t{isa::kErrEmptyRead});
  EXPECT_EQ(m.errors()[0].where, "vxm.0");
  EXPECT_NE(m.errors()[0].message.find("stream E0"), std::string::npos);
}

// ISA v2 VXM chaining: an operand written @W2 is read from the VXM's own register. A VXM result
// written at cycle w is there during w+1 only (then it hops on), so a consumer reads it in place
// exactly one cycle after the write: one cycle earlier the register is empty, one cycle later it
// holds what arrived from the neighbour (here: nothing).
TEST_F(ModelTest, VxmChainReadsInPlaceOneCycleAfterTheWrite) {
  auto x = RandomBytes(vl, 21);
  for (int64_t delta : {-1, 0, 1}) {
    SCOPED_TRACE("consumer dispatched at w+1" + std::string(delta < 0 ? "-1" : delta > 0 ? "+1" : ""));
    Builder b(g);
    b.Mem(w0, 0, x).At("mem.w0", 0, Read(0, E(0)));               // written at 2 at p9, the VXM reads it at 3
    b.At("vxm.0", 3, Vop(Opcode::kVadd, kI8, W(2), E(0), E(0)));  // 2x, written at 5 (L = 2)
    Instr inc = Vop(Opcode::kVadd, kI8, W(4), W(2));
    inc.aloc = 1;  // vadd.i8 W4, @W2, #1
    inc.bimm = 1;
    inc.imm = 1;
    const uint64_t t = static_cast<uint64_t>(6 + delta);
    b.At("vxm.1", t, inc);  // written at t+2, mem.w0 reads W4 at t+3
    b.At("mem.w0", t + 3, Write(5, W(4)));
    Model m(g);
    auto r = LoadAndRun(m, b.program());
    ASSERT_EQ(r.status, RunStatus::kDone) << r.message;
    if (delta != 0) {
      ASSERT_EQ(m.errors().size(), S);  // EmptyRead at every superlane
      EXPECT_EQ(m.error_bits(), uint32_t{isa::kErrEmptyRead});
      EXPECT_EQ(m.errors()[0].where, "vxm.1");
      EXPECT_EQ(m.errors()[0].cycle, t);
      EXPECT_NE(m.errors()[0].message.find("reads stream @W2 superlane 0 at vxm (in place)"),
                std::string::npos)
          << m.errors()[0].message;
      continue;
    }
    for (const auto &e : m.errors()) ADD_FAILURE() << e.message;
    auto out = m.ReadMem(w0, 5);
    for (uint32_t l = 0; l < vl; ++l) ASSERT_EQ(out[l], static_cast<uint8_t>(2 * x[l] + 1)) << "lane " << l;
  }
}

// Chains through several VXM instructions of both ALUs and both latency classes, b in place too:
// y = fmul(fadd(a, a), a) with every intermediate read in place.
TEST_F(ModelTest, VxmChainAcrossAlusAndLatencies) {
  std::vector<uint8_t> planes[4];
  std::vector<float> a(vl);
  for (uint32_t l = 0; l < vl; ++l) a[l] = 0.25f * static_cast<float>(static_cast<int>(l) - 20);
  for (uint32_t i = 0; i < 4; ++i) {
    planes[i].resize(vl);
    for (uint32_t l = 0; l < vl; ++l) {
      uint32_t bits = 0;
      std::memcpy(&bits, &a[l], 4);
      planes[i][l] = static_cast<uint8_t>(bits >> (8 * i));
    }
  }
  Builder b(g);
  for (uint32_t i = 0; i < 4; ++i) {  // a on E0..E3 from mem.w0..w3, all at the VXM during cycle 8
    b.Mem(g.MemSliceId(Hemi::kWest, i), 0, planes[i]).At("mem.w" + std::to_string(i), 5 - i, Read(0, E(i)));
  }
  b.At("vxm.0", 8, Vmov32(E(4), E(0)));                    // copy of a: E4..E7 written at 10
  Instr add = Vop(Opcode::kFadd, kF32, W(0), E(0), E(4));  // a + copy, read at 11: E0 has hopped on
  add.bloc = 1;                                            // ... so read the copy @E4 in place
  add.a = E(4);
  add.aloc = 1;  // fadd W0, @E4, @E4 at 11, written at 14
  b.At("vxm.1", 11, add);
  Instr mul = Vop(Opcode::kFmul, kF32, W(4), W(0), W(0));  // fmul W4, @W0, #0.5 at 15, written at 18
  mul.aloc = 1;
  mul.b = 0;
  mul.bimm = 1;
  mul.imm = 0x3F000000;
  b.At("vxm.0", 15, mul);
  for (uint32_t i = 0; i < 4; ++i) b.At("mem.w" + std::to_string(i), 19 + i, Write(7, W(4 + i)));
  Model m(g);
  auto r = LoadAndRun(m, b.program());
  ASSERT_EQ(r.status, RunStatus::kDone) << r.message;
  for (const auto &e : m.errors()) ADD_FAILURE() << e.message;
  for (uint32_t l = 0; l < vl; ++l) {
    uint32_t bits = 0;
    for (uint32_t i = 0; i < 4; ++i)
      bits |= uint32_t{m.ReadMem(g.MemSliceId(Hemi::kWest, i), 7)[l]} << (8 * i);
    float y = 0;
    std::memcpy(&y, &bits, 4);
    ASSERT_EQ(y, a[l]) << "lane " << l;  // (a + a) * 0.5, exact
  }
}

// A value passing the VXM (nobody at the VXM writes it) is in the VXM's register one cycle after
// the upstream neighbour's: read in place, it is one hop further than a normal read.
TEST_F(ModelTest, VxmReadsPassingValueInPlace) {
  auto x = RandomBytes(vl, 22);
  for (uint64_t t : {3u, 4u}) {
    Builder b(g);
    b.Mem(w0, 0, x).At("mem.w0", 0, Read(0, E(0)));  // at p9 during 3, at the VXM (p10) during 4
    Instr mov = Vop(Opcode::kVmov, kI8, W(1), E(0));
    mov.aloc = 1;
    b.At("vxm.0", t, mov);
    b.At("mem.w0", t + 3, Write(3, W(1)));
    Model m(g);
    LoadAndRun(m, b.program());
    if (t == 3) {  // one cycle early: still at the neighbour
      EXPECT_EQ(m.error_bits(), uint32_t{isa::kErrEmptyRead});
      continue;
    }
    for (const auto &e : m.errors()) ADD_FAILURE() << e.message;
    EXPECT_EQ(m.ReadMem(w0, 3), x);
  }
}

// EmptyRead on an empty local register is reported like any other empty read.
TEST_F(ModelTest, CheckerEmptyLocalRead) {
  Builder b(g);
  Instr in = Vop(Opcode::kFsub, kF32, E(4), W(0), E(0));
  in.bloc = 1;  // a from the neighbour (empty), b in place (empty): 8 streams x S superlanes
  b.At("vxm.1", 2, in);
  Model m(g);
  LoadAndRun(m, b.program());
  ASSERT_EQ(m.errors().size(), 8 * S);
  EXPECT_EQ(m.error_bits(), uint32_t{isa::kErrEmptyRead});
  uint32_t in_place = 0;
  for (const auto &e : m.errors()) in_place += e.message.find("(in place)") != std::string::npos;
  EXPECT_EQ(in_place, 4 * S);
}

TEST_F(ModelTest, CheckerBankConflict) {
  Builder b(g);
  b.Mem(w0, 0, RandomBytes(vl, 7)).At("mem.w0", 0, Read(0, W(0)));
  // mem.w1 writes word 3 (bank 0) at cycle 3 (bank access 4) and reads word 5 (bank 0) at 4.
  b.At("mem.w1", 3, Write(3, W(0))).At("mem.w1", 4, Read(5, W(1)));
  Model m(g);
  LoadAndRun(m, b.program());
  EXPECT_TRUE(m.error_bits() & isa::kErrBankConflict);
  ASSERT_FALSE(m.errors().empty());
  EXPECT_EQ(m.errors()[0].cycle, 4u);
  // Same pair with the read in the other bank is legal.
  Builder b2(g);
  b2.Mem(w0, 0, RandomBytes(vl, 7)).At("mem.w0", 0, Read(0, W(0)));
  b2.At("mem.w1", 3, Write(3, W(0))).At("mem.w1", 4, Read(g.words_per_bank() + 5, W(1)));
  Model m2(g);
  LoadAndRun(m2, b2.program());
  EXPECT_TRUE(m2.errors().empty()) << m2.errors()[0].message;
}

TEST_F(ModelTest, CheckerUnitBusy) {
  Builder b(g);
  // An f32 operand on E0..E3: mem.w<i> (position 9-i) dispatches at 3-i so all meet at the VXM at 6.
  for (uint32_t i = 0; i < 4; ++i) {
    const uint32_t slice = g.MemSliceId(Hemi::kWest, i);
    b.Mem(slice, 0, RandomBytes(vl, 8 + i)).At("mem.w" + std::to_string(i), 3 - i, Read(0, E(i)));
  }
  // FEXP occupies the ALU for its occupancy (more than 10 cycles); a second instruction 10 cycles
  // later is an error.
  const uint32_t occ = tsp::isa::Info(Opcode::kFexp).occupancy;
  ASSERT_GT(occ, 10u);
  b.At("vxm.0", 6, Vop(Opcode::kFexp, kF32, W(4), E(0)));
  b.At("vxm.0", 16, Vop(Opcode::kVmov, kI8, W(0), E(0)));
  Model m(g);
  LoadAndRun(m, b.program());
  int busy = 0;
  for (const auto &er : m.errors()) {
    if (er.bit == isa::kErrUnitBusy) {
      ++busy;
      EXPECT_EQ(er.cycle, 16u);
      EXPECT_NE(er.message.find("busy until cycle " + std::to_string(6 + occ)), std::string::npos) << er.message;
    } else if (er.bit != isa::kErrEmptyRead) {  // the VMOV at 16 finds no data on E0
      ADD_FAILURE() << er.message;
    }
  }
  EXPECT_EQ(busy, 1);
}

// ISA version 5: FEXP, FRECIP and FRSQRT interleave. Inside their occupancy an instruction without
// interleave may dispatch at an odd offset (and leaves the occupancy running), not at an even one;
// another special function may not dispatch at all.
TEST_F(ModelTest, CheckerInterleave) {
  const uint32_t occ = tsp::isa::Info(Opcode::kFexp).occupancy;
  ASSERT_TRUE(tsp::isa::Info(Opcode::kFexp).interleave);
  ASSERT_FALSE(tsp::isa::Info(Opcode::kFmul).interleave);
  struct Case {
    Opcode second;
    uint32_t offset;
    bool busy;
  };
  const Case cases[] = {{Opcode::kVmov, 1, false},      {Opcode::kVmov, occ - 2, false}, {Opcode::kVmov, 2, true},
                        {Opcode::kVmov, occ - 1, true}, {Opcode::kFrecip, 1, true},      {Opcode::kFexp, occ, false}};
  for (const Case &c : cases) {
    Builder b(g);
    b.At("vxm.0", 6, Vop(Opcode::kFexp, kF32, W(4), E(0)));
    b.At("vxm.0", 6 + c.offset, Vop(c.second, c.second == Opcode::kVmov ? kI8 : kF32, W(0), E(0)));
    // A third instruction two cycles after an ordinary second one: inside the FEXP's occupancy
    // only when the second one was interleaved (then at an odd offset: legal, the occupancy runs on).
    if (!tsp::isa::Info(c.second).interleave) b.At("vxm.0", 6 + c.offset + 2, Vop(Opcode::kVmov, kI8, W(1), E(1)));
    Model m(g);
    LoadAndRun(m, b.program());
    std::vector<uint64_t> busy;
    for (const auto &er : m.errors()) {
      if (er.bit == isa::kErrUnitBusy) busy.push_back(er.cycle);
    }
    const std::string what = fmt::format("{} at +{}", tsp::isa::Info(c.second).mnemonic, c.offset);
    if (c.busy) {
      ASSERT_FALSE(busy.empty()) << what;
      EXPECT_EQ(busy[0], 6u + c.offset) << what;
    } else {
      EXPECT_TRUE(busy.empty()) << what << ": UnitBusy at " << busy[0];
    }
  }
}

TEST_F(ModelTest, LoadRejectsForeignGeometryAndWrongUnit) {
  Geometry small = *Geometry::FromName("small");
  Builder b(small);
  Model m(g);
  std::string err;
  EXPECT_FALSE(m.LoadProgram(b.program(), &err));
  EXPECT_NE(err.find("program built for S=2"), std::string::npos) << err;
  Builder b2(g);
  b2.At("mem.w0", 0, Vop(Opcode::kVadd, kI8, E(0), E(1), E(2)));
  EXPECT_FALSE(m.LoadProgram(b2.program(), &err));
  EXPECT_NE(err.find("mem.w0"), std::string::npos) << err;
}

}  // namespace
}  // namespace tsp::test
