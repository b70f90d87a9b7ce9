// Random programs (tsp/progen.h) on the RTL and the reference model in lockstep: every stream
// register, MEM write, dispatch and error pulse compared every cycle; DONE, CYCLE and ERROR at the
// end. Seeds 1..TSP_SEEDS (default 200); TSP_SEED=n runs only seed n (replay a failure);
// TSP_PROGEN_MODE=NAME generates them in that generator mode (ProgenOptions::Preset: long, fields,
// gather, mxm, sync, fp, error; docs/verification.md §1). In error mode ERROR must be exactly the
// planted error (a planted UnitBusy runs on the RTL alone: what a busy unit does with the
// instruction is not part of the contract, see ScheduleErrors.UnitBusy). Modes/RandomProgramMode
// runs four seeds of each short mode (gather, mxm, sync, fp, error) in every run.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <vector>

#include "ref/builder.h"
#include "rtl_env.h"
#include "tsp/progen.h"

namespace tsp::tb {
namespace {

std::vector<uint64_t> Seeds() {
  if (const char *one = std::getenv("TSP_SEED")) return {std::strtoull(one, nullptr, 0)};
  const char *n_env = std::getenv("TSP_SEEDS");
  const uint64_t n = n_env ? std::strtoull(n_env, nullptr, 0) : 200;
  std::vector<uint64_t> v;
  for (uint64_t s = 1; s <= n; ++s) v.push_back(s);
  return v;
}

std::string Mode() {
  const char *env = std::getenv("TSP_PROGEN_MODE");
  return env ? env : "default";
}

void RunSeed(const std::string &mode, uint64_t seed) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  const auto gp = GenerateProgram(g, seed, ProgenOptions::Preset(mode));
  LockstepOptions opt;
  opt.name = fmt::format("progen_{}_{}seed{}", g.params().name, mode == "default" ? "" : mode + "_", seed);
  opt.fail_dir = std::filesystem::absolute("lockstep-failures").string();
  opt.compare = gp.expected_error != isa::kErrUnitBusy;
  const auto r = RunLockstep(*dev, gp.program, opt);
  ASSERT_TRUE(r.ok) << "geometry " << g.params().name << " mode " << mode << " seed " << seed
                    << " (replay: " << (mode == "default" ? "" : "TSP_PROGEN_MODE=" + mode + " ")
                    << "TSP_SEED=" << seed << " " << ::testing::internal::GetArgvs()[0] << ")\n"
                    << r.message;
  EXPECT_EQ(r.rtl_error, gp.expected_error) << gp.planted;
  if (opt.compare) {
    EXPECT_EQ(r.rtl_cycles, r.model_cycles);
    EXPECT_EQ(r.model_error, gp.expected_error) << gp.planted;
    EXPECT_GT(r.compared_cycles, 0u);
  }
}

class RandomProgram : public ::testing::TestWithParam<uint64_t> {};

TEST_P(RandomProgram, MatchesModelEveryCycle) { RunSeed(Mode(), GetParam()); }

INSTANTIATE_TEST_SUITE_P(Seeds, RandomProgram, ::testing::ValuesIn(Seeds()));

struct ModeSeed {
  const char *mode;
  uint64_t seed;
};
// For ctest's listing ("GetParam() = fp seed 3" rather than the bytes of the struct).
void PrintTo(const ModeSeed &m, std::ostream *os) { *os << m.mode << " seed " << m.seed; }

std::vector<ModeSeed> ModeSeeds() {
  std::vector<ModeSeed> v;
  for (const char *mode : {"gather", "mxm", "sync", "fp", "error"}) {
    for (uint64_t seed = 1; seed <= 4; ++seed) v.push_back({mode, seed});
  }
  return v;
}

class RandomProgramMode : public ::testing::TestWithParam<ModeSeed> {};

TEST_P(RandomProgramMode, MatchesModelEveryCycle) { RunSeed(GetParam().mode, GetParam().seed); }

INSTANTIATE_TEST_SUITE_P(Modes, RandomProgramMode, ::testing::ValuesIn(ModeSeeds()),
                         [](const auto &param_info) {
                           return std::string(param_info.param.mode) + "_" +
                                  std::to_string(param_info.param.seed);
                         });

}  // namespace
}  // namespace tsp::tb

