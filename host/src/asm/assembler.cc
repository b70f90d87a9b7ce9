// TSP assembler: text (docs/assembly.md) -> Program.
#include "tsp/assembler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tsp/instr_syntax.h"

namespace tsp {
namespace {

constexpr size_t kMaxErrors = 20;
constexpr uint32_t kF32One = 0x3f800000u;

struct Token {
  enum Kind { kIdent, kNumber, kPunct, kEnd } kind;
  std::string_view text;
  int col;  // 1-based column of the first character
};
using Tokens = std::vector<Token>;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsIdentStart(char c) { return IsAlpha(c) || c == '_' || c == '.'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string Lower(std::string_view s) {
  std::string r(s);
  for (char &c : r) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return r;
}

bool IsHexLiteral(std::string_view t) { return t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'); }
bool IsBinLiteral(std::string_view t) { return t.size() > 2 && t[0] == '0' && (t[1] == 'b' || t[1] == 'B'); }
bool IsFloatLiteral(std::string_view t) {
  return !IsHexLiteral(t) && !IsBinLiteral(t) && t.find_first_of(".eE") != std::string_view::npos;
}

// Integer literal (decimal, 0x hex, 0b binary) -> value; false on overflow or a float literal.
bool ParseUintLiteral(std::string_view t, uint64_t *value) {
  uint64_t base = 10;
  if (IsHexLiteral(t)) {
    base = 16;
    t.remove_prefix(2);
  } else if (IsBinLiteral(t)) {
    base = 2;
    t.remove_prefix(2);
  }
  if (t.empty()) return false;
  uint64_t v = 0;
  for (char c : t) {
    uint64_t digit = 0;
    if (IsDigit(c)) {
      digit = static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint64_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<uint64_t>(c - 'A' + 10);
    } else {
      return false;
    }
    if (digit >= base) return false;
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / base) return false;
    v = v * base + digit;
  }
  *value = v;
  return true;
}

// "E3" / "w12" -> 5-bit stream field; nullopt if the text is not of that shape.
std::optional<uint32_t> StreamLiteralIndex(std::string_view t, Dir *dir) {
  if (t.size() < 2 || t.size() > 4) return std::nullopt;
  const char c = t[0];
  if (c == 'E' || c == 'e') {
    *dir = Dir::kEast;
  } else if (c == 'W' || c == 'w') {
    *dir = Dir::kWest;
  } else {
    return std::nullopt;
  }
  uint32_t v = 0;
  for (char ch : t.substr(1)) {
    if (!IsDigit(ch)) return std::nullopt;
    v = v * 10 + static_cast<uint32_t>(ch - '0');
  }
  return v;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string Suggest(std::string_view word, const std::vector<std::string_view> &candidates) {
  std::string_view best;
  size_t best_d = 3;
  for (auto c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", best);
}

const char *UnitName(isa::Unit u) {
  switch (u) {
    case isa::Unit::kIcu:
      return "ICU";
    case isa::Unit::kMem:
      return "MEM";
    case isa::Unit::kVxm:
      return "VXM";
    case isa::Unit::kSxm:
      return "SXM";
    case isa::Unit::kMxm:
      return "MXM";
  }
  return "?";
}

const char *KindName(SliceKind k) {
  switch (k) {
    case SliceKind::kMem:
      return "MEM";
    case SliceKind::kVxm:
      return "VXM";
    case SliceKind::kSxm:
      return "SXM";
    case SliceKind::kMxm:
      return "MXM";
  }
  return "?";
}

bool UnitFitsQueue(isa::Unit u, SliceKind k) {
  switch (u) {
    case isa::Unit::kIcu:
      return true;
    case isa::Unit::kMem:
      return k == SliceKind::kMem;
    case isa::Unit::kVxm:
      return k == SliceKind::kVxm;
    case isa::Unit::kSxm:
      return k == SliceKind::kSxm;
    case isa::Unit::kMxm:
      return k == SliceKind::kMxm;
  }
  return false;
}

// First queue name of a unit, for messages ("vxm.0").
std::string ExampleQueue(const Geometry &g, isa::Unit u) {
  for (const auto &q : g.queues()) {
    if (UnitFitsQueue(u, q.kind)) return q.name;
  }
  return "?";
}

std::string QueueList(const Geometry &g) {
  const uint32_t m = g.mem_slices_per_hemi();
  std::string vxm = g.vxm_alus() == 1 ? "vxm.0" : fmt::format("vxm.0..vxm.{}", g.vxm_alus() - 1);
  return fmt::format("mem.w0..mem.w{}, mem.e0..mem.e{}, {}, sxm.w, sxm.e, mxm.w, mxm.e", m - 1, m - 1, vxm);
}

const std::vector<std::string_view> &DirectiveNames() {
  static const std::vector<std::string_view> names = {".geometry", ".queue", ".equ",  ".stream", ".mem",
                                                      ".byte",     ".half",  ".word", ".float",  ".inst"};
  return names;
}

const std::vector<std::string_view> &Mnemonics() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const auto &op : isa::kOps) v.push_back(op.mnemonic);
    return v;
  }();
  return names;
}

// ---------------------------------------------------------------------------------------------

class Assembler {
 public:
  Assembler(std::string_view text, std::string_view filename)
      : text_(text), filename_(filename), geom_(Geometry::Default()) {}

  AsmResult Run();

 private:
  struct QueueState {
    QueueClock clock;
    bool full_reported = false;
  };
  struct MemBlock {
    int line = 0, col = 0;
    bool broken = false;  // an error was reported for it: stop appending
  };

  // Errors.
  bool Error(int col, const std::string &msg);
  bool Stopped() const { return errors_.size() >= kMaxErrors; }

  // Lines.
  bool Lex(std::string_view line);
  void ProcessLine();
  bool SplitOperands(size_t first, std::vector<Tokens> *ops, int *end_col);
  std::string OperandText(const Tokens &op) const;

