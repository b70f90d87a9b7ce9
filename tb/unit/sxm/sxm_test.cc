// tsp_sxm against the reference model (cycle-by-cycle lockstep of every stream register at the
// SXM's position, error bits and idle_o; see slice_lockstep.h) and against plain C++: the
// result vectors of SHUP/SHDN/PERM/DIST/TRANS/RSUM/RMAX are recomputed here from the ISA
// semantics (fp32 with tsp::num, itself checked against the host FPU in host/tests/num).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <random>

#include "Vtsp_sxm_tb.h"
#include "slice_lockstep.h"
#include "tsp/numerics.h"

namespace tsp::tb {
namespace {

using isa::Opcode;
using test::Builder;
using test::E;
using test::Op;
using test::W;
using Lockstep = SliceLockstep<Vtsp_sxm_tb>;

Geometry TbGeometry() {
#ifdef TSP_TB_SMALL
  return *Geometry::FromName("small");
#else
  return Geometry::Default();
#endif
}

constexpr uint32_t kF32NaN = 0x7FC00000u, kInf = 0x7F800000u, kNegInf = 0xFF800000u, kNegZero = 0x80000000u;

uint32_t Mask(uint32_t w) { return w >= 4 ? 0xFFFFFFFFu : ((1u << (8 * w)) - 1u); }

std::vector<uint32_t> RandomLanes(uint32_t n, uint32_t w, std::mt19937 &rng) {
  std::vector<uint32_t> v(n);
  for (auto &x : v) x = static_cast<uint32_t>(rng()) & Mask(w);
  return v;
}

Instr SxmOp(Opcode op, uint32_t dtype, uint32_t dst, uint32_t a, uint32_t b = 0, uint32_t imm = 0) {
  Instr in = Op(op);
  in.dtype = dtype;
  in.dst = dst;
  in.a = a;
  in.b = b;
  in.imm = imm;
  return in;
}

class SxmTest : public ::testing::Test {
 protected:
  Geometry g = TbGeometry();
  uint32_t S = g.superlanes(), VL = g.vl(), NS = g.streams();
  std::string queue = "sxm.w";
  uint32_t pos = g.queue(*g.FindQueue("sxm.w")).position;
  static constexpr uint64_t kT = 24;  // dispatch cycle of the instruction under test

  // Feeds operand group a (lane values of w bytes) on streams 0..w-1 so that the SXM reads it at
  // superlane k in cycle kT + k (and `rows` further vectors in the following cycles when
  // `extra` is given), plus an optional byte map on stream NS-1. Returns the stream fields.
  std::pair<uint32_t, uint32_t> FeedOperands(Builder &b, const std::vector<std::vector<uint32_t>> &rows, uint32_t w,
                                             const std::vector<uint8_t> *map, uint64_t T = kT) {
    const auto slices = SlicesNear(g, pos);
    uint32_t sf_a = 0, sf_b = 0;
    for (uint32_t p = 0; p < w; ++p) {
      std::vector<std::vector<uint8_t>> vecs;
      for (const auto &r : rows) vecs.push_back(Planes(r, w)[p]);
      const uint32_t sf = Feed(b, g, slices[p], p, pos, T, vecs, 0);
      if (p == 0) sf_a = sf;
    }
    if (map) sf_b = Feed(b, g, slices[w], NS - 1, pos, T, {*map}, 100);
    return {sf_a, sf_b};
  }

