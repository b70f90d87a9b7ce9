// Many different programs back to back on one `rtl` device, each in lockstep with the model, with
// a random initial state that can be varied and replayed (TSP_RTL_RAND_SEED); the seed option
// itself; the exact start latency.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "ref/builder.h"
#include "rtl_env.h"
#include "tsp/progen.h"

namespace tsp::tb {
namespace {

using ::testing::HasSubstr;

// 20 generated programs (generator seeds 10001..10020, not among the 1..200 of Seeds/*) on ONE
// device of its own, never re-created: CTRL.START must fully restart the core whatever the previous
// program left in the fabric, the units and MEM. Every fifth program also runs a second time
// without reloading (the model then starts from the device's MEM image words).
TEST(BackToBack, TwentyProgramsOnOneDevice) {
  RtlOptions o = EnvOptions(20261205);
  if (TraceRequested()) o.trace_path = "traces/" + CurrentTestName() + ".fst";
  auto dev = NewDevice(o);
  const Geometry &g = dev->geometry();
  const std::string replay = fmt::format("{}={} {} --gtest_filter=BackToBack.*", kRandSeedEnv,
                                         dev->rand_seed(), ::testing::internal::GetArgvs()[0]);
  std::printf("[back-to-back] random initial state seed %u (replay: %s)\n", dev->rand_seed(), replay.c_str());
  ProgenOptions popt;
  popt.min_cycles = 40;
  popt.max_cycles = 160;
  uint64_t cycles = 0, writes = 0, readback = 0, runs = 0;
  const uint64_t clocks0 = dev->clocks();
  for (uint64_t seed = 10001; seed <= 10020; ++seed) {
    const auto gp = GenerateProgram(g, seed, popt);
    LockstepOptions opt;
    opt.name = fmt::format("back_to_back_{}_seed{}", g.params().name, seed);
    opt.fail_dir = std::filesystem::absolute("lockstep-failures").string();
    const auto r = RunLockstep(*dev, gp.program, opt);
    ASSERT_TRUE(r.ok) << "program " << seed - 10000 << " of 20 (generator seed " << seed << ", " << replay
                      << "):\n"
                      << r.message;
    EXPECT_EQ(r.rtl_error, 0u);
    cycles += r.rtl_cycles;
    writes += r.mem_writes;
    readback += r.readback_words;
    ++runs;
    if (seed % 5 == 0) {
      LockstepOptions again = opt;
      again.load = false;
      const auto r2 = RunLockstep(*dev, gp.program, again);
      ASSERT_TRUE(r2.ok) << "generator seed " << seed << " run again without reloading (" << replay << "):\n"
                         << r2.message;
      EXPECT_EQ(r2.rtl_cycles, r.rtl_cycles);
      ++runs;
    }
  }
  EXPECT_GT(writes, 0u);
  EXPECT_GT(readback, 0u);
  std::printf(
      "[back-to-back] %llu runs, %llu program cycles, %llu clocks on one device, %llu MEM writes, %llu "
      "words read back\n",
      static_cast<unsigned long long>(runs), static_cast<unsigned long long>(cycles),
      static_cast<unsigned long long>(dev->clocks() - clocks0), static_cast<unsigned long long>(writes),
      static_cast<unsigned long long>(readback));
}

// The seed really sets the random initial state: fresh devices with one seed hold the same MEM
// garbage, another seed other garbage (the words compared were never written: no program ran).
TEST(RandSeed, SetsTheInitialState) {
  RtlOptions a, b;
  a.rand_seed = 11;
  b.rand_seed = 12;
  auto d1 = NewDevice(a), d2 = NewDevice(a), d3 = NewDevice(b);
  EXPECT_EQ(d1->rand_seed(), 11u);
  EXPECT_EQ(d3->rand_seed(), 12u);
  EXPECT_THAT(d1->Describe(), HasSubstr("random initial state seed 11"));
  const Geometry &g = d1->geometry();
  size_t differ = 0;
  for (uint32_t slice : {0u, g.num_mem_slices() - 1}) {
    for (uint32_t addr : {0u, g.words_per_bank() - 1, g.mem_words() - 1}) {
      const auto w1 = d1->ReadMemWord(slice, addr), w2 = d2->ReadMemWord(slice, addr),
                 w3 = d3->ReadMemWord(slice, addr);
      EXPECT_EQ(w1, w2) << "same seed, different initial MEM at slice " << slice << " word " << addr;
      differ += w1 != w3;
    }
  }
  EXPECT_EQ(differ, 6u) << "seeds 11 and 12 give the same initial MEM words";
}

TEST(RandSeed, ParsingAndEnvironment) {
  uint32_t s = 0;
  std::string err;
  EXPECT_TRUE(ParseRandSeed("17", &s, &err));
  EXPECT_EQ(s, 17u);
  EXPECT_TRUE(ParseRandSeed("0xffffffff", &s, &err));
  EXPECT_EQ(s, 0xFFFFFFFFu);
  EXPECT_TRUE(ParseRandSeed("random", &s, &err));
  EXPECT_NE(s, 0u);
  for (const char *bad : {"0", "-3", "x", "", "4294967296", "12abc"}) {
    EXPECT_FALSE(ParseRandSeed(bad, &s, &err)) << bad;
    EXPECT_THAT(err, HasSubstr("expected a number from 1 to 4294967295 or 'random'")) << bad;
  }
  const char *old = std::getenv(kRandSeedEnv);
  const std::string saved = old ? old : "";
  ::setenv(kRandSeedEnv, "42", 1);
  EXPECT_TRUE(RandSeedFromEnv(7, &s, &err));
  EXPECT_EQ(s, 42u);
  std::unique_ptr<Device> d = OpenDevice(TSP_RTL_CONFIG_SPEC, &err);  // the spec takes the environment's seed
  ASSERT_NE(d, nullptr) << err;
  EXPECT_EQ(dynamic_cast<RtlDevice &>(*d).rand_seed(), 42u);
  d = OpenDevice(std::string(TSP_RTL_CONFIG_SPEC) + ",seed=5", &err);  // seed= wins
  ASSERT_NE(d, nullptr) << err;
  EXPECT_EQ(dynamic_cast<RtlDevice &>(*d).rand_seed(), 5u);
  ::setenv(kRandSeedEnv, "0", 1);
  EXPECT_FALSE(RandSeedFromEnv(7, &s, &err));
  EXPECT_THAT(err, HasSubstr("TSP_RTL_RAND_SEED: random initial state seed '0'"));
  EXPECT_EQ(OpenDevice(TSP_RTL_CONFIG_SPEC, &err), nullptr);
  ::unsetenv(kRandSeedEnv);
  EXPECT_TRUE(RandSeedFromEnv(7, &s, &err));
  EXPECT_EQ(s, 7u);
  EXPECT_EQ(OpenDevice(std::string(TSP_RTL_CONFIG_SPEC) + ",seed=0", &err), nullptr);
  EXPECT_THAT(err, HasSubstr("seed '0'"));
  if (old) ::setenv(kRandSeedEnv, saved.c_str(), 1);
}

// Start latency, counted here clock by clock: the CTRL.START write takes one clock, run cycle 0
// begins exactly kStartToRunClocks clocks later (RtlDevice::Start asserts the same on every run).
TEST(RunControl, StartLatencyIsExact) {
  TestDevice dev;
  std::string err;
  const Geometry &g = dev->geometry();
  test::Builder b(g);
  b.Mem(g.MemSliceId(Hemi::kWest, 0), 1, std::vector<uint8_t>(g.vl(), 3));
  b.At("mem.w0", 0, test::Read(1, test::W(1)));
  ASSERT_TRUE(dev->LoadProgram(b.program(), &err)) << err;
  ASSERT_FALSE(dev->running());
  const uint64_t c0 = dev->clocks();
  dev->Write32(isa::kCsrCtrl, kCtrlStart);
  EXPECT_EQ(dev->clocks() - c0, 1u) << "a host-bus write takes one clock";
  uint64_t n = 0;
  while (!dev->running() && n < 64) {
    dev->Tick();
    ++n;
  }
  EXPECT_EQ(n, kStartToRunClocks);
  EXPECT_EQ(kStartToRunClocks, 2u) << "tsp_core.sv: run cycle 0 begins three cycles after the START write";
  EXPECT_EQ(dev->run_cycle(), 0u);
  for (int i = 0; i < 100 && dev->running(); ++i) dev->Tick();
  EXPECT_TRUE(dev->Status() & kStatusDone);
}

}  // namespace
}  // namespace tsp::tb
