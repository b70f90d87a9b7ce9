// Integer lane operations and conversions.
#include <gtest/gtest.h>

#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

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

using namespace tsp::num;  // NOLINT(build/namespaces)

constexpr int32_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();

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

// ------------------------------------------------------------------------------ integer helpers

TEST(IntOps, SignExtendAndSaturate) {
  EXPECT_EQ(SignExtend(0x80, 8), -128);
  EXPECT_EQ(SignExtend(0x7F, 8), 127);
  EXPECT_EQ(SignExtend(0x1FF, 8), -1);
  EXPECT_EQ(SignExtend(0x12345600, 8), 0);
  EXPECT_EQ(SignExtend(0x8000, 16), -32768);
  EXPECT_EQ(SignExtend(0xFFFF8000u, 16), -32768);
  EXPECT_EQ(SignExtend(0x00017FFF, 16), 32767);
  EXPECT_EQ(SignExtend(0x80000000u, 32), kI32Min);
  EXPECT_EQ(SignExtend(0x12345678u, 32), 0x12345678);

  EXPECT_EQ(Saturate(128, 8), 127);
  EXPECT_EQ(Saturate(127, 8), 127);
  EXPECT_EQ(Saturate(-128, 8), -128);
  EXPECT_EQ(Saturate(-129, 8), -128);
  EXPECT_EQ(Saturate(40000, 16), 32767);
  EXPECT_EQ(Saturate(-40000, 16), -32768);
  EXPECT_EQ(Saturate(std::numeric_limits<int64_t>::max(), 32), kI32Max);
  EXPECT_EQ(Saturate(std::numeric_limits<int64_t>::min(), 16), -32768);
  EXPECT_EQ(Saturate(int64_t{kI32Max} + 1, 32), kI32Max);
  EXPECT_EQ(Saturate(int64_t{kI32Min} - 1, 32), kI32Min);
  EXPECT_EQ(Saturate(-5, 32), -5);
}

TEST(IntOps, AddSubMulEdgeCases) {
  // 8 bit.
  EXPECT_EQ(IAdd(127, 1, 8, false), -128);
  EXPECT_EQ(IAdd(127, 1, 8, true), 127);
  EXPECT_EQ(IAdd(-128, -1, 8, false), 127);
  EXPECT_EQ(IAdd(-128, -1, 8, true), -128);
  EXPECT_EQ(IAdd(0x17F, 1, 8, false), -128);  // inputs taken modulo 2^8
  EXPECT_EQ(IAdd(0xFF, 0xFF, 8, true), -2);   // -1 + -1
  EXPECT_EQ(ISub(-128, 1, 8, false), 127);
  EXPECT_EQ(ISub(-128, 1, 8, true), -128);
  EXPECT_EQ(ISub(0, -128, 8, false), -128);
  EXPECT_EQ(ISub(0, -128, 8, true), 127);
  EXPECT_EQ(IMul(-128, -1, 8, false), -128);
  EXPECT_EQ(IMul(-128, -1, 8, true), 127);
  EXPECT_EQ(IMul(16, 16, 8, false), 0);
  EXPECT_EQ(IMul(16, 16, 8, true), 127);
  EXPECT_EQ(IMul(-16, 16, 8, true), -128);
  EXPECT_EQ(IMul(-16, 8, 8, true), -128);  // exactly -128: not saturated
  EXPECT_EQ(IMul(11, 13, 8, false), 143 - 256);
  // 16 bit.
  EXPECT_EQ(IAdd(32767, 1, 16, false), -32768);
  EXPECT_EQ(IAdd(32767, 1, 16, true), 32767);
  EXPECT_EQ(ISub(-32768, 1, 16, true), -32768);
  EXPECT_EQ(ISub(-32768, 1, 16, false), 32767);
  EXPECT_EQ(IMul(300, 300, 16, false), 90000 - 65536);
  EXPECT_EQ(IMul(300, 300, 16, true), 32767);
  EXPECT_EQ(IMul(-300, 300, 16, true), -32768);
  EXPECT_EQ(IMul(-32768, -1, 16, false), -32768);
  EXPECT_EQ(IAdd(0x7FFF0001, 0x10000, 16, false), 1);
  // 32 bit.
  EXPECT_EQ(IAdd(kI32Max, 1, 32, false), kI32Min);
  EXPECT_EQ(IAdd(kI32Max, 1, 32, true), kI32Max);
  EXPECT_EQ(IAdd(kI32Min, kI32Min, 32, false), 0);
  EXPECT_EQ(IAdd(kI32Min, kI32Min, 32, true), kI32Min);
  EXPECT_EQ(ISub(kI32Min, 1, 32, false), kI32Max);
  EXPECT_EQ(ISub(kI32Min, 1, 32, true), kI32Min);
  EXPECT_EQ(ISub(0, kI32Min, 32, true), kI32Max);
  EXPECT_EQ(IMul(kI32Min, -1, 32, false), kI32Min);
  EXPECT_EQ(IMul(kI32Min, -1, 32, true), kI32Max);
  EXPECT_EQ(IMul(65536, 65536, 32, false), 0);
  EXPECT_EQ(IMul(65536, 65536, 32, true), kI32Max);
  EXPECT_EQ(IMul(kI32Min, kI32Min, 32, true), kI32Max);
  EXPECT_EQ(IMul(kI32Min, kI32Max, 32, true), kI32Min);
  EXPECT_EQ(IMul(46341, 46341, 32, false), static_cast<int32_t>(2147488281LL - 4294967296LL));
}