  // Expressions.
  bool ParseExpr(const Tokens &t, size_t *pos, int64_t *v);
  bool ParseTerm(const Tokens &t, size_t *pos, int64_t *v);
  bool ParseFactor(const Tokens &t, size_t *pos, int64_t *v);
  bool ParseWholeExpr(const Tokens &t, int64_t *v);  // the operand must be one expression
  bool ParseRanged(const Tokens &t, int64_t lo, int64_t hi, std::string_view what, int64_t *v);
  bool ParseFloat(const Tokens &t, size_t first, uint32_t *bits);
  bool ParseStream(const Tokens &t, uint32_t *field);
  bool ExpectHash(const Tokens &t, std::string_view what);

  // Directives and instructions.
  void Directive(const Token &dir);
  void Instruction(size_t mnemonic_index, bool has_at, int64_t at, int at_col);
  void RawInstruction(size_t di, bool has_at, int64_t at, int at_col);
  bool ParseSuffixes(const Token &tok, const OpSyntax &syn, Instr *in, std::map<std::string, int> *cols);
  bool ParseOperands(const OpSyntax &syn, const std::string &shown, const Token &mn, size_t first, Instr *in,
                     std::map<std::string, int> *cols);
  bool QueueReady(int col);
  bool PlaceAt(int col, bool has_at, int64_t at, bool is_repeat);
  void Append(uint64_t word, int col);
  void LockGeometry();
  void CloseMem();
  void MemData(const Token &dir, uint32_t bytes_each, bool is_float);
  bool DefineName(const Token &name);

  std::string_view text_;
  std::string filename_;
  Geometry geom_;
  Program program_;
  std::vector<std::string> errors_;
  std::vector<AsmListing> listing_;

  int line_no_ = 0;
  std::string_view line_;
  Tokens toks_;

  bool geometry_set_ = false;
  int geometry_line_ = 0;
  bool locked_ = false;
  int queue_ = -1;  // current queue, -1 none, -2 a .queue line that failed (swallow silently)
  std::vector<QueueState> qstate_;
  std::optional<MemBlock> mem_;  // open .mem block (program_.mem.back())
  std::vector<int> mem_lines_;   // source line of each MEM image

