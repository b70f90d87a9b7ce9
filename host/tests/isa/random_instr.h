// Random legal instructions for tests. The operand rules here are written from the ISA document
// (isa/tsp_isa.json docs), independently of the checker in host/src/isa/instr.cc.
#pragma once

#include <cstdint>
#include <random>

#include "tsp/geometry.h"
#include "tsp/instr.h"
#include "tsp/isa_gen.h"

namespace tsp::testing {

inline uint32_t RandBelow(std::mt19937_64 &rng, uint64_t n) {
  return static_cast<uint32_t>(std::uniform_int_distribution<uint64_t>(0, n - 1)(rng));
}

// A stream group base of `width` streams (aligned), random direction.
inline uint32_t RandStream(std::mt19937_64 &rng, const Geometry &g, uint32_t width) {
  const uint32_t dir = RandBelow(rng, 2);
  const uint32_t index = RandBelow(rng, g.streams() / width) * width;
  return (dir << 4) | index;
}

inline uint32_t RandType(std::mt19937_64 &rng, uint8_t mask) {
  while (true) {
    const uint32_t t = RandBelow(rng, 4);
    if (mask & (1u << t)) return t;
  }
}

inline uint32_t Bytes(uint32_t dtype) { return dtype == 0 ? 1 : dtype == 1 ? 2 : 4; }

inline Instr RandomInstr(const isa::OpInfo &op, const Geometry &g, std::mt19937_64 &rng) {
  using isa::Opcode;
  Instr in;
  in.op = op.opcode;
  const uint32_t all_types = 15;
  switch (op.opcode) {
    case Opcode::kNop:
      in.n = 1 + RandBelow(rng, RandBelow(rng, 2) ? 20 : 0xffffffffu);
      break;
    case Opcode::kRepeat:
      in.n = 1 + RandBelow(rng, 0xffff);
      in.d = 1 + RandBelow(rng, 0xffff);
      in.stride = RandBelow(rng, 3) == 0 ? 0 : static_cast<int32_t>(RandBelow(rng, 65536)) - 32768;
      break;
    case Opcode::kSync:
    case Opcode::kNotify:
      break;
    case Opcode::kRead:
    case Opcode::kWrite:
      in.addr = RandBelow(rng, 2 * g.words_per_bank());
      in.s = RandStream(rng, g, 1);
      break;
    case Opcode::kGather:
    case Opcode::kScatter:
      in.s = RandStream(rng, g, 1);
      in.m = RandStream(rng, g, 2);  // address stream pair
      break;
    case Opcode::kVadd:
    case Opcode::kVsub:
    case Opcode::kVmul:
    case Opcode::kVmax:
    case Opcode::kFadd:
    case Opcode::kFsub:
    case Opcode::kFmul:
    case Opcode::kFmax: {
      const bool is_float = op.opcode >= Opcode::kFadd;
      in.dtype = is_float ? 3 : RandBelow(rng, 3);
      const uint32_t w = Bytes(in.dtype);
      in.dst = RandStream(rng, g, w);
      in.a = RandStream(rng, g, w);
      if (RandBelow(rng, 2)) {
        in.bimm = 1;
        in.imm = RandBelow(rng, uint64_t{1} << 32);
      } else {
        in.b = RandStream(rng, g, w);
      }
      if (op.opcode <= Opcode::kVmul) in.sat = RandBelow(rng, 2);
      if (is_float && RandBelow(rng, 3) == 0) {  // ISA v2: integer operand a of type stype
        in.aint = 1;
        in.stype = RandBelow(rng, 3);
        in.a = RandStream(rng, g, Bytes(in.stype));
      }
      break;
    }
    case Opcode::kVrelu:
    case Opcode::kVmov:
    case Opcode::kShup:
    case Opcode::kShdn:
    case Opcode::kTrans:
    case Opcode::kRsum:
    case Opcode::kRmax:
    case Opcode::kFexp:
    case Opcode::kFrecip:
    case Opcode::kFrsqrt: {
      const bool is_float = op.opcode >= Opcode::kFexp && op.opcode <= Opcode::kFrsqrt;
      const bool reduce = op.opcode == Opcode::kRsum || op.opcode == Opcode::kRmax;
      in.dtype = is_float ? 3 : reduce ? 2 + RandBelow(rng, 2) : RandType(rng, all_types);
      const uint32_t w = Bytes(in.dtype);
      in.dst = RandStream(rng, g, w);
      in.a = RandStream(rng, g, w);
      if (op.opcode == Opcode::kShup || op.opcode == Opcode::kShdn) in.imm = RandBelow(rng, 2 * g.vl());
      break;
    }
    case Opcode::kVshl:
    case Opcode::kVshr:
    case Opcode::kVsrl:
      in.dtype = RandBelow(rng, 3);
      in.dst = RandStream(rng, g, Bytes(in.dtype));
      in.a = RandStream(rng, g, Bytes(in.dtype));
      in.imm = RandBelow(rng, 8 * Bytes(in.dtype));
      break;
    case Opcode::kVcvt:
      in.dtype = RandBelow(rng, 4);
      in.stype = RandBelow(rng, 4);
      in.dst = RandStream(rng, g, Bytes(in.dtype));
      in.a = RandStream(rng, g, Bytes(in.stype));
      in.imm = RandBelow(rng, 4) == 0 ? 0x3f800000u : RandBelow(rng, uint64_t{1} << 32);
      break;
    case Opcode::kPerm:
    case Opcode::kDist:
      in.dtype = RandBelow(rng, 4);
      in.dst = RandStream(rng, g, Bytes(in.dtype));
      in.a = RandStream(rng, g, Bytes(in.dtype));
      in.b = RandStream(rng, g, 1);  // byte map stream
      break;
    case Opcode::kLw:  // ISA v2: 1, 2 or 4 rows (i8, i16, i32); row + rows <= 16
      in.dtype = RandBelow(rng, 3);
      in.a = RandStream(rng, g, Bytes(in.dtype));
      in.imm = RandBelow(rng, 17 - Bytes(in.dtype));
      break;
    case Opcode::kIw:
      break;
    case Opcode::kAbc:
      in.asigned = RandBelow(rng, 2);
      in.wsigned = RandBelow(rng, 2);
      in.dst = RandStream(rng, g, 4);
      in.a = RandStream(rng, g, 1);
      if (RandBelow(rng, 2)) {
        in.acc = 1;
        in.b = RandStream(rng, g, 4);
      }
      break;
    default:
      break;
  }
  // ISA v2: every VXM stream operand a / b may be read in place at the VXM's own position.
  if (op.unit == isa::Unit::kVxm) {
    in.aloc = RandBelow(rng, 3) == 0;
    const bool b_stream =
        (op.opcode <= Opcode::kVmax || (op.opcode >= Opcode::kFadd && op.opcode <= Opcode::kFmax)) &&
        !in.bimm;
    in.bloc = b_stream && RandBelow(rng, 3) == 0;
  }
  return in;
}

}  // namespace tsp::testing