// Independent oracle for 8 bits: C++ narrowing through int8_t (two's complement, C++20 semantics that
// every supported compiler already implements) and explicit clamping.
int32_t Wrap8(int v) { return static_cast<int8_t>(static_cast<uint8_t>(v & 0xFF)); }
int32_t Clamp(int64_t v, int64_t lo, int64_t hi) {
  return static_cast<int32_t>(v < lo ? lo : (v > hi ? hi : v));
}

TEST(IntOps, Exhaustive8Bit) {
  int bad = 0;
  for (int a = -128; a < 128; ++a) {
    for (int b = -128; b < 128; ++b) {
      // Pass garbage in the high bits: only the low 8 bits count.
      const int32_t ga = static_cast<int32_t>(static_cast<uint32_t>(a & 0xFF) | 0x5A00u);
      const int32_t gb = static_cast<int32_t>(static_cast<uint32_t>(b) ^ 0xA5A5A500u);
      bad += IAdd(ga, gb, 8, false) != Wrap8(a + b);
      bad += IAdd(ga, gb, 8, true) != Clamp(a + b, -128, 127);
      bad += ISub(ga, gb, 8, false) != Wrap8(a - b);
      bad += ISub(ga, gb, 8, true) != Clamp(a - b, -128, 127);
      bad += IMul(ga, gb, 8, false) != Wrap8(a * b);
      bad += IMul(ga, gb, 8, true) != Clamp(a * b, -128, 127);
      bad += IMax(ga, gb, 8) != (a > b ? a : b);
    }
    bad += IRelu(a & 0xFF, 8) != (a > 0 ? a : 0);
  }
  EXPECT_EQ(bad, 0);
}

TEST(IntOps, Random16And32Bit) {
  Rng rng(2024u);
  int bad = 0;
  for (int i = 0; i < 200'000; ++i) {
    const uint32_t ra = rng();
    const uint32_t rb = rng();
    // 16 bit.
    const int64_t a16 = static_cast<int16_t>(static_cast<uint16_t>(ra & 0xFFFF));
    const int64_t b16 = static_cast<int16_t>(static_cast<uint16_t>(rb & 0xFFFF));
    auto wrap16 = [](int64_t v) {
      return static_cast<int32_t>(static_cast<int16_t>(static_cast<uint16_t>(v & 0xFFFF)));
    };
    bad += IAdd(static_cast<int32_t>(ra), static_cast<int32_t>(rb), 16, false) != wrap16(a16 + b16);
    bad +=
        IAdd(static_cast<int32_t>(ra), static_cast<int32_t>(rb), 16, true) != Clamp(a16 + b16, -32768, 32767);
    bad +=
        ISub(static_cast<int32_t>(ra), static_cast<int32_t>(rb), 16, true) != Clamp(a16 - b16, -32768, 32767);
    bad += IMul(static_cast<int32_t>(ra), static_cast<int32_t>(rb), 16, false) != wrap16(a16 * b16);
    bad +=
        IMul(static_cast<int32_t>(ra), static_cast<int32_t>(rb), 16, true) != Clamp(a16 * b16, -32768, 32767);
    // 32 bit.
    const int64_t a32 = static_cast<int32_t>(ra);
    const int64_t b32 = static_cast<int32_t>(rb);
    auto wrap32 = [](int64_t v) {
      return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v)));
    };
    bad += IAdd(static_cast<int32_t>(ra), static_cast<int32_t>(rb), 32, false) != wrap32(a32 + b32);
    bad += IAdd(static_cast<int32_t>(ra), static_cast<int32_t>(rb), 32, true) !=
           Clamp(a32 + b32, kI32Min, kI32Max);
    bad += ISub(static_cast<int32_t>(ra), static_cast<int32_t>(rb), 32, false) != wrap32(a32 - b32);
    bad += ISub(static_cast<int32_t>(ra), static_cast<int32_t>(rb), 32, true) !=
           Clamp(a32 - b32, kI32Min, kI32Max);
    bad += IMul(static_cast<int32_t>(ra), static_cast<int32_t>(rb), 32, false) != wrap32(a32 * b32);
    bad += IMul(static_cast<int32_t>(ra), static_cast<int32_t>(rb), 32, true) !=
           Clamp(a32 * b32, kI32Min, kI32Max);
    bad += IMax(static_cast<int32_t>(ra), static_cast<int32_t>(rb), 32) !=
           static_cast<int32_t>(a32 > b32 ? a32 : b32);
  }
  EXPECT_EQ(bad, 0);
}

