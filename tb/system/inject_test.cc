// The checker's comparators, each shown to fire on its own (LockstepOptions::inject): one small
// generated program runs in lockstep with the observation of exactly one signal class corrupted
// once (stream register data, valid bit, MEM bank write address / data / enable / slice, dispatch
// word, error pulse, cycle counter, run end, and after the run STATUS.DONE, STATUS.ERROR, CYCLE,
// ERROR and the MEM read-back). Every run must fail in the comparator of that class, in the cycle of the
// injection, and the same program must pass without injection. The corruption is applied to what
// the checker sees of the RTL, never to the RTL or the model, so a comparator that silently
// ignored its signal (or compared it with itself) would let its run pass and fail this test.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <regex>
#include <string>

#include "rtl_env.h"
#include "tsp/progen.h"

namespace tsp::tb {
namespace {

using ::testing::HasSubstr;

// The first seed whose short program has MEM images, bank writes in the model run after cycle
// kInjectCycle, and runs past it: every signal class then has something to corrupt.
constexpr uint64_t kInjectCycle = 5;

const Program &SmallProgram(const Geometry &g) {
  static std::map<std::string, Program> cache;
  const std::string name(g.params().name);
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  ProgenOptions popt;
  popt.min_cycles = 30;
  popt.max_cycles = 60;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    GeneratedProgram gp = GenerateProgram(g, seed, popt);
    if (gp.program.mem.empty()) continue;
    Model m(g);
    std::string err;
    if (!m.LoadProgram(gp.program, &err)) continue;
    m.Start();
    uint64_t late_writes = 0;
    while (m.Step()) {
      if (m.cycle() > kInjectCycle + 1) late_writes += m.mem_writes().size();
    }
    if (late_writes == 0 || m.cycle() < 2 * kInjectCycle || m.error_bits() != 0) continue;
    std::printf(
        "[inject] geometry %s: generator seed %llu (%llu cycles, %llu bank writes after cycle %llu)\n",
        std::string(g.params().name).c_str(), static_cast<unsigned long long>(seed),
        static_cast<unsigned long long>(m.cycle()), static_cast<unsigned long long>(late_writes),
        static_cast<unsigned long long>(kInjectCycle));
    return cache.emplace(name, std::move(gp.program)).first->second;
  }
  throw std::runtime_error("no generator seed in 1..100 gives a small program with MEM writes");
}

LockstepResult RunInjected(RtlDevice &dev, const InjectSpec &inj) {
  LockstepOptions opt;
  opt.inject = inj;
  opt.write_failure = false;
  return RunLockstep(dev, SmallProgram(dev.geometry()), opt);
}

TEST(Inject, CleanRunPasses) {
  TestDevice dev;
  const auto r = RunInjected(*dev, {});
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_FALSE(r.injected);
  EXPECT_GT(r.mem_writes, 0u);
  EXPECT_GT(r.readback_words, 0u);
  EXPECT_GT(r.compared_cycles, 2 * kInjectCycle);
}

// The first line of the failure message for each class. `in_run`: the message starts with the run
// cycle of the injection.
struct Case {
  Inject what;
  const char *first_line;  // regular expression (std::regex ECMAScript, searched)
  bool in_run;
};

const Case kCases[] = {
    {Inject::kStreamData,
     R"(stream register [EW]\d+ superlane \d+ at \S+ \(position \d+, \w+ hemisphere\): lane \d+ \(superlane lane \d+\): expected 0x[0-9a-f]{2} actual 0x[0-9a-f]{2}$)",
     true},
    {Inject::kStreamValid,
     R"(stream register E0 superlane 0 at \S+ \(position 0, west hemisphere\): valid bit expected [01] actual [01]$)",
     true},
    {Inject::kMemWriteAddr,
     R"(MEM bank write of mem\.[we]\d+ superlane \d+ .* differs: address: expected word \d+ actual word \d+$)",
     true},
    {Inject::kMemWriteData,
     R"(MEM bank write of mem\.[we]\d+ superlane \d+ .* differs: data lane \d+ \(superlane lane \d+\): expected 0x[0-9a-f]{2} actual 0x[0-9a-f]{2}$)",
     true},
    // The write disappears: the RTL wrote nothing in that slice and superlane.
    {Inject::kMemWriteEnable,
     R"(MEM bank write of mem\.[we]\d+ superlane \d+ .* differs: no write on the RTL$)", true},
    // The write moved to another slice (checked below: it shows up there among the RTL's writes).
    {Inject::kMemWriteSlice,
     R"(MEM bank write of mem\.[we]\d+ superlane \d+ .* differs: no write on the RTL$)", true},
    {Inject::kDispatch, R"(queue \S+ dispatch differs$)", true},
    {Inject::kErrorPulse, R"(error pulses differ: expected \(model\) none, actual \(RTL\) \w+$)", true},
    {Inject::kCycleCounter, R"(the RTL cycle counter reads \d+$)", true},
    {Inject::kRunEnd, R"(the RTL finished after run cycle \d+ but the model is not done$)", false},
    {Inject::kStatusDone,
     R"(^after the run STATUS = 0x[0-9a-f]+: expected DONE \(bit 1\) set and BUSY \(bit 0\) clear$)", false},
    {Inject::kStatusError, R"(^STATUS\.ERROR = 1 but ERROR = 0x0$)", false},
    {Inject::kCycleCsr, R"(^CYCLE = \d+ but the model took \d+ cycles$)", false},
    {Inject::kErrorCsr, R"(^ERROR = 0x[0-9a-f]+ \(\w+\) but the model reports 0x0 \(none\)$)", false},
    {Inject::kMemReadback,
     R"(^MEM read-back after the run: mem\.[we]\d+ \(slice \d+\) word \d+ lane \d+ \(superlane \d+\): expected \(model\) 0x[0-9a-f]{2} actual \(RTL\) 0x[0-9a-f]{2}$)",
     false},
};

class InjectEach : public ::testing::TestWithParam<Case> {};

TEST_P(InjectEach, FailsInItsOwnComparator) {
  const Case &c = GetParam();
  TestDevice dev;
  for (const uint32_t bit : {0u, 5u}) {
    const auto r = RunInjected(*dev, {c.what, kInjectCycle, bit});
    const std::string first = r.message.substr(0, r.message.find('\n'));
    ASSERT_FALSE(r.ok) << InjectName(c.what) << " bit " << bit << " went unnoticed";
    EXPECT_TRUE(r.injected) << InjectName(c.what) << ": nothing was corrupted";
    EXPECT_TRUE(std::regex_search(first, std::regex(c.first_line)))
        << InjectName(c.what) << " bit " << bit << ": the failure is not the one of its comparator:\n"
        << r.message;
    if (c.what == Inject::kMemWriteEnable || c.what == Inject::kMemWriteSlice) {
      // The missing write (slice, superlane, word) is absent from the RTL's writes of that cycle;
      // a moved one is present on another slice with the same superlane and word.
      std::smatch m;
      ASSERT_TRUE(std::regex_search(
          r.message, m,
          std::regex(R"(write of (mem\.[we]\d+) superlane (\d+) [^\n]*\n  expected \(model\): word (\d+))")))
          << r.message;
      const std::string slice = m[1], superlane = m[2], word = m[3];
      const size_t at = r.message.find("bank writes this cycle, RTL:");
      ASSERT_NE(at, std::string::npos) << r.message;
      const std::string rtl_writes = r.message.substr(at, r.message.find('\n', at) - at);
      EXPECT_THAT(rtl_writes, ::testing::Not(HasSubstr(slice + " superlane " + superlane + " word " + word)));
      const std::regex moved("mem\\.[we]\\d+ superlane " + superlane + " word " + word + "(,|$)");
      EXPECT_EQ(std::regex_search(rtl_writes, moved), c.what == Inject::kMemWriteSlice) << rtl_writes;
    }
    if (c.in_run) {
      EXPECT_GE(r.injected_cycle, kInjectCycle);
      EXPECT_THAT(first, ::testing::StartsWith(fmt::format("run cycle {}: ", r.injected_cycle)))
          << "the comparator did not fire in the cycle of the injection";
    }
    if (c.what == Inject::kRunEnd) {
      EXPECT_THAT(first, ::testing::HasSubstr(fmt::format("after run cycle {} ", r.injected_cycle - 1)));
    }
    std::printf("[inject] %-16s bit %u at cycle %llu -> %s\n", InjectName(c.what).c_str(), bit,
                static_cast<unsigned long long>(r.injected_cycle), first.c_str());
    // The device is fine for the next program after the abandoned run.
    const auto clean = RunInjected(*dev, {});
    ASSERT_TRUE(clean.ok) << "after injecting " << InjectName(c.what) << ": " << clean.message;
  }
}

INSTANTIATE_TEST_SUITE_P(Classes, InjectEach, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case> &info) {
                           std::string n = InjectName(info.param.what);
                           for (auto &ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n;
                         });

// Every class of Inject has a case above.
TEST(Inject, EveryClassCovered) {
  std::vector<bool> seen(static_cast<size_t>(Inject::kCount), false);
  for (const Case &c : kCases) seen[static_cast<size_t>(c.what)] = true;
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_TRUE(seen[i]) << InjectName(static_cast<Inject>(i));
}

}  // namespace
}  // namespace tsp::tb
