// Random programs (tsp/progen.h) on the RTL and the reference model in lockstep: every stream
// register, MEM write, dispatch and error pulse compared every cycle; DONE, CYCLE and ERROR at the
// end. Seeds 1..TSP_SEEDS (default 200); TSP_SEED=n runs only seed n (replay a failure).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

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

class RandomProgram : public ::testing::TestWithParam<uint64_t> {};

TEST_P(RandomProgram, MatchesModelEveryCycle) {
  const uint64_t seed = GetParam();
  TestDevice dev;
  const Geometry &g = dev->geometry();
  const auto gp = GenerateProgram(g, seed);
  LockstepOptions opt;
  opt.name = fmt::format("progen_{}_seed{}", g.params().name, seed);
  opt.fail_dir = std::filesystem::absolute("lockstep-failures").string();
  const auto r = RunLockstep(*dev, gp.program, opt);
  ASSERT_TRUE(r.ok) << "geometry " << g.params().name << " seed " << seed << " (replay: TSP_SEED=" << seed << " "
                    << ::testing::internal::GetArgvs()[0] << ")\n"
                    << r.message;
  EXPECT_EQ(r.rtl_cycles, r.model_cycles);
  EXPECT_EQ(r.rtl_error, 0u);
  EXPECT_GT(r.compared_cycles, 0u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomProgram, ::testing::ValuesIn(Seeds()));

}  // namespace
}  // namespace tsp::tb
