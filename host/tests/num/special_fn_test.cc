// FRecip / FRsqrt / FExp: special cases and the maximum ulp error against double-precision libm.
//
// The results of FRecip and FRsqrt depend only on the mantissa (and, for FRsqrt, the exponent
// parity): the exponent is applied by an exact scaling step. Sweeping every mantissa therefore
// bounds the error for every normal input whose result is normal. FExp is swept densely.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>

#include "tsp/numerics.h"

namespace {

// Deterministic SplitMix64 generator returning 32-bit words.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  void seed(uint64_t v) { s = v; }
  uint32_t operator()() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<uint32_t>((z ^ (z >> 31)) >> 32);
  }
};

using tsp::num::FExp;
using tsp::num::FRecip;
using tsp::num::FRsqrt;
using tsp::num::kCanonicalNaN;

// Documented bounds (docs/numerics.md): measured maxima rounded up.
constexpr double kRecipMaxUlp = 1.15;
constexpr double kRsqrtMaxUlp = 1.05;
constexpr double kExpMaxUlp = 1.05;

float ToF(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

// Error of `got` in units of the last place of the exact value (binade of the exact value).
double UlpError(uint32_t got, double exact) {
  int e = 0;
  std::frexp(exact, &e);
  const double ulp = std::ldexp(1.0, e - 24);
  return std::fabs(static_cast<double>(ToF(got)) - exact) / ulp;
}

struct MaxErr {
  double err = 0.0;
  uint32_t at = 0;
  void Add(double e, uint32_t x) {
    if (e > err || std::isnan(e)) {
      err = std::isnan(e) ? 1e30 : e;
      at = x;
    }
  }
};

constexpr double kMinNormal = static_cast<double>(FLT_MIN);
constexpr double kMaxNormal = static_cast<double>(FLT_MAX);

// ---------------------------------------------------------------------------------------------- recip

TEST(SpecialFn, RecipSpecialCases) {
  EXPECT_EQ(FRecip(0x7FC00000), kCanonicalNaN);
  EXPECT_EQ(FRecip(0xFF800001), kCanonicalNaN);
  EXPECT_EQ(FRecip(0x00000000), 0x7F800000u);
  EXPECT_EQ(FRecip(0x80000000), 0xFF800000u);
  EXPECT_EQ(FRecip(0x00000001), 0x7F800000u);  // denormal = +0
  EXPECT_EQ(FRecip(0x807FFFFF), 0xFF800000u);  // denormal = -0
  EXPECT_EQ(FRecip(0x7F800000), 0x00000000u);
  EXPECT_EQ(FRecip(0xFF800000), 0x80000000u);
  EXPECT_EQ(FRecip(0x3F800000), 0x3F800000u);  // 1
  EXPECT_EQ(FRecip(0xC0000000), 0xBF000000u);  // -2 -> -0.5
  EXPECT_EQ(FRecip(0x00800000), 0x7E800000u);  // 2^-126 -> 2^126
  EXPECT_EQ(FRecip(0x80800000), 0xFE800000u);
  EXPECT_EQ(FRecip(0x7E800000), 0x00800000u);  // 2^126 -> 2^-126
  EXPECT_EQ(FRecip(0x7F000000), 0x00000000u);  // 2^127 -> 2^-127 flushed
  EXPECT_EQ(FRecip(0xFF7FFFFF), 0x80000000u);  // -FLT_MAX -> about -2^-128 flushed
  // 1/3 = 0x3EAAAAAB correctly rounded; the sequence is faithful but not always correctly rounded.
  EXPECT_NEAR(static_cast<double>(FRecip(0x40400000)), static_cast<double>(0x3EAAAAABu), 1.0);
  for (uint32_t e = 1; e <= 253; ++e) {  // powers of two are exact
    const uint32_t x = e << 23;
    EXPECT_EQ(FRecip(x), (254u - e) << 23) << std::hex << x;
  }
}

TEST(SpecialFn, RecipEveryMantissa) {
  MaxErr pos;
  MaxErr neg;
  for (uint32_t f = 0; f < (1u << 23); ++f) {
    const uint32_t x = 0x3F800000u | f;  // [1, 2)
    const double exact = 1.0 / static_cast<double>(ToF(x));
    pos.Add(UlpError(FRecip(x), exact), x);
    if ((f & 63u) == 0) neg.Add(UlpError(FRecip(x | 0x80000000u), -exact), x);
  }
  std::cout << "FRecip max ulp error over every mantissa: " << pos.err << " at 0x" << std::hex << pos.at
            << std::dec << "\n";
  RecordProperty("recip_max_ulp", std::to_string(pos.err));
  EXPECT_LE(pos.err, kRecipMaxUlp);
  EXPECT_GT(pos.err, 0.5) << "not correctly rounded everywhere: the bound should be informative";
  EXPECT_LE(neg.err, kRecipMaxUlp);
}

TEST(SpecialFn, RecipRandomFullRange) {
  Rng rng(4242u);
  int flushed = 0;
  for (int i = 0; i < 300'000; ++i) {
    const uint32_t x = (rng() & 0x807FFFFFu) | ((1u + rng() % 254u) << 23);
    const double exact = 1.0 / static_cast<double>(ToF(x));
    const uint32_t got = FRecip(x);
    const double mag = std::fabs(exact);
    if (mag >= kMinNormal * (1 + 0x1p-20)) {
      ASSERT_LE(UlpError(got, exact), kRecipMaxUlp) << std::hex << x;
    } else if (mag < kMinNormal * (1 - 0x1p-20)) {
      ASSERT_EQ(got, x & 0x80000000u) << std::hex << x;
      ++flushed;
    }
  }
  EXPECT_GT(flushed, 0);
}

// ---------------------------------------------------------------------------------------------- rsqrt

TEST(SpecialFn, RsqrtSpecialCases) {
  EXPECT_EQ(FRsqrt(0x7FC00000), kCanonicalNaN);
  EXPECT_EQ(FRsqrt(0x7F800001), kCanonicalNaN);
  EXPECT_EQ(FRsqrt(0xBF800000), kCanonicalNaN);  // negative
  EXPECT_EQ(FRsqrt(0x80800000), kCanonicalNaN);
  EXPECT_EQ(FRsqrt(0xFF800000), kCanonicalNaN);
  EXPECT_EQ(FRsqrt(0x00000000), 0x7F800000u);
  EXPECT_EQ(FRsqrt(0x80000000), 0xFF800000u);  // -0 -> -inf
  EXPECT_EQ(FRsqrt(0x00000001), 0x7F800000u);  // denormal = +0
  EXPECT_EQ(FRsqrt(0x80000001), 0xFF800000u);  // denormal = -0, not a negative number
  EXPECT_EQ(FRsqrt(0x7F800000), 0x00000000u);
  EXPECT_EQ(FRsqrt(0x3F800000), 0x3F800000u);
  EXPECT_EQ(FRsqrt(0x40800000), 0x3F000000u);  // 4 -> 0.5
  EXPECT_EQ(FRsqrt(0x3E800000), 0x40000000u);  // 0.25 -> 2
  EXPECT_EQ(FRsqrt(0x00800000), 0x5F000000u);  // 2^-126 -> 2^63
  EXPECT_EQ(FRsqrt(0x40000000), 0x3F3504F3u);  // 1/sqrt(2) correctly rounded
  for (uint32_t e = 1; e <= 254; e += 2) {     // even powers of two are exact
    const uint32_t x = e << 23;                // 2^(e-127), e-127 even
    const uint32_t want = static_cast<uint32_t>(127 - (static_cast<int>(e) - 127) / 2) << 23;
    EXPECT_EQ(FRsqrt(x), want) << std::hex << x;
  }
}

TEST(SpecialFn, RsqrtEveryMantissa) {
  MaxErr err;
  for (uint32_t f = 0; f < (1u << 24); ++f) {
    const uint32_t x = 0x3F800000u + f;  // [1, 4): both exponent parities
    const double exact = 1.0 / std::sqrt(static_cast<double>(ToF(x)));
    err.Add(UlpError(FRsqrt(x), exact), x);
  }
  std::cout << "FRsqrt max ulp error over every mantissa and parity: " << err.err << " at 0x" << std::hex
            << err.at << std::dec << "\n";
  RecordProperty("rsqrt_max_ulp", std::to_string(err.err));
  EXPECT_LE(err.err, kRsqrtMaxUlp);
  EXPECT_GT(err.err, 0.5);
}

TEST(SpecialFn, RsqrtRandomFullRange) {
  Rng rng(31337u);
  for (int i = 0; i < 300'000; ++i) {
    const uint32_t x = (rng() & 0x007FFFFFu) | ((1u + rng() % 254u) << 23);
    const double exact = 1.0 / std::sqrt(static_cast<double>(ToF(x)));
    ASSERT_LE(UlpError(FRsqrt(x), exact), kRsqrtMaxUlp) << std::hex << x;
  }
}

// ---------------------------------------------------------------------------------------------- exp

TEST(SpecialFn, ExpSpecialCases) {
  EXPECT_EQ(FExp(0x7FC00000), kCanonicalNaN);
  EXPECT_EQ(FExp(0xFFC00000), kCanonicalNaN);
  EXPECT_EQ(FExp(0x7F800000), 0x7F800000u);
  EXPECT_EQ(FExp(0xFF800000), 0x00000000u);
  EXPECT_EQ(FExp(0x00000000), 0x3F800000u);
  EXPECT_EQ(FExp(0x80000000), 0x3F800000u);
  EXPECT_EQ(FExp(0x00000001), 0x3F800000u);  // denormal = 0
  EXPECT_EQ(FExp(0x807FFFFF), 0x3F800000u);
  EXPECT_EQ(FExp(0x42B20000), 0x7F800000u);  // 89: e^89 > FLT_MAX
  EXPECT_EQ(FExp(0x447A0000), 0x7F800000u);  // 1000
  EXPECT_EQ(FExp(0x7F7FFFFF), 0x7F800000u);
  EXPECT_EQ(FExp(0xC2B00000), 0x00000000u);  // -88: e^-88 < 2^-126, flushed to +0
  EXPECT_EQ(FExp(0xC47A0000), 0x00000000u);  // -1000
  EXPECT_EQ(FExp(0xFF7FFFFF), 0x00000000u);
  EXPECT_EQ(FExp(0x3F800000), 0x402DF854u);    // e, correctly rounded
  const uint32_t near_max = FExp(0x42B17200);  // 88.72266: e^x = 3.4027e38 < FLT_MAX
  EXPECT_LT(near_max, 0x7F800000u);
  EXPECT_GT(near_max, 0x7F7F0000u);
  const uint32_t near_min = FExp(0xC2AE0000);  // -87: 1.65e-38, still normal
  EXPECT_GT(near_min, 0x00800000u);
  EXPECT_LT(near_min, 0x00C00000u);
}

TEST(SpecialFn, ExpDenseSweep) {
  MaxErr err;
  int checked = 0;
  auto check = [&](uint32_t x) {
    const double exact = std::exp(static_cast<double>(ToF(x)));
    const uint32_t got = FExp(x);
    if (exact >= kMinNormal * (1 + 0x1p-20) && exact <= kMaxNormal) {
      err.Add(UlpError(got, exact), x);
      ++checked;
    } else if (exact > kMaxNormal * (1 + 0x1p-20)) {
      if (got != 0x7F800000u) err.Add(1e30, x);
    } else if (exact < kMinNormal * (1 - 0x1p-20)) {
      if (got != 0u) err.Add(1e30, x);
    }
  };
  // Bit-pattern sweep of both signs from |x| = 2^-31 up to past the overflow/underflow limits.
  for (uint32_t b = 0x30000000u; b < 0x42C00000u; b += 157u) {
    check(b);
    check(b | 0x80000000u);
  }
  // Value-uniform sweep over [-90, 90].
  for (int i = 0; i <= 1'000'000; ++i) {
    const float x = -90.0f + static_cast<float>(i) * (180.0f / 1'000'000.0f);
    uint32_t b;
    std::memcpy(&b, &x, 4);
    check(b);
  }
  std::cout << "FExp max ulp error over " << checked << " inputs: " << err.err << " at 0x" << std::hex
            << err.at << std::dec << "\n";
  RecordProperty("exp_max_ulp", std::to_string(err.err));
  EXPECT_GT(checked, 4'000'000);
  EXPECT_LE(err.err, kExpMaxUlp);
  EXPECT_GT(err.err, 0.5);
}

}  // namespace