  std::map<std::string, int64_t, std::less<>> equ_;
  std::map<std::string, uint32_t, std::less<>> streams_;
  std::map<std::string, int, std::less<>> symbol_lines_;
};

bool Assembler::Error(int col, const std::string &msg) {
  if (errors_.size() < kMaxErrors) {
    errors_.push_back(fmt::format("{}:{}:{}: {}", filename_, line_no_, col, msg));
    if (errors_.size() == kMaxErrors) {
      errors_.push_back(fmt::format("{}:{}:{}: too many errors, stopping", filename_, line_no_, col));
    }
  }
  return false;
}

bool Assembler::Lex(std::string_view line) {
  toks_.clear();
  size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (c == ';') break;
    if (c == '/' && i + 1 < line.size() && line[i + 1] == '/') break;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    const int col = static_cast<int>(i) + 1;
    size_t j = i + 1;
    if (IsIdentStart(c)) {
      while (j < line.size() && IsIdentChar(line[j])) ++j;
      toks_.push_back({Token::kIdent, line.substr(i, j - i), col});
    } else if (IsDigit(c)) {
      if (c == '0' && j < line.size() && (line[j] == 'x' || line[j] == 'X')) {
        ++j;
        while (j < line.size() && IsHexDigit(line[j])) ++j;
      } else if (c == '0' && j < line.size() && (line[j] == 'b' || line[j] == 'B')) {
        ++j;
        while (j < line.size() && (line[j] == '0' || line[j] == '1')) ++j;
      } else {
        while (j < line.size() && IsDigit(line[j])) ++j;
        if (j + 1 < line.size() && line[j] == '.' && IsDigit(line[j + 1])) {
          ++j;
          while (j < line.size() && IsDigit(line[j])) ++j;
        }
        if (j < line.size() && (line[j] == 'e' || line[j] == 'E')) {
          size_t k = j + 1;
          if (k < line.size() && (line[k] == '+' || line[k] == '-')) ++k;
          if (k < line.size() && IsDigit(line[k])) {
            j = k;
            while (j < line.size() && IsDigit(line[j])) ++j;
          }
        }
      }
      size_t end = j;
      while (end < line.size() && IsIdentChar(line[end])) ++end;
      const bool no_digits = j - i == 2 && c == '0' && std::strchr("xXbB", line[i + 1]) != nullptr;
      if (end != j || no_digits) {
        return Error(col, fmt::format("malformed number '{}'", line.substr(i, end - i)));
      }
      toks_.push_back({Token::kNumber, line.substr(i, j - i), col});
    } else if (std::strchr(",#@+-*()", c) != nullptr) {
      toks_.push_back({Token::kPunct, line.substr(i, 1), col});
    } else {
      const auto uc = static_cast<unsigned char>(c);
      if (uc >= 0x20 && uc < 0x7f) return Error(col, fmt::format("unexpected character '{}'", c));
      return Error(col, fmt::format("unexpected byte 0x{:02x}", static_cast<uint32_t>(uc)));
    }
    i = j;
  }
  toks_.push_back({Token::kEnd, std::string_view(), static_cast<int>(line.size()) + 1});
  return true;
}

std::string Assembler::OperandText(const Tokens &op) const {
  if (op.empty() || op.front().kind == Token::kEnd) return "end of line";
  const Token &first = op.front();
  const Token &last = op[op.size() >= 2 ? op.size() - 2 : 0];
  const size_t begin = static_cast<size_t>(first.col - 1);
  const size_t end = static_cast<size_t>(last.col - 1) + last.text.size();
  return fmt::format("'{}'", line_.substr(begin, end - begin));
}

// Splits toks_[first..] at commas into operands, each ending with a kEnd token placed at the
// column of the comma/end that closes it. An empty input gives no operands.
bool Assembler::SplitOperands(size_t first, std::vector<Tokens> *ops, int *end_col) {
  ops->clear();
  *end_col = toks_.back().col;
  if (toks_[first].kind == Token::kEnd) return true;
  Tokens cur;
  for (size_t i = first; i < toks_.size(); ++i) {
    const Token &t = toks_[i];
    const bool at_comma = t.kind == Token::kPunct && t.text == ",";  // never inside an expression
    if (t.kind == Token::kEnd || at_comma) {
      if (cur.empty())
        return Error(t.col, t.kind == Token::kEnd ? "missing operand after ','" : "missing operand");
      cur.push_back({Token::kEnd, std::string_view(), t.col});
      ops->push_back(std::move(cur));
      cur.clear();
      if (t.kind == Token::kEnd) break;
      continue;
    }
    cur.push_back(t);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Expressions: expr := term (('+'|'-') term)*, term := factor ('*' factor)*,
// factor := ('-'|'+') factor | '(' expr ')' | number | symbol.

bool Assembler::ParseExpr(const Tokens &t, size_t *pos, int64_t *v) {
  if (!ParseTerm(t, pos, v)) return false;
  while (t[*pos].kind == Token::kPunct && (t[*pos].text == "+" || t[*pos].text == "-")) {
    const Token &opt = t[*pos];
    ++*pos;
    int64_t rhs = 0;
    if (!ParseTerm(t, pos, &rhs)) return false;
    const bool overflow =
        opt.text == "+" ? __builtin_add_overflow(*v, rhs, v) : __builtin_sub_overflow(*v, rhs, v);
    if (overflow) return Error(opt.col, "arithmetic overflow in expression");
  }
  return true;
}

bool Assembler::ParseTerm(const Tokens &t, size_t *pos, int64_t *v) {
  if (!ParseFactor(t, pos, v)) return false;
  while (t[*pos].kind == Token::kPunct && t[*pos].text == "*") {
    const Token &opt = t[*pos];
    ++*pos;
    int64_t rhs = 0;
    if (!ParseFactor(t, pos, &rhs)) return false;
    if (__builtin_mul_overflow(*v, rhs, v)) return Error(opt.col, "arithmetic overflow in expression");
  }
  return true;
}

bool Assembler::ParseFactor(const Tokens &t, size_t *pos, int64_t *v) {
  const Token &tok = t[*pos];
  if (tok.kind == Token::kPunct && (tok.text == "-" || tok.text == "+")) {
    ++*pos;
    if (!ParseFactor(t, pos, v)) return false;
    if (tok.text == "-") {
      if (*v == std::numeric_limits<int64_t>::min())
        return Error(tok.col, "arithmetic overflow in expression");
      *v = -*v;
    }
    return true;
  }
  if (tok.kind == Token::kPunct && tok.text == "(") {
    ++*pos;
    if (!ParseExpr(t, pos, v)) return false;
    if (!(t[*pos].kind == Token::kPunct && t[*pos].text == ")")) {
      return Error(t[*pos].col, fmt::format("expected ')' to close the '(' at column {}", tok.col));
    }
    ++*pos;
    return true;
  }
  if (tok.kind == Token::kNumber) {
    if (IsFloatLiteral(tok.text)) {
      return Error(tok.col, fmt::format("expected an integer, found '{}'", tok.text));
    }
    uint64_t u = 0;
    if (!ParseUintLiteral(tok.text, &u) || u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Error(tok.col, fmt::format("number '{}' is too large", tok.text));
    }
    *v = static_cast<int64_t>(u);
    ++*pos;
    return true;
  }
  if (tok.kind == Token::kIdent) {
    auto it = equ_.find(tok.text);
    if (it != equ_.end()) {
      *v = it->second;
      ++*pos;
      return true;
    }
    Dir dir;
    if (streams_.count(tok.text) || StreamLiteralIndex(tok.text, &dir)) {
      return Error(tok.col, fmt::format("expected a number, found stream '{}'", tok.text));
    }
    return Error(tok.col, fmt::format("unknown symbol '{}' (define it with .equ before using it)", tok.text));
  }
  if (tok.kind == Token::kEnd) return Error(tok.col, "expected a number, found end of operand");
  return Error(tok.col, fmt::format("expected a number, found '{}'", tok.text));
}

bool Assembler::ParseWholeExpr(const Tokens &t, int64_t *v) {
  size_t pos = 0;
  if (!ParseExpr(t, &pos, v)) return false;
  if (t[pos].kind != Token::kEnd) {
    return Error(t[pos].col, fmt::format("unexpected '{}' after the expression", t[pos].text));
  }
  return true;
}

bool Assembler::ParseRanged(const Tokens &t, int64_t lo, int64_t hi, std::string_view what, int64_t *v) {
  if (!ParseWholeExpr(t, v)) return false;
  if (*v < lo || *v > hi) {
    return Error(t.front().col, fmt::format("value {} out of range for {} ({}..{})", *v, what, lo, hi));
  }
  return true;
}

// Float operand starting at t[first]: a lone hex/binary literal gives raw binary32 bits, a decimal
// literal (optionally signed) is converted to binary32, any other expression's integer value too.
bool Assembler::ParseFloat(const Tokens &t, size_t first, uint32_t *bits) {
  size_t i = first;
  bool negative = false;
  if (t[i].kind == Token::kPunct && (t[i].text == "-" || t[i].text == "+")) {
    negative = t[i].text == "-";
    ++i;
  }
  if (t[i].kind == Token::kNumber && t[i + 1].kind == Token::kEnd) {
    const Token &num = t[i];
    if (IsHexLiteral(num.text) || IsBinLiteral(num.text)) {
      uint64_t u = 0;
      if (i != first) return Error(t[first].col, "a raw binary32 bit pattern (0x...) cannot have a sign");
      if (!ParseUintLiteral(num.text, &u) || u > 0xffffffffu) {
        return Error(num.col, fmt::format("raw binary32 bits '{}' do not fit 32 bits", num.text));
      }
      *bits = static_cast<uint32_t>(u);
      return true;
    }
    const std::string s = (negative ? "-" : "") + std::string(num.text);
    errno = 0;
    const float f = std::strtof(s.c_str(), nullptr);
    if (std::isinf(f)) return Error(t[first].col, fmt::format("{} is out of range for binary32 floats", s));
    std::memcpy(bits, &f, sizeof f);
    return true;
  }
  int64_t v = 0;
  size_t pos = first;
  if (!ParseExpr(t, &pos, &v)) return false;
  if (t[pos].kind != Token::kEnd) {
    return Error(t[pos].col, fmt::format("unexpected '{}' after the expression", t[pos].text));
  }
  const auto f = static_cast<float>(v);
  std::memcpy(bits, &f, sizeof f);
  return true;
}

bool Assembler::ParseStream(const Tokens &t, uint32_t *field) {
  const Token &tok = t.front();
  if (tok.kind == Token::kIdent && t[1].kind == Token::kEnd) {
    Dir dir;
    if (auto idx = StreamLiteralIndex(tok.text, &dir)) {
      if (*idx >= isa::kMaxStreamsPerDir) {
        return Error(tok.col, fmt::format("stream index {} out of range (0..{}; geometry {} has {}0..{}{})",
                                          *idx, isa::kMaxStreamsPerDir - 1, geom_.params().name, tok.text[0],
                                          tok.text[0], geom_.streams() - 1));
      }
      *field = StreamField(dir, *idx);
      return true;
    }
    auto it = streams_.find(tok.text);
    if (it != streams_.end()) {
      *field = it->second;
      return true;
    }
  }
  return Error(tok.col, fmt::format("expected a stream name like E3 or W0, found {}", OperandText(t)));
}

bool Assembler::ExpectHash(const Tokens &t, std::string_view what) {
  if (t.front().kind == Token::kPunct && t.front().text == "#") return true;
  return Error(t.front().col, fmt::format("expected {} like #{}, found {}", what,
                                          what == "a float" ? "1.5" : "3", OperandText(t)));
}

// ---------------------------------------------------------------------------------------------

void Assembler::LockGeometry() {
  if (locked_) return;
  locked_ = true;
  program_.geometry = geom_.params();
  program_.queues.assign(geom_.num_queues(), {});
  qstate_.assign(geom_.num_queues(), {});
}

bool Assembler::DefineName(const Token &name) {
  if (name.kind != Token::kIdent || name.text.find('.') != std::string_view::npos) {
    return Error(name.col, fmt::format("expected a symbol name (letters, digits, _), found '{}'", name.text));
  }
  Dir dir;
  if (StreamLiteralIndex(name.text, &dir)) {
    return Error(name.col, fmt::format("'{}' is a stream name and cannot be redefined", name.text));
  }
  auto it = symbol_lines_.find(name.text);
  if (it != symbol_lines_.end()) {
    return Error(name.col, fmt::format("symbol '{}' is already defined at line {}", name.text, it->second));
  }
  symbol_lines_.emplace(std::string(name.text), line_no_);
  return true;
}

void Assembler::CloseMem() {
  if (!mem_) return;
  MemImage &img = program_.mem.back();
  const uint32_t vl = geom_.vl();
  img.data.resize((img.data.size() + vl - 1) / vl * vl, 0);
  const uint64_t words = img.data.size() / vl;
  if (words == 0 && !mem_->broken) {
    const int saved = line_no_;
    line_no_ = mem_->line;
    Error(mem_->col, ".mem block has no data (follow it with .byte, .half, .word or .float lines)");
    line_no_ = saved;
  }
  for (size_t i = 0; i + 1 < program_.mem.size() && !mem_->broken && words > 0; ++i) {
    const MemImage &o = program_.mem[i];
    const uint64_t owords = o.data.size() / vl;
    if (o.slice != img.slice || owords == 0) continue;
    if (img.addr < o.addr + owords && o.addr < img.addr + words) {
      const int saved = line_no_;
      line_no_ = mem_->line;
      Error(mem_->col,
            fmt::format("MEM block words {}..{} overlaps the block at line {} (words {}..{})", img.addr,
                        img.addr + words - 1, mem_lines_[i], o.addr, o.addr + owords - 1));
      line_no_ = saved;
      break;
    }
  }
  mem_.reset();
}

void Assembler::MemData(const Token &dir, uint32_t bytes_each, bool is_float) {
  if (!mem_) {
    Error(dir.col, fmt::format("{} outside a .mem block (start one with .mem w0, 0)", Lower(dir.text)));
    return;
  }
  std::vector<Tokens> ops;
  int end_col = 0;
  if (!SplitOperands(1, &ops, &end_col)) return;
  if (ops.empty()) {
    Error(end_col, fmt::format("{} needs at least one value", Lower(dir.text)));
    return;
  }
  const int64_t lo =
      bytes_each == 4 ? std::numeric_limits<int32_t>::min() : -(int64_t{1} << (8 * bytes_each - 1));
  const int64_t hi = (int64_t{1} << (8 * bytes_each)) - 1;
  std::vector<uint8_t> bytes;
  for (const auto &op : ops) {
    uint64_t v = 0;
    if (is_float) {
      uint32_t bits = 0;
      if (!ParseFloat(op, 0, &bits)) return;
      v = bits;
    } else {
      int64_t sv = 0;
      if (!ParseRanged(op, lo, hi, fmt::format("{}", Lower(dir.text)), &sv)) return;
      v = static_cast<uint64_t>(sv);
    }
    for (uint32_t k = 0; k < bytes_each; ++k) bytes.push_back(static_cast<uint8_t>(v >> (8 * k)));
  }
  if (mem_->broken) return;
  MemImage &img = program_.mem.back();
  const uint64_t vl = geom_.vl();
  const uint64_t words = (img.data.size() + bytes.size() + vl - 1) / vl;
  if (img.addr + words > geom_.mem_words()) {
    mem_->broken = true;
    Error(dir.col,
          fmt::format("MEM block starting at word {} runs past the end of the slice (words 0..{} of {} "
                      "bytes)",
                      img.addr, geom_.mem_words() - 1, vl));
    return;
  }
  img.data.insert(img.data.end(), bytes.begin(), bytes.end());
}

void Assembler::Directive(const Token &dir) {
  const std::string name = Lower(dir.text);
  std::vector<Tokens> ops;
  int end_col = 0;
  auto need = [&](size_t count, std::string_view usage) {
    if (!SplitOperands(1, &ops, &end_col)) return false;
    if (ops.size() != count) {
      return Error(ops.size() > count ? ops[count].front().col : end_col,
                   fmt::format("{} expects {} operand{} ({}), found {}", name, count, count == 1 ? "" : "s",
                               usage, ops.size()));
    }
    return true;
  };

  if (name == ".byte" || name == ".half" || name == ".word" || name == ".float") {
    const uint32_t each = name == ".byte" ? 1 : name == ".half" ? 2 : 4;
    MemData(dir, each, name == ".float");
    return;
  }
  if (name == ".inst") {
    RawInstruction(0, false, 0, 0);
    return;
  }
  if (name == ".geometry") {
    if (!need(1, "a configuration name")) return;
    const Token &t = ops[0].front();
    if (geometry_set_) {
      Error(dir.col, fmt::format(".geometry given twice (first at line {})", geometry_line_));
      return;
    }
    if (locked_) {
      Error(dir.col, ".geometry must come before any .queue or .mem section");
      return;
    }
    std::string known;
    for (const auto &c : isa::kConfigs) known += fmt::format("{}{}", known.empty() ? "" : ", ", c.name);
    auto g = ops[0].size() == 2 && t.kind == Token::kIdent ? Geometry::FromName(Lower(t.text)) : std::nullopt;
    if (!g) {
      Error(t.col, fmt::format("unknown geometry {} (known: {})", OperandText(ops[0]), known));
      return;
    }
    geometry_set_ = true;
    geometry_line_ = line_no_;
    geom_ = *g;
    return;
  }
  if (name == ".queue") {
    CloseMem();
    LockGeometry();
    queue_ = -2;
    if (!need(1, "a queue name like mem.w0")) return;
    const Token &t = ops[0].front();
    std::optional<uint32_t> q;
    if (ops[0].size() == 2 && t.kind == Token::kIdent) q = geom_.FindQueue(Lower(t.text));
    if (!q) {
      Error(t.col, fmt::format("unknown queue {} for geometry {} (queues: {})", OperandText(ops[0]),
                               geom_.params().name, QueueList(geom_)));
      return;
    }
    queue_ = static_cast<int>(*q);
    return;
  }
  if (name == ".equ") {
    if (!need(2, "NAME, value")) return;
    if (ops[0].size() != 2) {
      Error(ops[0].front().col, fmt::format("expected a symbol name, found {}", OperandText(ops[0])));
      return;
    }
    int64_t v = 0;
    if (!ParseWholeExpr(ops[1], &v)) return;
    if (!DefineName(ops[0].front())) return;
    equ_.emplace(std::string(ops[0].front().text), v);
    return;
  }
  if (name == ".stream") {
    if (!need(2, "NAME, stream")) return;
    if (ops[0].size() != 2) {
      Error(ops[0].front().col, fmt::format("expected a symbol name, found {}", OperandText(ops[0])));
      return;
    }
    uint32_t field = 0;
    if (!ParseStream(ops[1], &field)) return;
    if (!DefineName(ops[0].front())) return;
    streams_.emplace(std::string(ops[0].front().text), field);
    return;
  }
  if (name == ".mem") {
    CloseMem();
    LockGeometry();
    queue_ = -1;
    if (!need(2, "slice, word address")) return;
    const Token &t = ops[0].front();
    std::string s = t.kind == Token::kIdent && ops[0].size() == 2 ? Lower(t.text) : std::string();
    if (s.rfind("mem.", 0) == 0) s = s.substr(4);
    uint32_t slice = 0;
    bool ok = s.size() >= 2 && (s[0] == 'w' || s[0] == 'e') && s.size() <= 4;
    uint32_t idx = 0;
    for (size_t i = 1; ok && i < s.size(); ++i) {
      ok = IsDigit(s[i]);
      idx = idx * 10 + static_cast<uint32_t>(s[i] - '0');
    }
    if (ok && idx < geom_.mem_slices_per_hemi()) {
      slice = geom_.MemSliceId(s[0] == 'w' ? Hemi::kWest : Hemi::kEast, idx);
    } else {
      Error(t.col,
            fmt::format("expected a MEM slice w0..w{} or e0..e{}, found {}", geom_.mem_slices_per_hemi() - 1,
                        geom_.mem_slices_per_hemi() - 1, OperandText(ops[0])));
      return;
    }
    int64_t addr = 0;
    if (!ParseRanged(ops[1], 0, geom_.mem_words() - 1, "the word address", &addr)) return;
    MemImage img;
    img.slice = slice;
    img.addr = static_cast<uint32_t>(addr);
    program_.mem.push_back(std::move(img));
    mem_lines_.push_back(line_no_);
    mem_ = MemBlock{line_no_, dir.col, false};
    return;
  }
  Error(dir.col, fmt::format("unknown directive '{}'{}", dir.text, Suggest(name, DirectiveNames())));
}

bool Assembler::QueueReady(int col) {
  if (queue_ == -2) return false;  // the .queue line already failed
  if (queue_ < 0) {
    return Error(col, fmt::format("instruction outside a .queue section (start one with .queue {})",
                                  geom_.queue(0).name));
  }
  return true;
}

bool Assembler::PlaceAt(int col, bool has_at, int64_t at, bool is_repeat) {
  if (!has_at) return true;
  QueueState &qs = qstate_[static_cast<size_t>(queue_)];
  const std::string &qname = geom_.queue(static_cast<uint32_t>(queue_)).name;
  const int64_t next = qs.clock.next();
  if (next < 0) {
    return Error(
        col, fmt::format("@ cannot be used after a sync in queue {}: its dispatch time is unknown", qname));
  }
  if (is_repeat && at != next) {
    return Error(col,
                 fmt::format("repeat cannot be moved with @: it dispatches right after the instruction it "
                             "repeats (cycle {})",
                             next));
  }
  if (at < next) {
    return Error(col, fmt::format("queue {} is already at cycle {}: cannot place an instruction at cycle {}",
                                  qname, next, at));
  }
  int64_t gap = at - next;
  while (gap > 0) {
    const int64_t n = std::min<int64_t>(gap, 0xffffffff);
    Instr nop;
    nop.op = isa::Opcode::kNop;
    nop.n = static_cast<uint32_t>(n);
    Append(Encode(nop), col);
    gap -= n;
  }
  return true;
}

void Assembler::Append(uint64_t word, int col) {
  const auto q = static_cast<uint32_t>(queue_);
  QueueState &qs = qstate_[q];
  auto &words = program_.queues[q];
  if (words.size() >= geom_.iq_depth()) {
    if (!qs.full_reported) {
      qs.full_reported = true;
      Error(col, fmt::format("queue {} is full: geometry {} allows {} instructions per queue (iq_depth)",
                             geom_.queue(q).name, geom_.params().name, geom_.iq_depth()));
    }
    return;
  }
  AsmListing entry;
  entry.queue = q;
  entry.index = static_cast<uint32_t>(words.size());
  entry.cycle = qs.clock.Step(word);
  entry.word = word;
  entry.line = line_no_;
  Instr in;
  std::string err;
  entry.text = Decode(word, &in, &err) ? Disassemble(in) : fmt::format(".inst 0x{:016x}", word);
  listing_.push_back(std::move(entry));
  words.push_back(word);
}

void Assembler::RawInstruction(size_t di, bool has_at, int64_t at, int at_col) {
  const Token dir = toks_[di];
  std::vector<Tokens> ops;
  int end_col = 0;
  if (!SplitOperands(di + 1, &ops, &end_col)) return;
  if (ops.size() != 1) {
    Error(ops.size() > 1 ? ops[1].front().col : end_col,
          fmt::format(".inst expects 1 operand (a 64-bit instruction word), found {}", ops.size()));
    return;
  }
  uint64_t word = 0;
  const Token &t = ops[0].front();
  if (!(t.kind == Token::kNumber && ops[0].size() == 2 && !IsFloatLiteral(t.text) &&
        ParseUintLiteral(t.text, &word))) {
    Error(t.col, fmt::format("expected a 64-bit instruction word like 0x0000000000001010, found {}",
                             OperandText(ops[0])));
    return;
  }
  if (!QueueReady(dir.col)) return;
  if (!PlaceAt(at_col, has_at, at, false)) return;
  Append(word, dir.col);
}

bool Assembler::ParseSuffixes(const Token &tok, const OpSyntax &syn, Instr *in,
                              std::map<std::string, int> *cols) {
  const std::string_view mn = syn.info->mnemonic;
  // Split "vadd.i16.sat" into parts with their columns.
  std::vector<std::pair<std::string, int>> parts;
  size_t start = 0;
  const std::string text = Lower(tok.text);
  while (true) {
    const size_t dot = text.find('.', start);
    parts.emplace_back(text.substr(start, dot == std::string::npos ? std::string::npos : dot - start),
                       tok.col + static_cast<int>(start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  size_t i = 1;
  const auto types = [](uint8_t mask) {
    std::string r;
    for (uint32_t t = 0; t < 4; ++t) {
      if (mask & (1u << t)) r += fmt::format("{}.{}", r.empty() ? "" : ", ", isa::kDTypeNames[t]);
    }
    return r;
  };
  auto type_part = [&](uint8_t mask, std::string_view what, uint32_t *out, const char *field) {
    if (i >= parts.size()) {
      return Error(tok.col, fmt::format("{} needs a {} suffix ({}); syntax: {}", mn, what, types(mask),
                                        syn.info->syntax));
    }
    const auto &[p, col] = parts[i];
    int found = -1;
    for (int t = 0; t < 4; ++t) {
      if (p == isa::kDTypeNames[static_cast<size_t>(t)]) found = t;
    }
    if (found < 0 || !(mask & (1u << found))) {
      return Error(col, fmt::format("{} .{} is not allowed for {} (allowed: {})", what, p, mn, types(mask)));
    }
    *out = static_cast<uint32_t>(found);
    (*cols)[field] = col;
    ++i;
    return true;
  };
  // The part at i names a type (of `mask`, or any type when mask is 15).
  auto names_type = [&](uint8_t mask) {
    if (i >= parts.size()) return false;
    for (uint32_t t = 0; t < 4; ++t) {
      if ((mask & (1u << t)) && parts[i].first == isa::kDTypeNames[t]) return true;
    }
    return false;
  };
  if (syn.type_suffix) {
    // [.T] (LW): omitted means i8 (dtype 0); a type name given must be one of the op's.
    if ((!syn.type_optional || names_type(15)) &&
        !type_part(syn.info->dtype_mask, "type", &in->dtype, "dtype"))
      return false;
  }
  if (syn.stype_suffix) {
    if (syn.stype_optional) {
      // [.S] (FADD .. FMAX): an integer source type for operand a sets aint.
      if (names_type(syn.info->stype_mask)) {
        (*cols)["aint"] = parts[i].second;
        if (!type_part(syn.info->stype_mask, "source type", &in->stype, "stype")) return false;
        in->aint = 1;
      }
    } else if (!type_part(syn.info->stype_mask, "source type", &in->stype, "stype")) {
      return false;
    }
  }
  if (syn.implied_dtype >= 0) {
    in->dtype = static_cast<uint32_t>(syn.implied_dtype);
    if (i < parts.size() && parts[i].first == isa::kDTypeNames[static_cast<size_t>(syn.implied_dtype)]) ++i;
  }
  if (syn.sign_suffix) {
    const std::string p = i < parts.size() ? parts[i].first : std::string();
    if (p.size() != 2 || (p[0] != 's' && p[0] != 'u') || (p[1] != 's' && p[1] != 'u')) {
      return Error(
          i < parts.size() ? parts[i].second : tok.col,
          fmt::format("{} needs a signedness suffix .ss, .su, .us or .uu (activation, weight); syntax: {}",
                      mn, syn.info->syntax));
    }
    in->asigned = p[0] == 's';
    in->wsigned = p[1] == 's';
    (*cols)["asigned"] = (*cols)["wsigned"] = parts[i].second;
    ++i;
  }
  for (; i < parts.size(); ++i) {
    const auto &[p, col] = parts[i];
    if (syn.sat_suffix && p == "sat" && !in->sat) {
      in->sat = 1;
      (*cols)["sat"] = col;
    } else if (syn.acc_suffix && p == "acc" && !in->acc) {
      in->acc = 1;
      (*cols)["acc"] = col;
    } else {
      return Error(col, fmt::format("unexpected suffix '.{}' on {} (syntax: {})", p, mn, syn.info->syntax));
    }
  }
  return true;
}

bool Assembler::ParseOperands(const OpSyntax &syn, const std::string &shown, const Token &mn, size_t first,
                              Instr *in, std::map<std::string, int> *cols) {
  std::vector<Tokens> ops;
  int end_col = 0;
  if (!SplitOperands(first, &ops, &end_col)) return false;
  // Operands this instruction takes: optional ones only where they make sense.
  size_t min_ops = 0, max_ops = 0;
  std::string usage;
  for (const auto &o : syn.operands) {
    if (o.optional) {
      usage += fmt::format("{}{}]", usage.empty() ? "[" : " [, ", o.label);
    } else {
      usage += fmt::format("{}{}", usage.empty() ? "" : ", ", o.label);
    }
    ++max_ops;
    if (!o.optional) ++min_ops;
  }
  if (in->op == isa::Opcode::kAbc) {
    min_ops = max_ops = in->acc ? 3 : 2;
    usage = in->acc ? "dst, a, b" : "dst, a";
  }
  if (ops.size() < min_ops || ops.size() > max_ops) {
    const std::string count =
        min_ops == max_ops ? fmt::format("{}", min_ops) : fmt::format("{} or {}", min_ops, max_ops);
    const int col = ops.size() > max_ops ? ops[max_ops].front().col : mn.col;
    std::string hint;
    if (in->op == isa::Opcode::kAbc) {
      hint = in->acc ? " (.acc adds the accumulator group b)" : " (operand b needs .acc)";
    }
    return Error(col, fmt::format("{} expects {} operand{} ({}), found {}{}", shown, count,
                                  max_ops == 1 && min_ops == 1 ? "" : "s", usage.empty() ? "none" : usage,
                                  ops.size(), hint));
  }
  for (size_t k = 0; k < ops.size(); ++k) {
    const OperandSpec &o = syn.operands[k];
    const int col = ops[k].front().col;
    // "@E4": stream operand a or b of a VXM instruction read in place (aloc / bloc).
    Tokens local_rest;
    std::string_view local_flag;
    uint32_t local_field = 0;
    if (ops[k].front().kind == Token::kPunct && ops[k].front().text == "@") {
      local_flag = LocalFlagOf(syn, o.field);
      const bool stream_kind = o.kind == OperandKind::kStream || o.kind == OperandKind::kStreamOrImm ||
                               o.kind == OperandKind::kStreamOrFImm;
      if (local_flag.empty() || !stream_kind) {
        return Error(
            col, fmt::format("'@' (read the stream in place at the VXM's own position) is only allowed on "
                             "operands a and b of VXM instructions, not on operand {} of {}",
                             o.field, shown));
      }
      local_rest.assign(ops[k].begin() + 1, ops[k].end());
      if (!ParseStream(local_rest, &local_field)) return false;
    }
    const Tokens &t = ops[k];
    const isa::FormatInfo &format = isa::kFormats[static_cast<size_t>(syn.info->format)];
    const isa::Field *f = nullptr;
    for (uint32_t j = 0; j < format.num_fields; ++j) {
      if (format.fields[j].name == o.field) f = &format.fields[j];
    }
    const int64_t fmax = f && !f->is_signed ? static_cast<int64_t>((uint64_t{1} << f->width) - 1) : 0;
    int64_t v = 0;
    uint32_t field = 0;
    switch (o.kind) {
      case OperandKind::kCount:
        if (!ParseRanged(t, 1, fmax, o.field, &v)) return false;
        SetInstrField(in, o.field, v);
        break;
      case OperandKind::kSigned: {
        const int64_t half = int64_t{1} << (f ? f->width - 1 : 15);
        if (!ParseRanged(t, -half, half - 1, o.field, &v)) return false;
        SetInstrField(in, o.field, v);
        break;
      }
      case OperandKind::kAddr:
        if (!ParseRanged(t, 0, geom_.mem_words() - 1, "the word address", &v)) return false;
        SetInstrField(in, o.field, v);
        break;
      case OperandKind::kStream:
        if (!local_flag.empty()) {
          field = local_field;
        } else if (!ParseStream(t, &field)) {
          return false;
        }
        SetInstrField(in, o.field, field);
        break;
      case OperandKind::kStreamOrImm:
        if (!local_flag.empty()) {
          in->b = local_field;
        } else if (t.front().kind == Token::kPunct && t.front().text == "#") {
          const Tokens rest(t.begin() + 1, t.end());
          if (!ParseRanged(rest, std::numeric_limits<int32_t>::min(), 0xffffffff, "an immediate", &v))
            return false;
          in->bimm = 1;
          in->imm = static_cast<uint32_t>(v);
          (*cols)["imm"] = (*cols)["bimm"] = col;
        } else {
          if (!ParseStream(t, &field)) return false;
          in->b = field;
        }
        break;
      case OperandKind::kStreamOrFImm:
        if (!local_flag.empty()) {
          in->b = local_field;
        } else if (t.front().kind == Token::kPunct && t.front().text == "#") {
          if (!ParseFloat(t, 1, &in->imm)) return false;
          in->bimm = 1;
          (*cols)["imm"] = (*cols)["bimm"] = col;
        } else {
          if (!ParseStream(t, &field)) return false;
          in->b = field;
        }
        break;
      case OperandKind::kImm: {
        if (!ExpectHash(t, "an immediate")) return false;
        const Tokens rest(t.begin() + 1, t.end());
        if (!ParseRanged(rest, 0, 0xffffffff, "an immediate", &v)) return false;
        in->imm = static_cast<uint32_t>(v);
        break;
      }
      case OperandKind::kFImm:
        if (!ExpectHash(t, "a float")) return false;
        if (!ParseFloat(t, 1, &in->imm)) return false;
        break;
    }
    (*cols)[std::string(o.field)] = col;
    if (!local_flag.empty()) {
      SetInstrField(in, local_flag, 1);
      (*cols)[std::string(local_flag)] = col;
    }
  }
  // Defaults of omitted optional operands.
  if (in->op == isa::Opcode::kVcvt && ops.size() < syn.operands.size()) in->imm = kF32One;
  return true;
}

void Assembler::Instruction(size_t mi, bool has_at, int64_t at, int at_col) {
  const Token mn = toks_[mi];
  const std::string lower = Lower(mn.text);
  const std::string base = lower.substr(0, lower.find('.'));
  const OpSyntax *syn = FindSyntax(base);
  if (!syn) {
    Error(mn.col, fmt::format("unknown mnemonic '{}'{}", base, Suggest(base, Mnemonics())));
    return;
  }
  Instr in;
  in.op = syn->info->opcode;
  std::map<std::string, int> cols;
  if (!ParseSuffixes(mn, *syn, &in, &cols)) return;
  if (!QueueReady(mn.col)) return;
  const QueueInfo &qi = geom_.queue(static_cast<uint32_t>(queue_));
  if (!UnitFitsQueue(syn->info->unit, qi.kind)) {
    const bool an = qi.kind == SliceKind::kSxm || qi.kind == SliceKind::kMxm;
    Error(mn.col, fmt::format("{} cannot go in queue {} ({} {} queue): {} runs on the {}, e.g. in queue {}",
                              base, qi.name, an ? "an" : "a", KindName(qi.kind), base,
                              UnitName(syn->info->unit), ExampleQueue(geom_, syn->info->unit)));
    return;
  }
  if (!ParseOperands(*syn, lower, mn, mi + 1, &in, &cols)) return;
  std::string err, field;
  if (!CheckInstr(in, &geom_, &err, &field)) {
    auto it = cols.find(field);
    Error(it != cols.end() ? it->second : mn.col, err);
    return;
  }
  const auto &words = program_.queues[static_cast<size_t>(queue_)];
  if (in.op == isa::Opcode::kRepeat) {
    const isa::OpInfo *prev =
        words.empty() ? nullptr : isa::FindOp(static_cast<uint8_t>(words.back() & 0xffu));
    if (!prev || prev->unit == isa::Unit::kIcu) {
      Error(
          mn.col,
          fmt::format("repeat must directly follow the non-ICU instruction it re-issues in queue {}{}",
                      qi.name, prev ? fmt::format(" (the previous instruction is {})", prev->mnemonic) : ""));
      return;
    }
  }
  if (!PlaceAt(at_col, has_at, at, in.op == isa::Opcode::kRepeat)) return;
  Append(Encode(in), mn.col);
}

void Assembler::ProcessLine() {
  if (toks_.front().kind == Token::kEnd) return;
  size_t i = 0;
  bool has_at = false;
  int64_t at = 0;
  int at_col = 0;
  if (toks_[0].kind == Token::kPunct && toks_[0].text == "@") {
    has_at = true;
    at_col = toks_[0].col;
    size_t pos = 1;
    if (!ParseExpr(toks_, &pos, &at)) return;
    if (at < 0) {
      Error(toks_[1].col, fmt::format("a dispatch cycle must be >= 0, found {}", at));
      return;
    }
    i = pos;
    if (toks_[i].kind != Token::kIdent || (toks_[i].text[0] == '.' && Lower(toks_[i].text) != ".inst")) {
      Error(toks_[i].col, fmt::format("expected an instruction after @{}", at));
      return;
    }
  }
  const Token &t = toks_[i];
  if (t.kind != Token::kIdent) {
    Error(t.col, fmt::format("expected an instruction or a directive, found '{}'", t.text));
    return;
  }
  if (t.text[0] == '.') {
    if (i == 0) {
      Directive(t);
    } else {
      RawInstruction(i, has_at, at, at_col);  // "@12 .inst 0x..."
    }
    return;
  }
  if (mem_) CloseMem();
  Instruction(i, has_at, at, at_col);
}

AsmResult Assembler::Run() {
  size_t start = 0;
  while (start <= text_.size() && !Stopped()) {
    size_t end = text_.find('\n', start);
    if (end == std::string_view::npos) end = text_.size();
    ++line_no_;
    line_ = text_.substr(start, end - start);
    if (Lex(line_)) ProcessLine();
    if (end == text_.size()) break;
    start = end + 1;
  }
  CloseMem();
  LockGeometry();
  AsmResult r;
  r.errors = errors_;
  for (const auto &e : errors_) r.error += e + "\n";
  r.ok = errors_.empty();
  if (r.ok) {
    std::stable_sort(listing_.begin(), listing_.end(), [](const AsmListing &a, const AsmListing &b) {
      return a.queue != b.queue ? a.queue < b.queue : a.index < b.index;
    });
    r.listing = std::move(listing_);
  }
  r.program = std::move(program_);
  return r;
}

}  // namespace

AsmResult Assemble(std::string_view text, std::string_view filename) {
  Assembler assembler(text, filename);
  return assembler.Run();
}

}  // namespace tsp
