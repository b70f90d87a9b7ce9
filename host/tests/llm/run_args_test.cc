// llama2.c `run`'s flag grammar and defaults, the long options, and the option fix-ups.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tsp/llm/generate.h"

namespace tsp::llm {
namespace {

#define EXPECT_HAS(msg, text) EXPECT_NE((msg).find(text), std::string::npos) << "message: " << (msg)

bool Parse(std::vector<std::string> args, RunArgs *out, std::string *error) {
  std::vector<char *> argv;
  for (std::string &a : args) argv.push_back(a.data());
  return ParseRunArgs(static_cast<int>(argv.size()), argv.data(), out, error);
}

RunArgs Ok(const std::vector<std::string> &args) {
  RunArgs out;
  std::string error;
  EXPECT_TRUE(Parse(args, &out, &error)) << error;
  return out;
}

std::string Bad(const std::vector<std::string> &args) {
  RunArgs out;
  out.checkpoint_path = "untouched";
  std::string error;
  EXPECT_FALSE(Parse(args, &out, &error)) << "parsed: " << testing::PrintToString(args);
  EXPECT_EQ(out.checkpoint_path, "untouched");
  EXPECT_FALSE(error.empty());
  return error;
}

TEST(RunArgs, Defaults) {
  const RunArgs a = Ok({"run", "model.bin"});
  EXPECT_EQ(a.checkpoint_path, "model.bin");
  EXPECT_EQ(a.tokenizer_path, "tokenizer.bin");
  EXPECT_EQ(a.mode, "generate");
  EXPECT_EQ(a.system_prompt, "");
  EXPECT_EQ(a.options.temperature, 1.0f);
  EXPECT_EQ(a.options.topp, 0.9f);
  EXPECT_EQ(a.options.seed, 0u);
  EXPECT_EQ(a.options.steps, 256);
  EXPECT_EQ(a.options.prompt, "");
  EXPECT_EQ(a.device, "");
  EXPECT_EQ(a.exec_mode, "exact");
  EXPECT_FALSE(a.stats);
  EXPECT_EQ(a.timeline_path, "");
}

TEST(RunArgs, EveryFlag) {
  const RunArgs a = Ok({"run", "m.bin", "-t", "0.8", "-p", "0.95", "-s", "42", "-n", "100", "-i", "Once upon",
                        "-z", "tok512.bin", "-m", "chat", "-y", "be nice"});
  EXPECT_EQ(a.options.temperature, 0.8f);
  EXPECT_EQ(a.options.topp, 0.95f);
  EXPECT_EQ(a.options.seed, 42u);
  EXPECT_EQ(a.options.steps, 100);
  EXPECT_EQ(a.options.prompt, "Once upon");
  EXPECT_EQ(a.tokenizer_path, "tok512.bin");
  EXPECT_EQ(a.mode, "chat");
  EXPECT_EQ(a.system_prompt, "be nice");
  // The last occurrence wins.
  EXPECT_EQ(Ok({"run", "m.bin", "-n", "5", "-n", "7"}).options.steps, 7);
}

TEST(RunArgs, ValuesParseLikeAtoiAndAtof) {
  EXPECT_EQ(Ok({"run", "m", "-t", "abc"}).options.temperature, 0.0f);
  EXPECT_EQ(Ok({"run", "m", "-t", "1.5x"}).options.temperature, 1.5f);
  EXPECT_EQ(Ok({"run", "m", "-n", "12abc"}).options.steps, 12);
  EXPECT_EQ(Ok({"run", "m", "-n", "-3"}).options.steps, -3);
  EXPECT_EQ(Ok({"run", "m", "-s", "-1"}).options.seed, ~0ull);  // int -1 widened to unsigned long long
  EXPECT_EQ(Ok({"run", "m", "-s", " 17"}).options.seed, 17u);
  // A value may start with a dash, even look like an option.
  EXPECT_EQ(Ok({"run", "m", "-i", "--stats"}).options.prompt, "--stats");
  EXPECT_FALSE(Ok({"run", "m", "-i", "--stats"}).stats);
  EXPECT_EQ(Ok({"run", "m", "-i", ""}).options.prompt, "");
}

TEST(RunArgs, LongOptionsAnywhereAfterTheCheckpoint) {
  const RunArgs a = Ok({"run", "m.bin", "--stats", "-t", "0", "--device", "tsp", "-n", "5", "--mode", "fast",
                        "--timeline", "t.json"});
  EXPECT_TRUE(a.stats);
  EXPECT_EQ(a.device, "tsp");
  EXPECT_EQ(a.exec_mode, "fast");
  EXPECT_EQ(a.timeline_path, "t.json");
  EXPECT_DOUBLE_EQ(a.clock_mhz, 150.0);
  EXPECT_DOUBLE_EQ(Ok({"run", "m.bin", "--clock", "114.9"}).clock_mhz, 114.9);
  EXPECT_FALSE(a.one_program);
  EXPECT_TRUE(Ok({"run", "m.bin", "--one-program", "-n", "5"}).one_program);
  EXPECT_EQ(a.options.temperature, 0.0f);
  EXPECT_EQ(a.options.steps, 5);
  EXPECT_EQ(Ok({"run", "m.bin", "-n", "5", "--stats"}).options.steps, 5);
}

TEST(RunArgs, GrammarErrors) {
  EXPECT_HAS(Bad({"run"}), "missing <checkpoint>");
  EXPECT_HAS(Bad({"run", "-t", "0"}), "expected <checkpoint> first");
  EXPECT_HAS(Bad({"run", "--stats", "m.bin"}), "expected <checkpoint> first");
  EXPECT_HAS(Bad({"run", "m.bin", "-t"}), "flag '-t' needs a value");
  EXPECT_HAS(Bad({"run", "m.bin", "t", "0"}), "expected a flag of the form -x, got 't'");
  EXPECT_HAS(Bad({"run", "m.bin", "-temp", "0"}), "expected a flag of the form -x, got '-temp'");
  EXPECT_HAS(Bad({"run", "m.bin", "-x", "0"}), "unknown flag '-x'");
  EXPECT_HAS(Bad({"run", "m.bin", "-t", "0", "extra"}), "flag 'extra' needs a value");
  EXPECT_HAS(Bad({"run", "m.bin", "-m", "train"}), "unknown mode: train");
  EXPECT_HAS(Bad({"run", "m.bin", "--verbose"}), "unknown option '--verbose'");
  EXPECT_HAS(Bad({"run", "m.bin", "--device"}), "option --device needs a value");
  EXPECT_HAS(Bad({"run", "m.bin", "--device", ""}), "option --device needs a non-empty value");
  EXPECT_HAS(Bad({"run", "m.bin", "--timeline"}), "option --timeline needs a value");
  for (const char *v : {"0", "-5", "fast", "100MHz", "nan", "inf"})
    EXPECT_HAS(Bad({"run", "m.bin", "--clock", v}), "--clock must be a clock in MHz");
  EXPECT_HAS(Bad({"run", "m.bin", "--mode", "slow"}), "--mode must be exact or fast, got 'slow'");
  EXPECT_HAS(Bad({"run", "m.bin", "--stats=1"}), "unknown option '--stats=1'");
  EXPECT_HAS(Bad({"run", "m.bin", "--one-program=1"}), "unknown option '--one-program=1'");
}

TEST(RunArgs, UsageListsEveryOption) {
  const std::string u = RunUsage("tsp-run");
  EXPECT_EQ(u.rfind("Usage:   tsp-run <checkpoint> [options]\n", 0), 0u) << u;
  for (const char *opt :
       {"-t <float>", "-p <float>", "-s <int>", "-n <int>", "-i <string>", "-z <string>", "-m <string>",
        "-y <string>", "--device <name>", "--mode exact|fast", "--stats", "--timeline <file>", "--clock <MHz>",
        "--one-program"})
    EXPECT_HAS(u, opt);
}

TEST(RunOptionsFixups, LikeRunMain) {
  RunOptions in;  // defaults: 1.0, 0.9, seed 0, 256 steps
  RunOptions o = ResolveRunOptions(in, 512, 1700000000ull);
  EXPECT_EQ(o.temperature, 1.0f);
  EXPECT_EQ(o.topp, 0.9f);
  EXPECT_EQ(o.seed, 1700000000ull);
  EXPECT_EQ(o.steps, 256);
  // The time is truncated to unsigned int, as (unsigned int)time(NULL).
  EXPECT_EQ(ResolveRunOptions(in, 512, (1ull << 32) + 5).seed, 5u);
  in.seed = 42;
  EXPECT_EQ(ResolveRunOptions(in, 512, 99).seed, 42u);

  in.temperature = -0.5f;
  EXPECT_EQ(ResolveRunOptions(in, 512, 1).temperature, 0.0f);
  in.temperature = 0.0f;
  EXPECT_EQ(ResolveRunOptions(in, 512, 1).temperature, 0.0f);

  for (float bad : {-0.1f, 1.5f}) {
    in.topp = bad;
    EXPECT_EQ(ResolveRunOptions(in, 512, 1).topp, 0.9f) << bad;
  }
  for (float ok : {0.0f, 1.0f, 0.5f}) {
    in.topp = ok;
    EXPECT_EQ(ResolveRunOptions(in, 512, 1).topp, ok) << ok;
  }

  const int cases[][2] = {{-5, 512}, {0, 512}, {1, 1}, {512, 512}, {513, 512}, {100000, 512}};
  for (const auto &c : cases) {
    in.steps = c[0];
    EXPECT_EQ(ResolveRunOptions(in, 512, 1).steps, c[1]) << c[0];
  }
  // Without an explicit time: the seed is set from the clock.
  in.seed = 0;
  EXPECT_NE(ResolveRunOptions(in, 512).seed, 0u);
}

}  // namespace
}  // namespace tsp::llm
