// Instruction encoder, decoder, checker and disassembler. Bit positions come only from the
// generated format table (isa::kFormats); operand usage comes from the generated syntax strings.
#include "tsp/instr.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tsp/instr_syntax.h"
#include "tsp/vxm.h"

namespace tsp {
namespace {

using isa::Format;
using isa::Opcode;

struct U32Member {
  std::string_view name;
  uint32_t Instr::*member;
};

// Every uint32_t member of Instr by the name the format table uses ("stride" is the int32 one).
const U32Member kU32Members[] = {
    {"n", &Instr::n},
    {"d", &Instr::d},
    {"addr", &Instr::addr},
    {"s", &Instr::s},
    {"m", &Instr::m},
    {"dst", &Instr::dst},
    {"a", &Instr::a},
    {"b", &Instr::b},
    {"dtype", &Instr::dtype},
    {"sat", &Instr::sat},
    {"bimm", &Instr::bimm},
    {"stype", &Instr::stype},
    {"asigned", &Instr::asigned},
    {"wsigned", &Instr::wsigned},
    {"acc", &Instr::acc},
    {"aloc", &Instr::aloc},
    {"bloc", &Instr::bloc},
    {"aint", &Instr::aint},
    {"imm", &Instr::imm},
};

const isa::FormatInfo &FormatOf(const isa::OpInfo &info) {
  return isa::kFormats[static_cast<size_t>(info.format)];
}

const isa::Field *FindField(const isa::FormatInfo &f, std::string_view name) {
  for (uint32_t i = 0; i < f.num_fields; ++i) {
    if (f.fields[i].name == name) return &f.fields[i];
  }
  return nullptr;
}

uint64_t LowMask(uint32_t width) { return width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1; }

int64_t FieldMin(const isa::Field &f) { return f.is_signed ? -(int64_t{1} << (f.width - 1)) : 0; }
int64_t FieldMax(const isa::Field &f) {
  return f.is_signed ? (int64_t{1} << (f.width - 1)) - 1 : static_cast<int64_t>(LowMask(f.width));
}

// ---------------------------------------------------------------------------------------------
// Syntax strings -> OpSyntax.

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

void AddOperand(OpSyntax *syn, const std::string &token, bool optional) {
  struct Map {
    std::string_view token, field;
    OperandKind kind;
  };
  static const Map kMap[] = {
      {"n", "n", OperandKind::kCount},
      {"d", "d", OperandKind::kCount},
      {"stride", "stride", OperandKind::kSigned},
      {"addr", "addr", OperandKind::kAddr},
      {"s", "s", OperandKind::kStream},
      {"m", "m", OperandKind::kStream},
      {"dst", "dst", OperandKind::kStream},
      {"a", "a", OperandKind::kStream},
      {"b", "b", OperandKind::kStream},
      {"b|#imm", "b", OperandKind::kStreamOrImm},
      {"b|#fimm", "b", OperandKind::kStreamOrFImm},
      {"#imm", "imm", OperandKind::kImm},
      {"#n", "imm", OperandKind::kImm},
      {"#row", "imm", OperandKind::kImm},
      {"#fscale", "imm", OperandKind::kFImm},
  };
  for (const auto &m : kMap) {
    if (m.token == token) {
      if (!FindField(FormatOf(*syn->info), m.field)) {
        syn->parse_error = fmt::format("operand '{}' maps to field '{}' which format {} lacks", token,
                                       m.field, FormatOf(*syn->info).name);
        return;
      }
      // The label is a view of the static table, not of the temporary token.
      syn->operands.push_back({m.field, m.token, m.kind, optional});
      return;
    }
  }
  syn->parse_error = fmt::format("unknown operand '{}' in syntax \"{}\"", token, syn->info->syntax);
}

OpSyntax ParseSyntax(const isa::OpInfo &info) {
  OpSyntax syn;
  syn.info = &info;
  std::string_view text = info.syntax;
  const size_t space = text.find(' ');
  std::string_view head = text.substr(0, space);
  std::string_view rest = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
  if (!StartsWith(head, info.mnemonic)) {
    syn.parse_error = fmt::format("syntax \"{}\" does not start with the mnemonic", text);
    return syn;
  }
  head.remove_prefix(info.mnemonic.size());
  while (!head.empty()) {
    if (StartsWith(head, "[.sat]")) {
      syn.sat_suffix = true;
      head.remove_prefix(6);
    } else if (StartsWith(head, "[.acc]")) {
      syn.acc_suffix = true;
      head.remove_prefix(6);
    } else if (StartsWith(head, "[.T]")) {
      syn.type_suffix = syn.type_optional = true;
      head.remove_prefix(4);
    } else if (StartsWith(head, "[.S]")) {
      syn.stype_suffix = syn.stype_optional = true;
      head.remove_prefix(4);
    } else if (StartsWith(head, ".XY")) {
      syn.sign_suffix = true;
      head.remove_prefix(3);
    } else if (StartsWith(head, ".T")) {
      syn.type_suffix = true;
      head.remove_prefix(2);
    } else if (StartsWith(head, ".S")) {
      syn.stype_suffix = true;
      head.remove_prefix(2);
    } else {
      syn.parse_error = fmt::format("unknown suffix part '{}' in syntax \"{}\"", head, text);
      return syn;
    }
  }
  std::string token;
  bool optional = false;
  auto flush = [&]() {
    if (!token.empty() && syn.parse_error.empty()) AddOperand(&syn, token, optional);
    token.clear();
  };
  for (char c : rest) {
    if (c == ' ') continue;
    if (c == '[') {
      flush();
      optional = true;
    } else if (c == ']') {
      flush();
      optional = false;
    } else if (c == ',') {
      flush();
    } else {
      token += c;
    }
  }
  flush();
  if (!syn.type_suffix && info.dtype_mask != 0 && (info.dtype_mask & (info.dtype_mask - 1)) == 0) {
    for (int t = 0; t < 4; ++t) {
      if (info.dtype_mask == (1u << t)) syn.implied_dtype = t;
    }
  }
  if (syn.stype_suffix && info.stype_mask == 0) syn.parse_error = "a .S suffix needs a stype mask";
  if (syn.stype_optional && !FindField(FormatOf(info), "aint")) {
    syn.parse_error = "an optional [.S] suffix needs the aint field in the format";
  }
  if (syn.type_suffix && info.dtype_mask == 0) syn.parse_error = "a .T suffix needs a dtype mask";
  return syn;
}

const std::vector<OpSyntax> &AllSyntax() {
  static const std::vector<OpSyntax> all = [] {
    std::vector<OpSyntax> v;
    for (const auto &op : isa::kOps) v.push_back(ParseSyntax(op));
    return v;
  }();
  return all;
}

// Comma-separated mnemonics of the ops whose syntax has a given property.
template <typename Pred>
std::string OpsWith(Pred pred) {
  std::string r;
  for (const auto &syn : AllSyntax()) {
    if (!pred(syn)) continue;
    if (!r.empty()) r += ", ";
    r += syn.info->mnemonic;
  }
  return r;
}

bool HasImmOperand(const OpSyntax &syn) {
  for (const auto &o : syn.operands) {
    if (o.kind == OperandKind::kStreamOrImm || o.kind == OperandKind::kStreamOrFImm) return true;
  }
  return false;
}

bool HasOperand(const OpSyntax &syn, std::string_view field) {
  for (const auto &o : syn.operands) {
    if (o.field == field) return true;
  }
  return false;
}

bool UsesField(const OpSyntax &syn, std::string_view name) {
  const auto &info = *syn.info;
  for (const auto &o : syn.operands) {
    if (o.field == name) return true;
    if (name == "imm" && (o.kind == OperandKind::kStreamOrImm || o.kind == OperandKind::kStreamOrFImm)) {
      return true;
    }
  }
  if (name == "bimm") return HasImmOperand(syn);
  if (name == "dtype") return info.dtype_mask != 0;
  if (name == "stype") return syn.stype_suffix;
  if (name == "sat") return syn.sat_suffix;
  if (name == "asigned" || name == "wsigned") return syn.sign_suffix;
  if (name == "acc") return syn.acc_suffix;
  if (name == "aint") return syn.stype_optional;
  if (name == "aloc") return LocalFlagOf(syn, "a") == name;
  if (name == "bloc") return LocalFlagOf(syn, "b") == name;
  return false;
}

std::string TypeList(uint8_t mask) {
  std::string r;
  for (uint32_t t = 0; t < 4; ++t) {
    if (!(mask & (1u << t))) continue;
    if (!r.empty()) r += ", ";
    r += isa::kDTypeNames[t];
  }
  return r;
}

bool Fail(std::string *error, std::string *field, std::string_view name, std::string msg) {
  if (error) *error = std::move(msg);
  if (field) *field = std::string(name);
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

const OpSyntax &SyntaxOf(Opcode op) {
  const auto &all = AllSyntax();
  for (const auto &syn : all) {
    if (syn.info->opcode == op) return syn;
  }
  return all.front();  // unreachable for a defined opcode; callers check FindOp first
}

const OpSyntax *FindSyntax(std::string_view mnemonic) {
  for (const auto &syn : AllSyntax()) {
    if (syn.info->mnemonic == mnemonic) return &syn;
  }
  return nullptr;
}

const std::vector<std::string_view> &InstrFieldNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const auto &m : kU32Members) v.push_back(m.name);
    v.push_back("stride");
    return v;
  }();
  return names;
}

