// Operand and suffix description of every instruction, derived from the "syntax" strings of
// isa/tsp_isa.json (isa_gen.h), plus field access by name. Shared by the encoder/decoder
// (host/src/isa/instr.cc), the assembler and the disassembler.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tsp/geometry.h"
#include "tsp/instr.h"
#include "tsp/isa_gen.h"

namespace tsp {

enum class OperandKind : uint8_t {
  kCount,         // unsigned number >= 1 (NOP n, REPEAT n and d)
  kSigned,        // signed number (REPEAT stride)
  kAddr,          // MEM word address
  kStream,        // stream (group base) name: E3, W0
  kStreamOrImm,   // stream, or #integer held in imm with bimm = 1
  kStreamOrFImm,  // stream, or #float (binary32 bits in imm) with bimm = 1
  kImm,           // #unsigned integer held in imm
  kFImm,          // #float held in imm as binary32 bits
};

struct OperandSpec {
  std::string_view field;  // Instr member the operand goes to: n d stride addr s m dst a b imm
  std::string_view label;  // as written in the syntax string ("b|#imm", "#row")
  OperandKind kind;
  bool optional;
};

struct OpSyntax {
  const isa::OpInfo *info = nullptr;
  bool type_suffix = false;     // .T  (dtype); [.T]: optional, omitted means code 0 (LW: i8)
  bool stype_suffix = false;    // .S  (stype, VCVT); [.S]: optional, sets aint (FADD .. FMAX)
  bool type_optional = false;   // the .T suffix is written [.T]
  bool stype_optional = false;  // the .S suffix is written [.S]: present iff aint = 1
  bool sat_suffix = false;      // [.sat]
  bool sign_suffix = false;     // .XY (ABC: activation/weight signedness)
  bool acc_suffix = false;      // [.acc]
  int implied_dtype = -1;       // dtype implied by an op without .T whose dtype_mask has one bit (FADD: f32)
  std::vector<OperandSpec> operands;
  std::string parse_error;  // non-empty if the syntax string has a part this code does not understand
};

// Syntax of an op (every entry of isa::kOps has one).
const OpSyntax &SyntaxOf(isa::Opcode op);
// Looks an op up by lower-case mnemonic ("vadd"); nullptr if there is none.
const OpSyntax *FindSyntax(std::string_view mnemonic);

// Names of every Instr field (the names the generated format table uses).
const std::vector<std::string_view> &InstrFieldNames();
// Reads/writes an Instr field by name; false for an unknown name.
bool GetInstrField(const Instr &in, std::string_view name, int64_t *value);
bool SetInstrField(Instr *in, std::string_view name, int64_t value);

// Number of streams in the group an operand field ("dst", "a", "b", "s", "m") names.
uint32_t OperandGroupWidth(const Instr &in, std::string_view field);
// True if the operand field is present in this instruction (e.g. ABC b only with .acc,
// b only when bimm = 0).
bool OperandPresent(const Instr &in, std::string_view field);
// Name of the flag that makes a stream operand a local (in-place) read: "aloc" for a, "bloc"
// for b when the op's format has that bit (vxop), else "" (the operand cannot be local).
std::string_view LocalFlagOf(const OpSyntax &syn, std::string_view field);

// Full check of an instruction. With geom == nullptr only the geometry-independent rules are
// checked (field widths, unused fields, flags, types, NOP/REPEAT counts, shift amounts, LW row,
// group alignment). On failure *error gets the message and *field (if non-null) the Instr field
// at fault ("" if none).
bool CheckInstr(const Instr &in, const Geometry *geom, std::string *error, std::string *field);

// binary32 bits as assembly text that parses back to the same bits: a decimal with '.' or 'e'
// when that round-trips, otherwise 0x%08x (NaN, infinities).
std::string FormatF32(uint32_t bits);

// Bits 7:0 hold the opcode: the width is the lowest lsb of any format field.
constexpr uint32_t OpcodeWidth() {
  uint32_t lowest = isa::kInstrBits;
  for (const auto &f : isa::kFormats) {
    for (uint32_t i = 0; i < f.num_fields; ++i) {
      if (f.fields[i].lsb < lowest) lowest = f.fields[i].lsb;
    }
  }
  return lowest;
}

}  // namespace tsp
