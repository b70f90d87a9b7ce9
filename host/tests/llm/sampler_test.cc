// Sampler: the xorshift* RNG against an independent computation, argmax, softmax, multinomial and
// nucleus selection on hand-made distributions.
#include "tsp/llm/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace tsp::llm {
namespace {

__extension__ typedef unsigned __int128 U128;

// The generator written out independently: 128-bit product, upper half of the low 64 bits.
uint32_t IndependentU32(uint64_t *s) {
  uint64_t x = *s;
  x = x ^ (x >> 12);
  x = x ^ (x << 25);
  x = x ^ (x >> 27);
  *s = x;
  const U128 product = static_cast<U128>(x) * static_cast<U128>(0x2545F4914F6CDD1Dull);
  const uint64_t low = static_cast<uint64_t>(product);  // the C product is taken modulo 2^64
  return static_cast<uint32_t>(low >> 32);
}

TEST(Rng, Seed42MatchesIndependentComputation) {
  uint64_t a = 42, b = 42;
  for (int i = 0; i < 1000; ++i) {
    const uint32_t expect = IndependentU32(&b);
    ASSERT_EQ(RandomU32(&a), expect) << "draw " << i;
    ASSERT_EQ(a, b);
  }
  // random_f32 takes the top 24 bits, scaled by 2^-24 (exact in fp32).
  a = b = 42;
  for (int i = 0; i < 1000; ++i) {
    const double expect = static_cast<double>(IndependentU32(&b) >> 8) / 16777216.0;
    const float got = RandomF32(&a);
    ASSERT_EQ(static_cast<double>(got), expect) << "draw " << i;
    ASSERT_GE(got, 0.0f);
    ASSERT_LT(got, 1.0f);
  }
}

TEST(Rng, Seed42FirstValues) {
  // By hand: 42 ^ (42 >> 12) = 0x2A; ^ (0x2A << 25) = 0x5400002A; ^ (0x5400002A >> 27 = 0xA) = 0x54000020.
  // The product with 0x2545F4914F6CDD1D modulo 2^64, bits 32..63, is 0x56CE4AB7.
  uint64_t s = 42;
  EXPECT_EQ(RandomU32(&s), 0x56CE4AB7u);
  EXPECT_EQ(s, 0x54000020ull);
  EXPECT_EQ(RandomU32(&s), 0xC841EB53u);
  EXPECT_EQ(s, 0xA80A8001041022ull);
}

TEST(Sampler, ArgmaxTakesTheFirstMaximum) {
  const std::vector<float> x = {1, 3, 3, 2, -5};
  EXPECT_EQ(SampleArgmax(x.data(), 5), 1);
  const std::vector<float> y = {-1, -1};
  EXPECT_EQ(SampleArgmax(y.data(), 2), 0);
}

TEST(Sampler, SoftmaxSubtractsTheMax) {
  std::vector<float> x = {1000.0f, 1001.0f, 999.0f};
  Softmax(x.data(), 3);
  const float e1 = std::exp(-1.0f), e2 = std::exp(-2.0f);
  const float sum = (e1 + 1.0f) + e2;
  EXPECT_EQ(x[0], e1 / sum);
  EXPECT_EQ(x[1], 1.0f / sum);
  EXPECT_EQ(x[2], e2 / sum);
}

TEST(Sampler, MultinomialTakesFirstCdfAboveCoin) {
  const std::vector<float> p = {0.25f, 0.25f, 0.5f};
  EXPECT_EQ(SampleMult(p.data(), 3, 0.0f), 0);
  EXPECT_EQ(SampleMult(p.data(), 3, 0.2499f), 0);
  EXPECT_EQ(SampleMult(p.data(), 3, 0.25f), 1);  // coin < cdf is strict
  EXPECT_EQ(SampleMult(p.data(), 3, 0.5f), 2);
  EXPECT_EQ(SampleMult(p.data(), 3, 0.9999f), 2);
  const std::vector<float> short_sum = {0.2f, 0.2f};
  EXPECT_EQ(SampleMult(short_sum.data(), 2, 0.9f), 1);  // cdf never exceeds the coin: the last index
}

TEST(Sampler, NucleusTiesKeepIndexOrder) {
  // cutoff = (1 - 0.5) / 3 = 0.1667: indices 1 and 3 (0.4 each) stay, in index order. The sum passes
  // 0.5 at the second one, so both are kept and r = coin * 0.8.
  const std::vector<float> p = {0.1f, 0.4f, 0.1f, 0.4f};
  EXPECT_EQ(SampleTopp(p.data(), 4, 0.5f, 0.0f, nullptr), 1);
  EXPECT_EQ(SampleTopp(p.data(), 4, 0.5f, 0.49f, nullptr), 1);  // r = 0.392 < 0.4
  EXPECT_EQ(SampleTopp(p.data(), 4, 0.5f, 0.51f, nullptr), 3);  // r = 0.408
  EXPECT_EQ(SampleTopp(p.data(), 4, 0.5f, 0.999f, nullptr), 3);
}

TEST(Sampler, NucleusCutsAfterTheSumExceedsTopp) {
  // cutoff = 0.4 / 3 = 0.1333 drops index 0. Sorted: 3 (0.45), 1 (0.25), 2 (0.25, after 1 by index).
  // Running sum 0.45, 0.70 > 0.6: the nucleus is {3, 1}, r = coin * 0.7; index 2 is never drawn.
  const std::vector<float> p = {0.05f, 0.25f, 0.25f, 0.45f};
  std::vector<ProbIndex> scratch;
  EXPECT_EQ(SampleTopp(p.data(), 4, 0.6f, 0.5f, &scratch), 3);   // r = 0.35 < 0.45
  EXPECT_EQ(SampleTopp(p.data(), 4, 0.6f, 0.7f, &scratch), 1);   // r = 0.49
  EXPECT_EQ(SampleTopp(p.data(), 4, 0.6f, 0.99f, &scratch), 1);  // r = 0.693 < 0.70
}

TEST(Sampler, NucleusKeepsAllWhenTheSumNeverExceedsTopp) {
  // cutoff 0.1; sum 0.6 never exceeds 0.9: both kept, r = coin * 0.6.
  const std::vector<float> p = {0.3f, 0.3f};
  EXPECT_EQ(SampleTopp(p.data(), 2, 0.9f, 0.49f, nullptr), 0);  // r = 0.294
  EXPECT_EQ(SampleTopp(p.data(), 2, 0.9f, 0.51f, nullptr), 1);  // r = 0.306
}

TEST(Sampler, NucleusWithNothingKeptReturnsTheLastIndex) {
  const std::vector<float> one = {1.0f};  // cutoff = 0.1 / 0 = inf
  EXPECT_EQ(SampleTopp(one.data(), 1, 0.9f, 0.5f, nullptr), 0);
  const std::vector<float> nan = {std::nanf(""), std::nanf("")};
  EXPECT_EQ(SampleTopp(nan.data(), 2, 0.9f, 0.5f, nullptr), 1);
}

TEST(Sampler, GreedyDrawsNoRandomNumber) {
  Sampler s(4, 0.0f, 0.9f, 42);
  std::vector<float> logits = {0.5f, 2.0f, 2.0f, -1.0f};
  EXPECT_TRUE(s.greedy());
  EXPECT_EQ(s.Sample(logits.data()), 1);
  EXPECT_EQ(s.rng_state(), 42u);
  EXPECT_EQ(logits[1], 2.0f);  // untouched
}

TEST(Sampler, TemperatureSoftmaxThenOneCoin) {
  const std::vector<float> logits = {0.5f, 2.0f, 1.0f, -1.0f};
  for (float topp : {0.0f, 1.0f, 0.9f, 0.5f}) {
    Sampler s(4, 0.7f, topp, 7);
    uint64_t state = 7;
    for (int step = 0; step < 50; ++step) {
      // Independent recomputation of the step: logits / 0.7, softmax, one coin, then the rule.
      std::vector<float> probs = logits;
      for (float &v : probs) v /= 0.7f;
      Softmax(probs.data(), 4);
      const float coin = RandomF32(&state);
      const int expect = (topp <= 0 || topp >= 1) ? SampleMult(probs.data(), 4, coin)
                                                  : SampleTopp(probs.data(), 4, topp, coin, nullptr);
      std::vector<float> work = logits;
      ASSERT_EQ(s.Sample(work.data()), expect) << "topp " << topp << " step " << step;
      ASSERT_EQ(work, probs) << "the logits are replaced by the probabilities";
      ASSERT_EQ(s.rng_state(), state) << "exactly one draw per token";
    }
  }
}

}  // namespace
}  // namespace tsp::llm