TEST(IntOps, MaxRelu) {
  EXPECT_EQ(IMax(-128, 127, 8), 127);
  EXPECT_EQ(IMax(0x80, 0x7F, 8), 127);
  EXPECT_EQ(IMax(0xFF, 0, 8), 0);  // 0xFF is -1
  EXPECT_EQ(IMax(0xFF, 0xFE, 8), -1);
  EXPECT_EQ(IMax(0x8000, 0x7FFF, 16), 32767);
  EXPECT_EQ(IMax(kI32Min, -1, 32), -1);
  EXPECT_EQ(IRelu(0x80, 8), 0);
  EXPECT_EQ(IRelu(0x7F, 8), 127);
  EXPECT_EQ(IRelu(0x180, 8), 0);
  EXPECT_EQ(IRelu(0xFFFF, 16), 0);
  EXPECT_EQ(IRelu(0x17FFF, 16), 32767);
  EXPECT_EQ(IRelu(kI32Min, 32), 0);
  EXPECT_EQ(IRelu(5, 32), 5);
}

TEST(IntOps, Shifts) {
  EXPECT_EQ(IShl(1, 7, 8), -128);
  EXPECT_EQ(IShl(1, 8, 8), 1);  // amount modulo 8
  EXPECT_EQ(IShl(1, 9, 8), 2);
  EXPECT_EQ(IShl(0x81, 1, 8), 2);
  EXPECT_EQ(IShl(0x4000, 1, 16), -32768);
  EXPECT_EQ(IShl(1, 31, 32), kI32Min);
  EXPECT_EQ(IShl(3, 32, 32), 3);
  EXPECT_EQ(IShl(3, 33, 32), 6);
  EXPECT_EQ(IShr(-128, 7, 8), -1);
  EXPECT_EQ(IShr(-128, 1, 8), -64);
  EXPECT_EQ(IShr(0x80, 1, 8), -64);  // low byte is -128
  EXPECT_EQ(IShr(127, 3, 8), 15);
  EXPECT_EQ(IShr(-7, 1, 8), -4);  // floor
  EXPECT_EQ(IShr(-1, 15, 16), -1);
  EXPECT_EQ(IShr(kI32Min, 31, 32), -1);
  EXPECT_EQ(IShr(kI32Min, 32, 32), kI32Min);
  EXPECT_EQ(IShr(kI32Max, 30, 32), 1);
  EXPECT_EQ(ISrl(-128, 1, 8), 64);
  EXPECT_EQ(ISrl(-1, 4, 8), 15);
  EXPECT_EQ(ISrl(-1, 0, 8), -1);  // no shift: the value stays -1
  EXPECT_EQ(ISrl(-1, 8, 8), -1);  // 8 mod 8 = 0
  EXPECT_EQ(ISrl(0x8000, 15, 16), 1);
  EXPECT_EQ(ISrl(-1, 1, 16), 32767);
  EXPECT_EQ(ISrl(kI32Min, 31, 32), 1);
  EXPECT_EQ(ISrl(-1, 33, 32), kI32Max);
  EXPECT_EQ(ISrl(0x12345678, 4, 32), 0x01234567);
}