// ---------------------------------------------------------------------------------------------
// The checker itself: an RTL run of a slightly different program must be caught at the first
// differing cycle, with the right place named. Expected cycles follow from the timing rule:
// mem.w0 (VXM position - 1) reads word 1 onto E1 at cycle 0 -> superlane 0 written at cycle 2,
// visible in the mem.w0 register during run cycle 3; mem.e0 (VXM position + 1) writes it at
// cycle 4 -> bank write of superlane 0 at the end of run cycle 5.
// ---------------------------------------------------------------------------------------------
namespace tsp::tb {
namespace {

using ::testing::HasSubstr;

struct CopyProgram {
  explicit CopyProgram(const Geometry &geom, uint32_t write_at = 4, uint32_t write_addr = 6, uint8_t poke = 0)
      : g(geom) {
    std::vector<uint8_t> data(g.vl());
    for (uint32_t l = 0; l < g.vl(); ++l) data[l] = static_cast<uint8_t>(3 * l + 1);
    data[5] ^= poke;
    test::Builder b(g);
    b.Mem(g.MemSliceId(Hemi::kWest, 0), 1, data);
    b.At("mem.w0", 0, test::Read(1, test::E(1)));
    b.At("mem.e0", write_at, test::Write(write_addr, test::E(1)));
    program = b.program();
  }
  Geometry g;
  Program program;
};

LockstepResult RunMutant(RtlDevice &dev, const Program &model_prog, const Program &rtl_prog) {
  LockstepOptions opt;
  opt.rtl_program = &rtl_prog;
  opt.write_failure = false;
  return RunLockstep(dev, model_prog, opt);
}

TEST(Checker, IdenticalProgramsPass) {
  TestDevice dev;
  CopyProgram p(dev->geometry());
  const auto r = RunMutant(*dev, p.program, p.program);
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.rtl_cycles, 4u + 1 + dev->geometry().superlanes());  // last bank write at 5 + (S-1)
}

TEST(Checker, CatchesStreamData) {
  TestDevice dev;
  CopyProgram good(dev->geometry()), bad(dev->geometry(), 4, 6, 0x40);
  const auto r = RunMutant(*dev, good.program, bad.program);
  ASSERT_FALSE(r.ok);
  EXPECT_THAT(r.message, HasSubstr("run cycle 3: stream register E1 superlane 0 at mem.w0"));
  EXPECT_THAT(r.message, HasSubstr("west hemisphere"));
  EXPECT_THAT(r.message, HasSubstr("lane 5 (superlane lane 5): expected 0x10 actual 0x50"));
}

TEST(Checker, CatchesMemWrite) {
  TestDevice dev;
  CopyProgram good(dev->geometry()), bad(dev->geometry(), 4, 7);
  const auto r = RunMutant(*dev, good.program, bad.program);
  ASSERT_FALSE(r.ok);
  // The dispatch (address 7 instead of 6) is the first visible difference: this test shows the
  // dispatch comparator, not the MEM write one. inject_test.cc shows each comparator (MEM write
  // address, data, enable, slice, error pulses, MEM read-back, ...) firing on its own.
  EXPECT_THAT(r.message, HasSubstr("run cycle 4: queue mem.e0 dispatch differs"));
  EXPECT_THAT(r.message, HasSubstr("write 6, E1"));
  EXPECT_THAT(r.message, HasSubstr("write 7, E1"));
}

// The end-of-run MEM read-back on its own, without fault injection: the RTL is given a MEM image
// word that differs from the model's in one byte and that no instruction ever reads, so no stream
// register, bank write or dispatch differs; only the read-back of the image words after the run
// can see it, with the place worked out here: mem.w1 (slice 1) word 9, lane 16 * 1 + 3 = 19
// (superlane 1), model 0x5a, RTL 0x5a ^ 0x81 = 0xdb.
TEST(Checker, ReadBackCatchesAnUnreadImageWord) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  const uint32_t w1 = g.MemSliceId(Hemi::kWest, 1);
  auto with_image = [&](uint8_t poke) {
    CopyProgram p(g);
    std::vector<uint8_t> word(g.vl(), 0x5a);
    word[19] ^= poke;
    p.program.mem.push_back({w1, 9, word});
    return p.program;
  };
  const Program good = with_image(0), bad = with_image(0x81);
  const auto r = RunMutant(*dev, good, bad);
  ASSERT_FALSE(r.ok);
  EXPECT_THAT(r.message,
              HasSubstr("MEM read-back after the run: mem.w1 (slice " + std::to_string(w1) +
                        ") word 9 lane 19 (superlane 1): expected (model) 0x5a actual (RTL) 0xdb"));
  EXPECT_GT(r.compared_cycles, 0u);  // every cycle compared equal before
  LockstepOptions no_readback;
  no_readback.rtl_program = &bad;
  no_readback.write_failure = false;
  no_readback.readback = false;
  EXPECT_TRUE(RunLockstep(*dev, good, no_readback).ok) << "only the read-back sees this difference";
}

// A failed comparison abandons the RTL run (CTRL.STOP at the first mismatch). The next program on
// the same device must run clean: the stopped slices' pipelines drain while idle, and neither
// that nor anything left in them may fail the next run's checks or SVAs.
TEST(Checker, NextProgramCleanAfterAbandonedRun) {
  TestDevice dev;
  CopyProgram good(dev->geometry()), bad(dev->geometry(), 4, 6, 0x40);
  for (int round = 0; round < 3; ++round) {
    const auto broken = RunMutant(*dev, good.program, bad.program);
    ASSERT_FALSE(broken.ok);
    const auto r = RunMutant(*dev, good.program, good.program);
    ASSERT_TRUE(r.ok) << "round " << round << ": " << r.message;
    EXPECT_EQ(r.rtl_error, 0u);
  }
}

TEST(Checker, CatchesTiming) {
  TestDevice dev;
  CopyProgram good(dev->geometry()), bad(dev->geometry(), 5);
  const auto r = RunMutant(*dev, good.program, bad.program);
  ASSERT_FALSE(r.ok);
  EXPECT_THAT(r.message, HasSubstr("run cycle 4: queue mem.e0 dispatch differs"));
  EXPECT_THAT(r.message, HasSubstr("actual   (RTL):   nothing"));
}

}  // namespace
}  // namespace tsp::tb
