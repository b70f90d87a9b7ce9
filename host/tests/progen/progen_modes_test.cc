// Generator modes (ProgenOptions::Preset): each mode must make the programs it exists for. Every
// property is measured on the generated programs themselves - their instruction words
// (MeasureProgram) or what the reference model's units read while running them (ProbeOnModel),
// both checked against hand-built programs below - never taken from the generator's own
// counters. Every mode's programs must pass CheckOnModel, except error mode's, on which the model
// must raise exactly the planted error. The measured figures are printed (docs/verification.md §1).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ref/builder.h"
#include "tsp/model.h"
#include "tsp/progen.h"

namespace tsp {
namespace {

using isa::Opcode;

// TSP_PROGEN_MODE_SEEDS overrides the number of seeds per mode and geometry.
uint64_t ModeSeeds(uint64_t dflt) {
  const char *env = std::getenv("TSP_PROGEN_MODE_SEEDS");
  return env ? std::strtoull(env, nullptr, 0) : dflt;
}

uint64_t Fnv(const std::vector<uint8_t> &bytes, uint64_t h = 1469598103934665603ull) {
  for (uint8_t b : bytes) {
    h ^= b;
    h *= 1099511628211ull;
  }
  return h;
}

// ---------------------------------------------------------------------------------------------
// The measuring functions on hand-built programs (golden values worked out by hand).
// ---------------------------------------------------------------------------------------------

TEST(ProgenFigures, MeasureProgramOnAHandBuiltProgram) {
  const Geometry g = Geometry::Default();
  test::Builder b(g);
  auto lw = [](uint32_t dtype, uint32_t a, uint32_t row) {
    Instr in = test::Op(Opcode::kLw);
    in.dtype = dtype;
    in.a = a;
    in.imm = row;
    return in;
  };
  const Instr iw = test::Op(Opcode::kIw), abc = test::Vop(Opcode::kAbc, 0, test::E(0), test::W(0));
  // mxm.w: 16 rows as lw.i32 x 4 -> IW (swap 1); then rows 0..7 by lw.i16 + REPEAT 3 (stride 2),
  // an ABC between them (overlapped), rows 8..15 by lw.i8 + REPEAT 7 (stride 1), two ABCs
  // (overlapped), IW (swap 2); ABC after the IW (not overlapped: nothing loading); lw of one row,
  // ABC (overlapped, but the next IW installs only 1 row: not counted), IW.
  b.At("mxm.w", 0, lw(2, test::W(0), 0)).Add("mxm.w", lw(2, test::W(0), 4));
  b.Add("mxm.w", lw(2, test::W(4), 8)).Add("mxm.w", lw(2, test::W(4), 12)).Add("mxm.w", iw);
  b.Add("mxm.w", lw(1, test::W(0), 0)).Add("mxm.w", test::Repeat(3, 1, 2)).Add("mxm.w", abc);
  b.Add("mxm.w", lw(0, test::W(0), 8)).Add("mxm.w", test::Repeat(7, 1, 1));
  b.Add("mxm.w", abc).Add("mxm.w", test::Repeat(1, 1)).Add("mxm.w", iw).Add("mxm.w", abc);
  b.Add("mxm.w", lw(0, test::W(0), 3)).Add("mxm.w", abc).Add("mxm.w", iw);
  // mem.w0: NOP 70000, READ 1000 + REPEAT 5, 2, -7 (addresses 1000 .. 965), WRITE 3 + REPEAT
  // 2, 1, 9 (3, 12, 21), SYNC, NOTIFY; mem.e0: READ 7 + REPEAT 65535, 40000, 0.
  b.At("mem.w0", 70000, test::Read(1000, test::E(0))).Add("mem.w0", test::Repeat(5, 2, -7));
  b.Add("mem.w0", test::Write(3, test::E(0))).Add("mem.w0", test::Repeat(2, 1, 9));
  b.Add("mem.w0", test::Op(Opcode::kSync)).Add("mem.w0", test::Op(Opcode::kNotify));
  b.At("mem.e0", 0, test::Read(7, test::E(0))).Add("mem.e0", test::Repeat(65535, 40000, 0));
  b.At("vxm.0", 0, test::Vop(Opcode::kVmov, 0, test::E(0), test::E(1)))
      .Add("vxm.0", test::Repeat(1, 1, 32767));
  b.Add("vxm.0", test::Vop(Opcode::kVmov, 0, test::E(0), test::E(1)))
      .Add("vxm.0", test::Repeat(1, 1, -32768));
  const ProgramFigures f = MeasureProgram(b.program());
  EXPECT_EQ(f.longest_queue, 17u);  // mxm.w
  EXPECT_EQ(f.max_nop, 70000u);
  EXPECT_EQ(f.max_repeat_n, 65535u);
  EXPECT_EQ(f.max_repeat_d, 40000u);
  EXPECT_EQ(f.min_stride, -32768);
  EXPECT_EQ(f.max_stride, 32767);
  EXPECT_EQ(f.min_mem_stride, -7);
  EXPECT_EQ(f.max_mem_stride, 9);
  EXPECT_EQ(f.max_mem_addr, 1000u);
  EXPECT_EQ(f.syncs, 1u);
  EXPECT_EQ(f.notifies, 1u);
  EXPECT_EQ(f.mxm_swaps, 2u);
  EXPECT_EQ(f.mxm_overlapped_abc, 3u);
}

// What the units read: a FADD of two 4-stream groups read from MEM (b = -a in some lanes), a
// GATHER whose tile addresses come from two READs, a READ of the other bank in the cycle of the
// GATHER's bank access. Default geometry: mem.w0..w7 at positions 9..2, the VXM at 10, mem.e0..e2
// at 11..13.
TEST(ProgenFigures, ProbeOnModelOnAHandBuiltProgram) {
  const Geometry g = Geometry::Default();
  const uint32_t vl = g.vl();
  test::Builder b(g);
  // fp32 lanes of a: lane l of class l % 5 (normal 1.5, denormal, zero, inf, NaN); b: -a in lanes
  // 0..31, 2.0 in lanes 32..63.
  const uint32_t kVals[5] = {0x3FC00000u, 0x00000123u, 0x80000000u, 0xFF800000u, 0x7FC00001u};
  std::vector<uint32_t> a(vl), bv(vl);
  for (uint32_t l = 0; l < vl; ++l) {
    a[l] = kVals[l % 5] ^ ((l & 8) ? 0x80000000u : 0u);
    bv[l] = l < 32 ? a[l] ^ 0x80000000u : 0x40000000u;
  }
  const uint32_t tc = 20;  // the FADD's dispatch: a on E0..E3 from mem.w0..w3, b on E4..E7 from mem.w4..w7
  for (uint32_t i = 0; i < 8; ++i) {
    const uint32_t plane = i % 4;
    std::vector<uint8_t> w(vl);
    for (uint32_t l = 0; l < vl; ++l) w[l] = static_cast<uint8_t>((i < 4 ? a[l] : bv[l]) >> (8 * plane));
    b.Mem(g.MemSliceId(Hemi::kWest, i), 10, w);
    const std::string q = fmt::format("mem.w{}", i);
    const uint32_t pos = g.queue(*g.FindQueue(q)).position;
    const uint64_t t = tc - 2 - (g.vxm_position() - pos);  // READ latency 2, one hop per position
    b.At(q, t, test::Read(10, test::E(i)));
  }
  b.At("vxm.0", tc, test::Vop(Opcode::kFadd, 3, test::W(0), test::E(0), test::E(4)));
  // GATHER at mem.e2 (position 13) at cycle 40, address pair E0 (lo) / E1 (hi) from mem.e0 /
  // mem.e1 (positions 11, 12): tile k reads word lo_k (hi = 0): 5, 200, 77, 13, all in bank 0.
  const uint8_t lo[4] = {5, 200, 77, 13};
  std::vector<uint8_t> wlo(vl, 0xEE), whi(vl, 0x44);
  for (uint32_t k = 0; k < 4; ++k) {
    wlo[16 * k] = lo[k];
    whi[16 * k] = 0;
  }
  b.Mem(g.MemSliceId(Hemi::kEast, 0), 2, wlo).Mem(g.MemSliceId(Hemi::kEast, 1), 2, whi);
  b.At("mem.e0", 40 - 2 - 2, test::Read(2, test::E(0)));
  b.At("mem.e1", 40 - 2 - 1, test::Read(2, test::E(1)));
  Instr gather = test::Op(Opcode::kGather);
  gather.s = test::E(3);
  gather.m = test::E(0);
  b.At("mem.e2", 40, gather);
  b.At("mem.e2", 41, test::Read(700, test::W(2)));  // bank 1, in the GATHER's bank cycle (41 + k)
  b.At("mem.e2", 50, test::Read(701, test::W(2)));  // bank 1, alone
  const Program p = b.program();
  std::string report;
  ASSERT_TRUE(CheckOnModel(g, p, &report)) << report;
  const DataFigures f = ProbeOnModel(g, p);
  EXPECT_EQ(f.invalid_samples, 0u);
  // a: lane l of class l % 5 (13, 13, 13, 13, 12 lanes); b: lanes 0..31 as a, 32..63 normal.
  std::array<uint64_t, 5> want{};
  for (uint32_t l = 0; l < vl; ++l) {
    ++want[l % 5];
    ++want[l < 32 ? l % 5 : 0];
  }
  for (size_t c = 0; c < 5; ++c) EXPECT_EQ(f.fp_lanes[c], want[c]) << FpClassName(static_cast<FpClass>(c));
  // x + -x: finite nonzero lanes among 0..31 (normal or denormal): l % 5 in {0, 1}.
  uint64_t cancel = 0;
  for (uint32_t l = 0; l < 32; ++l) cancel += l % 5 < 2;
  EXPECT_EQ(f.fp_cancel, cancel);
  EXPECT_EQ(f.fp_exponents, 2u);  // 127 (+-1.5) and 128 (2.0)
  EXPECT_EQ(f.gather_accesses, 4u);
  EXPECT_EQ(f.gather_words, (std::vector<uint32_t>{5, 13, 77, 200}));
  EXPECT_EQ(f.mixed_bank, 4u);  // every tile: READ bank 1, GATHER bank 0, same cycle
  EXPECT_EQ(f.error_bits, 0u);
}

// ---------------------------------------------------------------------------------------------
// Presets, default programs, determinism
// ---------------------------------------------------------------------------------------------

TEST(ProgenModes, PresetNames) {
  const auto names = ProgenOptions::PresetNames();
  EXPECT_EQ(names.size(), 8u);
  for (const auto &n : names) EXPECT_EQ(ProgenOptions::Preset(n).mode, n);
  try {
    ProgenOptions::Preset("lng");
    ADD_FAILURE() << "no exception for an unknown mode";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("lng"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fields"), std::string::npos) << e.what();
  }
}

// The default programs are those of the generator before the modes existed: FNV-1a of the hashes
// of the serialized programs of seeds 1..100, recorded with the generator of commit 5977849 and
// re-recorded for ISA version 3 (2026-12-05: every header carries the new ISA version and
// fingerprint, and the generator spaces fexp / frecip / frsqrt by their new occupancy) and again for
// ISA version 4 (2026-12-05: new version and fingerprint; fexp / frecip / frsqrt, rsum / rmax and
// vmul with their new occupancies and latencies), ISA version 5 (interleave), for the default
// geometry its third VXM ALU (2026-12-06: more queues, so other programs), and ISA version 6
// (2026-12-06: new version and fingerprint; shup / shdn / perm spaced by their occupancy 4).
TEST(ProgenModes, DefaultProgramsUnchanged) {
  const std::map<std::string, uint64_t> want = {{"default", 0x129a5bd10ba0067bull},
                                                {"small", 0x2939c262ed77a1edull}};
  for (const auto &[name, h] : want) {
    const Geometry g = *Geometry::FromName(name);
    uint64_t all = 1469598103934665603ull;
    for (uint64_t seed = 1; seed <= 100; ++seed) {
      const uint64_t one = Fnv(SerializeProgram(GenerateProgram(g, seed).program));
      if (seed <= 20) {
        const auto preset = GenerateProgram(g, seed, ProgenOptions::Preset("default"));
        ASSERT_EQ(one, Fnv(SerializeProgram(preset.program))) << name << " seed " << seed;
      }
      all ^= one;
      all *= 1099511628211ull;
    }
    EXPECT_EQ(all, h) << name << ": the default generator's programs changed";
  }
}

// ISA version 5: the default generator (the lockstep seeds) dispatches VXM instructions in the odd
// slots of running special functions, which the RTL must then execute alongside their steps.
TEST(ProgenModes, DefaultProgramsInterleaveSpecialFunctions) {
  for (const char *name : {"default", "small", "board"}) {
    const Geometry g = *Geometry::FromName(name);
    uint64_t interleaved = 0, programs = 0;
    for (uint64_t seed = 1; seed <= 40; ++seed) {
      const DataFigures f = ProbeOnModel(g, GenerateProgram(g, seed).program);
      EXPECT_EQ(f.error_bits, 0u) << name << " seed " << seed;
      interleaved += f.interleaved;
      programs += f.interleaved > 0;
    }
    std::printf("[progen interleave] %s: %llu VXM instructions in special functions' odd slots, in %llu of 40 "
                "programs\n",
                name, static_cast<unsigned long long>(interleaved), static_cast<unsigned long long>(programs));
    EXPECT_GE(programs, 5u) << name;
  }
}

class ProgenMode : public ::testing::TestWithParam<const char *> {
 protected:
  Geometry g = *Geometry::FromName(GetParam());
  bool small() const { return std::string(GetParam()) == "small"; }
};

TEST_P(ProgenMode, SameSeedSameProgramInEveryMode) {
  for (const auto &mode : ProgenOptions::PresetNames()) {
    const auto opt = ProgenOptions::Preset(mode);
    for (uint64_t seed : {3ull, 11ull}) {
      const auto a = GenerateProgram(g, seed, opt), b = GenerateProgram(g, seed, opt);
      EXPECT_EQ(SerializeProgram(a.program), SerializeProgram(b.program)) << mode << " seed " << seed;
      EXPECT_EQ(a.expected_error, b.expected_error);
      if (mode != "default") {
        EXPECT_NE(SerializeProgram(a.program), SerializeProgram(GenerateProgram(g, seed).program))
            << mode << " seed " << seed << " is the default program";
      }
    }
  }
}

// Runs `mode` over `n` seeds; every program must pass CheckOnModel; `each` sees each program.
template <typename F>
void ForEachLegal(const Geometry &g, const std::string &mode, uint64_t n, F &&each) {
  const auto opt = ProgenOptions::Preset(mode);
  for (uint64_t seed = 1; seed <= n; ++seed) {
    const auto gp = GenerateProgram(g, seed, opt);
    std::string report;
    uint64_t cycles = 0;
    ASSERT_TRUE(CheckOnModel(g, gp.program, &report, &cycles, 10'000'000))
        << mode << " " << g.params().name << " seed " << seed << ": " << report;
    for (const auto &q : gp.program.queues) ASSERT_LE(q.size(), g.iq_depth());
    each(seed, gp, cycles);
  }
}

// long: tens of thousands of cycles, the longest queue within 10 % of IqDepth.
TEST_P(ProgenMode, LongFillsAQueueOverManyCycles) {
  const uint64_t n = ModeSeeds(small() ? 50 : 12);
  const uint64_t D = g.iq_depth();
  uint64_t min_cycles = UINT64_MAX, sum_cycles = 0, min_q = UINT64_MAX, full = 0;
  uint32_t max_nop = 0;
  ForEachLegal(g, "long", n, [&](uint64_t seed, const GeneratedProgram &gp, uint64_t cycles) {
    const auto f = MeasureProgram(gp.program);
    EXPECT_GE(cycles, 10000u) << "seed " << seed;
    EXPECT_GE(f.longest_queue * 10, D * 9) << "seed " << seed;
    min_cycles = std::min(min_cycles, cycles);
    sum_cycles += cycles;
    min_q = std::min(min_q, f.longest_queue);
    full += f.longest_queue == D;
    max_nop = std::max(max_nop, f.max_nop);
  });
  std::printf(
      "[progen long] %s: %llu seeds, cycles min %llu mean %llu; longest queue min %llu of IqDepth %llu "
      "(%.1f %%), exactly IqDepth in %llu; largest NOP %u\n",
      GetParam(), static_cast<unsigned long long>(n), static_cast<unsigned long long>(min_cycles),
      static_cast<unsigned long long>(sum_cycles / n), static_cast<unsigned long long>(min_q),
      static_cast<unsigned long long>(D), 100.0 * static_cast<double>(min_q) / static_cast<double>(D),
      static_cast<unsigned long long>(full), max_nop);
  EXPECT_GT(full, 0u) << "no program fills a queue to exactly IqDepth";
}

// fields: NOP up to 2^17, REPEAT n and d reach the top quarter of their 16-bit fields (and the
// maximum), strides both extremes of the signed 16-bit field, MEM strides as large as MEM allows
// both ways, addresses at the top of MEM.
TEST_P(ProgenMode, FieldsReachTheirRanges) {
  const uint64_t n = ModeSeeds(50);
  ProgramFigures all;
  uint32_t top_addr = 0, giant_n = 0, giant_d = 0;
  uint64_t sum_cycles = 0;
  ForEachLegal(g, "fields", n, [&](uint64_t, const GeneratedProgram &gp, uint64_t cycles) {
    const auto f = MeasureProgram(gp.program);
    all.max_nop = std::max(all.max_nop, f.max_nop);
    all.max_repeat_n = std::max(all.max_repeat_n, f.max_repeat_n);
    all.max_repeat_d = std::max(all.max_repeat_d, f.max_repeat_d);
    all.min_stride = std::min(all.min_stride, f.min_stride);
    all.max_stride = std::max(all.max_stride, f.max_stride);
    all.min_mem_stride = std::min(all.min_mem_stride, f.min_mem_stride);
    all.max_mem_stride = std::max(all.max_mem_stride, f.max_mem_stride);
    top_addr += f.max_mem_addr == g.mem_words() - 1;
    giant_n += f.max_repeat_n >= 0xC000;
    giant_d += f.max_repeat_d >= 0xC000;
    sum_cycles += cycles;
  });
  std::printf(
      "[progen fields] %s: %llu seeds, mean %llu cycles; largest NOP %u; REPEAT n max %u (>= 0xC000 in %u "
      "programs), d max %u (in %u); stride %d .. %d, MEM stride %d .. %d; address %u reached in %u "
      "programs\n",
      GetParam(), static_cast<unsigned long long>(n), static_cast<unsigned long long>(sum_cycles / n),
      all.max_nop, all.max_repeat_n, giant_n, all.max_repeat_d, giant_d, all.min_stride, all.max_stride,
      all.min_mem_stride, all.max_mem_stride, g.mem_words() - 1, top_addr);
  EXPECT_GE(all.max_nop, 1u << 16);  // (the top of the 32-bit field would take 2^30 cycles)
  EXPECT_EQ(all.max_repeat_n, 0xFFFFu);
  EXPECT_EQ(all.max_repeat_d, 0xFFFFu);
  EXPECT_GE(giant_n, 3u);
  EXPECT_GE(giant_d, 3u);
  EXPECT_EQ(all.min_stride, -32768);
  EXPECT_EQ(all.max_stride, 32767);
  EXPECT_LE(all.min_mem_stride, -static_cast<int32_t>(g.mem_words() / 4));
  EXPECT_GE(all.max_mem_stride, static_cast<int32_t>(g.mem_words() / 4));
  EXPECT_GE(top_addr * 2, n);
}

// gather: GATHER / SCATTER addresses over every word of a slice; READs of the other bank in the
// cycle of a GATHER's / SCATTER's bank access in most programs. The default mode's fixed address
// set is printed for comparison.
TEST_P(ProgenMode, GatherCoversEveryWordWithMixedBankTraffic) {
  const uint64_t n = ModeSeeds(50);
  std::set<uint32_t> words, default_words;
  uint64_t mixed_programs = 0, mixed = 0, accesses = 0, per_program = 0;
  ForEachLegal(g, "gather", n, [&](uint64_t seed, const GeneratedProgram &gp, uint64_t) {
    const auto f = ProbeOnModel(g, gp.program);
    EXPECT_EQ(f.invalid_samples, 0u) << "seed " << seed;
    words.insert(f.gather_words.begin(), f.gather_words.end());
    per_program += f.gather_words.size();
    accesses += f.gather_accesses;
    mixed += f.mixed_bank;
    mixed_programs += f.mixed_bank > 0;
    const auto d = ProbeOnModel(g, GenerateProgram(g, seed).program);
    default_words.insert(d.gather_words.begin(), d.gather_words.end());
  });
  std::printf(
      "[progen gather] %s: %llu seeds, %llu tile accesses, %zu of %u words addressed (%.1f %%; %.0f per "
      "program; default mode: %zu words); READ + GATHER/SCATTER in different banks of a tile in one cycle: "
      "%llu times, in %llu programs\n",
      GetParam(), static_cast<unsigned long long>(n), static_cast<unsigned long long>(accesses), words.size(),
      g.mem_words(), 100.0 * static_cast<double>(words.size()) / g.mem_words(),
      static_cast<double>(per_program) / static_cast<double>(n), default_words.size(),
      static_cast<unsigned long long>(mixed), static_cast<unsigned long long>(mixed_programs));
  EXPECT_GE(words.size() * 100, g.mem_words() * 95u);
  EXPECT_GE(mixed_programs * 10, n * 8);
}

// mxm: LW x16 -> IW -> ABC while the next 16 rows load, in (almost) every program.
TEST_P(ProgenMode, MxmDoubleBuffers) {
  const uint64_t n = ModeSeeds(50);
  uint64_t with = 0, swaps = 0, overlapped = 0, default_swaps = 0;
  ForEachLegal(g, "mxm", n, [&](uint64_t seed, const GeneratedProgram &gp, uint64_t) {
    const auto f = MeasureProgram(gp.program);
    with += f.mxm_swaps >= 2 && f.mxm_overlapped_abc >= 8;
    swaps += f.mxm_swaps;
    overlapped += f.mxm_overlapped_abc;
    default_swaps += MeasureProgram(GenerateProgram(g, seed).program).mxm_swaps;
  });
  std::printf(
      "[progen mxm] %s: %llu seeds, %llu with >= 2 swaps and >= 8 overlapped ABCs; %llu swaps (16 rows "
      "loaded, then IW), %llu ABCs while the next weights loaded; default mode: %llu swaps\n",
      GetParam(), static_cast<unsigned long long>(n), static_cast<unsigned long long>(with),
      static_cast<unsigned long long>(swaps), static_cast<unsigned long long>(overlapped),
      static_cast<unsigned long long>(default_swaps));
  EXPECT_GE(with * 10, n * 9);
}

// sync: dense SYNC / NOTIFY, per 100 cycles, against the default mode on the same seeds.
TEST_P(ProgenMode, SyncIsDense) {
  const uint64_t n = ModeSeeds(50);
  uint64_t barriers = 0, cycles_all = 0, dflt = 0, dflt_cycles = 0;
  double min_rate = 1e9;
  ForEachLegal(g, "sync", n, [&](uint64_t seed, const GeneratedProgram &gp, uint64_t cycles) {
    const auto f = MeasureProgram(gp.program);
    barriers += f.syncs + f.notifies;
    cycles_all += cycles;
    min_rate =
        std::min(min_rate, 100.0 * static_cast<double>(f.syncs + f.notifies) / static_cast<double>(cycles));
    const auto d = GenerateProgram(g, seed);
    std::string report;
    uint64_t dc = 0;
    ASSERT_TRUE(CheckOnModel(g, d.program, &report, &dc));
    const auto df = MeasureProgram(d.program);
    dflt += df.syncs + df.notifies;
    dflt_cycles += dc;
  });
  const double rate = 100.0 * static_cast<double>(barriers) / static_cast<double>(cycles_all);
  const double drate = 100.0 * static_cast<double>(dflt) / static_cast<double>(dflt_cycles);
  std::printf(
      "[progen sync] %s: %llu seeds, SYNC + NOTIFY per 100 cycles %.1f (lowest program %.1f); default "
      "mode %.1f\n",
      GetParam(), static_cast<unsigned long long>(n), rate, min_rate, drate);
  EXPECT_GE(rate, 20.0);
  EXPECT_GE(min_rate, 10.0);
  EXPECT_GE(rate, 5 * drate);
}

// fp: the fp ops read every fp32 class, many exponents, and cancelling operands; compared with
// the default mode on the same seeds.
TEST_P(ProgenMode, FpOpsReadEveryClass) {
  const uint64_t n = ModeSeeds(50);
  constexpr size_t kClasses = static_cast<size_t>(FpClass::kCount);
  std::array<uint64_t, kClasses> lanes{}, programs{}, dlanes{};
  uint64_t cancel = 0, cancel_programs = 0, dcancel = 0, exps = 0;
  ForEachLegal(g, "fp", n, [&](uint64_t seed, const GeneratedProgram &gp, uint64_t) {
    const auto f = ProbeOnModel(g, gp.program);
    EXPECT_EQ(f.invalid_samples, 0u) << "seed " << seed;
    for (size_t c = 0; c < kClasses; ++c) {
      lanes[c] += f.fp_lanes[c];
      programs[c] += f.fp_lanes[c] > 0;
    }
    cancel += f.fp_cancel;
    cancel_programs += f.fp_cancel > 0;
    exps += f.fp_exponents;
    const auto d = ProbeOnModel(g, GenerateProgram(g, seed).program);
    for (size_t c = 0; c < kClasses; ++c) dlanes[c] += d.fp_lanes[c];
    dcancel += d.fp_cancel;
  });
  std::string classes, dclasses;
  for (size_t c = 0; c < kClasses; ++c) {
    classes +=
        fmt::format(" {} {} ({} programs)", FpClassName(static_cast<FpClass>(c)), lanes[c], programs[c]);
    dclasses += fmt::format(" {} {}", FpClassName(static_cast<FpClass>(c)), dlanes[c]);
  }
  std::printf(
      "[progen fp] %s: %llu seeds, fp32 operand lanes:%s; %.0f exponents per program; cancelling lanes "
      "%llu (%llu programs); default mode:%s, cancelling %llu\n",
      GetParam(), static_cast<unsigned long long>(n), classes.c_str(),
      static_cast<double>(exps) / static_cast<double>(n), static_cast<unsigned long long>(cancel),
      static_cast<unsigned long long>(cancel_programs), dclasses.c_str(),
      static_cast<unsigned long long>(dcancel));
  for (size_t c = 0; c < kClasses; ++c) {
    EXPECT_GE(programs[c] * 4, n) << FpClassName(static_cast<FpClass>(c)) << " in too few programs";
  }
  EXPECT_GE(cancel_programs * 4, n);
  EXPECT_GT(lanes[static_cast<size_t>(FpClass::kInf)], 4 * dlanes[static_cast<size_t>(FpClass::kInf)]);
  EXPECT_GT(cancel, 4 * dcancel);
}

// error: the model raises exactly the planted error class (and finishes); every class is planted.
TEST_P(ProgenMode, ErrorModeRaisesThePlantedError) {
  const uint64_t n = ModeSeeds(50);
  const auto opt = ProgenOptions::Preset("error");
  std::map<uint32_t, uint32_t> planted;
  for (uint64_t seed = 1; seed <= n; ++seed) {
    const auto gp = GenerateProgram(g, seed, opt);
    ASSERT_NE(gp.expected_error, 0u) << "seed " << seed;
    EXPECT_EQ(gp.expected_error & (gp.expected_error - 1), 0u) << "one class per program";
    Model m(g);
    std::string err;
    ASSERT_TRUE(m.LoadProgram(gp.program, &err)) << err;
    m.Start();
    const RunResult r = m.Run(1'000'000);
    EXPECT_EQ(r.status, RunStatus::kDone) << "seed " << seed;
    std::string msgs;
    for (size_t i = 0; i < m.errors().size() && i < 4; ++i) msgs += "\n  " + m.errors()[i].message;
    EXPECT_EQ(m.error_bits(), gp.expected_error) << "seed " << seed << ": planted " << gp.planted << msgs;
    EXPECT_FALSE(m.errors().empty());
    ++planted[gp.expected_error];
  }
  std::string counts;
  for (const auto &[bit, c] : planted) {
    size_t i = 0;
    while ((1u << i) != bit) ++i;
    counts += fmt::format(" {} {}", isa::kErrorNames[i], c);
  }
  std::printf("[progen error] %s: %llu seeds, planted:%s\n", GetParam(), static_cast<unsigned long long>(n),
              counts.c_str());
  for (uint32_t bit : {isa::kErrStreamCollision, isa::kErrBankConflict, isa::kErrUnitBusy, isa::kErrEmptyRead,
                       isa::kErrBadField}) {
    EXPECT_GE(planted[bit] * 10, n) << "error class 0x" << std::hex << bit << " rarely planted";
  }
}

// Every mode reads only MEM words its program initialises (the RTL's block RAM starts with
// garbage): on a model whose MEM was first filled with garbage every stream register, MEM write
// and error is the same in every cycle as on a zeroed one.
TEST_P(ProgenMode, ModesReadOnlyInitialisedMemory) {
  uint64_t programs = 0, cycles = 0;
  for (const auto &mode : ProgenOptions::PresetNames()) {
    const uint64_t n = mode == "long" ? 1 : mode == "fields" ? 2 : 8;
    for (uint64_t seed = 1; seed <= n; ++seed) {
      const auto gp = GenerateProgram(g, seed, ProgenOptions::Preset(mode));
      Model clean(g), dirty(g);
      for (uint64_t a = 0; a < g.mem_bytes(); ++a) {
        dirty.WriteMemByte(a, static_cast<uint8_t>((a * 2654435761u) >> 13 ^ 0x5A));
      }
      std::string err;
      ASSERT_TRUE(clean.LoadProgram(gp.program, &err)) << err;
      ASSERT_TRUE(dirty.LoadProgram(gp.program, &err)) << err;
      clean.Start();
      dirty.Start();
      bool more = true;
      while (more) {
        more = clean.Step();
        ASSERT_EQ(more, dirty.Step());
        for (uint32_t d = 0; d < 2; ++d) {
          for (uint32_t s = 0; s < g.streams(); ++s) {
            for (uint32_t p = 0; p < g.num_positions(); ++p) {
              for (uint32_t k = 0; k < g.superlanes(); ++k) {
                const auto &x = clean.Stream(static_cast<Dir>(d), s, p, k);
                const auto &y = dirty.Stream(static_cast<Dir>(d), s, p, k);
                ASSERT_TRUE(x.valid == y.valid && x.bytes == y.bytes)
                    << mode << " seed " << seed << " cycle " << clean.cycle() << ": stream " << s << " at "
                    << g.PositionName(p) << " depends on uninitialised MEM";
              }
            }
          }
        }
        ASSERT_EQ(clean.mem_writes().size(), dirty.mem_writes().size());
        for (size_t i = 0; i < clean.mem_writes().size(); ++i) {
          ASSERT_TRUE(clean.mem_writes()[i].data == dirty.mem_writes()[i].data) << mode << " seed " << seed;
        }
        ASSERT_EQ(clean.error_bits(), dirty.error_bits());
      }
      ++programs;
      cycles += clean.cycle();
    }
  }
  std::printf("[progen modes] %s: %llu programs (%llu cycles) identical on zeroed and garbage MEM\n",
              GetParam(), static_cast<unsigned long long>(programs), static_cast<unsigned long long>(cycles));
}

INSTANTIATE_TEST_SUITE_P(Configs, ProgenMode, ::testing::Values("default", "small", "board"),
                         [](const auto &param_info) { return std::string(param_info.param); });

}  // namespace
}  // namespace tsp