bool GetInstrField(const Instr &in, std::string_view name, int64_t *value) {
  if (name == "stride") {
    *value = in.stride;
    return true;
  }
  for (const auto &m : kU32Members) {
    if (m.name == name) {
      *value = in.*(m.member);
      return true;
    }
  }
  return false;
}

bool SetInstrField(Instr *in, std::string_view name, int64_t value) {
  if (name == "stride") {
    in->stride = static_cast<int32_t>(value);
    return true;
  }
  for (const auto &m : kU32Members) {
    if (m.name == name) {
      in->*(m.member) = static_cast<uint32_t>(value);
      return true;
    }
  }
  return false;
}

uint32_t OperandGroupWidth(const Instr &in, std::string_view field) {
  switch (in.op) {
    case Opcode::kRead:
    case Opcode::kWrite:
      return 1;
    case Opcode::kGather:
    case Opcode::kScatter:
      return field == "m" ? 2 : 1;  // m names a stream pair holding 16-bit addresses
    case Opcode::kLw:
      return GroupWidth(in.dtype);  // one int8 weight row per stream: 1, 2 or 4 rows
    case Opcode::kAbc:
      return field == "a" ? 1 : 4;  // int8 activations in, int32 partial sums out (and .acc in)
    case Opcode::kPerm:
    case Opcode::kDist:
      return field == "b" ? 1 : GroupWidth(in.dtype);  // b is the byte map stream
    default: {
      const isa::OpInfo *info = isa::FindOp(static_cast<uint8_t>(in.op));
      if (info && info->unit == isa::Unit::kVxm) return field == "a" ? VxmSourceWidth(in) : VxmDestWidth(in);
      return GroupWidth(in.dtype);
    }
  }
}

