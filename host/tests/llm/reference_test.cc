// The fp32 reference against a naive double-precision transformer written independently here
// (no KV cache: every step recomputes all positions), plus its building blocks.
#include "tsp/llm/reference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <stdexcept>
#include <vector>

#include "tsp/llm/checkpoint.h"

namespace tsp::llm {

// Names the shape in gtest's parameter messages (found by argument-dependent lookup).
static void PrintTo(const Config &c, std::ostream *os) { *os << ToString(c); }

namespace {

using Vec = std::vector<double>;

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

// y = W x for W [rows][cols] starting at w[off].
Vec Mat(const std::vector<float> &w, size_t off, const Vec &x, size_t rows) {
  Vec y(rows, 0.0);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < x.size(); ++c) y[r] += static_cast<double>(w[off + r * x.size() + c]) * x[c];
  }
  return y;
}

Vec Norm(const Vec &x, const std::vector<float> &w, size_t off) {
  double ss = 0;
  for (double v : x) ss += v * v;
  const double scale = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + 1e-5);
  Vec y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = static_cast<double>(w[off + i]) * x[i] * scale;
  return y;
}

// Rotates the pairs (2j, 2j+1) of one head's vector by pos * 10000^(-2j / head_size).
void Rope(double *v, size_t head_size, size_t pos) {
  for (size_t j = 0; j < head_size; j += 2) {
    const double angle = static_cast<double>(pos) *
                         std::pow(10000.0, -static_cast<double>(j) / static_cast<double>(head_size));
    const double a = v[j], b = v[j + 1];
    v[j] = a * std::cos(angle) - b * std::sin(angle);
    v[j + 1] = a * std::sin(angle) + b * std::cos(angle);
  }
}

// Logits after the last of `tokens`, computed from scratch.
Vec NaiveLogits(const Checkpoint &ck, const std::vector<int> &tokens) {
  const Config &c = ck.config;
  const Weights &w = ck.w;
  const size_t dim = static_cast<size_t>(c.dim), hs = static_cast<size_t>(c.head_size()),
               heads = static_cast<size_t>(c.n_heads), kv_heads = static_cast<size_t>(c.n_kv_heads),
               kv = hs * kv_heads, hidden = static_cast<size_t>(c.hidden_dim), T = tokens.size();
  std::vector<Vec> x(T, Vec(dim));
  for (size_t t = 0; t < T; ++t) {
    for (size_t i = 0; i < dim; ++i) x[t][i] = w.token_embedding[static_cast<size_t>(tokens[t]) * dim + i];
  }
  for (size_t l = 0; l < static_cast<size_t>(c.n_layers); ++l) {
    std::vector<Vec> q(T), k(T), v(T);
    for (size_t t = 0; t < T; ++t) {
      const Vec xb = Norm(x[t], w.rms_att, l * dim);
      q[t] = Mat(w.wq, l * dim * dim, xb, dim);
      k[t] = Mat(w.wk, l * kv * dim, xb, kv);
      v[t] = Mat(w.wv, l * kv * dim, xb, kv);
      for (size_t h = 0; h < heads; ++h) Rope(&q[t][h * hs], hs, t);
      for (size_t h = 0; h < kv_heads; ++h) Rope(&k[t][h * hs], hs, t);
    }
    for (size_t t = 0; t < T; ++t) {
      Vec att_out(dim, 0.0);
      for (size_t h = 0; h < heads; ++h) {
        const size_t g = h / (heads / kv_heads);  // the kv head shared by this query head
        Vec score(t + 1);
        double mx = -1e300;
        for (size_t s = 0; s <= t; ++s) {
          double dot = 0;
          for (size_t i = 0; i < hs; ++i) dot += q[t][h * hs + i] * k[s][g * hs + i];
          score[s] = dot / std::sqrt(static_cast<double>(hs));
          mx = std::max(mx, score[s]);
        }
        double sum = 0;
        for (double &sc : score) sum += (sc = std::exp(sc - mx));
        for (size_t s = 0; s <= t; ++s) {
          for (size_t i = 0; i < hs; ++i) att_out[h * hs + i] += score[s] / sum * v[s][g * hs + i];
        }
      }
      const Vec o = Mat(w.wo, l * dim * dim, att_out, dim);
      for (size_t i = 0; i < dim; ++i) x[t][i] += o[i];
      const Vec xb = Norm(x[t], w.rms_ffn, l * dim);
      Vec a = Mat(w.w1, l * hidden * dim, xb, hidden);
      const Vec b = Mat(w.w3, l * hidden * dim, xb, hidden);
      for (size_t i = 0; i < hidden; ++i) a[i] = a[i] / (1.0 + std::exp(-a[i])) * b[i];
      const Vec f = Mat(w.w2, l * dim * hidden, a, dim);
      for (size_t i = 0; i < dim; ++i) x[t][i] += f[i];
    }
  }
  return Mat(w.wcls, 0, Norm(x[T - 1], w.rms_final, 0), static_cast<size_t>(c.vocab_size));
}