TEST(IntOps, BadWidthIsAClearError) {
  try {
    IAdd(1, 1, 12, false);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument &e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("IAdd"), std::string::npos) << msg;
    EXPECT_NE(msg.find("bits = 12"), std::string::npos) << msg;
    EXPECT_NE(msg.find("8, 16 or 32"), std::string::npos) << msg;
  }
  EXPECT_THROW(SignExtend(1, 0), std::invalid_argument);
  EXPECT_THROW(Saturate(1, 64), std::invalid_argument);
  EXPECT_THROW(IShl(1, 1, -8), std::invalid_argument);
  EXPECT_THROW(F32ToInt(0x3F800000, 24), std::invalid_argument);
}

// ------------------------------------------------------------------------------ conversions

TEST(Convert, I32ToF32) {
  EXPECT_EQ(I32ToF32(0), 0x00000000u);
  EXPECT_EQ(I32ToF32(1), 0x3F800000u);
  EXPECT_EQ(I32ToF32(-1), 0xBF800000u);
  EXPECT_EQ(I32ToF32(16777216), 0x4B800000u);
  EXPECT_EQ(I32ToF32(16777217), 0x4B800000u);  // tie -> even
  EXPECT_EQ(I32ToF32(16777218), 0x4B800001u);
  EXPECT_EQ(I32ToF32(16777219), 0x4B800002u);  // tie -> even (up)
  EXPECT_EQ(I32ToF32(-16777219), 0xCB800002u);
  EXPECT_EQ(I32ToF32(kI32Max), 0x4F000000u);  // 2^31
  EXPECT_EQ(I32ToF32(kI32Min), 0xCF000000u);
  EXPECT_EQ(I32ToF32(2147483520), 0x4EFFFFFFu);
  EXPECT_EQ(I32ToF32(2147483583), 0x4EFFFFFFu);  // below the tie at 2147483584
  EXPECT_EQ(I32ToF32(2147483584), 0x4F000000u);  // tie, 0x4EFFFFFF is odd -> up
  ASSERT_EQ(std::fegetround(), FE_TONEAREST);
  Rng rng(55u);
  int bad = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    const int32_t x = static_cast<int32_t>(rng()) >> (rng() % 32);
    bad += I32ToF32(x) != ToB(static_cast<float>(x));  // host conversion rounds to nearest even
  }
  EXPECT_EQ(bad, 0);
}

TEST(Convert, F32ToIntDirected) {
  for (int bits : {8, 16, 32}) {
    EXPECT_EQ(F32ToInt(0x7FC00000, bits), 0);  // NaN -> 0
    EXPECT_EQ(F32ToInt(0xFF800001, bits), 0);
    EXPECT_EQ(F32ToInt(0x00000001, bits), 0);  // denormal
    EXPECT_EQ(F32ToInt(0x80000000, bits), 0);
    EXPECT_EQ(F32ToInt(0x3F000000, bits), 0);   // 0.5 -> 0
    EXPECT_EQ(F32ToInt(0x3F000001, bits), 1);   // just above 0.5
    EXPECT_EQ(F32ToInt(0x3EFFFFFF, bits), 0);   // just below 0.5
    EXPECT_EQ(F32ToInt(0x3FC00000, bits), 2);   // 1.5
    EXPECT_EQ(F32ToInt(0x40200000, bits), 2);   // 2.5
    EXPECT_EQ(F32ToInt(0x40600000, bits), 4);   // 3.5
    EXPECT_EQ(F32ToInt(0xBF000000, bits), 0);   // -0.5
    EXPECT_EQ(F32ToInt(0xBFC00000, bits), -2);  // -1.5
    EXPECT_EQ(F32ToInt(0xC0200000, bits), -2);  // -2.5
    EXPECT_EQ(F32ToInt(0x42FE0000, bits), 127);
  }
  EXPECT_EQ(F32ToInt(0x42FF0000, 8), 127);  // 127.5 -> 128 -> saturates
  EXPECT_EQ(F32ToInt(0x42FF0000, 16), 128);
  EXPECT_EQ(F32ToInt(0xC3010000, 8), -128);  // -129 saturates
  EXPECT_EQ(F32ToInt(0xC3008000, 8), -128);  // -128.5 -> -128 (tie to even)
  EXPECT_EQ(F32ToInt(0xC3008000, 16), -128);
  EXPECT_EQ(F32ToInt(0xC3018000, 16), -130);  // -129.5 -> -130
  EXPECT_EQ(F32ToInt(0x7F800000, 8), 127);
  EXPECT_EQ(F32ToInt(0xFF800000, 8), -128);
  EXPECT_EQ(F32ToInt(0x7F800000, 32), kI32Max);
  EXPECT_EQ(F32ToInt(0xFF800000, 32), kI32Min);
  EXPECT_EQ(F32ToInt(0x46FFFF00, 16), 32767);    // 32767.5 -> 32768 -> saturates
  EXPECT_EQ(F32ToInt(0x46FFFE00, 16), 32767);    // 32767
  EXPECT_EQ(F32ToInt(0xC7000080, 16), -32768);   // -32768.5 -> -32768
  EXPECT_EQ(F32ToInt(0x4F000000, 32), kI32Max);  // 2^31 saturates
  EXPECT_EQ(F32ToInt(0xCF000000, 32), kI32Min);  // -2^31 is exact
  EXPECT_EQ(F32ToInt(0x4EFFFFFF, 32), 2147483520);
  EXPECT_EQ(F32ToInt(0x4F800000, 32), kI32Max);  // 2^32
  EXPECT_EQ(F32ToInt(0x7F7FFFFF, 16), 32767);
  EXPECT_EQ(F32ToInt(0x4B000001, 32), 8388609);  // 2^23 + 1
  EXPECT_EQ(F32ToInt(0x4AFFFFFF, 32), 8388608);  // 8388607.5 -> 8388608
  EXPECT_EQ(F32ToInt(0x4AFFFFFD, 32), 8388606);  // 8388606.5 -> 8388606
}

