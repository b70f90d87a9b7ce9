// The committed fuzz seeds (host/fuzz/corpus_ckpt, host/fuzz/corpus_tok) are tiny valid files made
// here. TSP_WRITE_FUZZ_SEEDS=1 rewrites them; otherwise the test checks they are unchanged and parse.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tsp/llm/checkpoint.h"
#include "tsp/llm/tokenizer.h"

namespace tsp::llm {
namespace {

Config Shape(int dim, int hidden, int layers, int heads, int kv_heads, int vocab, int seq, bool shared) {
  Config c;
  c.dim = dim;
  c.hidden_dim = hidden;
  c.n_layers = layers;
  c.n_heads = heads;
  c.n_kv_heads = kv_heads;
  c.vocab_size = vocab;
  c.seq_len = seq;
  c.shared_classifier = shared;
  return c;
}

struct Seed {
  std::string path;  // relative to the source dir
  std::vector<uint8_t> bytes;
  int vocab;  // for tokenizers
};

std::vector<Seed> Checkpoints() {
  return {
      {"host/fuzz/corpus_ckpt/tiny_shared.bin",
       SerializeCheckpoint(RandomCheckpoint(Shape(8, 12, 1, 2, 1, 8, 4, true), 1)), 0},
      {"host/fuzz/corpus_ckpt/tiny_separate.bin",
       SerializeCheckpoint(RandomCheckpoint(Shape(8, 12, 2, 2, 2, 6, 3, false), 2)), 0},
      {"host/fuzz/corpus_ckpt/tiny_gqa.bin",
       SerializeCheckpoint(RandomCheckpoint(Shape(16, 8, 1, 4, 2, 5, 2, true), 3)), 0},
  };
}

std::vector<Seed> Tokenizers() {
  std::vector<std::string> small = {"<unk>", "\n<s>\n", "\n</s>\n", " ",      "a",
                                    "b",     "ab",      " a",       "<0x41>", "\xc3\xa9"};
  std::vector<float> small_scores = {0, 0, 0, -5, -6, -7, 1, 2, 0, -8};
  std::vector<std::string> bytes = {"<unk>", "\n<s>\n", "\n</s>\n"};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    bytes.push_back(buf);
  }
  for (const char *s :
       {" t", "he", " a", " the", "on", "ce", " On", " Once", " ", "e", "a", "t", "h", "O", "n", "c"})
    bytes.push_back(s);
  std::vector<float> byte_scores(bytes.size(), 0.0f);
  for (size_t i = 259; i < bytes.size(); ++i) byte_scores[i] = -static_cast<float>(i - 259);
  return {
      {"host/fuzz/corpus_tok/tiny.bin", SerializeTokenizer(6, small, small_scores),
       static_cast<int>(small.size())},
      {"host/fuzz/corpus_tok/bytes.bin", SerializeTokenizer(6, bytes, byte_scores),
       static_cast<int>(bytes.size())},
  };
}

std::vector<uint8_t> ReadFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void CheckOrWrite(const Seed &s) {
  const std::string path = std::string(TSP_SOURCE_DIR) + "/" + s.path;
  const char *write = std::getenv("TSP_WRITE_FUZZ_SEEDS");
  if (write && std::strcmp(write, "1") == 0) {
    std::FILE *f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr) << path;
    std::fwrite(s.bytes.data(), 1, s.bytes.size(), f);
    std::fclose(f);
  }
  EXPECT_LT(s.bytes.size(), 10000u) << path;
  EXPECT_EQ(ReadFile(path), s.bytes) << path
                                     << " differs from its generator (TSP_WRITE_FUZZ_SEEDS=1 rewrites it)";
}

TEST(FuzzSeeds, CheckpointsAreTinyValidModels) {
  for (const Seed &s : Checkpoints()) {
    CheckOrWrite(s);
    Checkpoint ckpt;
    std::string error;
    EXPECT_TRUE(ParseCheckpoint(s.bytes.data(), s.bytes.size(), s.path, &ckpt, &error)) << error;
  }
}

TEST(FuzzSeeds, TokenizersAreTinyValidVocabularies) {
  for (const Seed &s : Tokenizers()) {
    CheckOrWrite(s);
    Tokenizer t;
    std::string error;
    EXPECT_TRUE(t.Parse(s.bytes.data(), s.bytes.size(), s.vocab, s.path, &error)) << error;
  }
}

}  // namespace
}  // namespace tsp::llm
