// Scheduler and emitter: small graphs are scheduled, emitted, run on the cycle-exact reference model
// and compared with the functional interpreter: the model must report no schedule error, take
// exactly the predicted number of cycles, and leave MEM bit-identical to the interpreter's.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>

#include "tsp/compiler/builder.h"
#include "tsp/compiler/interp.h"
#include "tsp/compiler/sched.h"
#include "tsp/model.h"
#include "tsp/numerics.h"

namespace tsp::compiler {
namespace {

using isa::DType;
using isa::Opcode;

uint32_t F(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

struct Fixture {
  explicit Fixture(const char *config = "default", bool chain = false)
      : geo(*Geometry::FromName(config)), g(geo), b(&g, BuilderOptions{chain}), mem(geo.mem_bytes(), 0) {
    std::mt19937 rng(7);
    // Random MEM everywhere (realistic floats in the first 64 words of every slice).
    for (uint32_t s = 0; s < geo.num_mem_slices(); ++s) {
      for (uint32_t w = 0; w < geo.mem_words(); ++w) {
        for (uint32_t l = 0; l < geo.vl(); ++l) mem[geo.MemByteAddress(s, w, l)] = static_cast<uint8_t>(rng());
      }
    }
    const uint32_t M = geo.mem_slices_per_hemi();
    // Scratch for spills: the last words of slices 0..3 of each hemisphere.
    for (uint32_t i = 0; i < 8 && M >= 4; ++i) {
      b.AddScratch(b.NewBuffer("scratch.w" + std::to_string(i), 4, {0, 1, 2, 3}, geo.mem_words() - 1 - i, 1),
                   Hemi::kWest);
      b.AddScratch(b.NewBuffer("scratch.e" + std::to_string(i), 4, {M, M + 1, M + 2, M + 3},
                               geo.mem_words() - 1 - i, 1),
                   Hemi::kEast);
    }
  }
  // An fp32 buffer of `words` vectors in slices first..first+3 with finite random values.
  uint32_t F32Buf(const std::string &name, uint32_t first, uint32_t addr, uint32_t words = 1) {
    const uint32_t id = b.NewBuffer(name, 4, {first, first + 1, first + 2, first + 3}, addr, words);
    std::mt19937 rng(id);
    std::uniform_real_distribution<float> d(-4.0f, 4.0f);
    for (uint32_t w = 0; w < words; ++w) {
      for (uint32_t l = 0; l < geo.vl(); ++l) {
        const uint32_t v = F(d(rng));
        for (uint32_t p = 0; p < 4; ++p) mem[geo.MemByteAddress(first + p, addr + w, l)] = static_cast<uint8_t>(v >> (8 * p));
      }
    }
    return id;
  }

  // Schedules, runs on the model and compares with the interpreter.
  void Check(uint64_t *cycles = nullptr) {
    ScheduleResult res;
    std::string err;
    ASSERT_TRUE(Schedule(g, ScheduleOptions{}, &res, &err)) << err;
    Model m(geo);
    Program p = res.program;
    ASSERT_TRUE(m.LoadProgram(p, &err)) << err;
    for (uint64_t a = 0; a < mem.size(); ++a) m.WriteMemByte(a, mem[a]);
    m.Start();
    const RunResult rr = m.Run(1'000'000);
    ASSERT_EQ(rr.status, RunStatus::kDone) << rr.message;
    for (const auto &e : m.errors()) ADD_FAILURE() << e.message;
    EXPECT_EQ(m.cycle(), res.predicted_cycles);
    std::vector<uint8_t> expect = mem;
    Interpreter interp(g, &expect);
    interp.Run();
    size_t bad = 0;
    for (uint64_t a = 0; a < expect.size() && bad < 5; ++a) {
      if (m.ReadMemByte(a) != expect[a]) {
        const uint64_t per_slice = uint64_t{geo.mem_words()} * geo.vl();
        ADD_FAILURE() << "MEM differs at slice " << a / per_slice << " word " << (a % per_slice) / geo.vl()
                      << " lane " << a % geo.vl() << ": model " << int{m.ReadMemByte(a)} << " interpreter "
                      << int{expect[a]};
        ++bad;
      }
    }
    if (cycles) *cycles = m.cycle();
  }

  Geometry geo;
  Graph g;
  Builder b;
  std::vector<uint8_t> mem;
};

TEST(Sched, VectorAddThroughMem) {
  Fixture f;
  const uint32_t M = f.geo.mem_slices_per_hemi();
  const uint32_t x = f.F32Buf("x", 0, 0), y = f.F32Buf("y", M, 0);
  const uint32_t z = f.b.NewBuffer("z", 4, {4, 5, 6, 7}, 10, 1);
  f.b.Write(f.b.Fadd(f.b.Mem(x), f.b.Mem(y)), z);
  f.Check();
}

TEST(Sched, ChainWithSpills) {
  Fixture f;
  const uint32_t x = f.F32Buf("x", 0, 0);
  const uint32_t z = f.b.NewBuffer("z", 4, {4, 5, 6, 7}, 10, 1);
  Vec v = f.b.Mem(x);
  for (int i = 0; i < 5; ++i) v = f.b.FmulI(f.b.FaddI(v, 0.5f), 1.25f);
  f.b.Write(v, z);
  f.Check();
  EXPECT_GT(f.b.spills(), 0u);
}

TEST(Sched, ManyIndependentOps) {
  Fixture f;
  const uint32_t M = f.geo.mem_slices_per_hemi();
  const uint32_t x = f.F32Buf("x", 0, 20, 16), y = f.F32Buf("y", M, 20, 16);
  const uint32_t z = f.b.NewBuffer("z", 4, {M + 4, M + 5, M + 6, M + 7}, 40, 16);
  for (uint32_t i = 0; i < 16; ++i) f.b.Write(f.b.Fmul(f.b.Mem(x, i), f.b.Mem(y, 15 - i)), z, i);
  uint64_t cycles = 0;
  f.Check(&cycles);
  EXPECT_LT(cycles, 100u);  // 16 ops on 2 ALUs overlap
}

TEST(Sched, IntegerAndConvert) {
  Fixture f;
  const uint32_t x = f.F32Buf("x", 0, 0);
  const uint32_t q = f.b.NewBuffer("q", 2, {4, 5, 0, 0}, 30, 1);
  const uint32_t z = f.b.NewBuffer("z", 4, {4, 5, 6, 7}, 31, 1);
  Vec i16 = f.b.Cvt(DType::kI16, DType::kF32, f.b.Mem(x), 1000.0f);
  f.b.Write(i16, q);
  Vec back = f.b.Cvt(DType::kF32, DType::kI16, f.b.Mem(q), 0.001f);
  f.b.Write(f.b.VopImm(Opcode::kVadd, DType::kI32, back, 3), z);
  f.Check();
}

TEST(Sched, SxmReductionsPermuteTranspose) {
  Fixture f;
  const uint32_t M = f.geo.mem_slices_per_hemi();
  const uint32_t x = f.F32Buf("x", 0, 0, 16);
  const uint32_t out = f.b.NewBuffer("out", 4, {4, 5, 6, 7}, 100, 20);
  f.b.Write(f.b.Sxm(Hemi::kWest, Opcode::kRsum, DType::kF32, f.b.Mem(x, 0)), out, 0);
  f.b.Write(f.b.Sxm(Hemi::kEast, Opcode::kRmax, DType::kF32, f.b.Mem(x, 1)), out, 1);
  f.b.Write(f.b.Sxm(Hemi::kWest, Opcode::kShdn, DType::kF32, f.b.Mem(x, 2), 16), out, 2);
  // A byte map in one slice: reverse lanes.
  const uint32_t map = f.b.NewBuffer("map", 1, {M + 1, 0, 0, 0}, 200, 1);
  for (uint32_t l = 0; l < f.geo.vl(); ++l) f.mem[f.geo.MemByteAddress(M + 1, 200, l)] = static_cast<uint8_t>(f.geo.vl() - 1 - l);
  f.b.Write(f.b.SxmMap(Hemi::kEast, Opcode::kPerm, DType::kF32, f.b.Mem(x, 3), f.b.Mem(map)), out, 3);
  std::array<Vec, 16> rows;
  for (uint32_t i = 0; i < 16; ++i) rows[i] = f.b.Mem(x, i);
  const auto cols = f.b.Trans(Hemi::kEast, DType::kF32, rows);
  for (uint32_t j = 0; j < 16; ++j) f.b.Write(cols[j], out, 4 + j);
  f.Check();
}

TEST(Sched, GatherScatter) {
  Fixture f;
  const uint32_t M = f.geo.mem_slices_per_hemi();
  const uint32_t table = f.F32Buf("table", 0, 300, 32);
  // Address vector (i16) in slices e0, e1: lane 0 of each tile = 300 + 5 * tile.
  const uint32_t addr = f.b.NewBuffer("addr", 2, {M, M + 1, 0, 0}, 400, 1);
  for (uint32_t k = 0; k < f.geo.superlanes(); ++k) {
    const uint32_t a = 300 + 5 * k;
    f.mem[f.geo.MemByteAddress(M, 400, 16 * k)] = static_cast<uint8_t>(a);
    f.mem[f.geo.MemByteAddress(M + 1, 400, 16 * k)] = static_cast<uint8_t>(a >> 8);
  }
  const uint32_t dst = f.b.NewBuffer("dst", 4, {4, 5, 6, 7}, 300, 32);
  Vec row = f.b.GatherAll(table, f.b.Mem(addr));
  // The four SCATTERs (one per plane) read their addresses in the same cycle: one shared READ.
  f.b.Scatter(f.b.FaddI(row, 1.0f), dst, f.b.Read(addr));
  f.Check();
}

// Two read-modify-writes through GATHER / SCATTER of one region: with disjoint word sets (even and
// odd words) they are independent and overlap in time; without word sets the second waits for the
// first's SCATTERs. Both schedules leave MEM as the interpreter does.
TEST(Sched, DisjointWordSetsOfGatherScatterOverlap) {
  for (const bool sets : {true, false}) {
    Fixture f;
    const uint32_t M = f.geo.mem_slices_per_hemi();
    const uint32_t table = f.F32Buf("table", 0, 300, 32);
    std::array<uint32_t, 2> addr{};
    for (uint32_t j = 0; j < 2; ++j) {
      // Lane 0 of each tile: word 300 + j + 2 (tile + 1): even (j = 0) or odd (j = 1) region words.
      addr[j] = f.b.NewBuffer("addr" + std::to_string(j), 2, {M + 2 * j, M + 2 * j + 1, 0, 0}, 400, 1);
      for (uint32_t k = 0; k < f.geo.superlanes(); ++k) {
        const uint32_t a = 300 + j + 2 * (k + 1);
        f.mem[f.geo.MemByteAddress(M + 2 * j, 400, 16 * k)] = static_cast<uint8_t>(a);
        f.mem[f.geo.MemByteAddress(M + 2 * j + 1, 400, 16 * k)] = static_cast<uint8_t>(a >> 8);
      }
    }
    std::array<std::pair<size_t, size_t>, 2> nodes{};  // [first, end) of each read-modify-write's nodes
    for (uint32_t j = 0; j < 2; ++j) {
      const WordSet ws = sets ? WordSet{2, j} : WordSet{};
      nodes[j].first = f.g.nodes.size();
      const Vec row = f.b.GatherAll(table, f.b.Mem(addr[j]), ws);
      f.b.Scatter(f.b.FaddI(row, 1.0f), table, f.b.Read(addr[j]), ws);
      nodes[j].second = f.g.nodes.size();
    }
    f.Check();
    int64_t first_gather_1 = INT64_MAX, last_scatter_0 = 0;
    for (size_t n = nodes[0].first; n < nodes[0].second; ++n) {
      if (f.g.nodes[n].in.op == Opcode::kScatter) last_scatter_0 = std::max(last_scatter_0, f.g.nodes[n].time);
    }
    for (size_t n = nodes[1].first; n < nodes[1].second; ++n) {
      if (f.g.nodes[n].in.op == Opcode::kGather) first_gather_1 = std::min(first_gather_1, f.g.nodes[n].time);
    }
    if (sets)
      EXPECT_LT(first_gather_1, last_scatter_0) << "independent read-modify-writes should overlap";
    else
      EXPECT_GT(first_gather_1, last_scatter_0) << "a GATHER of every word must follow the SCATTERs before it";
  }
}

TEST(Sched, MatmulBlockBothMxms) {
  Fixture f;
  const uint32_t M = f.geo.mem_slices_per_hemi();
  // 16 weight rows per MXM, int8, random; activations i8 planes.
  const uint32_t ww = f.b.NewBuffer("w.w", 1, {5, 0, 0, 0}, 500, 16);
  const uint32_t we = f.b.NewBuffer("w.e", 1, {M + 5, 0, 0, 0}, 500, 16);
  const uint32_t aw = f.b.NewBuffer("a.w", 2, {6, 7, 0, 0}, 520, 1);
  const uint32_t ae = f.b.NewBuffer("a.e", 2, {M + 6, M + 7, 0, 0}, 520, 1);
  const uint32_t out = f.b.NewBuffer("out", 4, {0, 1, 2, 3}, 600, 4);
  for (uint32_t r = 0; r < 16; ++r) {
    f.b.Lw(Hemi::kWest, f.b.Mem(ww, r), r);
    f.b.Lw(Hemi::kEast, f.b.Mem(we, r), r);
  }
  f.b.Iw(Hemi::kWest);
  f.b.Iw(Hemi::kEast);
  Vec hh = f.b.Abc(Hemi::kWest, f.b.Mem(aw).Planes(1, 1), true, true);
  Vec ll = f.b.Abc(Hemi::kEast, f.b.Mem(ae).Planes(0, 1), false, false);
  Vec lh = f.b.Abc(Hemi::kWest, f.b.Mem(aw).Planes(0, 1), false, true);
  Vec hl = f.b.Abc(Hemi::kEast, f.b.Mem(ae).Planes(1, 1), true, false);
  Vec fhh = f.b.Cvt(DType::kF32, DType::kI32, hh, 65536.0f);
  Vec fll = f.b.Cvt(DType::kF32, DType::kI32, ll, 1.0f);
  Vec mid = f.b.Vop(Opcode::kVadd, DType::kI32, lh, hl);
  Vec fmid = f.b.Cvt(DType::kF32, DType::kI32, mid, 256.0f);
  f.b.Write(f.b.Fadd(f.b.Fadd(fhh, fll), fmid), out, 0);
  // Second block reusing the MXMs (weights reloaded).
  for (uint32_t r = 0; r < 16; ++r) f.b.Lw(Hemi::kWest, f.b.Mem(we, 15 - r), r);
  f.b.Iw(Hemi::kWest);
  f.b.Write(f.b.Abc(Hemi::kWest, f.b.Mem(aw).Planes(0, 1), true, true), out, 1);
  f.Check();
}

TEST(Sched, BuilderResolvesQueueConflictsInRigidGroups) {
  Fixture f;
  // Two explicit READ wires from the same slices feed one instruction: both READs would fall in
  // one cycle of the same queues. The builder sends the second through a scratch word instead.
  const uint32_t x = f.F32Buf("x", 0, 0), y = f.F32Buf("y", 0, 1);
  const uint32_t z = f.b.NewBuffer("z", 4, {4, 5, 6, 7}, 10, 1);
  f.b.Write(f.b.Fadd(f.b.Read(x), f.b.Read(y)), z);
  // Two MEM operands in the same slices: the second READ is taken from a scratch copy.
  f.b.Write(f.b.Fmul(f.b.Mem(x), f.b.Mem(y)), z);
  f.Check();
  EXPECT_GT(f.b.spills() + f.b.relocations(), 0u);
}

TEST(Sched, LoopBecomesRepeatRuns) {
  Fixture f;
  const uint32_t M = f.geo.mem_slices_per_hemi();
  const uint32_t n = 48;
  const uint32_t x = f.F32Buf("x", 0, 100, n), y = f.F32Buf("y", M, 100, 1);
  const uint32_t z = f.b.NewBuffer("z", 4, {M + 4, M + 5, M + 6, M + 7}, 200, n);
  f.b.BeginLoop();
  for (uint32_t i = 0; i < n; ++i) {
    f.b.Iteration();
    f.b.Write(f.b.Fmul(f.b.Mem(x, i), f.b.Mem(y, 0)), z, i);
  }
  f.b.EndLoop();
  uint64_t cycles = 0;
  f.Check(&cycles);
  ASSERT_EQ(f.g.loops.size(), 1u);
  EXPECT_EQ(f.g.loops[0].period, 1u);
  EXPECT_LT(cycles, n + 30);  // one iteration per cycle plus the pipeline depth
  // Every queue holds at most: NOP, the instruction, REPEAT.
  ScheduleResult res;
  std::string err;
  Graph g2 = f.g;
  ASSERT_TRUE(Schedule(g2, ScheduleOptions{}, &res, &err)) << err;
  for (uint32_t q = 0; q < f.geo.num_queues(); ++q) EXPECT_LE(res.queues[q].instructions, 3u) << f.geo.queue(q).name;
}

TEST(Sched, LoopPeriodRespectsOccupancyAndDependencies) {
  Fixture f;
  const uint32_t x = f.F32Buf("x", 0, 100, 8);
  const uint32_t acc = f.b.NewBuffer("acc", 4, {4, 5, 6, 7}, 300, 1);
  // FEXP occupies its ALU's sequencer for its occupancy: with A ALUs the period must be at least
  // occupancy / A.
  const uint32_t occ = isa::Info(isa::Opcode::kFexp).occupancy;
  f.b.BeginLoop();
  for (uint32_t i = 0; i < 8; ++i) {
    f.b.Iteration();
    f.b.Write(f.b.Fexp(f.b.Mem(x, i)), x, i);
  }
  f.b.EndLoop();
  // A running sum: iteration i reads what iteration i-1 wrote.
  f.b.BeginLoop();
  for (uint32_t i = 0; i < 8; ++i) {
    f.b.Iteration();
    f.b.Write(f.b.Fadd(f.b.Mem(acc, 0), f.b.Mem(x, i)), acc, 0);
  }
  f.b.EndLoop();
  f.Check();
  ASSERT_EQ(f.g.loops.size(), 2u);
  const uint32_t alus = f.geo.vxm_alus();
  EXPECT_GE(f.g.loops[0].period, (occ + alus - 1) / alus);
  EXPECT_GT(f.g.loops[1].period, 3u);
}

TEST(Sched, SmallGeometry) {
  Fixture f("small");
  const uint32_t M = f.geo.mem_slices_per_hemi();
  ASSERT_EQ(M, 2u);
  const uint32_t x = f.b.NewBuffer("x", 2, {0, 1, 0, 0}, 0, 1);
  const uint32_t z = f.b.NewBuffer("z", 2, {M, M + 1, 0, 0}, 3, 1);
  f.b.Write(f.b.VopImm(Opcode::kVadd, DType::kI16, f.b.Mem(x), 7), z);
  f.Check();
}

}  // namespace
}  // namespace tsp::compiler
