// Checkpoint loader: round trips of random checkpoints and every error, each with a hand-made image.
#include "tsp/llm/checkpoint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

namespace tsp::llm {

// Names the shape in gtest's parameter messages (found by argument-dependent lookup).
static void PrintTo(const Config &c, std::ostream *os) { *os << ToString(c); }

namespace {

#define EXPECT_HAS(msg, text) EXPECT_NE((msg).find(text), std::string::npos) << "message: " << (msg)

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

// A small valid config: dim 16 (4 heads of 4, 2 kv heads), shared classifier.
Config Tiny() { return Shape(16, 24, 2, 4, 2, 11, 6, true); }

std::vector<uint8_t> Header(const std::vector<int32_t> &fields) {
  std::vector<uint8_t> b(fields.size() * 4);
  std::memcpy(b.data(), fields.data(), b.size());  // the host is little-endian, as is the format
  return b;
}

// Parses and expects failure; returns the message. `out` must be untouched.
std::string Error(const std::vector<uint8_t> &b) {
  Checkpoint out;
  out.config.dim = 12345;
  std::string error;
  EXPECT_FALSE(ParseCheckpoint(b.data(), b.size(), "model.bin", &out, &error)) << "image unexpectedly parsed";
  EXPECT_EQ(out.config.dim, 12345) << "output modified on failure";
  EXPECT_EQ(error.rfind("model.bin: ", 0), 0u) << "message does not start with the name: " << error;
  return error;
}

void ExpectSameWeights(const Checkpoint &a, const Checkpoint &b) {
  EXPECT_EQ(a.w.token_embedding, b.w.token_embedding);
  EXPECT_EQ(a.w.rms_att, b.w.rms_att);
  EXPECT_EQ(a.w.wq, b.w.wq);
  EXPECT_EQ(a.w.wk, b.w.wk);
  EXPECT_EQ(a.w.wv, b.w.wv);
  EXPECT_EQ(a.w.wo, b.w.wo);
  EXPECT_EQ(a.w.rms_ffn, b.w.rms_ffn);
  EXPECT_EQ(a.w.w1, b.w.w1);
  EXPECT_EQ(a.w.w2, b.w.w2);
  EXPECT_EQ(a.w.w3, b.w.w3);
  EXPECT_EQ(a.w.rms_final, b.w.rms_final);
  EXPECT_EQ(a.w.wcls, b.w.wcls);
}

class RoundTrip : public testing::TestWithParam<Config> {};

TEST_P(RoundTrip, SerializeParseSerialize) {
  const Config c = GetParam();
  const Checkpoint ckpt = RandomCheckpoint(c, 7);
  const size_t dim = static_cast<size_t>(c.dim), kv = static_cast<size_t>(c.kv_dim()),
               L = static_cast<size_t>(c.n_layers), hidden = static_cast<size_t>(c.hidden_dim),
               vocab = static_cast<size_t>(c.vocab_size);
  EXPECT_EQ(ckpt.w.wk.size(), L * kv * dim);
  EXPECT_EQ(ckpt.w.w2.size(), L * dim * hidden);
  EXPECT_EQ(ckpt.w.wcls.size(), vocab * dim);
  if (c.shared_classifier) {
    EXPECT_EQ(ckpt.w.wcls, ckpt.w.token_embedding);
  } else {
    EXPECT_NE(ckpt.w.wcls, ckpt.w.token_embedding);
  }

  const std::vector<uint8_t> bytes = SerializeCheckpoint(ckpt);
  uint64_t expected = 0;
  std::string error;
  ASSERT_TRUE(CheckpointFileBytes(c, &expected, &error)) << error;
  EXPECT_EQ(bytes.size(), expected);
  // The header's vocab_size carries the classifier flag in its sign.
  int32_t raw_vocab;
  std::memcpy(&raw_vocab, bytes.data() + 20, 4);
  EXPECT_EQ(raw_vocab, c.shared_classifier ? c.vocab_size : -c.vocab_size);

  Checkpoint back;
  ASSERT_TRUE(ParseCheckpoint(bytes.data(), bytes.size(), "rt", &back, &error)) << error;
  EXPECT_EQ(ToString(back.config), ToString(c));
  EXPECT_EQ(back.config.shared_classifier, c.shared_classifier);
  ExpectSameWeights(ckpt, back);
  EXPECT_EQ(SerializeCheckpoint(back), bytes);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, RoundTrip,
    testing::Values(Shape(40, 56, 2, 4, 2, 37, 9, true),     // dim not a multiple of 16, GQA
                    Shape(24, 40, 1, 3, 3, 19, 5, true),     // n_kv_heads == n_heads
                    Shape(32, 48, 2, 4, 1, 23, 7, false),    // separate classifier (negative vocab)
                    Shape(64, 172, 1, 8, 4, 512, 8, true),   // stories260K's widths and vocab
                    Shape(16, 24, 3, 2, 2, 300, 4, false)),  // another vocab size, separate classifier
    [](const testing::TestParamInfo<Config> &p) { return "Shape" + std::to_string(p.index); });

TEST(Checkpoint, RandomIsDeterministicAndSeedDependent) {
  const Checkpoint a = RandomCheckpoint(Tiny(), 1), b = RandomCheckpoint(Tiny(), 1),
                   c = RandomCheckpoint(Tiny(), 2);
  EXPECT_EQ(SerializeCheckpoint(a), SerializeCheckpoint(b));
  EXPECT_NE(SerializeCheckpoint(a), SerializeCheckpoint(c));
  for (float v : a.w.rms_att) {
    EXPECT_GE(v, 0.8f);
    EXPECT_LE(v, 1.2f);
  }
  for (float v : a.w.wq) EXPECT_LE(std::abs(v), 0.25f);  // 1/sqrt(16)
  EXPECT_THROW(RandomCheckpoint(Shape(10, 8, 1, 3, 1, 5, 4, true), 1), std::invalid_argument);
}

TEST(CheckpointErrors, TruncatedHeader) {
  const std::vector<uint8_t> full = SerializeCheckpoint(RandomCheckpoint(Tiny(), 3));
  for (size_t cut : {0u, 1u, 27u}) {
    const std::string e = Error(std::vector<uint8_t>(full.begin(), full.begin() + static_cast<long>(cut)));
    EXPECT_HAS(e, "truncated header");
    EXPECT_HAS(e, "28 bytes needed");
    EXPECT_HAS(e, "the file has " + std::to_string(cut) + " bytes");
  }
}

TEST(CheckpointErrors, TruncatedBodyNamesSizesAndTensor) {
  const Config c = Shape(16, 24, 2, 4, 2, 11, 6, false);
  const std::vector<uint8_t> full = SerializeCheckpoint(RandomCheckpoint(c, 3));
  // Offsets (floats): token_embedding 176, rms_att 32, wq 512, wk 256, wv 256, wo 512, rms_ffn 32,
  // w1 768, w2 768, w3 768, rms_final 16, freq_cis_real 12, freq_cis_imag 12, wcls 176.
  const struct {
    size_t cut;
    const char *tensor;
  } cases[] = {
      {28, "token_embedding [11][16]"},
      {29, "token_embedding [11][16]"},
      {28 + 4 * 176, "rms_att [2][16]"},
      {28 + 4 * (176 + 32 + 100), "wq [2][16][16]"},
      {28 + 4 * (176 + 32 + 512 + 256 + 256 + 512 + 32 + 768 + 768 + 768 + 3), "rms_final [16]"},
      {28 + 4 * (176 + 32 + 512 + 256 + 256 + 512 + 32 + 768 + 768 + 768 + 16 + 12), "freq_cis_imag [6][2]"},
      {full.size() - 1, "wcls [11][16]"},
  };
  for (const auto &k : cases) {
    const std::string e = Error(std::vector<uint8_t>(full.begin(), full.begin() + static_cast<long>(k.cut)));
    EXPECT_HAS(e, "truncated");
    EXPECT_HAS(e, "implies " + std::to_string(full.size()) + " bytes");
    EXPECT_HAS(e, "the file has " + std::to_string(k.cut) + " bytes");
    EXPECT_HAS(e, std::string("tensor ") + k.tensor);
    EXPECT_HAS(e, "dim 16, hidden_dim 24");
  }
}

TEST(CheckpointErrors, TrailingBytes) {
  std::vector<uint8_t> b = SerializeCheckpoint(RandomCheckpoint(Tiny(), 3));
  const size_t size = b.size();
  b.push_back(0);
  std::string e = Error(b);
  EXPECT_HAS(e, "1 trailing bytes");
  EXPECT_HAS(e, "implies " + std::to_string(size) + " bytes");
  b.insert(b.end(), 3, 0);
  e = Error(b);
  EXPECT_HAS(e, "4 trailing bytes");
}

TEST(CheckpointErrors, EachBadFieldIsNamed) {
  const std::vector<int32_t> good = {16, 24, 2, 4, 2, 11, 6};
  const char *names[] = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
  for (size_t f = 0; f < good.size(); ++f) {
    for (int32_t bad : {0, -3, kMaxConfigField + 1, INT32_MAX}) {
      if (f == 5 && bad == -3) continue;  // a negative vocab_size is valid (separate classifier)
      std::vector<int32_t> fields = good;
      fields[f] = bad;
      const std::string e = Error(Header(fields));
      EXPECT_HAS(e, std::string("field ") + names[f] + " is " + std::to_string(bad));
    }
  }
  std::vector<int32_t> fields = good;
  fields[5] = INT32_MIN;
  EXPECT_HAS(Error(Header(fields)), "field vocab_size is -2147483648");
  fields[5] = -kMaxConfigField - 1;
  EXPECT_HAS(Error(Header(fields)), "absurdly large");
}

TEST(CheckpointErrors, InconsistentHeads) {
  EXPECT_HAS(Error(Header({18, 24, 2, 4, 2, 11, 6})), "dim 18 is not a multiple of n_heads 4");
  EXPECT_HAS(Error(Header({16, 24, 2, 4, 3, 11, 6})), "n_heads 4 is not a multiple of n_kv_heads 3");
  EXPECT_HAS(Error(Header({16, 24, 2, 4, 8, 11, 6})), "n_heads 4 is not a multiple of n_kv_heads 8");
  EXPECT_HAS(Error(Header({12, 24, 2, 4, 2, 11, 6})), "head_size = dim / n_heads = 12 / 4 = 3 is odd");
}

TEST(CheckpointErrors, SizeOverflow) {
  const int32_t big = kMaxConfigField;  // 2^24: L * dim * dim = 2^72 floats
  const std::string e = Error(Header({big, big, big, 1 << 20, 1 << 20, 1000, 16}));
  EXPECT_HAS(e, "overflows 64 bits");
  EXPECT_HAS(e, "tensor wq");
}

TEST(CheckpointErrors, Stories15MHeaderWithShortBodyIsASizeError) {
  // stories15M: 60,816,028 bytes. A 1 MB body must be rejected before anything is allocated.
  std::vector<uint8_t> b = Header({288, 768, 6, 6, 6, 32000, 256});
  b.resize(b.size() + (1 << 20), 0);
  const std::string e = Error(b);
  EXPECT_HAS(e, "implies 60816028 bytes");
  EXPECT_HAS(e, "the file has 1048604 bytes");
  EXPECT_HAS(e, "tensor token_embedding [32000][288]");
}

TEST(CheckpointErrors, MissingFileNamesThePath) {
  Checkpoint out;
  std::string error;
  EXPECT_FALSE(LoadCheckpoint("/nonexistent/model.bin", &out, &error));
  EXPECT_HAS(error, "/nonexistent/model.bin: cannot open");
}

TEST(Checkpoint, WriteAndLoadFile) {
  const Checkpoint ckpt = RandomCheckpoint(Tiny(), 9);
  const std::string path = testing::TempDir() + "/tiny_ckpt.bin";
  std::string error;
  ASSERT_TRUE(WriteCheckpoint(path, ckpt, &error)) << error;
  Checkpoint back;
  ASSERT_TRUE(LoadCheckpoint(path, &back, &error)) << error;
  ExpectSameWeights(ckpt, back);
  std::remove(path.c_str());
}

TEST(Checkpoint, RandomMutationsNeverCrash) {
  // Flip bytes of the header and cut the image at random: every outcome is a clean parse or an error.
  const std::vector<uint8_t> base = SerializeCheckpoint(RandomCheckpoint(Tiny(), 5));
  uint64_t s = 1;
  auto next = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(s >> 33);
  };
  for (int iter = 0; iter < 2000; ++iter) {
    std::vector<uint8_t> b = base;
    const int flips = 1 + static_cast<int>(next() % 4);
    for (int k = 0; k < flips; ++k) b[next() % 28] = static_cast<uint8_t>(next());
    if (next() % 2) b.resize(next() % (b.size() + 1));
    Checkpoint out;
    std::string error;
    const bool ok = ParseCheckpoint(b.data(), b.size(), "m", &out, &error);
    EXPECT_EQ(ok, error.empty());
  }
}

}  // namespace
}  // namespace tsp::llm
