// One lane of a VXM instruction (tsp/vxm.h), in terms of the bit-exact operations of numerics.h.
#include "tsp/vxm.h"

#include "tsp/numerics.h"

namespace tsp::num {

namespace {
uint32_t Mask(uint32_t bits) { return bits >= 32 ? 0xFFFFFFFFu : ((1u << bits) - 1u); }
}  // namespace

uint32_t EvalVxmLane(const Instr &in, uint32_t a, uint32_t b) {
  using isa::Opcode;
  const uint32_t bits = 8 * GroupWidth(in.dtype);
  const int ib = static_cast<int>(bits);
  const int32_t sa = SignExtend(a, ib), sb = SignExtend(b, ib);
  const bool sat = in.sat != 0;
  // FADD .. FMAX with an integer operand a: the exact int -> fp32 conversion of VCVT, then the op.
  if (VxmIntA(in)) a = I32ToF32(SignExtend(a, 8 * static_cast<int>(GroupWidth(in.stype))));
  int32_t r = 0;
  switch (in.op) {
    case Opcode::kVadd:
      r = IAdd(sa, sb, ib, sat);
      break;
    case Opcode::kVsub:
      r = ISub(sa, sb, ib, sat);
      break;
    case Opcode::kVmul:
      r = IMul(sa, sb, ib, sat);
      break;
    case Opcode::kVmax:
      r = IMax(sa, sb, ib);
      break;
    case Opcode::kVrelu:
      if (in.dtype == static_cast<uint32_t>(isa::DType::kF32)) return FRelu(a);
      r = IRelu(sa, ib);
      break;
    case Opcode::kVshl:
      r = IShl(sa, in.imm, ib);
      break;
    case Opcode::kVshr:
      r = IShr(sa, in.imm, ib);
      break;
    case Opcode::kVsrl:
      r = ISrl(sa, in.imm, ib);
      break;
    case Opcode::kVmov:
      return a & Mask(bits);
    case Opcode::kVcvt:
      return Convert(a, in.stype, in.dtype, in.imm) & Mask(bits);
    case Opcode::kFadd:
      return FAdd(a, b);
    case Opcode::kFsub:
      return FSub(a, b);
    case Opcode::kFmul:
      return FMul(a, b);
    case Opcode::kFmax:
      return FMax(a, b);
    case Opcode::kFexp:
      return FExp(a);
    case Opcode::kFrecip:
      return FRecip(a);
    case Opcode::kFrsqrt:
      return FRsqrt(a);
    default:
      return 0;
  }
  return static_cast<uint32_t>(r) & Mask(bits);
}

}  // namespace tsp::num