TEST(Convert, F32ToIntRandom) {
  Rng rng(8u);
  int bad = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    // Magnitudes from 2^-3 to 2^34, plus half-integers to exercise ties.
    uint32_t x = (rng() & 0x807FFFFFu) | ((124u + rng() % 38u) << 23);
    if (i % 4 == 0) {
      const float h = static_cast<float>(static_cast<int32_t>(rng() % 200001) - 100000) + 0.5f;
      x = ToB(h);
    }
    const double v = std::nearbyint(static_cast<double>(ToF(x)));  // host: ties to even
    for (int bits : {8, 16, 32}) {
      const double hi = std::ldexp(1.0, bits - 1) - 1;
      const double lo = -std::ldexp(1.0, bits - 1);
      const double want = v > hi ? hi : (v < lo ? lo : v);
      bad += F32ToInt(x, bits) != static_cast<int32_t>(want);
    }
  }
  EXPECT_EQ(bad, 0);
}

constexpr uint32_t kI8 = 0, kI16 = 1, kI32 = 2, kF32 = 3;
constexpr uint32_t kScaleOne = 0x3F800000u;

TEST(Convert, IntToInt) {
  EXPECT_EQ(Convert(0x80, kI8, kI32, kScaleOne), 0xFFFFFF80u);
  EXPECT_EQ(Convert(0xABCD1280u, kI8, kI32, kScaleOne), 0xFFFFFF80u);  // only the low byte counts
  EXPECT_EQ(Convert(0x7F, kI8, kI16, kScaleOne), 0x007Fu);
  EXPECT_EQ(Convert(0xFF, kI8, kI16, kScaleOne), 0xFFFFu);
  EXPECT_EQ(Convert(300, kI32, kI8, kScaleOne), 0x7Fu);
  EXPECT_EQ(Convert(static_cast<uint32_t>(-300), kI32, kI8, kScaleOne), 0x80u);
  EXPECT_EQ(Convert(0xFFFFFFFFu, kI32, kI8, kScaleOne), 0xFFu);
  EXPECT_EQ(Convert(0x7FFF, kI16, kI8, kScaleOne), 0x7Fu);
  EXPECT_EQ(Convert(0x12345, kI32, kI16, kScaleOne), 0x7FFFu);
  EXPECT_EQ(Convert(0xFFFF8000u, kI32, kI16, kScaleOne), 0x8000u);
  EXPECT_EQ(Convert(0x00018000u, kI16, kI32, 0x40000000u), 0xFFFF8000u);  // scale ignored
  EXPECT_EQ(Convert(0x89ABCDEFu, kI32, kI32, 0x7FC00000u), 0x89ABCDEFu);
  EXPECT_EQ(Convert(0x1234, kI16, kI16, kScaleOne), 0x1234u);
}

