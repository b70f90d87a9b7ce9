// stories260K on a Verilated core (test_rtl_system: the default core, "rtl"; test_rtl_system_board:
// the board geometry's, "rtl:board"; TSP_RTL_CONFIG_SPEC) against the reference model of the same
// geometry ("ref:<config>") ("rtl" device: the program and its 670 KB of weights
// loaded once through the simulation-only backdoor, then per token 8 bytes of input and the start
// over the host bus): greedy text identical to the cycle-exact reference model and to the fp32
// forward pass, every step in exactly the compiler's predicted number of cycles. TSP_STORY_STEPS
// sets the length (default 10; `make regress` runs more).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "model_util.h"
#include "tsp/llm/generate.h"
#include "tsp/runner.h"

namespace tsp {
namespace {

using testutil::Model260K;

std::string Generate(llm::Backend &b, int steps, const std::string &prompt, std::string *err) {
  const auto &m = Model260K();
  llm::RunOptions ro;
  ro.temperature = 0;
  ro.steps = steps;
  ro.prompt = prompt;
  ro = llm::ResolveRunOptions(ro, m.ck.config.seq_len, 1);
  char *buf = nullptr;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  llm::GenerateStats st;
  const int rc = llm::Generate(b, m.tok, m.ck.config, ro, f, &st, err);
  std::fclose(f);
  std::string s(buf, n);
  std::free(buf);
  return rc == 0 ? s : "<error: " + *err + ">";
}

// The core under test and the reference model of its geometry.
const std::string kRtl = TSP_RTL_CONFIG_SPEC;                // "rtl:<config>"
const std::string kRef = "ref:" + kRtl.substr(kRtl.find(':') + 1);

std::unique_ptr<TspBackend> Open(const std::string &spec, uint32_t positions, uint32_t range = 0) {
  std::string err;
  auto dev = OpenDevice(spec, &err);
  EXPECT_TRUE(dev) << err;
  if (!dev) return nullptr;
  compiler::LlamaOptions opt;
  opt.positions = positions;
  auto b = TspBackend::Create(Model260K().ck, std::move(dev), opt, &err, range);
  EXPECT_TRUE(b) << err;
  return b;
}

TEST(RtlStory, GreedyTextMatchesModelAndReference) {
  TSP_NEED_MODEL();
  const char *env = std::getenv("TSP_STORY_STEPS");
  const int steps = env ? std::atoi(env) : 10;
  ASSERT_GE(steps, 8);
  const uint32_t positions = static_cast<uint32_t>((steps + 63) / 64 * 64);
  auto rtl = Open(kRtl, positions);
  auto ref = Open(kRef, positions);
  ASSERT_TRUE(rtl && ref);
  llm::ReferenceBackend cpu(Model260K().ck);
  const std::string prompt = "Once upon a time";
  std::string e1, e2, e3;
  const std::string a = Generate(*rtl, steps, prompt, &e1);
  const std::string b = Generate(*ref, steps, prompt, &e2);
  const std::string c = Generate(cpu, steps, prompt, &e3);
  std::printf("RTL (%s, %u cycles per step), %d steps: %s\n", kRtl.c_str(),
              static_cast<unsigned>(rtl->compiled().predicted_cycles), steps, a.c_str());
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  const RunnerStats &s = rtl->stats();
  EXPECT_EQ(s.steps, static_cast<uint64_t>(steps));
  EXPECT_EQ(s.mismatches, 0u);
  EXPECT_EQ(s.min_cycles, rtl->compiled().predicted_cycles);
  EXPECT_EQ(s.max_cycles, rtl->compiled().predicted_cycles);
  EXPECT_EQ(ref->stats().predicted_cycles, rtl->compiled().predicted_cycles);
  std::printf("%s", rtl->StatsReport().c_str());
}

// tsp-run's program set on the core: the programs for 64 and 128 positions (one KV cache layout),
// positions 0, 1, 64, 65 and back to 2, so the runner moves to the larger program and back through
// the host bus and the backdoor; every step's argmax and cycle count equal the reference model's
// running the same sequence, and the cycles are each program's prediction. On the default core
// only (TSP_STORY_PROGRAM_SET): switching programs is host-side work through the same host bus on
// every geometry, and the board core's 61 s for it counted against `make test`'s 30 minutes; the
// board core runs its own program in GreedyTextMatchesModelAndReference.
#if TSP_STORY_PROGRAM_SET
TEST(RtlStory, ProgramSetSwitchesOnTheCore) {
  TSP_NEED_MODEL();
  auto rtl = Open(kRtl, 128, 64);
  auto ref = Open(kRef, 128, 64);
  ASSERT_TRUE(rtl && ref);
  ASSERT_EQ(rtl->programs().size(), 2u);
  int token = 1;
  for (int pos : {0, 1, 64, 65, 2}) {
    int a = -1, b = -1;
    std::string e1, e2;
    const uint64_t c0 = rtl->stats().total_cycles, r0 = ref->stats().total_cycles;
    ASSERT_TRUE(rtl->Forward(token, pos, nullptr, &a, &e1)) << e1;
    ASSERT_TRUE(ref->Forward(token, pos, nullptr, &b, &e2)) << e2;
    EXPECT_EQ(a, b) << "position " << pos;
    const uint64_t want = rtl->programs()[rtl->ProgramFor(pos)].predicted_cycles;
    EXPECT_EQ(rtl->stats().total_cycles - c0, want) << "position " << pos;
    EXPECT_EQ(ref->stats().total_cycles - r0, want) << "position " << pos;
    token = b;
  }
  EXPECT_EQ(rtl->stats().switches, 2u);
  EXPECT_EQ(rtl->stats().mismatches, 0u);
  // (The rtl device loads MEM and queues through its simulation-only backdoor, which the host
  // traffic counters do not count: no byte comparison with ref here.)
  std::printf("%s", rtl->StatsReport().c_str());
}
#endif

}  // namespace
}  // namespace tsp
