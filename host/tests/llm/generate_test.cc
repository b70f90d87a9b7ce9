// The generation loop with a scripted backend: forced prompt tokens, greedy vs sampled requests,
// stopping at BOS and at `steps`, printing and flushing, errors; RunMain on a tiny random model.
#include "tsp/llm/generate.h"

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "tsp/llm/sampler.h"

namespace tsp::llm {
namespace {

#define EXPECT_HAS(msg, text) EXPECT_NE((msg).find(text), std::string::npos) << "message: " << (msg)

enum : int { kHi = 259, kThere, kBang, kSpace, kH, kI, kSpaceH, kVocab };

std::vector<uint8_t> TokenizerImage() {
  std::vector<std::string> p = {"<unk>", "\n<s>\n", "\n</s>\n"};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    p.push_back(buf);
  }
  for (const char *s : {" hi", " there", "!", " ", "h", "i", " h"}) p.push_back(s);
  std::vector<float> scores(p.size(), -10.0f);
  scores[kHi] = 2;
  scores[kSpaceH] = 1;
  return SerializeTokenizer(6, p, scores);
}

Tokenizer MakeTokenizer() {
  const std::vector<uint8_t> b = TokenizerImage();
  Tokenizer t;
  std::string error;
  EXPECT_TRUE(t.Parse(b.data(), b.size(), kVocab, "tok", &error)) << error;
  return t;
}

Config MakeConfig(int seq_len) {
  Config c;
  c.dim = 8;
  c.hidden_dim = 8;
  c.n_layers = 1;
  c.n_heads = 2;
  c.n_kv_heads = 1;
  c.vocab_size = kVocab;
  c.seq_len = seq_len;
  return c;
}

// Predicts script[pos]: logits -1e30 everywhere else (probability exactly 1), or uniform logits.
class ScriptBackend : public Backend {
 public:
  struct Call {
    int token, pos;
    bool logits;
  };
  std::vector<int> script;
  bool uniform = false;
  std::vector<Call> calls;
  std::FILE *watch = nullptr;     // if set: checks what has reached the file before each call
  std::vector<std::string> seen;  // file contents at each call

