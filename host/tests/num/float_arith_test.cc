// FAdd / FSub / FMul / FMax / FRelu against an independent oracle built on host double arithmetic.
//
// Oracle: inputs get DAZ, the exact result is computed in double (a product of two floats is exact;
// a sum is correctly rounded to 53 bits, and 53 >= 2*24+2 makes the second rounding to 24 bits
// innocuous), then it is rounded to 24 significant bits with an unbounded exponent using
// frexp/nearbyint/ldexp, then the FTZ rule (< 2^-126 -> signed zero) and overflow (-> infinity) are
// applied. This handles the window just below 2^-126 where IEEE gradual underflow would differ.
#include <gtest/gtest.h>

#include <cfenv>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

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

using tsp::num::FAdd;
using tsp::num::FMax;
using tsp::num::FMul;
using tsp::num::FRelu;
using tsp::num::FSub;
using tsp::num::kCanonicalNaN;

float ToF(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
uint32_t ToB(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
// Denormals-are-zero on a host float.
float DazF(float f) { return std::fpclassify(f) == FP_SUBNORMAL ? std::copysign(0.0f, f) : f; }

// Rounds a double to 24 significant bits (ties to even, unbounded exponent), then FTZ / overflow.
uint32_t OracleRound(double v) {
  if (std::isnan(v)) return kCanonicalNaN;
  const uint32_t sign = std::signbit(v) ? 0x80000000u : 0u;
  if (std::isinf(v)) return sign | 0x7F800000u;
  if (v == 0.0) return sign;
  int e = 0;
  const double fr = std::frexp(std::fabs(v), &e);  // [0.5, 1)
  const double m = std::nearbyint(std::ldexp(fr, 24));
  const double r = std::ldexp(m, e - 24);
  if (r < static_cast<double>(FLT_MIN)) return sign;
  if (r > static_cast<double>(FLT_MAX)) return sign | 0x7F800000u;
  return sign | ToB(static_cast<float>(r));
}

uint32_t OracleAdd(uint32_t a, uint32_t b) {
  const double x = DazF(ToF(a));
  const double y = DazF(ToF(b));
  return OracleRound(x + y);
}
uint32_t OracleMul(uint32_t a, uint32_t b) {
  const double x = DazF(ToF(a));
  const double y = DazF(ToF(b));
  return OracleRound(x * y);
}

// Plain host float result, usable as a second oracle where IEEE and the FTZ rule coincide:
// infinities, NaNs, zeros and results whose magnitude is strictly above FLT_MIN.
bool HostComparable(float r) { return std::isnan(r) || std::isinf(r) || r == 0.0f || std::fabs(r) > FLT_MIN; }
uint32_t HostCanon(float r) { return std::isnan(r) ? kCanonicalNaN : ToB(r); }

// Operand generators that concentrate on interesting regions.
struct Gen {
  Rng rng{12345u};
  uint32_t U32() { return rng(); }
  uint32_t Range(uint32_t lo, uint32_t hi) { return lo + rng() % (hi - lo + 1); }
  uint32_t WithExp(uint32_t e) { return (rng() & 0x807FFFFFu) | (e << 23); }
  uint32_t ExpOf(uint32_t x) { return (x >> 23) & 0xFFu; }
};

// Pairs for addition: random, close exponents, near-cancellation, tiny, huge.
std::pair<uint32_t, uint32_t> AddPair(Gen &g, int mode) {
  switch (mode) {
    case 0:
      return {g.U32(), g.U32()};
    case 1: {
      const uint32_t ea = g.Range(1, 254);
      const int32_t d = static_cast<int32_t>(g.Range(0, 60)) - 30;
      int32_t eb = static_cast<int32_t>(ea) + d;
      eb = eb < 1 ? 1 : (eb > 254 ? 254 : eb);
      return {g.WithExp(ea), g.WithExp(static_cast<uint32_t>(eb))};
    }
    case 2: {
      const uint32_t a = g.WithExp(g.Range(1, 254));
      const int32_t delta = static_cast<int32_t>(g.Range(0, 128)) - 64;
      const uint32_t b = (a ^ 0x80000000u) + static_cast<uint32_t>(delta);
      return {a, b};
    }
    case 3:
      return {g.WithExp(g.Range(0, 30)), g.WithExp(g.Range(0, 30))};
    default:
      return {g.WithExp(g.Range(225, 255)), g.WithExp(g.Range(225, 255))};
  }
}

// Pairs for multiplication: random, exponent sum near underflow, near overflow, ordinary.
std::pair<uint32_t, uint32_t> MulPair(Gen &g, int mode) {
  switch (mode) {
    case 0:
      return {g.U32(), g.U32()};
    case 1: {  // product exponent near 2^-126
      const uint32_t ea = g.Range(1, 127);
      const int32_t eb = 127 - static_cast<int32_t>(ea) + static_cast<int32_t>(g.Range(0, 6)) - 3 + 1;
      return {g.WithExp(ea), g.WithExp(static_cast<uint32_t>(eb < 1 ? 1 : eb))};
    }
    case 2: {  // product exponent near 2^128
      const uint32_t ea = g.Range(127, 254);
      const int32_t eb = 127 + 127 - static_cast<int32_t>(ea) + static_cast<int32_t>(g.Range(0, 4)) - 2;
      return {g.WithExp(ea), g.WithExp(static_cast<uint32_t>(eb > 254 ? 254 : (eb < 1 ? 1 : eb)))};
    }
    default:
      return {g.WithExp(g.Range(100, 154)), g.WithExp(g.Range(100, 154))};
  }
}

struct Mismatches {
  size_t count = 0;
  void Add(const char *op, uint32_t a, uint32_t b, uint32_t got, uint32_t want) {
    if (count++ < 10) {
      ADD_FAILURE() << op << std::hex << "(0x" << a << ", 0x" << b << ") = 0x" << got << ", want 0x" << want;
    }
  }
};

constexpr int kRandomPairs = 2'000'000;

TEST(FloatArith, AddSubRandomMatchesOracle) {
  ASSERT_EQ(std::fegetround(), FE_TONEAREST);
  Gen g;
  Mismatches bad;
  size_t host_checked = 0;
  for (int i = 0; i < kRandomPairs; ++i) {
    const auto [a, b] = AddPair(g, i % 5);
    const uint32_t got_add = FAdd(a, b);
    const uint32_t got_sub = FSub(a, b);
    const uint32_t want_add = OracleAdd(a, b);
    const uint32_t want_sub = OracleAdd(a, b ^ 0x80000000u);
    if (got_add != want_add) bad.Add("FAdd", a, b, got_add, want_add);
    if (got_sub != want_sub) bad.Add("FSub", a, b, got_sub, want_sub);
    // Second, fully independent oracle: host float arithmetic on DAZ inputs.
    const volatile float fa = DazF(ToF(a));
    const volatile float fb = DazF(ToF(b));
    const float hadd = fa + fb;
    const float hsub = fa - fb;
    if (HostComparable(hadd)) {
      ++host_checked;
      if (got_add != HostCanon(hadd)) bad.Add("FAdd(host)", a, b, got_add, HostCanon(hadd));
    }
    if (HostComparable(hsub) && got_sub != HostCanon(hsub))
      bad.Add("FSub(host)", a, b, got_sub, HostCanon(hsub));
  }
  EXPECT_EQ(bad.count, 0u);
  EXPECT_GT(host_checked, static_cast<size_t>(kRandomPairs) * 9 / 10);
}

TEST(FloatArith, MulRandomMatchesOracle) {
  Gen g;
  g.rng.seed(777u);
  Mismatches bad;
  size_t ftz_window = 0;
  for (int i = 0; i < kRandomPairs; ++i) {
    const auto [a, b] = MulPair(g, i % 4);
    const uint32_t got = FMul(a, b);
    const uint32_t want = OracleMul(a, b);
    if (got != want) bad.Add("FMul", a, b, got, want);
    const volatile float fa = DazF(ToF(a));
    const volatile float fb = DazF(ToF(b));
    const float h = fa * fb;
    if (HostComparable(h)) {
      if (got != HostCanon(h)) bad.Add("FMul(host)", a, b, got, HostCanon(h));
    } else {
      ++ftz_window;  // denormal or exactly FLT_MIN on the host: only the first oracle applies
    }
  }
  EXPECT_EQ(bad.count, 0u);
  EXPECT_GT(ftz_window, 1000u) << "generator should exercise the underflow boundary";
}

// Every pair of a table of special operands, against the oracle.
TEST(FloatArith, SpecialOperandPairs) {
  const std::vector<uint32_t> specials = {
      0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00400000,
      0x00800000, 0x80800000, 0x00800001, 0x80800001, 0x00FFFFFF, 0x01000000, 0x7F7FFFFF,
      0xFF7FFFFF, 0x7F7FFFFE, 0x7F000000, 0x3F800000, 0xBF800000, 0x3F800001, 0x3F7FFFFF,
      0x33800000, 0x33800001, 0x34000000, 0x3FC00000, 0x40000000, 0x7F800000, 0xFF800000,
      0x7FC00000, 0xFFC00000, 0x7F800001, 0x7FBFFFFF, 0x3EAAAAAB, 0x4B400000, 0x1F800000,
  };
  Mismatches bad;
  for (uint32_t a : specials) {
    for (uint32_t b : specials) {
      if (FAdd(a, b) != OracleAdd(a, b)) bad.Add("FAdd", a, b, FAdd(a, b), OracleAdd(a, b));
      if (FSub(a, b) != OracleAdd(a, b ^ 0x80000000u)) {
        bad.Add("FSub", a, b, FSub(a, b), OracleAdd(a, b ^ 0x80000000u));
      }
      if (FMul(a, b) != OracleMul(a, b)) bad.Add("FMul", a, b, FMul(a, b), OracleMul(a, b));
    }
  }
  EXPECT_EQ(bad.count, 0u);
}

// Hand-derived golden values (independent of any host arithmetic).
TEST(FloatArith, DirectedAdd) {
  // Signed zeros.
  EXPECT_EQ(FAdd(0x00000000, 0x80000000), 0x00000000u);
  EXPECT_EQ(FAdd(0x80000000, 0x80000000), 0x80000000u);
  EXPECT_EQ(FSub(0x80000000, 0x00000000), 0x80000000u);  // -0 - +0 = -0
  EXPECT_EQ(FSub(0x00000000, 0x00000000), 0x00000000u);
  EXPECT_EQ(FSub(0x3F800000, 0x3F800000), 0x00000000u);  // x - x = +0
  EXPECT_EQ(FAdd(0xC0000000, 0x40000000), 0x00000000u);
  // Denormal inputs are zeros.
  EXPECT_EQ(FAdd(0x00000001, 0x00000000), 0x00000000u);
  EXPECT_EQ(FAdd(0x80000001, 0x80000000), 0x80000000u);
  EXPECT_EQ(FAdd(0x807FFFFF, 0x00000000), 0x00000000u);
  EXPECT_EQ(FAdd(0x00400000, 0x00800000), 0x00800000u);
  EXPECT_EQ(FAdd(0x007FFFFF, 0x007FFFFF), 0x00000000u);
  // Ties to even: 1 + 2^-24 -> 1; (1 + 2^-23) + 2^-24 -> 1 + 2^-22.
  EXPECT_EQ(FAdd(0x3F800000, 0x33800000), 0x3F800000u);
  EXPECT_EQ(FAdd(0x3F800001, 0x33800000), 0x3F800002u);
  EXPECT_EQ(FAdd(0x3F800000, 0x33800001), 0x3F800001u);  // just above the tie
  EXPECT_EQ(FSub(0x3F800000, 0x33000000), 0x3F800000u);  // 1 - 2^-25: tie between 1-2^-24 and 1
  EXPECT_EQ(FSub(0x3F800000, 0x33000001), 0x3F7FFFFFu);
  // Cancellation.
  EXPECT_EQ(FSub(0x3F800001, 0x3F800000), 0x34000000u);  // 2^-23
  EXPECT_EQ(FSub(0x3F800000, 0x3F7FFFFF), 0x33800000u);  // 2^-24
  EXPECT_EQ(FSub(0x4B000001, 0x4B000000), 0x3F800000u);
  // FTZ of an exact result below 2^-126 keeps the sign.
  EXPECT_EQ(FSub(0x00800001, 0x00800000), 0x00000000u);
  EXPECT_EQ(FSub(0x00800000, 0x00800001), 0x80000000u);
  EXPECT_EQ(FSub(0x01000000, 0x00800001), 0x00000000u);  // 2^-126 - 2^-149 -> +0
  EXPECT_EQ(FSub(0x01000001, 0x00800000), 0x00800002u);  // 2^-125 + 2^-148 - 2^-126
  // Overflow.
  EXPECT_EQ(FAdd(0x7F7FFFFF, 0x7F7FFFFF), 0x7F800000u);
  EXPECT_EQ(FAdd(0xFF7FFFFF, 0xFF7FFFFF), 0xFF800000u);
  EXPECT_EQ(FAdd(0x7F7FFFFF, 0x73000000), 0x7F800000u);  // + 2^103 = half ulp, odd -> up -> inf
  EXPECT_EQ(FAdd(0x7F7FFFFF, 0x72FFFFFF), 0x7F7FFFFFu);  // below the tie
  // Infinities and NaNs.
  EXPECT_EQ(FAdd(0x7F800000, 0xFF7FFFFF), 0x7F800000u);
  EXPECT_EQ(FAdd(0x7F800000, 0xFF800000), kCanonicalNaN);
  EXPECT_EQ(FSub(0x7F800000, 0x7F800000), kCanonicalNaN);
  EXPECT_EQ(FSub(0x7F800000, 0xFF800000), 0x7F800000u);
  EXPECT_EQ(FAdd(0x7F800001, 0x3F800000), kCanonicalNaN);  // signalling NaN in
  EXPECT_EQ(FAdd(0x3F800000, 0xFFC00001), kCanonicalNaN);  // negative NaN with payload
  EXPECT_EQ(FSub(0x3F800000, 0x7FC00000), kCanonicalNaN);
  // Operands far apart.
  EXPECT_EQ(FAdd(0x7F000000, 0x00800000), 0x7F000000u);
  EXPECT_EQ(FSub(0x3F800000, 0x00800000), 0x3F800000u);
  EXPECT_EQ(FAdd(0x3F800000, 0x40000000), 0x40400000u);  // 1 + 2 = 3
}

TEST(FloatArith, DirectedMul) {
  EXPECT_EQ(FMul(0x40000000, 0x40400000), 0x40C00000u);  // 2 * 3 = 6
  EXPECT_EQ(FMul(0x80000000, 0x3F800000), 0x80000000u);
  EXPECT_EQ(FMul(0x80000000, 0x80000000), 0x00000000u);
  EXPECT_EQ(FMul(0x00000001, 0x7F7FFFFF), 0x00000000u);  // DAZ
  EXPECT_EQ(FMul(0x80000001, 0x3F800000), 0x80000000u);
  EXPECT_EQ(FMul(0x00000001, 0x7F800000), kCanonicalNaN);  // denormal * inf = 0 * inf
  EXPECT_EQ(FMul(0x00000000, 0xFF800000), kCanonicalNaN);
  EXPECT_EQ(FMul(0xFF800000, 0xBF800000), 0x7F800000u);
  EXPECT_EQ(FMul(0x7FC00000, 0x00000000), kCanonicalNaN);
  // (1 + 2^-23)^2 = 1 + 2^-22 + 2^-46 -> 1 + 2^-22.
  EXPECT_EQ(FMul(0x3F800001, 0x3F800001), 0x3F800002u);
  // (2 - 2^-23)^2 = 4 - 2^-21 + 2^-46 -> 4 - 2^-21.
  EXPECT_EQ(FMul(0x3FFFFFFF, 0x3FFFFFFF), 0x407FFFFEu);
  // (1 + 2^-23)(1 + 2^-22) = 1 + 3*2^-23 + 2^-45 -> 1 + 3*2^-23; (1+2^-23)(1.5) = 1.5 + 1.5*2^-23:
  // tie between 1.5 + 2^-23 (odd) and 1.5 + 2^-22 (even) -> even.
  EXPECT_EQ(FMul(0x3F800001, 0x3F800002), 0x3F800003u);
  EXPECT_EQ(FMul(0x3F800001, 0x3FC00000), 0x3FC00002u);
  EXPECT_EQ(FMul(0x3F800003, 0x3FC00000), 0x3FC00004u);  // 1.5 + 4.5*2^-23 -> 1.5 + 2*2^-22
  // FTZ window: (1 - 2^-24) * 2^-126 = 2^-126 - 2^-150 is representable with an unbounded exponent
  // and below 2^-126, so it flushes to zero (IEEE gradual underflow would round it to 2^-126).
  EXPECT_EQ(FMul(0x3F7FFFFF, 0x00800000), 0x00000000u);
  EXPECT_EQ(FMul(0xBF7FFFFF, 0x00800000), 0x80000000u);
  // (1 - 2^-23)(1 + 2^-23) 2^-126 = (1 - 2^-46) 2^-126 rounds up to 2^-126 and survives.
  EXPECT_EQ(FMul(0x3F7FFFFE, 0x00800001), 0x00800000u);
  EXPECT_EQ(FMul(0x3F000000, 0x00800000), 0x00000000u);  // 2^-127
  EXPECT_EQ(FMul(0x3F000000, 0x01000000), 0x00800000u);  // 2^-126 exactly
  // Overflow.
  EXPECT_EQ(FMul(0x7F7FFFFF, 0x40000000), 0x7F800000u);
  EXPECT_EQ(FMul(0x7F7FFFFF, 0xBF800001), 0xFF800000u);  // rounds above FLT_MAX
  EXPECT_EQ(FMul(0x7F000000, 0x3FFFFFFF), 0x7F7FFFFFu);  // 2^127 (2 - 2^-23) = FLT_MAX
  EXPECT_EQ(FMul(0x5F800000, 0x5F800000), 0x7F800000u);  // 2^64 * 2^64
  EXPECT_EQ(FMul(0x5F800000, 0x5F000000), 0x7F000000u);  // 2^127
}

TEST(FloatArith, MaxAndRelu) {
  EXPECT_EQ(FMax(0x80000000, 0x00000000), 0x00000000u);
  EXPECT_EQ(FMax(0x00000000, 0x80000000), 0x00000000u);
  EXPECT_EQ(FMax(0x80000000, 0x80000000), 0x80000000u);
  EXPECT_EQ(FMax(0x80000001, 0x80000000), 0x80000000u);  // both -0 after DAZ
  EXPECT_EQ(FMax(0x00000001, 0x80000000), 0x00000000u);  // +denormal -> +0
  EXPECT_EQ(FMax(0x00000001, 0xBF800000), 0x00000000u);
  EXPECT_EQ(FMax(0x807FFFFF, 0xBF800000), 0x80000000u);
  EXPECT_EQ(FMax(0x7FC00000, 0x3F800000), kCanonicalNaN);
  EXPECT_EQ(FMax(0x3F800000, 0xFF800001), kCanonicalNaN);
  EXPECT_EQ(FMax(0x7F800001, 0x7F800000), kCanonicalNaN);
  EXPECT_EQ(FMax(0xFF800000, 0xFF7FFFFF), 0xFF7FFFFFu);
  EXPECT_EQ(FMax(0x7F800000, 0x7F7FFFFF), 0x7F800000u);
  EXPECT_EQ(FMax(0xBF800000, 0xC0000000), 0xBF800000u);
  EXPECT_EQ(FMax(0x3F800001, 0x3F800000), 0x3F800001u);
  EXPECT_EQ(FMax(0xC0000000, 0x00800000), 0x00800000u);
  // Random pairs: max by value on DAZ inputs.
  Gen g;
  g.rng.seed(99u);
  Mismatches bad;
  for (int i = 0; i < 200'000; ++i) {
    const uint32_t a = g.U32();
    const uint32_t b = (i & 1) ? g.U32() : (a ^ (g.U32() & 0x8000000Fu));
    const float fa = DazF(ToF(a));
    const float fb = DazF(ToF(b));
    uint32_t want;
    if (std::isnan(fa) || std::isnan(fb)) {
      want = kCanonicalNaN;
    } else if (fa > fb) {
      want = ToB(fa);
    } else if (fb > fa) {
      want = ToB(fb);
    } else {
      want = (std::signbit(fa) && std::signbit(fb)) ? ToB(fa) : (ToB(fa) & 0x7FFFFFFFu);
    }
    if (FMax(a, b) != want) bad.Add("FMax", a, b, FMax(a, b), want);
  }
  EXPECT_EQ(bad.count, 0u);

  EXPECT_EQ(FRelu(0x7FC00001), kCanonicalNaN);
  EXPECT_EQ(FRelu(0xFFFFFFFF), kCanonicalNaN);
  EXPECT_EQ(FRelu(0xBF800000), 0x00000000u);
  EXPECT_EQ(FRelu(0x80000000), 0x00000000u);
  EXPECT_EQ(FRelu(0x00000001), 0x00000000u);
  EXPECT_EQ(FRelu(0x80000001), 0x00000000u);
  EXPECT_EQ(FRelu(0xFF800000), 0x00000000u);
  EXPECT_EQ(FRelu(0x7F800000), 0x7F800000u);
  EXPECT_EQ(FRelu(0x40200000), 0x40200000u);
  EXPECT_EQ(FRelu(0x00800000), 0x00800000u);
}

}  // namespace
