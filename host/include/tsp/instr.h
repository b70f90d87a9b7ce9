// Decoded instruction, encoder and decoder. The bit layout comes from the generated format table
// (isa/tsp_isa.json); there are no hand-written shifts here.
#pragma once

#include <cstdint>
#include <string>

#include "tsp/geometry.h"
#include "tsp/isa_gen.h"

namespace tsp {

// Every field any format may hold; a format uses a subset, the rest must stay zero.
struct Instr {
  isa::Opcode op = isa::Opcode::kIllegal;
  uint32_t n = 0, d = 0;  // NOP n; REPEAT n, d
  int32_t stride = 0;     // REPEAT stride
  uint32_t addr = 0;      // MEM READ/WRITE word address (bank * WordsPerBank + word)
  uint32_t s = 0, m = 0;  // MEM stream, map stream (5-bit stream fields)
  uint32_t dst = 0, a = 0, b = 0;
  uint32_t dtype = 0, stype = 0;
  uint32_t sat = 0, bimm = 0, asigned = 0, wsigned = 0, acc = 0;
  // VXM (format vxop): read operand a / b in place at the VXM's own position (@E4); operand a is
  // an integer of type stype converted to fp32 (FADD, FSUB, FMUL, FMAX).
  uint32_t aloc = 0, bloc = 0, aint = 0;
  uint32_t imm = 0;

  const isa::OpInfo &info() const { return isa::Info(op); }
  bool operator==(const Instr &o) const;
};

uint64_t Encode(const Instr &in);

// Decodes a word. Returns false and sets *error to a message naming the offending field when the
// opcode is undefined, a field unused by the format is non-zero, or (if geom is given) an operand
// is out of range for that geometry (stream index, group alignment, address, row, dtype).
bool Decode(uint64_t word, Instr *out, std::string *error, const Geometry *geom = nullptr);

// Checks operand ranges of an already decoded instruction against a geometry.
bool Validate(const Instr &in, const Geometry &geom, std::string *error);

// Canonical assembly text for one instruction (what tsp-dis prints; tsp-asm accepts it).
std::string Disassemble(const Instr &in);

// Stream-group width in streams for an instruction's dtype field (1, 2, 4).
inline uint32_t GroupWidth(uint32_t dtype) { return isa::kDTypeBytes[dtype & 3u]; }

}  // namespace tsp
