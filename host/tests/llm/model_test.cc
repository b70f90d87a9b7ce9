// Tests on the real stories260K model, found through FindModelDir(). Without it they are skipped
// (with the reason), unless TSP_REQUIRE_MODEL=1, which turns a missing model into a failure.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tsp/llm/checkpoint.h"
#include "tsp/llm/generate.h"
#include "tsp/llm/model_dir.h"
#include "tsp/llm/tokenizer.h"

namespace tsp::llm {
namespace {

bool RequireModel() {
  const char *v = std::getenv("TSP_REQUIRE_MODEL");
  return v && std::strcmp(v, "1") == 0;
}

// Loads the model once per test binary; the message explains a missing or wrong model.
struct Model {
  bool ok = false;
  std::string dir, error;
  Checkpoint ckpt;
  Tokenizer tok;
};

const Model &GetModel() {
  static const Model *model = [] {
    auto *m = new Model;
    m->dir = FindModelDir(&m->error);
    if (m->dir.empty()) return m;
    if (!LoadCheckpoint(m->dir + "/" + kModelCheckpointFile, &m->ckpt, &m->error)) return m;
    if (!m->tok.Load(m->dir + "/" + kModelTokenizerFile, m->ckpt.config.vocab_size, &m->error)) return m;
    m->ok = true;
    return m;
  }();
  return *model;
}

#define REQUIRE_MODEL()                                                          \
  do {                                                                           \
    if (!GetModel().ok) {                                                        \
      if (RequireModel()) FAIL() << "TSP_REQUIRE_MODEL=1: " << GetModel().error; \
      GTEST_SKIP() << "stories260K not available: " << GetModel().error;         \
    }                                                                            \
  } while (0)

std::string ReadFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string ReadAll(std::FILE *f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

std::string GenerateText(const RunOptions &o) {
  const Model &m = GetModel();
  ReferenceBackend backend(m.ckpt);
  std::FILE *f = std::tmpfile();
  std::string error;
  EXPECT_EQ(Generate(backend, m.tok, m.ckpt.config, o, f, nullptr, &error), 0) << error;
  std::string out = ReadAll(f);
  std::fclose(f);
  return out;
}

TEST(Stories260K, ConfigAsPublished) {
  REQUIRE_MODEL();
  const Config &c = GetModel().ckpt.config;
  EXPECT_EQ(
      ToString(c),
      "dim 64, hidden_dim 172, n_layers 5, n_heads 8, n_kv_heads 4, vocab_size 512 (shared classifier), "
      "seq_len 512");
  EXPECT_EQ(c.head_size(), 8);
  EXPECT_EQ(c.kv_dim(), 32);
  EXPECT_EQ(GetModel().tok.max_token_length(), 7);
}

TEST(Stories260K, SerializeReproducesTheFileOutsideTheRopeTables) {
  REQUIRE_MODEL();
  const std::string file = ReadFile(GetModel().dir + "/" + kModelCheckpointFile);
  const std::vector<uint8_t> ours = SerializeCheckpoint(GetModel().ckpt);
  ASSERT_EQ(ours.size(), file.size());
  // The legacy RoPE tables (2 x 512 x 4 floats) sit just before the end (shared classifier); ours are zeros.
  const size_t rope = 2 * 512 * 4 * 4, rope_start = file.size() - rope;
  EXPECT_EQ(std::memcmp(ours.data(), file.data(), rope_start), 0);
}

TEST(Stories260K, GreedyEmptyPromptReproducesThePublishedSample) {
  REQUIRE_MODEL();
  const std::string want = ReadFile(GetModel().dir + "/sample-empty-prompt-256.txt");
  ASSERT_FALSE(want.empty()) << "sample-empty-prompt-256.txt missing from " << GetModel().dir;
  RunOptions o;
  o.temperature = 0.0f;
  o.steps = 256;
  EXPECT_EQ(GenerateText(o), want);
}

TEST(Stories260K, RunMainPrintsTheSampleToo) {
  REQUIRE_MODEL();
  const std::string dir = GetModel().dir;
  std::vector<std::string> args = {
      "run", dir + "/" + kModelCheckpointFile, "-z", dir + "/" + kModelTokenizerFile, "-t", "0"};
  std::vector<char *> argv;
  for (std::string &a : args) argv.push_back(a.data());
  std::FILE *out = std::tmpfile(), *err = std::tmpfile();
  EXPECT_EQ(RunMain(static_cast<int>(argv.size()), argv.data(), MakeReferenceBackend, out, err), 0);
  EXPECT_EQ(ReadAll(out), ReadFile(dir + "/sample-empty-prompt-256.txt"));
  EXPECT_EQ(ReadAll(err).rfind("achieved tok/s: ", 0), 0u);
  std::fclose(out);
  std::fclose(err);
}

TEST(Stories260K, PromptIsPrintedThenContinued) {
  REQUIRE_MODEL();
  RunOptions o;
  o.temperature = 0.0f;
  o.steps = 40;
  o.prompt = "Once upon a time";
  const std::string out = GenerateText(o);
  EXPECT_EQ(out.rfind("Once upon a time", 0), 0u) << out;
  // With the empty prompt the model also starts "Once upon a time": the forced prefix continues the
  // same way (the same tokens at the same positions).
  RunOptions empty;
  empty.temperature = 0.0f;
  empty.steps = 40;
  EXPECT_EQ(out, GenerateText(empty));
}

TEST(Stories260K, SampledRunIsDeterministic) {
  REQUIRE_MODEL();
  RunOptions o;
  o.temperature = 0.8f;
  o.topp = 0.9f;
  o.seed = 42;
  o.steps = 64;
  const std::string a = GenerateText(o), b = GenerateText(o);
  EXPECT_EQ(a, b);
  o.seed = 43;
  EXPECT_NE(a, GenerateText(o));
}

TEST(Stories260K, EncodingsDerivedFromTheVocabulary) {
  REQUIRE_MODEL();
  const Tokenizer &t = GetModel().tok;
  // "Lily": BOS, " "(410), L(438) i(417) l(421) y(422). Pair scores: " L" 307 (-48), "il" 290 (-31):
  // "il" first -> " ", L, il, y; then " L" (-48) beats "ily" 310 (-51) -> " L", il, y; then "ily" ->
  // " L", ily; then " Lily" 317 (-58).
  EXPECT_EQ(t.Encode("Lily", true, false), std::vector<int>({1, 317}));
  EXPECT_EQ(t.Encode("Once upon a time", true, false), std::vector<int>({1, 403, 407, 261, 378}));
  EXPECT_EQ(t.Encode("The cat sat.", true, false), std::vector<int>({1, 291, 280, 294, 262, 294, 426}));
  // "é" is a token (485); "ü" is not: its two bytes become byte tokens 0xC3 + 3, 0xBC + 3.
  EXPECT_EQ(t.Encode("h\xc3\xa9llo", true, false), std::vector<int>({1, 270, 485, 306, 414}));
  EXPECT_EQ(t.Encode("\xc3\xbc", true, false), std::vector<int>({1, 410, 198, 191}));
  EXPECT_EQ(t.Encode("", true, false), std::vector<int>({1}));
  EXPECT_EQ(t.Encode("a", true, true), std::vector<int>({1, 261, 2}));
}

TEST(Stories260K, DecodeRules) {
  REQUIRE_MODEL();
  const Tokenizer &t = GetModel().tok;
  EXPECT_STREQ(t.Decode(1, 317), "Lily");  // " Lily" after BOS loses its space
  EXPECT_STREQ(t.Decode(5, 317), " Lily");
  EXPECT_STREQ(t.Decode(1, 410), "");        // " " after BOS
  EXPECT_STREQ(t.Decode(5, 0x41 + 3), "A");  // <0x41>
  EXPECT_STREQ(t.Decode(5, 0x0A + 3), "\n");
  EXPECT_STREQ(t.Decode(5, 3), "");  // <0x00>
  EXPECT_STREQ(t.Decode(5, 1), "\n<s>\n");
  // Round trip of text the vocabulary covers, through decode.
  const std::string text = "Lily's mom said, \"Don't worry!\" \xe2\x80\x9cYes\xe2\x80\x9d \xc3\xbc";
  const std::vector<int> ids = t.Encode(text, true, false);
  std::string back;
  for (size_t i = 1; i < ids.size(); ++i) back += t.Decode(ids[i - 1], ids[i]);
  EXPECT_EQ(back, text);
}

}  // namespace
}  // namespace tsp::llm