bool OperandPresent(const Instr &in, std::string_view field) {
  const isa::OpInfo *info = isa::FindOp(static_cast<uint8_t>(in.op));
  if (!info) return false;
  const OpSyntax &syn = SyntaxOf(in.op);
  for (const auto &o : syn.operands) {
    if (o.field != field) continue;
    if (o.kind == OperandKind::kStreamOrImm || o.kind == OperandKind::kStreamOrFImm) return in.bimm == 0;
    if (in.op == Opcode::kAbc && field == "b") return in.acc != 0;
    return true;
  }
  return false;
}

std::string_view LocalFlagOf(const OpSyntax &syn, std::string_view field) {
  const std::string_view flag = field == "a" ? "aloc" : field == "b" ? "bloc" : "";
  if (flag.empty() || !HasOperand(syn, field) || !FindField(FormatOf(*syn.info), flag)) return "";
  return flag;
}

bool CheckInstr(const Instr &in, const Geometry *geom, std::string *error, std::string *field) {
  const isa::OpInfo *info = isa::FindOp(static_cast<uint8_t>(in.op));
  if (!info) {
    const auto v = static_cast<uint32_t>(in.op);
    return Fail(error, field, "op", fmt::format("undefined opcode 0x{:02x} ({})", v, v));
  }
  const std::string_view mn = info->mnemonic;
  const isa::FormatInfo &format = FormatOf(*info);
  const OpSyntax &syn = SyntaxOf(in.op);

  // 1. Fields outside the format must be zero; fields in it must fit their width.
  for (std::string_view name : InstrFieldNames()) {
    int64_t v = 0;
    GetInstrField(in, name, &v);
    const isa::Field *f = FindField(format, name);
    if (!f) {
      if (v != 0) {
        return Fail(error, field, name,
                    fmt::format("{}: field {} is not part of format {}: it must be 0, is {}", mn, name,
                                format.name, v));
      }
    } else if (v < FieldMin(*f) || v > FieldMax(*f)) {
      return Fail(error, field, name,
                  fmt::format("{}: {} = {} does not fit the {}-bit field (range {}..{})", mn, name, v,
                              f->width, FieldMin(*f), FieldMax(*f)));
    }
  }

  // 2. Fields of the format that this op does not use must be zero.
  for (uint32_t i = 0; i < format.num_fields; ++i) {
    const std::string_view name = format.fields[i].name;
    int64_t v = 0;
    GetInstrField(in, name, &v);
    if (v == 0 || UsesField(syn, name)) continue;
    std::string why;
    if (name == "sat") {
      why = fmt::format(" (.sat is only allowed on {})",
                        OpsWith([](const OpSyntax &s) { return s.sat_suffix; }));
    } else if (name == "bimm") {
      why = fmt::format(" (an immediate operand b|#imm is only allowed on {})", OpsWith(HasImmOperand));
    } else if (name == "asigned" || name == "wsigned" || name == "acc") {
      why = fmt::format(" (only {} has it)", OpsWith([](const OpSyntax &s) { return s.sign_suffix; }));
    } else if (name == "stype") {
      why = fmt::format(" (source types exist only on {})",
                        OpsWith([](const OpSyntax &s) { return s.stype_suffix; }));
    } else if (name == "dtype") {
      why = " (it has no data type)";
    } else if (name == "aint") {
      why = fmt::format(" (only {} take an integer operand a)",
                        OpsWith([](const OpSyntax &s) { return s.stype_optional; }));
    } else if (name == "aloc" || name == "bloc") {
      why = fmt::format(" ({} has no stream operand {} that can be read in place)", mn, name.substr(0, 1));
    }
    return Fail(error, field, name,
                fmt::format("{} does not use field {}: it must be 0, is {}{}", mn, name, v, why));
  }

  // 3. Fields whose use depends on flags.
  if (HasImmOperand(syn)) {
    if (in.bimm && in.b != 0) {
      return Fail(error, field, "b",
                  fmt::format("{}: b must be 0 when the immediate form is used (bimm = 1), is {}", mn, in.b));
    }
    if (!in.bimm && in.imm != 0) {
      return Fail(
          error, field, "imm",
          fmt::format("{}: imm must be 0 when operand b is a stream (bimm = 0), is 0x{:x}", mn, in.imm));
    }
  }
  if (in.bloc && in.bimm) {
    return Fail(error, field, "bloc",
                fmt::format("{}: bloc (read b in place, @) must be 0 when b is an immediate (bimm = 1)", mn));
  }
  if (syn.stype_optional && !in.aint && in.stype != 0) {
    return Fail(error, field, "stype",
                fmt::format("{}: stype must be 0 when operand a is fp32 (aint = 0), is {} ({}); a source "
                            "type suffix .{} sets aint",
                            mn, in.stype, isa::kDTypeNames[in.stype & 3u], isa::kDTypeNames[in.stype & 3u]));
  }
  if (in.op == Opcode::kAbc && !in.acc && in.b != 0) {
    return Fail(error, field, "b", fmt::format("abc: b is only used with .acc: it must be 0, is {}", in.b));
  }

  // 4. Data types.
  if (info->dtype_mask != 0 && !(info->dtype_mask & (1u << in.dtype))) {
    return Fail(error, field, "dtype",
                fmt::format("{}: type {} is not allowed (allowed: {})", mn, isa::kDTypeNames[in.dtype & 3u],
                            TypeList(info->dtype_mask)));
  }
  if (syn.stype_suffix && (!syn.stype_optional || in.aint) && !(info->stype_mask & (1u << in.stype))) {
    return Fail(error, field, "stype",
                fmt::format("{}: source type {} is not allowed (allowed: {})", mn,
                            isa::kDTypeNames[in.stype & 3u], TypeList(info->stype_mask)));
  }

  // 5. Per-op value rules.
  switch (in.op) {
    case Opcode::kNop:
      if (in.n == 0) return Fail(error, field, "n", "nop: n must be at least 1 (nop 0 is not allowed)");
      break;
    case Opcode::kRepeat:
      if (in.n == 0) return Fail(error, field, "n", "repeat: n (the number of re-issues) must be at least 1");
      if (in.d == 0)
        return Fail(error, field, "d", "repeat: d (cycles between re-issues) must be at least 1");
      break;
    case Opcode::kVshl:
    case Opcode::kVshr:
    case Opcode::kVsrl: {
      const uint32_t bits = 8 * isa::kDTypeBytes[in.dtype & 3u];
      if (in.imm >= bits) {
        return Fail(error, field, "imm",
                    fmt::format("{}: shift amount {} out of range 0..{} for {}", mn, in.imm, bits - 1,
                                isa::kDTypeNames[in.dtype & 3u]));
      }
      break;
    }
    case Opcode::kLw: {
      const uint32_t rows = GroupWidth(in.dtype);
      if (rows == 1 && in.imm >= isa::kMxmRows) {
        return Fail(error, field, "imm",
                    fmt::format("lw: row {} out of range 0..{}", in.imm, isa::kMxmRows - 1));
      }
      if (uint64_t{in.imm} + rows > isa::kMxmRows) {
        return Fail(error, field, "imm",
                    fmt::format("lw.{}: rows {}..{} run past the last weight row {} (row + {} must be <= {})",
                                isa::kDTypeNames[in.dtype & 3u], in.imm, uint64_t{in.imm} + rows - 1,
                                isa::kMxmRows - 1, rows, isa::kMxmRows));
      }
      break;
    }
    default:
      break;
  }

  // 6. Streams: group alignment (always), index range (with a geometry).
  for (std::string_view name : {"s", "m", "dst", "a", "b"}) {
    if (!FindField(format, name) || !UsesField(syn, name) || !OperandPresent(in, name)) continue;
    int64_t v = 0;
    GetInstrField(in, name, &v);
    const auto fv = static_cast<uint32_t>(v);
    const uint32_t index = StreamIndex(fv);
    const uint32_t width = OperandGroupWidth(in, name);
    const char dir = StreamDir(fv) == Dir::kEast ? 'E' : 'W';
    if (geom && index >= geom->streams()) {
      return Fail(error, field, name,
                  fmt::format("{}: stream {} = {} is out of range: geometry {} has {} streams per direction "
                              "(E0..E{}, W0..W{})",
                              mn, name, StreamName(fv), geom->params().name, geom->streams(),
                              geom->streams() - 1, geom->streams() - 1));
    }
    if (index % width != 0) {
      return Fail(
          error, field, name,
          fmt::format("{}: stream group {} = {} is not aligned: a group of {} streams must start at an "
                      "index that is a multiple of {}",
                      mn, name, StreamName(fv), width, width));
    }
    if (geom && index + width > geom->streams()) {
      return Fail(error, field, name,
                  fmt::format("{}: stream group {} = {}{}..{}{} runs past the last stream {}{}", mn, name,
                              dir, index, dir, index + width - 1, dir, geom->streams() - 1));
    }
  }

  // 7. MEM address (with a geometry).
  if (geom && FindField(format, "addr") && in.addr >= geom->mem_words()) {
    return Fail(error, field, "addr",
                fmt::format("{}: addr {} is out of range 0..{} ({} banks x {} words)", mn, in.addr,
                            geom->mem_words() - 1, isa::kNumBanks, geom->words_per_bank()));
  }
  return true;
}