  bool Forward(int token, int pos, std::vector<float> *logits, int *argmax, std::string *error) override {
    calls.push_back({token, pos, logits != nullptr});
    if ((logits == nullptr) == (argmax == nullptr)) {
      *error = "exactly one of logits and argmax must be requested";
      return false;
    }
    if (watch) {
      struct stat st;
      fstat(fileno(watch), &st);
      std::string now(static_cast<size_t>(st.st_size), '\0');
      std::FILE *copy = std::fopen(("/proc/self/fd/" + std::to_string(fileno(watch))).c_str(), "rb");
      if (copy) {
        now.resize(std::fread(now.data(), 1, now.size(), copy));
        std::fclose(copy);
      }
      seen.push_back(now);
    }
    const int want = static_cast<size_t>(pos) < script.size() ? script[static_cast<size_t>(pos)] : 0;
    if (logits) {
      logits->assign(kVocab, uniform ? 0.0f : -1e30f);
      if (!uniform) (*logits)[static_cast<size_t>(want)] = 0.0f;
    } else {
      *argmax = want;
    }
    return true;
  }
};

std::string ReadAll(std::FILE *f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

struct GenRun {
  int status;
  std::string out, error;
  GenerateStats stats;
};

GenRun DoGenerate(ScriptBackend &b, const RunOptions &o, int seq_len = 32) {
  const Tokenizer tok = MakeTokenizer();
  std::FILE *f = std::tmpfile();
  GenRun r;
  r.status = Generate(b, tok, MakeConfig(seq_len), o, f, &r.stats, &r.error);
  r.out = ReadAll(f);
  std::fclose(f);
  return r;
}

RunOptions Opts(float temperature, int steps, const std::string &prompt = "") {
  RunOptions o;
  o.temperature = temperature;
  o.steps = steps;
  o.prompt = prompt;
  o.seed = 42;
  return o;
}

TEST(Generate, GreedyAsksForArgmaxOnly) {
  ScriptBackend b;
  b.script = {kHi, kThere, kBang, kSpace, kH};
  const GenRun r = DoGenerate(b, Opts(0.0f, 5));
  ASSERT_EQ(r.status, 0) << r.error;
  EXPECT_EQ(r.out, "hi there! h\n");  // the leading space of " hi" is dropped after BOS
  ASSERT_EQ(b.calls.size(), 5u);
  const int fed[] = {kBosToken, kHi, kThere, kBang, kSpace};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(b.calls[i].token, fed[i]);
    EXPECT_EQ(b.calls[i].pos, static_cast<int>(i));
    EXPECT_FALSE(b.calls[i].logits);
  }
  EXPECT_EQ(r.stats.prompt_tokens, 1);
  EXPECT_EQ(r.stats.positions, 5);
  EXPECT_EQ(r.stats.timed_tokens, 4);
  EXPECT_TRUE(r.stats.has_rate());
}

TEST(Generate, StopsWhenBosIsProduced) {
  ScriptBackend b;
  b.script = {kHi, kBosToken, kThere};
  const GenRun r = DoGenerate(b, Opts(0.0f, 10));
  ASSERT_EQ(r.status, 0) << r.error;
  EXPECT_EQ(r.out, "hi\n");
  EXPECT_EQ(b.calls.size(), 2u);
  EXPECT_EQ(r.stats.positions, 2);
  ScriptBackend first;
  first.script = {kBosToken};
  const GenRun r0 = DoGenerate(first, Opts(0.0f, 10));
  EXPECT_EQ(r0.out, "\n");
  EXPECT_EQ(r0.stats.positions, 1);
  EXPECT_FALSE(r0.stats.has_rate());  // llama2.c prints no tok/s line then
}

TEST(Generate, StepsCountPositionsAndZeroRunsNothing) {
  ScriptBackend b;
  b.script = {kHi, kThere, kBang};
  const GenRun r = DoGenerate(b, Opts(0.0f, 2));
  EXPECT_EQ(r.out, "hi there\n");
  ScriptBackend none;
  const GenRun r0 = DoGenerate(none, Opts(0.0f, 0));
  ASSERT_EQ(r0.status, 0);
  EXPECT_EQ(r0.out, "\n");
  EXPECT_TRUE(none.calls.empty());
}

TEST(Generate, PromptTokensAreForcedAndPrinted) {
  // "hi" encodes as BOS, " hi" (" " + "h" -> " h", then " h" + "i" -> " hi").
  ASSERT_EQ(MakeTokenizer().Encode("hi", true, false), std::vector<int>({kBosToken, kHi}));
  ScriptBackend b;
  b.script = {kBang, kThere, kBang, kSpace};  // script[0] is ignored: position 0 is forced
  const GenRun r = DoGenerate(b, Opts(1.0f, 4, "hi"));
  ASSERT_EQ(r.status, 0) << r.error;
  EXPECT_EQ(r.out, "hi there! \n");
  ASSERT_EQ(b.calls.size(), 4u);
  EXPECT_FALSE(b.calls[0].logits);  // forced: no logits needed
  EXPECT_TRUE(b.calls[1].logits);   // sampled (temperature 1)
  EXPECT_EQ(b.calls[1].token, kHi);
  EXPECT_EQ(r.stats.prompt_tokens, 2);
}

TEST(Generate, PromptLongerThanSteps) {
  ScriptBackend b;
  const GenRun r = DoGenerate(b, Opts(0.0f, 2, "hi!!!"));
  // BOS, " hi", "!", "!", "!": two positions print " hi" (after BOS: "hi") and "!".
  EXPECT_EQ(r.out, "hi!\n");
  EXPECT_EQ(b.calls.size(), 2u);
}

TEST(Generate, SamplerDrawsOnlyAtSampledPositions) {
  // Uniform logits: every sampled token depends on the coin. The expected sequence comes from a
  // separate sampler that is asked only after the prompt.
  for (float topp : {0.9f, 1.0f}) {
    ScriptBackend b;
    b.uniform = true;
    RunOptions o = Opts(1.0f, 12, "hi");
    o.topp = topp;
    o.seed = 7;
    const GenRun r = DoGenerate(b, o);
    ASSERT_EQ(r.status, 0) << r.error;
    Sampler expect(kVocab, 1.0f, topp, 7);
    std::vector<int> fed = {kBosToken, kHi};
    for (int pos = 1; pos < 12; ++pos) {
      std::vector<float> logits(kVocab, 0.0f);
      const int next = expect.Sample(logits.data());
      if (next == kBosToken) break;
      fed.push_back(next);
    }
    ASSERT_LE(b.calls.size(), fed.size());
    for (size_t i = 0; i < b.calls.size(); ++i) EXPECT_EQ(b.calls[i].token, fed[i]) << "position " << i;
  }
}

TEST(Generate, UnprintableBytesAreSkipped) {
  ScriptBackend b;
  b.script = {kHi, 0x07 + 3, 'A' + 3, 0x80 + 3, kBang};
  const GenRun r = DoGenerate(b, Opts(0.0f, 5));
  EXPECT_EQ(r.out, "hiA!\n");
}

TEST(Generate, FlushesEveryPiece) {
  const Tokenizer tok = MakeTokenizer();
  ScriptBackend b;
  b.script = {kHi, kThere, kBang};
  std::FILE *f = std::tmpfile();
  static char buffer[1 << 16];
  std::setvbuf(f, buffer, _IOFBF, sizeof buffer);  // fully buffered: only fflush writes
  b.watch = f;
  GenerateStats st;
  std::string error;
  ASSERT_EQ(Generate(b, tok, MakeConfig(8), Opts(0.0f, 3), f, &st, &error), 0) << error;
  std::fclose(f);
  EXPECT_EQ(b.seen, std::vector<std::string>({"", "hi", "hi there"}));
}

TEST(Generate, Errors) {
  ScriptBackend b;
  GenRun r = DoGenerate(b, Opts(0.0f, 33), 32);
  EXPECT_EQ(r.status, 1);
  EXPECT_HAS(r.error, "steps 33 outside 0..seq_len 32");

  class Failing : public Backend {
   public:
    bool Forward(int, int pos, std::vector<float> *, int *, std::string *error) override {
      *error = "device fault at position " + std::to_string(pos);
      return false;
    }
  } failing;
  const Tokenizer tok = MakeTokenizer();
  std::FILE *f = std::tmpfile();
  std::string error;
  EXPECT_EQ(Generate(failing, tok, MakeConfig(8), Opts(0.0f, 4), f, nullptr, &error), 1);
  EXPECT_EQ(error, "device fault at position 0");

  ScriptBackend bad;
  bad.script = {kVocab + 5};
  EXPECT_EQ(Generate(bad, tok, MakeConfig(8), Opts(0.0f, 4), f, nullptr, &error), 1);
  EXPECT_HAS(error, "backend produced token 271 at position 0");

  Config other = MakeConfig(8);
  other.vocab_size = 300;
  EXPECT_EQ(Generate(b, tok, other, Opts(0.0f, 4), f, nullptr, &error), 1);
  EXPECT_HAS(error, "the tokenizer has 266 tokens, the model 300");
  std::fclose(f);
}

// RunMain end to end on a tiny random model written to temporary files.
class RunMainTest : public testing::Test {
 protected:
  void SetUp() override {
    // Names of their own: ctest runs the tests of this fixture in parallel processes.
    dir_ = testing::TempDir();
    const std::string stem = fmt::format("{}/runmain_{}_{}", dir_,
                                         testing::UnitTest::GetInstance()->current_test_info()->name(), getpid());
    ckpt_path_ = stem + "_model.bin";
    tok_path_ = stem + "_tok.bin";
    Config c = MakeConfig(16);
    c.dim = 16;
    c.hidden_dim = 24;
    ckpt_ = RandomCheckpoint(c, 99);
    std::string error;
    ASSERT_TRUE(WriteCheckpoint(ckpt_path_, ckpt_, &error)) << error;
    const std::vector<uint8_t> tok = TokenizerImage();
    std::FILE *f = std::fopen(tok_path_.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(tok.data(), 1, tok.size(), f);
    std::fclose(f);
  }
  void TearDown() override {
    std::remove(ckpt_path_.c_str());
    std::remove(tok_path_.c_str());
  }

  int Main(std::vector<std::string> args, std::string *out, std::string *err,
           const BackendFactory &factory = MakeReferenceBackend) {
    std::vector<char *> argv;
    for (std::string &a : args) argv.push_back(a.data());
    std::FILE *o = std::tmpfile(), *e = std::tmpfile();
    const int status = RunMain(static_cast<int>(argv.size()), argv.data(), factory, o, e);
    *out = ReadAll(o);
    *err = ReadAll(e);
    std::fclose(o);
    std::fclose(e);
    return status;
  }

  std::string dir_, ckpt_path_, tok_path_;
  Checkpoint ckpt_;
};

TEST_F(RunMainTest, GreedyRunMatchesGenerate) {
  std::string out, err;
  ASSERT_EQ(Main({"run", ckpt_path_, "-z", tok_path_, "-t", "0", "-n", "12", "-i", "hi"}, &out, &err), 0)
      << err;
  EXPECT_HAS(err, "achieved tok/s: ");

  ReferenceBackend ref(ckpt_);
  const Tokenizer tok = MakeTokenizer();
  std::FILE *f = std::tmpfile();
  ASSERT_EQ(Generate(ref, tok, ckpt_.config, Opts(0.0f, 12, "hi"), f, nullptr), 0);
  EXPECT_EQ(out, ReadAll(f));
  std::fclose(f);
  EXPECT_EQ(out.rfind("hi", 0), 0u) << out;
}

TEST_F(RunMainTest, SampledRunIsReproducible) {
  std::string out1, out2, err;
  ASSERT_EQ(Main({"run", ckpt_path_, "-z", tok_path_, "-s", "5", "-n", "0", "--stats"}, &out1, &err), 0)
      << err;
  EXPECT_HAS(err, "stats: 1 prompt tokens");
  EXPECT_HAS(err, "seed 5");
  ASSERT_EQ(Main({"run", ckpt_path_, "--stats", "-z", tok_path_, "-s", "5"}, &out2, &err), 0) << err;
  EXPECT_EQ(out1, out2);
}

TEST_F(RunMainTest, ErrorsExitWithStatusOne) {
  std::string out, err;
  EXPECT_EQ(Main({"run"}, &out, &err), 1);
  EXPECT_HAS(err, "missing <checkpoint>");
  EXPECT_HAS(err, "Usage:   run <checkpoint> [options]");
  EXPECT_EQ(Main({"run", ckpt_path_, "-m", "chat", "-z", tok_path_}, &out, &err), 1);
  EXPECT_EQ(err, "chat mode is not supported\n");
  EXPECT_EQ(Main({"run", ckpt_path_, "-z", tok_path_, "--device", "tsp"}, &out, &err), 1);
  EXPECT_HAS(err, "unknown device 'tsp'");
  EXPECT_EQ(Main({"run", ckpt_path_, "-z", tok_path_, "--mode", "fast"}, &out, &err), 1);
  EXPECT_HAS(err, "--mode fast is not available");
  EXPECT_EQ(Main({"run", ckpt_path_, "-z", tok_path_, "--timeline", "t.json"}, &out, &err), 1);
  EXPECT_HAS(err, "no timeline");
  EXPECT_EQ(Main({"run", dir_ + "/missing.bin", "-z", tok_path_}, &out, &err), 1);
  EXPECT_HAS(err, "missing.bin: cannot open");
  EXPECT_EQ(Main({"run", ckpt_path_}, &out, &err), 1);  // default tokenizer.bin does not exist here
  EXPECT_HAS(err, "tokenizer.bin: cannot open");
  EXPECT_EQ(out, "");
}

TEST_F(RunMainTest, FactoryGetsTheLongOptions) {
  RunArgs seen;
  auto factory = [&](const RunArgs &args, const Checkpoint &ckpt, std::string *) -> std::unique_ptr<Backend> {
    seen = args;
    return std::make_unique<ReferenceBackend>(ckpt);
  };
  std::string out, err;
  ASSERT_EQ(Main({"run", ckpt_path_, "--device", "rtl", "-z", tok_path_, "--mode", "fast", "--timeline",
                  "tl.json", "-t", "0", "-n", "3"},
                 &out, &err, factory),
            0)
      << err;
  EXPECT_EQ(seen.device, "rtl");
  EXPECT_EQ(seen.exec_mode, "fast");
  EXPECT_EQ(seen.timeline_path, "tl.json");
}

}  // namespace
}  // namespace tsp::llm
