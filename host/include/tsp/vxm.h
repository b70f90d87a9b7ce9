// VXM lane semantics, defined once: which operands a VXM opcode uses, how wide its operand and
// result groups are, and what it computes in one lane. The reference model, the random program
// generator, the assembler's operand checks and the RTL testbenches all call these.
#pragma once

#include <cstdint>

#include "tsp/instr.h"

namespace tsp {

// FADD .. FRSQRT: binary32 operands and result whatever the dtype field says.
inline bool IsFloatOp(isa::Opcode op) { return op >= isa::Opcode::kFadd && op <= isa::Opcode::kFrsqrt; }

// The VXM opcodes with a second operand b (a stream group, or an immediate with .bimm).
inline bool VxmUsesB(isa::Opcode op) {
  switch (op) {
    case isa::Opcode::kVadd:
    case isa::Opcode::kVsub:
    case isa::Opcode::kVmul:
    case isa::Opcode::kVmax:
    case isa::Opcode::kFadd:
    case isa::Opcode::kFsub:
    case isa::Opcode::kFmul:
    case isa::Opcode::kFmax:
      return true;
    default:
      return false;
  }
}

// FADD .. FMAX with aint = 1: operand a is an integer of type stype, converted to fp32 (ISA v2).
inline bool VxmIntA(const Instr &in) {
  return in.aint != 0 && in.op >= isa::Opcode::kFadd && in.op <= isa::Opcode::kFmax;
}

// Bytes per lane (= streams in the group) of operand a: the source type for VCVT and for an fp op
// with an integer operand a (aint), 4 for other fp ops, the type's width otherwise.
inline uint32_t VxmSourceWidth(const Instr &in) {
  if (in.op == isa::Opcode::kVcvt || VxmIntA(in)) return GroupWidth(in.stype);
  return IsFloatOp(in.op) ? 4u : GroupWidth(in.dtype);
}
// Bytes per lane of the result, and of operand b.
inline uint32_t VxmDestWidth(const Instr &in) { return IsFloatOp(in.op) ? 4u : GroupWidth(in.dtype); }

// Issue slots of a VXM instruction: it keeps its ALU from taking another instruction at the
// offsets 0, stride, 2 stride, .. < occupancy from its dispatch. An interleaving one (FEXP, FRECIP,
// FRSQRT; ISA version 5) takes the even offsets only and holds the ALU's special-function
// sequencer for its whole occupancy, so only other interleaving ones wait for all of it.
inline int64_t VxmSlotStride(const isa::OpInfo &i) { return i.interleave ? 2 : 1; }
inline int64_t VxmSlots(const isa::OpInfo &i) {  // issue slots taken
  const int64_t occ = i.occupancy < 1 ? 1 : i.occupancy;
  return (occ + VxmSlotStride(i) - 1) / VxmSlotStride(i);
}

namespace num {

// One lane of a VXM instruction: a (VxmSourceWidth bytes) and b (VxmDestWidth bytes, or the
// immediate) as raw little-endian lane values; the result's low VxmDestWidth bytes are significant
// and the rest is zero. An integer operand a of an fp op (aint) is sign-extended from its type and
// converted with I32ToF32 first. Opcodes that are not VXM lane operations give 0.
uint32_t EvalVxmLane(const Instr &in, uint32_t a, uint32_t b);

}  // namespace num
}  // namespace tsp