std::string FormatF32(uint32_t bits) {
  float f = 0;
  std::memcpy(&f, &bits, sizeof f);
  if (std::isfinite(f)) {
    std::string s = fmt::format("{}", f);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    const float back = std::strtof(s.c_str(), nullptr);
    uint32_t back_bits = 0;
    std::memcpy(&back_bits, &back, sizeof back);
    if (back_bits == bits) return s;
  }
  return fmt::format("0x{:08x}", bits);
}

// ---------------------------------------------------------------------------------------------

bool Instr::operator==(const Instr &o) const {
  return op == o.op && n == o.n && d == o.d && stride == o.stride && addr == o.addr && s == o.s && m == o.m &&
         dst == o.dst && a == o.a && b == o.b && dtype == o.dtype && stype == o.stype && sat == o.sat &&
         bimm == o.bimm && asigned == o.asigned && wsigned == o.wsigned && acc == o.acc && aloc == o.aloc &&
         bloc == o.bloc && aint == o.aint && imm == o.imm;
}

uint64_t Encode(const Instr &in) {
  uint64_t word = static_cast<uint64_t>(in.op) & LowMask(OpcodeWidth());
  const isa::OpInfo *info = isa::FindOp(static_cast<uint8_t>(in.op));
  if (!info) return word;
  const isa::FormatInfo &format = FormatOf(*info);
  for (uint32_t i = 0; i < format.num_fields; ++i) {
    const isa::Field &f = format.fields[i];
    int64_t v = 0;
    GetInstrField(in, f.name, &v);
    word |= (static_cast<uint64_t>(v) & LowMask(f.width)) << f.lsb;
  }
  return word;
}