  // Runs one SXM instruction at kT with operand a (and map) and returns the dst vector written at
  // superlane k in cycle kT + k + latency.
  std::vector<uint32_t> RunOne(Instr op, const std::vector<uint32_t> &a, const std::vector<uint8_t> *map,
                               uint32_t dst) {
    Builder b(g);
    const uint32_t w = GroupWidth(op.dtype);
    auto [sf_a, sf_b] = FeedOperands(b, {a}, w, map);
    op.a = sf_a;
    op.b = map ? sf_b : 0;
    op.dst = dst;
    b.At(queue, kT, op);
    Lockstep ls(g, queue);
    EXPECT_TRUE(ls.Run(b.program())) << Disassemble(op);
    EXPECT_TRUE(ls.model_errors().empty()) << ls.model_errors()[0].message;
    return ls.Vector(dst, w, kT + op.info().latency);
  }
};

// ---------------------------------------------------------------------------------------------
TEST_F(SxmTest, ShiftUpAndDownEveryTypeAndAmount) {
  std::mt19937 rng(11);
  const std::vector<uint32_t> amounts = {0, 1, 15, 16, VL - 1, VL, VL + 3, 0xFFFFFFFFu};
  for (uint32_t dt = 0; dt < 4; ++dt) {
    const uint32_t w = GroupWidth(dt);
    for (uint32_t n : amounts) {
      for (Opcode op : {Opcode::kShup, Opcode::kShdn}) {
        SCOPED_TRACE(fmt::format("{} dtype {} n {}", isa::Info(op).mnemonic, dt, n));
        const auto a = RandomLanes(VL, w, rng);
        const uint32_t dst = (n & 1) ? W(NS - w) : E(0);
        const auto out = RunOne(SxmOp(op, dt, 0, 0, 0, n), a, nullptr, dst);
        for (uint32_t l = 0; l < VL; ++l) {
          uint32_t want = 0;
          if (op == Opcode::kShup) {
            want = l >= n ? a[l - n] : 0;
          } else {
            want = uint64_t{l} + n < VL ? a[l + n] : 0;
          }
          ASSERT_EQ(out[l], want) << "lane " << l;
        }
      }
    }
  }
}

TEST_F(SxmTest, PermuteWithZeroEntriesAndWrappingIndices) {
  std::mt19937 rng(12);
  for (uint32_t dt = 0; dt < 4; ++dt) {
    SCOPED_TRACE(fmt::format("dtype {}", dt));
    const uint32_t w = GroupWidth(dt);
    if (w + 1 > g.num_mem_slices()) continue;  // not enough MEM slices to feed group and map
    const auto a = RandomLanes(VL, w, rng);
    std::vector<uint8_t> map(VL);
    for (uint32_t l = 0; l < VL; ++l) {
      const uint32_t r = rng() % 8;
      map[l] = r == 0 ? 0xFF : static_cast<uint8_t>(rng());  // 0xFF zeroes; any other byte is taken mod VL
    }
    map[0] = 0xFE;
    map[1] = static_cast<uint8_t>(VL - 1);
    map[2] = static_cast<uint8_t>(VL);
    const auto out = RunOne(SxmOp(Opcode::kPerm, dt, 0, 0), a, &map, W(0));
    for (uint32_t l = 0; l < VL; ++l) {
      const uint32_t want = map[l] == 0xFF ? 0 : a[map[l] % VL];
      ASSERT_EQ(out[l], want) << "lane " << l << " map " << int{map[l]};
    }
  }
}

TEST_F(SxmTest, DistributeWithinSuperlanes) {
  std::mt19937 rng(13);
  for (uint32_t dt = 0; dt < 4; ++dt) {
    SCOPED_TRACE(fmt::format("dtype {}", dt));
    const uint32_t w = GroupWidth(dt);
    if (w + 1 > g.num_mem_slices()) continue;  // not enough MEM slices to feed group and map
    const auto a = RandomLanes(VL, w, rng);
    std::vector<uint8_t> map(VL);
    for (auto &m : map) m = static_cast<uint8_t>(rng());  // bit 7 zeroes, bits 6:4 are ignored
    map[3] = 0x80;
    map[4] = 0x7F;
    const auto out = RunOne(SxmOp(Opcode::kDist, dt, 0, 0), a, &map, E(NS - w));
    for (uint32_t l = 0; l < VL; ++l) {
      const uint32_t k = l / 16;
      const uint32_t want = (map[l] & 0x80) ? 0 : a[k * 16 + (map[l] & 15u)];
      ASSERT_EQ(out[l], want) << "lane " << l << " map " << int{map[l]};
    }
  }
}

// Two TRANS blocks 16 cycles apart (back to back, the occupancy) and a third after a gap of 20:
// rows feed continuously; column j of block n is written at superlane k in t_n + k + 17 + j.
TEST_F(SxmTest, TransposeBackToBackEveryType) {
  std::mt19937 rng(14);
  for (uint32_t dt = 0; dt < 4; ++dt) {
    SCOPED_TRACE(fmt::format("dtype {}", dt));
    const uint32_t w = GroupWidth(dt);
    const std::vector<uint64_t> starts = {kT, kT + 16, kT + 36};
    std::vector<std::vector<uint32_t>> rows(56);  // rows for cycles kT .. kT+55
    for (auto &r : rows) r = RandomLanes(VL, w, rng);
    Builder b(g);
    auto [sf_a, sf_b] = FeedOperands(b, rows, w, nullptr);
    (void)sf_b;
    const uint32_t dst = dt == 1 ? E(0) : W(0);
    for (uint64_t t : starts) b.At(queue, t, SxmOp(Opcode::kTrans, dt, dst, sf_a));
    Lockstep ls(g, queue);
    ASSERT_TRUE(ls.Run(b.program()));
    EXPECT_TRUE(ls.model_errors().empty());
    for (uint64_t t : starts) {
      for (uint32_t j = 0; j < 16; ++j) {
        const auto col = ls.Vector(dst, w, t + isa::Info(Opcode::kTrans).latency + j);
        for (uint32_t l = 0; l < VL; ++l) {
          const uint32_t k = l / 16, i = l % 16;
          ASSERT_EQ(col[l], rows[t - kT + i][k * 16 + j]) << "block at " << t << " column " << j << " lane " << l;
        }
      }
    }
  }
}

// The pairwise tree of the ISA: level after level v[i] = op(v[2i], v[2i+1]), odd element carried.
uint32_t Tree(std::vector<uint32_t> v, bool is_max, bool is_f) {
  while (v.size() > 1) {
    std::vector<uint32_t> n((v.size() + 1) / 2);
    for (size_t i = 0; i + 1 < v.size(); i += 2) {
      const uint32_t x = v[i], y = v[i + 1];
      if (is_f) {
        n[i / 2] = is_max ? num::FMax(x, y) : num::FAdd(x, y);
      } else {
        n[i / 2] = is_max ? (static_cast<int32_t>(x) < static_cast<int32_t>(y) ? y : x) : x + y;
      }
    }
    if (v.size() % 2) n.back() = v.back();
    v.swap(n);
  }
  return v[0];
}

uint32_t F(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

TEST_F(SxmTest, ReductionsIntAndFloatWithSpecials) {
  std::mt19937 rng(15);
  std::vector<std::pair<std::string, std::vector<uint32_t>>> cases;
  cases.push_back({"random i32", RandomLanes(VL, 4, rng)});
  std::vector<uint32_t> ext(VL, 0x7FFFFFFFu);
  ext[5] = 0x80000000u;
  cases.push_back({"extremes (wrapping)", ext});
  std::vector<uint32_t> f(VL);
  std::uniform_real_distribution<float> dist(-1000.f, 1000.f);
  for (auto &x : f) x = F(dist(rng));
  cases.push_back({"random f32", f});
  auto with = [&](std::vector<std::pair<uint32_t, uint32_t>> set) {
    auto v = f;
    for (auto [l, x] : set) v[l % VL] = x;
    return v;
  };
  cases.push_back({"NaN", with({{7, kF32NaN}})});
  cases.push_back({"signalling NaN", with({{VL - 1, 0x7F800001u}})});
  cases.push_back({"+inf", with({{3, kInf}})});
  cases.push_back({"inf - inf", with({{0, kInf}, {VL - 1, kNegInf}})});
  cases.push_back({"-inf only", with({{9, kNegInf}})});
  std::vector<uint32_t> zeros(VL, kNegZero);
  cases.push_back({"all -0", zeros});
  zeros[VL / 2] = 0;
  cases.push_back({"-0 and one +0", zeros});
  std::vector<uint32_t> den(VL, 0x00000001u);  // denormals (read as zero)
  den[1] = 0x80400000u;
  den[2] = F(1.0f);
  cases.push_back({"denormals", den});
  std::vector<uint32_t> cancel(VL, F(1e30f));
  for (uint32_t l = 0; l < VL; l += 2) cancel[l + 1] = F(-1e30f);
  cancel[4] = F(3.5f);
  cases.push_back({"cancellation", cancel});
  std::vector<uint32_t> big(VL, 0x7F7FFFFFu);  // overflow to inf
  cases.push_back({"FLT_MAX sum", big});

  for (const auto &[name, v] : cases) {
    for (uint32_t dt : {2u, 3u}) {
      for (Opcode op : {Opcode::kRsum, Opcode::kRmax}) {
        SCOPED_TRACE(fmt::format("{} {} {}", name, isa::Info(op).mnemonic, dt == 3 ? "f32" : "i32"));
        const auto out = RunOne(SxmOp(op, dt, 0, 0), v, nullptr, dt == 3 ? W(NS - 4) : E(0));
        const uint32_t want = Tree(v, op == Opcode::kRmax, dt == 3);
        for (uint32_t l = 0; l < VL; ++l) ASSERT_EQ(out[l], want) << "lane " << l << fmt::format(" 0x{:08x}", out[l]);
      }
    }
  }
}

// Reductions at the occupancy (every OccRsum cycles, 14 since ISA version 4) with different operands
// each.
TEST_F(SxmTest, ReductionsBackToBack) {
  std::mt19937 rng(16);
  const uint64_t occ = isa::Info(Opcode::kRsum).occupancy;
  ASSERT_EQ(isa::Info(Opcode::kRmax).occupancy, occ);
  std::vector<std::vector<uint32_t>> rows(3 * occ + 1);
  for (auto &r : rows) r = RandomLanes(VL, 4, rng);
  Builder b(g);
  auto [sf_a, sf_b] = FeedOperands(b, rows, 4, nullptr);
  (void)sf_b;
  const std::vector<std::pair<uint64_t, Instr>> ops = {
      {kT, SxmOp(Opcode::kRsum, 2, E(0), sf_a)},
      {kT + occ, SxmOp(Opcode::kRmax, 3, E(4 % NS), sf_a)},
      {kT + 2 * occ, SxmOp(Opcode::kRsum, 3, W(0), sf_a)},
      {kT + 3 * occ, SxmOp(Opcode::kRmax, 2, E(0), sf_a)}};
  for (const auto &[t, in] : ops) b.At(queue, t, in);
  Lockstep ls(g, queue);
  ASSERT_TRUE(ls.Run(b.program()));
  for (const auto &[t, in] : ops) {
    const auto out = ls.Vector(in.dst, 4, t + in.info().latency);
    const uint32_t want = Tree(rows[t - kT], in.op == Opcode::kRmax, in.dtype == 3);
    for (uint32_t l = 0; l < VL; ++l) ASSERT_EQ(out[l], want) << "op at " << t << " lane " << l;
  }
}

// One instruction of every kind every cycle where the occupancy allows, mixed types.
TEST_F(SxmTest, MixedStreamOfOperations) {
  if (g.num_mem_slices() < 5) GTEST_SKIP() << "needs 5 MEM slices to feed a 4-stream group and a map";
  std::mt19937 rng(17);
  std::vector<std::vector<uint32_t>> rows(80);
  for (auto &r : rows) r = RandomLanes(VL, 4, rng);
  std::vector<uint8_t> map(VL);
  for (auto &m : map) m = static_cast<uint8_t>(rng());
  Builder b(g);
  auto [sf_a, sf_b] = FeedOperands(b, rows, 4, nullptr);
  (void)sf_b;
  const uint32_t sf_m = Feed(b, g, SlicesNear(g, pos)[4], NS - 1, pos, kT, std::vector<std::vector<uint8_t>>(60, map), 200);
  uint64_t t = kT;
  // SHUP / SHDN / PERM hold the shared crossbar for their occupancy (S cycles at least).
  const uint64_t xocc = isa::Info(Opcode::kShup).occupancy;
  ASSERT_GE(xocc, S);
  b.At(queue, t, SxmOp(Opcode::kShup, 0, E(1), sf_a, 0, 5));
  t += xocc;
  b.At(queue, t, SxmOp(Opcode::kShdn, 1, E(2), sf_a + 2, 0, 17));
  t += xocc;
  b.At(queue, t, SxmOp(Opcode::kPerm, 2, W(0), sf_a, sf_m));
  t += xocc;
  b.At(queue, t++, SxmOp(Opcode::kDist, 3, E(4 % NS), sf_a, sf_m));
  const uint64_t rocc = isa::Info(Opcode::kRsum).occupancy, tocc = isa::Info(Opcode::kTrans).occupancy;
  b.At(queue, t++, SxmOp(Opcode::kRsum, 3, W(4 % NS), sf_a));
  b.At(queue, t + rocc - 1, SxmOp(Opcode::kTrans, 1, W(2), sf_a));
  t += rocc - 1 + tocc;
  b.At(queue, t++, SxmOp(Opcode::kDist, 0, E(3), sf_a + 1, sf_m));
  b.At(queue, t++, SxmOp(Opcode::kRmax, 2, E(0), sf_a));
  b.At(queue, t + rocc - 1, SxmOp(Opcode::kShup, 3, W(0), sf_a, 0, 16));
  Lockstep ls(g, queue);
  EXPECT_TRUE(ls.Run(b.program()));
}

// Reads of empty slots: the E streams at sxm.w come from the MXM position (nothing there), a map
// that is missing, and a TRANS whose last rows never arrive.
TEST_F(SxmTest, EmptyReadsRaiseErrorsLikeTheModel) {
  std::mt19937 rng(18);
  Builder b(g);
  std::vector<std::vector<uint32_t>> rows(10);
  for (auto &r : rows) r = RandomLanes(VL, 2, rng);
  auto [sf_a, sf_b] = FeedOperands(b, rows, 2, nullptr);
  (void)sf_b;
  b.At(queue, kT, SxmOp(Opcode::kTrans, 1, W(0), sf_a));  // rows 10..15 empty
  b.At(queue, kT + 16, SxmOp(Opcode::kShup, 2, W(4 % NS), E(0), 0, 3));
  b.At(queue, kT + 17, SxmOp(Opcode::kDist, 0, W(1), sf_a, W(NS - 1)));
  b.At(queue, kT + 18, SxmOp(Opcode::kRsum, 3, E(0), E(4 % NS)));
  Lockstep ls(g, queue);
  EXPECT_TRUE(ls.Run(b.program()));
  uint32_t empty = 0;
  for (const auto &e : ls.model_errors()) empty += e.bit == isa::kErrEmptyRead;
  // TRANS: 6 rows x 2 streams x S; SHUP: 4 x S; DIST: a (1 x S) and map (1 x S); RSUM: 4 x S.
  EXPECT_EQ(empty, S * (12 + 4 + 2 + 4));
}

// Writes of two pipelines to one stream register in one cycle: StreamCollision, and the value the
// model keeps (the write scheduled last).
TEST_F(SxmTest, CollisionsRaiseErrorsAndKeepTheModelsValue) {
  std::mt19937 rng(19);
  std::vector<std::vector<uint32_t>> rows(60);
  for (auto &r : rows) r = RandomLanes(VL, 1, rng);
  std::vector<uint8_t> map(VL);
  for (auto &m : map) m = static_cast<uint8_t>(rng());
  Builder b(g);
  auto [sf_a, unused] = FeedOperands(b, rows, 1, nullptr);
  (void)unused;
  const uint32_t sf_b = Feed(b, g, SlicesNear(g, pos)[1], NS - 1, pos, kT, std::vector<std::vector<uint8_t>>(60, map), 64);
  const uint32_t latx = isa::Info(Opcode::kShup).latency, latd = isa::Info(Opcode::kDist).latency;
  // SHUP at kT and DIST at kT + latx - latd both write W3 at kT + k + latx.
  b.At(queue, kT, SxmOp(Opcode::kShup, 0, W(3), sf_a, 0, 1));
  b.At(queue, kT + latx - latd, SxmOp(Opcode::kDist, 0, W(3), sf_a, sf_b));
  // TRANS, then a SHUP writing the same stream as column 9 and a DIST as column 12.
  const uint64_t t2 = kT + 20;
  b.At(queue, t2, SxmOp(Opcode::kTrans, 0, W(1), sf_a));
  b.At(queue, t2 + 16, SxmOp(Opcode::kShdn, 0, W(1), sf_a, 0, 2));
  b.At(queue, t2 + 17 + 12 - latd, SxmOp(Opcode::kDist, 0, W(1), sf_a, sf_b));
  Lockstep ls(g, queue);
  EXPECT_TRUE(ls.Run(b.program()));
  uint32_t coll = 0;
  for (const auto &e : ls.model_errors()) coll += e.bit == isa::kErrStreamCollision;
  EXPECT_EQ(coll, 3 * S);
}

// Equal scores (write cycle - cycle the model schedules the write): a DIST dispatched 15 cycles
// after a TRANS writes the TRANS's destination in the cycle of column 0 at every superlane, and
// both writes are scheduled in the same cycle (the DIST's operand read, the TRANS's last row read:
// score LatDist = LatTrans - 15). The model keeps the non-TRANS write (it schedules it last), so
// the DIST's value must win: the tie-break of the write merge. The DIST is inside the TRANS's
// occupancy (the model raises UnitBusy, the ICU's error, not compared here); it reads the same
// operand stream as the TRANS, so the one shared operand reader serves both exactly.
TEST_F(SxmTest, CollisionWithEqualScoresKeepsTheNonTransWrite) {
  const uint32_t latd = isa::Info(Opcode::kDist).latency, latt = isa::Info(Opcode::kTrans).latency;
  ASSERT_EQ(latd, latt - (isa::kTransposeSize - 1));  // the premise of the tie
  std::mt19937 rng(23);
  std::vector<std::vector<uint32_t>> rows(40);
  for (auto &r : rows) r = RandomLanes(VL, 1, rng);
  std::vector<uint8_t> map(VL);
  for (auto &m : map) m = static_cast<uint8_t>(rng() & 0x8F);
  Builder b(g);
  auto [sf_a, unused] = FeedOperands(b, rows, 1, nullptr);
  (void)unused;
  const uint32_t sf_b =
      Feed(b, g, SlicesNear(g, pos)[1], NS - 1, pos, kT, std::vector<std::vector<uint8_t>>(40, map), 64);
  const uint64_t td = kT + latt - latd;  // kT + 15: both write W1 at td + k + latd
  b.At(queue, kT, SxmOp(Opcode::kTrans, 0, W(1), sf_a));
  b.At(queue, td, SxmOp(Opcode::kDist, 0, W(1), sf_a, sf_b));
  Lockstep ls(g, queue);
  EXPECT_TRUE(ls.Run(b.program()));
  uint32_t coll = 0, busy = 0;
  for (const auto &e : ls.model_errors()) {
    coll += e.bit == isa::kErrStreamCollision;
    busy += e.bit == isa::kErrUnitBusy;
  }
  EXPECT_EQ(coll, S);
  EXPECT_EQ(busy, 1u);
  // The kept value, recomputed here: DIST of operand row td - kT (read at superlane k in td + k).
  const auto out = ls.Vector(W(1), 1, td + latd);
  const auto &a = rows[td - kT];
  for (uint32_t l = 0; l < VL; ++l) {
    const uint32_t k = l / 16;
    const uint32_t want = (map[l] & 0x80) ? 0 : a[k * 16 + (map[l] & 15u)];
    ASSERT_EQ(out[l], want) << "lane " << l;
  }
}

// After reset, whatever random initial state the flops had (the harness always uses random-reset
// seed 1; here seeds 1..16), the slice is idle, raises no error and writes no stream register while
// nothing is dispatched (the slice port contract: idle_o = 1 when no instruction is in flight).
// Only registers with a reset may decide that; a control flop that lost its reset (e.g. the
// reduction's act_q) shows here for some seed.
TEST_F(SxmTest, IdleAfterResetFromAnyInitialState) {
  for (uint64_t seed = 1; seed <= 16; ++seed) {
    SCOPED_TRACE(fmt::format("random-reset seed {}", seed));
    auto ctx = std::make_unique<VerilatedContext>();
    ctx->fatalOnError(false);
    ctx->randReset(2);
    ctx->randSeed(static_cast<int>(seed));
    auto top = std::make_unique<Vtsp_sxm_tb>(ctx.get(), "TOP");
    std::memset(top->east_i.data(), 0, sizeof(top->east_i));
    std::memset(top->west_i.data(), 0, sizeof(top->west_i));
    std::memset(top->disp_i.data(), 0, sizeof(top->disp_i));
    top->clk_i = 0;
    top->rst_ni = 0;
    top->eval();
    auto tick = [&]() {
      top->clk_i = 1;
      top->eval();
      top->clk_i = 0;
      top->eval();
    };
    tick();
    tick();
    top->rst_ni = 1;
    top->eval();
    for (int c = 0; c < 40; ++c) {
      ASSERT_TRUE(top->idle_o) << "cycle " << c;
      ASSERT_EQ(top->err_o, 0u) << "cycle " << c;
      bool any = false;
      for (size_t w = 0; w < sizeof(top->east_wr_o) / 4; ++w) any |= top->east_wr_o.data()[w] != 0;
      for (size_t w = 0; w < sizeof(top->west_wr_o) / 4; ++w) any |= top->west_wr_o.data()[w] != 0;
      ASSERT_FALSE(any) << "stream write at cycle " << c;
      tick();
    }
    ASSERT_FALSE(ctx->gotError());
  }
}

// Random legal programs (occupancies respected) over continuously fed random streams, both
// hemispheres; the lockstep compares every register, error and idle bit every cycle.
class SxmRandomTest : public SxmTest, public ::testing::WithParamInterface<int> {};

TEST_P(SxmRandomTest, RandomProgramsInLockstep) {
  const int seed = GetParam();
  std::mt19937 rng(static_cast<uint32_t>(seed));
  for (const char *qn : {"sxm.w", "sxm.e"}) {
    SCOPED_TRACE(qn);
    queue = qn;
    pos = g.queue(*g.FindQueue(qn)).position;
    const bool west = pos < g.vxm_position();
    const uint64_t horizon = std::min<uint64_t>(300, g.mem_words() - 1);
    Builder b(g);
    // Every stream towards the SXM carries random data every cycle from kT on.
    const auto slices = SlicesNear(g, pos);
    for (uint32_t s = 0; s < NS; ++s) {
      std::vector<std::vector<uint8_t>> vecs(horizon);
      for (auto &v : vecs) {
        v.resize(VL);
        for (auto &x : v) x = static_cast<uint8_t>(rng());
      }
      Feed(b, g, slices[s], s, pos, kT, vecs, 0);
    }
    uint64_t t = kT;
    const Dir toward = west ? Dir::kWest : Dir::kEast;  // the fed direction
    while (t < kT + horizon - 40) {
      const uint32_t kind = rng() % 7;
      const Opcode op = std::array<Opcode, 7>{Opcode::kShup, Opcode::kShdn, Opcode::kPerm, Opcode::kDist,
                                              Opcode::kTrans, Opcode::kRsum, Opcode::kRmax}[kind];
      uint32_t dt = rng() % 4;
      if (op == Opcode::kRsum || op == Opcode::kRmax) dt = 2 + rng() % 2;
      const uint32_t w = GroupWidth(dt);
      auto field = [&](uint32_t width, bool fed) {
        const Dir d = fed || rng() % 16 ? toward : (toward == Dir::kWest ? Dir::kEast : Dir::kWest);
        return StreamField(d, (rng() % (NS / width)) * width);
      };
      Instr in = SxmOp(op, dt, field(w, false), field(w, false));
      if (rng() % 2) in.dst = StreamField(rng() % 2 ? Dir::kEast : Dir::kWest, (rng() % (NS / w)) * w);
      if (op == Opcode::kPerm || op == Opcode::kDist) in.b = field(1, false);
      if (op == Opcode::kShup || op == Opcode::kShdn) {
        const uint32_t r = rng() % 8;
        in.imm = r == 0 ? static_cast<uint32_t>(rng()) : rng() % (VL + 2);
      }
      b.At(queue, t, in);
      t += isa::Info(op).occupancy + (rng() % 3 == 0 ? rng() % 4 : 0);
    }
    Lockstep ls(g, queue);
    EXPECT_TRUE(ls.Run(b.program(), 2000));
    EXPECT_GT(ls.writes().size(), 100u);
    uint32_t empty = 0, coll = 0;
    for (const auto &e : ls.model_errors()) {
      empty += e.bit == isa::kErrEmptyRead;
      coll += e.bit == isa::kErrStreamCollision;
    }
    std::printf("  %s seed %d: %llu cycles, %zu slot writes, %u empty reads, %u collisions\n", qn, seed,
                static_cast<unsigned long long>(ls.cycles()), ls.writes().size(), empty, coll);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, SxmRandomTest, ::testing::Range(1, 9));

}  // namespace
}  // namespace tsp::tb