TEST(Convert, IntToFloat) {
  EXPECT_EQ(Convert(0x80, kI8, kF32, 0x3F000000u), 0xC2800000u);   // -128 * 0.5 = -64
  EXPECT_EQ(Convert(0x7FFF, kI16, kF32, kScaleOne), 0x46FFFE00u);  // 32767
  EXPECT_EQ(Convert(16777217, kI32, kF32, kScaleOne), 0x4B800000u);
  EXPECT_EQ(Convert(16777219, kI32, kF32, kScaleOne), 0x4B800002u);
  EXPECT_EQ(Convert(3, kI32, kF32, 0x3EAAAAABu), 0x3F800000u);    // 3 * fl(1/3) rounds to 1
  EXPECT_EQ(Convert(1, kI8, kF32, 0x00400000u), 0x00000000u);     // denormal scale = 0
  EXPECT_EQ(Convert(0xFF, kI8, kF32, 0x00000000u), 0x80000000u);  // -1 * +0 = -0
  EXPECT_EQ(Convert(100, kI32, kF32, 0x7F7FFFFFu), 0x7F800000u);  // overflow
  EXPECT_EQ(Convert(0, kI32, kF32, 0x7F800000u), kCanonicalNaN);  // 0 * inf
}

TEST(Convert, FloatToInt) {
  EXPECT_EQ(Convert(0x40200000, kF32, kI8, kScaleOne), 0x02u);  // 2.5 -> 2
  EXPECT_EQ(Convert(0x40600000, kF32, kI8, kScaleOne), 0x04u);  // 3.5 -> 4
  EXPECT_EQ(Convert(0xC0200000, kF32, kI32, kScaleOne), 0xFFFFFFFEu);
  EXPECT_EQ(Convert(0x447A0000, kF32, kI8, kScaleOne), 0x7Fu);  // 1000 saturates
  EXPECT_EQ(Convert(0xC47A0000, kF32, kI8, kScaleOne), 0x80u);
  EXPECT_EQ(Convert(0xC47A0000, kF32, kI16, kScaleOne), 0xFC18u);        // -1000
  EXPECT_EQ(Convert(0x7FC00000, kF32, kI16, kScaleOne), 0x0000u);        // NaN -> 0
  EXPECT_EQ(Convert(0x7F800000, kF32, kI8, 0x00000000u), 0x00u);         // inf * 0 = NaN -> 0
  EXPECT_EQ(Convert(0x3FC00000, kF32, kI16, 0x43800000u), 0x0180u);      // 1.5 * 256 = 384
  EXPECT_EQ(Convert(0x3F000000, kF32, kI8, kScaleOne), 0x00u);           // 0.5 -> 0
  EXPECT_EQ(Convert(0x3F000000, kF32, kI8, 0x40400000u), 0x02u);         // 0.5 * 3 = 1.5 -> 2
  EXPECT_EQ(Convert(0x7F000000, kF32, kI32, 0x7F000000u), 0x7FFFFFFFu);  // inf saturates
}

TEST(Convert, FloatToFloat) {
  EXPECT_EQ(Convert(0x40400000, kF32, kF32, 0x40000000u), 0x40C00000u);  // 3 * 2
  EXPECT_EQ(Convert(0x40400000, kF32, kF32, kScaleOne), 0x40400000u);
  EXPECT_EQ(Convert(0x00000001, kF32, kF32, kScaleOne), 0x00000000u);  // DAZ
  EXPECT_EQ(Convert(0x7FC00001, kF32, kF32, kScaleOne), kCanonicalNaN);
  EXPECT_EQ(Convert(0x00800000, kF32, kF32, 0x3F000000u), 0x00000000u);  // FTZ
}

TEST(Convert, BadTypeCodeIsAClearError) {
  try {
    Convert(0, 4, kI8, kScaleOne);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument &e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("stype = 4"), std::string::npos) << msg;
    EXPECT_NE(msg.find("0=i8"), std::string::npos) << msg;
  }
  try {
    Convert(0, kI8, 7, kScaleOne);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("dtype = 7"), std::string::npos) << e.what();
  }
}

}  // namespace