bool Decode(uint64_t word, Instr *out, std::string *error, const Geometry *geom) {
  const auto opcode = static_cast<uint8_t>(word & LowMask(OpcodeWidth()));
  const isa::OpInfo *info = isa::FindOp(opcode);
  if (!info) {
    if (error) *error = fmt::format("undefined opcode 0x{:02x} ({}) in word 0x{:016x}", opcode, opcode, word);
    return false;
  }
  const isa::FormatInfo &format = FormatOf(*info);
  uint64_t covered = LowMask(OpcodeWidth());
  for (uint32_t i = 0; i < format.num_fields; ++i) {
    covered |= LowMask(format.fields[i].width) << format.fields[i].lsb;
  }
  if (word & ~covered) {
    if (error) {
      *error = fmt::format("{}: bits 0x{:016x} are set outside the fields of format {} (word 0x{:016x})",
                           info->mnemonic, word & ~covered, format.name, word);
    }
    return false;
  }
  Instr r;
  r.op = info->opcode;
  for (uint32_t i = 0; i < format.num_fields; ++i) {
    const isa::Field &f = format.fields[i];
    uint64_t raw = (word >> f.lsb) & LowMask(f.width);
    int64_t v = static_cast<int64_t>(raw);
    if (f.is_signed && f.width < 64 && (raw >> (f.width - 1)) & 1u) v -= int64_t{1} << f.width;
    SetInstrField(&r, f.name, v);
  }
  *out = r;
  if (geom) return Validate(r, *geom, error);
  return true;
}