class AgainstNaive : public testing::TestWithParam<Config> {};

TEST_P(AgainstNaive, LogitsAgreeAtEveryPosition) {
  const Checkpoint ck = RandomCheckpoint(GetParam(), 11);
  Reference ref(ck);
  std::vector<int> tokens;
  for (int pos = 0; pos < ck.config.seq_len; ++pos) {
    tokens.push_back((pos * 7 + 3) % ck.config.vocab_size);
    const std::vector<float> &got = ref.Forward(tokens.back(), pos);
    const Vec want = NaiveLogits(ck, tokens);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i)
      ASSERT_NEAR(got[i], want[i], 2e-4 * (1.0 + std::abs(want[i]))) << "position " << pos << " logit " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, AgainstNaive,
    testing::Values(Shape(16, 24, 2, 4, 2, 19, 8, true),   // GQA, 2 query heads per kv head
                    Shape(40, 56, 2, 4, 4, 23, 6, false),  // MHA, separate classifier
                    Shape(24, 32, 1, 2, 1, 17, 5, true)),  // one kv head (MQA)
    [](const testing::TestParamInfo<Config> &p) { return "Shape" + std::to_string(p.index); });

TEST(Reference, SeparateClassifierEqualToEmbeddingMatchesShared) {
  Checkpoint shared = RandomCheckpoint(Shape(16, 24, 1, 4, 2, 13, 4, true), 3);
  Checkpoint separate = shared;
  separate.config.shared_classifier = false;
  Reference a(shared), b(separate);
  for (int pos = 0; pos < 4; ++pos) EXPECT_EQ(a.Forward(pos + 1, pos), b.Forward(pos + 1, pos));
}

TEST(Reference, DeterministicAndForwardIntoCopies) {
  const Checkpoint ck = RandomCheckpoint(Shape(16, 24, 2, 4, 2, 13, 6, true), 5);
  Reference a(ck), b(ck);
  std::vector<float> into(13);
  for (int pos = 0; pos < 6; ++pos) {
    const std::vector<float> la = a.Forward(pos % 13, pos);
    b.ForwardInto(pos % 13, pos, into.data());
    EXPECT_EQ(la, into);
    for (float v : la) EXPECT_TRUE(std::isfinite(v));
  }
}

TEST(Reference, OutOfRangeThrows) {
  const Checkpoint ck = RandomCheckpoint(Shape(16, 24, 1, 4, 2, 13, 4, true), 5);
  Reference r(ck);
  EXPECT_THROW(r.Forward(13, 0), std::out_of_range);
  EXPECT_THROW(r.Forward(-1, 0), std::out_of_range);
  EXPECT_THROW(r.Forward(0, 4), std::out_of_range);
  EXPECT_THROW(r.Forward(0, -1), std::out_of_range);
}

TEST(Reference, RmsNormAndMatMul) {
  const float x[2] = {3.0f, 4.0f}, w[2] = {1.0f, 2.0f};
  float out[2];
  RmsNorm(out, x, w, 2);
  const float s = 1.0f / std::sqrt(12.5f + 1e-5f);
  EXPECT_EQ(out[0], 1.0f * (s * 3.0f));
  EXPECT_EQ(out[1], 2.0f * (s * 4.0f));
  const float m[6] = {1, 2, 3, 4, 5, 6}, in[3] = {1, -1, 2};  // [2][3]
  float y[2];
  MatMul(y, in, m, 3, 2);
  EXPECT_EQ(y[0], 5.0f);
  EXPECT_EQ(y[1], 11.0f);
}

}  // namespace
}  // namespace tsp::llm
