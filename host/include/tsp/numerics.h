// Bit-exact arithmetic of the VXM, SXM and MXM. This is the numeric contract: the reference model
// calls these functions and the RTL must produce the same bits. docs/numerics.md documents each.
//
// binary32 rules for every fp operation here:
//  - round to nearest, ties to even;
//  - denormal inputs are treated as zero of the same sign (DAZ);
//  - a result whose magnitude, after rounding to 24 significant bits with unbounded exponent, is
//    below 2^-126 becomes zero of the same sign (FTZ); above FLT_MAX it becomes infinity;
//  - any NaN result is the canonical quiet NaN 0x7FC00000.
// Values are passed as raw uint32_t bit patterns so no host FPU mode can leak in.
#pragma once

#include <cstdint>

namespace tsp::num {

inline constexpr uint32_t kCanonicalNaN = 0x7FC00000u;

uint32_t FAdd(uint32_t a, uint32_t b);
uint32_t FSub(uint32_t a, uint32_t b);
uint32_t FMul(uint32_t a, uint32_t b);
uint32_t FMax(uint32_t a, uint32_t b);   // NaN if either is NaN; max(-0,+0) = +0
uint32_t FRelu(uint32_t a);              // a > 0 ? a : +0; NaN -> canonical NaN
uint32_t FExp(uint32_t a);               // fixed fp32 operation sequence, see docs/numerics.md
uint32_t FRecip(uint32_t a);
uint32_t FRsqrt(uint32_t a);

// int32 -> binary32, round to nearest even (exact for |x| <= 2^24).
uint32_t I32ToF32(int32_t x);
// binary32 -> integer of `bits` (8, 16, 32): round to nearest even, saturate; NaN -> 0.
int32_t F32ToInt(uint32_t x, int bits);

// Integer lane operations on `bits`-wide signed values (8, 16, 32). Inputs are taken modulo
// 2^bits (sign-extended), results are returned sign-extended to int32.
int32_t IAdd(int32_t a, int32_t b, int bits, bool sat);
int32_t ISub(int32_t a, int32_t b, int bits, bool sat);
int32_t IMul(int32_t a, int32_t b, int bits, bool sat);
int32_t IMax(int32_t a, int32_t b, int bits);
int32_t IRelu(int32_t a, int bits);
int32_t IShl(int32_t a, uint32_t sh, int bits);  // sh taken modulo bits
int32_t IShr(int32_t a, uint32_t sh, int bits);  // arithmetic
int32_t ISrl(int32_t a, uint32_t sh, int bits);  // logical
int32_t SignExtend(uint32_t v, int bits);
int32_t Saturate(int64_t v, int bits);

// VCVT: convert one lane from type `stype` to `dtype` (codes of isa::DType) with an fp32 scale.
// Inputs and outputs are raw lane bit patterns (low `bytes` bytes significant).
uint32_t Convert(uint32_t v, uint32_t stype, uint32_t dtype, uint32_t scale_bits);

}  // namespace tsp::num