bool Validate(const Instr &in, const Geometry &geom, std::string *error) {
  return CheckInstr(in, &geom, error, nullptr);
}

std::string Disassemble(const Instr &in) {
  std::string why;
  if (!CheckInstr(in, nullptr, &why, nullptr)) return fmt::format(".inst 0x{:016x}  ; {}", Encode(in), why);
  const OpSyntax &syn = SyntaxOf(in.op);
  std::string text(syn.info->mnemonic);
  if (syn.type_suffix && !(syn.type_optional && in.dtype == 0))
    text += fmt::format(".{}", isa::kDTypeNames[in.dtype]);
  if (syn.stype_suffix && (!syn.stype_optional || in.aint))
    text += fmt::format(".{}", isa::kDTypeNames[in.stype]);
  if (syn.sign_suffix) text += fmt::format(".{}{}", in.asigned ? 's' : 'u', in.wsigned ? 's' : 'u');
  if (syn.sat_suffix && in.sat) text += ".sat";
  if (syn.acc_suffix && in.acc) text += ".acc";
  // "@" before a stream operand read in place at the VXM's own position.
  auto local = [&](std::string_view f) {
    const std::string_view flag = LocalFlagOf(syn, f);
    int64_t v = 0;
    return !flag.empty() && GetInstrField(in, flag, &v) && v != 0 ? "@" : "";
  };
  bool first = true;
  for (const auto &o : syn.operands) {
    int64_t v = 0;
    GetInstrField(in, o.field, &v);
    std::string arg;
    switch (o.kind) {
      case OperandKind::kCount:
      case OperandKind::kAddr:
        arg = fmt::format("{}", v);
        break;
      case OperandKind::kSigned:
        if (o.optional && v == 0) continue;
        arg = fmt::format("{}", v);
        break;
      case OperandKind::kStream:
        if (!OperandPresent(in, o.field)) continue;
        arg = local(o.field) + StreamName(static_cast<uint32_t>(v));
        break;
      case OperandKind::kStreamOrImm:
        arg = in.bimm ? fmt::format("#{}", static_cast<int32_t>(in.imm)) : local(o.field) + StreamName(in.b);
        break;
      case OperandKind::kStreamOrFImm:
        arg = in.bimm ? "#" + FormatF32(in.imm) : local(o.field) + StreamName(in.b);
        break;
      case OperandKind::kImm:
        arg = fmt::format("#{}", in.imm);
        break;
      case OperandKind::kFImm:
        if (o.optional && in.imm == 0x3f800000u) continue;  // scale 1.0 is the default
        arg = "#" + FormatF32(in.imm);
        break;
    }
    text += first ? " " : ", ";
    text += arg;
    first = false;
  }
  return text;
}

}  // namespace tsp
