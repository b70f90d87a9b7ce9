// Bit-exact soft-float and integer lane arithmetic of the TSP. See docs/numerics.md.
//
// Every fp32 result here is computed with integer arithmetic on bit patterns; the host FPU is never
// used, so this file is the executable specification the RTL is checked against.
#include "tsp/numerics.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace tsp::num {
namespace {

constexpr uint32_t kSignMask = 0x80000000u;
constexpr uint32_t kAbsMask = 0x7FFFFFFFu;
constexpr uint32_t kFracMask = 0x007FFFFFu;
constexpr uint32_t kPosInf = 0x7F800000u;
constexpr uint32_t kOne = 0x3F800000u;  // 1.0f

inline uint32_t ExpField(uint32_t x) { return (x >> 23) & 0xFFu; }
inline bool IsNaN(uint32_t x) { return (x & kAbsMask) > kPosInf; }
inline bool IsInf(uint32_t x) { return (x & kAbsMask) == kPosInf; }
// Zero after DAZ: true zeros and denormals.
inline bool IsZeroDaz(uint32_t x) { return ExpField(x) == 0; }

// Applies DAZ: a denormal becomes the zero of the same sign.
inline uint32_t Daz(uint32_t x) { return IsZeroDaz(x) ? (x & kSignMask) : x; }

// Rounds sign * sig * 2^exp (sig != 0) to 24 significant bits with ties to even and an unbounded
// exponent, then applies FTZ (magnitude < 2^-126 -> signed zero) and overflow (-> signed infinity).
// Bits of sig below the rounding position may include a sticky bit; the caller guarantees that any
// inexact (sticky) information sits strictly below the round bit.
uint32_t RoundPack(uint32_t sign, int32_t exp, uint64_t sig) {
  // Normalise so that bit 63 is the leading one.
  const int lz = __builtin_clzll(sig);  // sig != 0
  sig <<= lz;
  exp -= lz;
  // Keep the top 24 bits; the remaining 40 bits decide the rounding.
  uint64_t mant = sig >> 40;
  const uint64_t rem = sig & ((uint64_t{1} << 40) - 1);
  const uint64_t half = uint64_t{1} << 39;
  if (rem > half || (rem == half && (mant & 1u) != 0)) ++mant;
  exp += 40;
  if (mant == (uint64_t{1} << 24)) {
    mant >>= 1;
    ++exp;
  }
  // Value = mant * 2^exp with mant in [2^23, 2^24): unbiased exponent of the leading bit.
  const int32_t e = exp + 23;
  if (e < -126) return sign;           // FTZ
  if (e > 127) return sign | kPosInf;  // overflow
  return sign | (static_cast<uint32_t>(e + 127) << 23) | (static_cast<uint32_t>(mant) & kFracMask);
}

void CheckBits(int bits, const char *fn) {
  if (bits != 8 && bits != 16 && bits != 32) {
    throw std::invalid_argument(
        fmt::format("tsp::num::{}: bits = {} is not a lane width (expected 8, 16 or 32)", fn, bits));
  }
}

int DTypeBits(uint32_t code, const char *field) {
  switch (code) {
    case 0:
      return 8;
    case 1:
      return 16;
    case 2:
    case 3:
      return 32;
    default:
      throw std::invalid_argument(fmt::format(
          "tsp::num::Convert: {} = {} is not an isa::DType code (expected 0=i8, 1=i16, 2=i32, 3=f32)", field,
          code));
  }
}

inline uint32_t WidthMask(int bits) { return bits == 32 ? 0xFFFFFFFFu : ((1u << bits) - 1u); }

inline int32_t SignExtendUnchecked(uint32_t v, int bits) {
  if (bits == 32) return static_cast<int32_t>(v);
  const uint32_t m = 1u << (bits - 1);
  const uint32_t x = v & WidthMask(bits);
  return static_cast<int32_t>(x ^ m) - static_cast<int32_t>(m);
}

inline int32_t SaturateUnchecked(int64_t v, int bits) {
  const int64_t hi = (int64_t{1} << (bits - 1)) - 1;
  const int64_t lo = -(int64_t{1} << (bits - 1));
  if (v > hi) return static_cast<int32_t>(hi);
  if (v < lo) return static_cast<int32_t>(lo);
  return static_cast<int32_t>(v);
}

// ---- Building blocks of the fixed special-function sequences (each is one documented step). ----

// Multiplies the finite float y (normal or zero) by 2^k by adding k to its exponent field, with the
// FTZ rule (biased exponent <= 0 -> signed zero) and overflow (>= 255 -> signed infinity). Exact.
uint32_t ScaleByPow2(uint32_t y, int32_t k) {
  if (IsZeroDaz(y)) return y & kSignMask;
  const int32_t e = static_cast<int32_t>(ExpField(y)) + k;
  if (e <= 0) return y & kSignMask;
  if (e >= 255) return (y & kSignMask) | kPosInf;
  return (y & ~(0xFFu << 23)) | (static_cast<uint32_t>(e) << 23);
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// fp32 arithmetic.

uint32_t FAdd(uint32_t a, uint32_t b) {
  if (IsNaN(a) || IsNaN(b)) return kCanonicalNaN;
  a = Daz(a);
  b = Daz(b);
  const uint32_t sa = a & kSignMask;
  const uint32_t sb = b & kSignMask;
  if (IsInf(a) || IsInf(b)) {
    if (IsInf(a) && IsInf(b)) return sa == sb ? a : kCanonicalNaN;
    return IsInf(a) ? a : b;
  }
  const bool za = IsZeroDaz(a);
  const bool zb = IsZeroDaz(b);
  if (za && zb) return sa & sb;  // +0 unless both are -0
  if (za) return b;              // b is normal: exact
  if (zb) return a;
  // Both normal. Order by magnitude so that |a| >= |b|.
  if ((a & kAbsMask) < (b & kAbsMask)) {
    const uint32_t t = a;
    a = b;
    b = t;
  }
  const uint32_t sign = a & kSignMask;
  const bool subtract = ((a ^ b) & kSignMask) != 0;
  const int32_t ea = static_cast<int32_t>(ExpField(a));
  const int32_t eb = static_cast<int32_t>(ExpField(b));
  // 24-bit significands placed 32 bits up: 8 bits of headroom, 32 guard bits.
  const uint64_t ma = static_cast<uint64_t>((a & kFracMask) | 0x00800000u) << 32;
  uint64_t mb = static_cast<uint64_t>((b & kFracMask) | 0x00800000u) << 32;
  const int32_t d = ea - eb;
  if (d >= 60) {
    mb = 1;  // only a sticky bit survives, far below the round bit
  } else if (d > 0) {
    const uint64_t lost = mb & ((uint64_t{1} << d) - 1);
    mb = (mb >> d) | (lost != 0 ? 1u : 0u);
  }
  const uint64_t sum = subtract ? ma - mb : ma + mb;
  if (sum == 0) return 0;  // exact cancellation gives +0 under round-to-nearest
  // Value of bit 0 of ma: 2^(ea - 127 - 23 - 32).
  return RoundPack(sign, ea - 127 - 23 - 32, sum);
}

uint32_t FSub(uint32_t a, uint32_t b) {
  if (IsNaN(b)) return kCanonicalNaN;
  return FAdd(a, b ^ kSignMask);
}

uint32_t FMul(uint32_t a, uint32_t b) {
  if (IsNaN(a) || IsNaN(b)) return kCanonicalNaN;
  a = Daz(a);
  b = Daz(b);
  const uint32_t sign = (a ^ b) & kSignMask;
  const bool za = IsZeroDaz(a);
  const bool zb = IsZeroDaz(b);
  if (IsInf(a) || IsInf(b)) {
    if (za || zb) return kCanonicalNaN;  // inf * 0
    return sign | kPosInf;
  }
  if (za || zb) return sign;
  const uint64_t ma = (a & kFracMask) | 0x00800000u;
  const uint64_t mb = (b & kFracMask) | 0x00800000u;
  const int32_t e = static_cast<int32_t>(ExpField(a)) + static_cast<int32_t>(ExpField(b)) - 2 * (127 + 23);
  return RoundPack(sign, e, ma * mb);  // 48-bit exact product
}

uint32_t FMax(uint32_t a, uint32_t b) {
  if (IsNaN(a) || IsNaN(b)) return kCanonicalNaN;
  a = Daz(a);
  b = Daz(b);
  // Map the bit patterns onto a totally ordered integer key (-0 sorts just below +0).
  auto key = [](uint32_t x) -> int64_t {
    return (x & kSignMask) ? -static_cast<int64_t>(x & kAbsMask) - 1 : static_cast<int64_t>(x);
  };
  return key(a) >= key(b) ? a : b;
}

uint32_t FRelu(uint32_t a) {
  if (IsNaN(a)) return kCanonicalNaN;
  a = Daz(a);
  if ((a & kSignMask) != 0 || IsZeroDaz(a)) return 0;
  return a;
}

// ------------------------------------------------------------------------------------------------
// Special functions. Each is a fixed sequence of steps; a step is one FMul ("MUL"), one FAdd/FSub
// ("ADD") or one integer operation on bit patterns ("INT"). The step numbers below are the ones in
// docs/numerics.md. The special-case select is written first in C++ but is the last step: the
// hardware computes the main path for every input and then overrides the result.

namespace {

// FRECIP constants.
constexpr uint32_t kRecipC0 = 0x3FB4B4B5u;  // 24/17 = 1.41176474
constexpr uint32_t kRecipC1 = 0x3EF0F0F1u;  // 8/17  = 0.470588237
// FRSQRT constants.
constexpr uint32_t kRsqrtMagic = 0x5F3759DFu;   // integer seed constant
constexpr uint32_t kHalf = 0x3F000000u;         // 0.5
constexpr uint32_t kThreeHalves = 0x3FC00000u;  // 1.5
// FEXP constants.
constexpr uint32_t kExpClamp = 0x42D00000u;    // 104.0
constexpr uint32_t kLog2E = 0x3FB8AA3Bu;       // 1.44269502 = log2(e)
constexpr uint32_t kRoundMagic = 0x4B400000u;  // 12582912.0 = 1.5 * 2^23
constexpr uint32_t kLn2Hi = 0x3F317200u;       // 0.693145751953125 (15 significant bits)
constexpr uint32_t kLn2Lo = 0x35BFBE8Eu;       // 1.42860677e-06 = ln(2) - kLn2Hi
// p(r) = 1 + r + r^2 * (P2 + r*(P3 + r*(P4 + r*(P5 + r*P6)))), fitted to e^r on [-0.35, 0.35].
constexpr uint32_t kExpP2 = 0x3F000000u;  // 0.5
constexpr uint32_t kExpP3 = 0x3E2AAA6Cu;  // 0.166665733
constexpr uint32_t kExpP4 = 0x3D2AAA8Bu;  // 0.0416665487
constexpr uint32_t kExpP5 = 0x3C09082Eu;  // 0.00836376660
constexpr uint32_t kExpP6 = 0x3AB68AFCu;  // 0.00139269186

}  // namespace

uint32_t FRecip(uint32_t a) {
  // Step 17 (INT): special cases.
  if (IsNaN(a)) return kCanonicalNaN;
  const uint32_t sign = a & kSignMask;
  if (IsZeroDaz(a)) return sign | kPosInf;
  if (IsInf(a)) return sign;
  // Step 1 (INT): m = mantissa of a with exponent field 127, m in [1,2); e = unbiased exponent.
  const uint32_t m = (a & kFracMask) | kOne;
  const int32_t e = static_cast<int32_t>(ExpField(a)) - 127;
  // Steps 2-3 (MUL, ADD): linear seed y = 24/17 - 8/17 * m, relative error <= 1/17.
  uint32_t y = FSub(kRecipC0, FMul(kRecipC1, m));
  // Steps 4-15: three Newton-Raphson iterations y = y + y * (1 - m * y).
  for (int i = 0; i < 3; ++i) {
    const uint32_t t = FMul(m, y);     // MUL
    const uint32_t r = FSub(kOne, t);  // ADD
    const uint32_t u = FMul(y, r);     // MUL
    y = FAdd(y, u);                    // ADD
  }
  // Step 16 (INT): scale by 2^-e (FTZ / overflow) and apply the sign of a.
  return sign | ScaleByPow2(y, -e);
}

uint32_t FRsqrt(uint32_t a) {
  // Step 18 (INT): special cases.
  if (IsNaN(a)) return kCanonicalNaN;
  if (IsZeroDaz(a)) return (a & kSignMask) | kPosInf;
  if ((a & kSignMask) != 0) return kCanonicalNaN;
  if (IsInf(a)) return 0;
  // Step 1 (INT): a = m * 2^(2h), m in [1,4): exponent field 127 when the unbiased exponent e is
  // even, 128 when it is odd; h = floor(e / 2).
  const int32_t e = static_cast<int32_t>(ExpField(a)) - 127;
  const int32_t odd = e & 1;
  const uint32_t m = (a & kFracMask) | (odd != 0 ? 0x40000000u : kOne);
  const int32_t h = (e - odd) / 2;
  // Step 2 (INT): seed y = 0x5F3759DF - (bits(m) >> 1).
  uint32_t y = kRsqrtMagic - (m >> 1);
  // Step 3 (MUL): hm = 0.5 * m (exact).
  const uint32_t hm = FMul(kHalf, m);
  // Steps 4-11: two Newton-Raphson iterations y = y * (1.5 - hm * y * y).
  for (int i = 0; i < 2; ++i) {
    const uint32_t y2 = FMul(y, y);            // MUL
    const uint32_t t = FMul(hm, y2);           // MUL
    const uint32_t c = FSub(kThreeHalves, t);  // ADD
    y = FMul(y, c);                            // MUL
  }
  // Steps 12-16: final iteration in correction form y = y + y * (0.5 - hm * y * y).
  const uint32_t y2 = FMul(y, y);     // MUL
  const uint32_t t = FMul(hm, y2);    // MUL
  const uint32_t c = FSub(kHalf, t);  // ADD
  const uint32_t u = FMul(y, c);      // MUL
  y = FAdd(y, u);                     // ADD
  // Step 17 (INT): scale by 2^-h.
  return ScaleByPow2(y, -h);
}

uint32_t FExp(uint32_t a) {
  // Step 23 (INT): NaN in -> canonical NaN (every other input follows the main path).
  if (IsNaN(a)) return kCanonicalNaN;
  // Step 1 (INT): clamp |a| to 104; +-Inf become +-104 and over/underflow in step 22.
  const uint32_t x = (a & kAbsMask) > kExpClamp ? (a & kSignMask) | kExpClamp : a;
  // Step 2 (MUL): t = x * log2(e).
  const uint32_t t = FMul(x, kLog2E);
  // Steps 3-5: k = nearest integer to t, ties to even, as a float kf and as an integer ki.
  const uint32_t big = FAdd(t, kRoundMagic);                                         // ADD
  const uint32_t kf = FSub(big, kRoundMagic);                                        // ADD
  const int32_t ki = static_cast<int32_t>(big) - static_cast<int32_t>(kRoundMagic);  // INT
  // Steps 6-9: r = (x - kf * ln2_hi) - kf * ln2_lo.
  const uint32_t a1 = FMul(kf, kLn2Hi);  // MUL, exact
  const uint32_t r1 = FSub(x, a1);       // ADD
  const uint32_t a2 = FMul(kf, kLn2Lo);  // MUL
  const uint32_t r = FSub(r1, a2);       // ADD
  // Steps 10-17: q = P2 + r*(P3 + r*(P4 + r*(P5 + r*P6))), Horner.
  uint32_t q = FMul(kExpP6, r);  // 10 MUL
  q = FAdd(q, kExpP5);           // 11 ADD
  q = FMul(q, r);                // 12 MUL
  q = FAdd(q, kExpP4);           // 13 ADD
  q = FMul(q, r);                // 14 MUL
  q = FAdd(q, kExpP3);           // 15 ADD
  q = FMul(q, r);                // 16 MUL
  q = FAdd(q, kExpP2);           // 17 ADD
  // Steps 18-21: p = 1 + (r + r^2 * q).
  const uint32_t r2 = FMul(r, r);     // 18 MUL
  const uint32_t s2 = FMul(r2, q);    // 19 MUL
  const uint32_t s1 = FAdd(r, s2);    // 20 ADD
  const uint32_t p = FAdd(kOne, s1);  // 21 ADD
  // Step 22 (INT): scale by 2^ki (FTZ -> +0, overflow -> +Inf).
  return ScaleByPow2(p, ki);
}

// ------------------------------------------------------------------------------------------------
// Conversions.

uint32_t I32ToF32(int32_t x) {
  if (x == 0) return 0;
  const uint32_t sign = x < 0 ? kSignMask : 0;
  const uint64_t mag = x < 0 ? static_cast<uint64_t>(-static_cast<int64_t>(x)) : static_cast<uint64_t>(x);
  return RoundPack(sign, 0, mag);
}

int32_t F32ToInt(uint32_t x, int bits) {
  CheckBits(bits, "F32ToInt");
  if (IsNaN(x)) return 0;
  if (IsZeroDaz(x)) return 0;
  const bool neg = (x & kSignMask) != 0;
  const int32_t e = static_cast<int32_t>(ExpField(x)) - 127;  // Inf: e = 128
  int64_t mag;
  if (e >= 40) {
    mag = int64_t{1} << 40;  // beyond every range: saturates
  } else if (e >= 23) {
    mag = static_cast<int64_t>((x & kFracMask) | 0x00800000u) << (e - 23);
  } else if (e < -1) {
    mag = 0;  // |x| < 0.5
  } else {
    // Round (m * 2^(e-23)) to an integer, ties to even. Shift sh in [1, 24].
    const uint32_t mant = (x & kFracMask) | 0x00800000u;
    const int sh = 23 - e;
    uint32_t q = mant >> sh;
    const uint32_t rem = mant & ((1u << sh) - 1u);
    const uint32_t half = 1u << (sh - 1);
    if (rem > half || (rem == half && (q & 1u) != 0)) ++q;
    mag = q;
  }
  return SaturateUnchecked(neg ? -mag : mag, bits);
}

uint32_t Convert(uint32_t v, uint32_t stype, uint32_t dtype, uint32_t scale_bits) {
  const int sbits = DTypeBits(stype, "stype");
  const int dbits = DTypeBits(dtype, "dtype");
  const bool sfloat = stype == 3;
  const bool dfloat = dtype == 3;
  if (!sfloat && !dfloat) {
    return static_cast<uint32_t>(SaturateUnchecked(SignExtendUnchecked(v, sbits), dbits)) & WidthMask(dbits);
  }
  if (!sfloat) return FMul(I32ToF32(SignExtendUnchecked(v, sbits)), scale_bits);
  if (!dfloat) return static_cast<uint32_t>(F32ToInt(FMul(v, scale_bits), dbits)) & WidthMask(dbits);
  return FMul(v, scale_bits);
}

// ------------------------------------------------------------------------------------------------
// Integer lane operations.

int32_t SignExtend(uint32_t v, int bits) {
  CheckBits(bits, "SignExtend");
  return SignExtendUnchecked(v, bits);
}

int32_t Saturate(int64_t v, int bits) {
  CheckBits(bits, "Saturate");
  return SaturateUnchecked(v, bits);
}

namespace {
inline int32_t WrapOrSat(int64_t v, int bits, bool sat) {
  return sat ? SaturateUnchecked(v, bits) : SignExtendUnchecked(static_cast<uint32_t>(v), bits);
}
}  // namespace

int32_t IAdd(int32_t a, int32_t b, int bits, bool sat) {
  CheckBits(bits, "IAdd");
  const int64_t x = SignExtendUnchecked(static_cast<uint32_t>(a), bits);
  const int64_t y = SignExtendUnchecked(static_cast<uint32_t>(b), bits);
  return WrapOrSat(x + y, bits, sat);
}

int32_t ISub(int32_t a, int32_t b, int bits, bool sat) {
  CheckBits(bits, "ISub");
  const int64_t x = SignExtendUnchecked(static_cast<uint32_t>(a), bits);
  const int64_t y = SignExtendUnchecked(static_cast<uint32_t>(b), bits);
  return WrapOrSat(x - y, bits, sat);
}

int32_t IMul(int32_t a, int32_t b, int bits, bool sat) {
  CheckBits(bits, "IMul");
  const int64_t x = SignExtendUnchecked(static_cast<uint32_t>(a), bits);
  const int64_t y = SignExtendUnchecked(static_cast<uint32_t>(b), bits);
  return WrapOrSat(x * y, bits, sat);  // |x*y| <= 2^62: exact in int64
}

int32_t IMax(int32_t a, int32_t b, int bits) {
  CheckBits(bits, "IMax");
  const int32_t x = SignExtendUnchecked(static_cast<uint32_t>(a), bits);
  const int32_t y = SignExtendUnchecked(static_cast<uint32_t>(b), bits);
  return x >= y ? x : y;
}

int32_t IRelu(int32_t a, int bits) {
  CheckBits(bits, "IRelu");
  const int32_t x = SignExtendUnchecked(static_cast<uint32_t>(a), bits);
  return x > 0 ? x : 0;
}

int32_t IShl(int32_t a, uint32_t sh, int bits) {
  CheckBits(bits, "IShl");
  const uint32_t s = sh % static_cast<uint32_t>(bits);
  return SignExtendUnchecked(static_cast<uint32_t>(a) << s, bits);
}

int32_t IShr(int32_t a, uint32_t sh, int bits) {
  CheckBits(bits, "IShr");
  const uint32_t s = sh % static_cast<uint32_t>(bits);
  const int32_t x = SignExtendUnchecked(static_cast<uint32_t>(a), bits);
  // Arithmetic shift written without relying on implementation-defined >> of negatives.
  if (x >= 0) return static_cast<int32_t>(static_cast<uint32_t>(x) >> s);
  return static_cast<int32_t>(~(~static_cast<uint32_t>(x) >> s));
}

int32_t ISrl(int32_t a, uint32_t sh, int bits) {
  CheckBits(bits, "ISrl");
  const uint32_t s = sh % static_cast<uint32_t>(bits);
  return SignExtendUnchecked((static_cast<uint32_t>(a) & WidthMask(bits)) >> s, bits);
}

}  // namespace tsp::num
