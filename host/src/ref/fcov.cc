// Functional coverage of the dispatched instruction stream (tsp/fcov.h).
#include "tsp/fcov.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "tsp/instr_syntax.h"

namespace tsp::fcov {

using isa::Opcode;

const char *RepeatUseName(RepeatUse r) {
  switch (r) {
    case RepeatUse::kIssue:
      return "issue";
    case RepeatUse::kN1:
      return "n=1";
    case RepeatUse::kN2To15:
      return "n=2..15";
    case RepeatUse::kN16Up:
      return "n>=16";
    default:
      return "-";
  }
}

RepeatUse RepeatBucket(uint32_t n) {
  if (n <= 1) return RepeatUse::kN1;
  if (n < 16) return RepeatUse::kN2To15;
  return RepeatUse::kN16Up;
}

std::string Bin::Name() const {
  return fmt::format("{} {} {} {}", isa::Info(op).name, type,
                     dir < 0    ? "-"
                     : dir == 0 ? "E"
                                : "W",
                     RepeatUseName(repeat));
}

namespace {

std::string Join(const std::vector<std::string> &parts) {
  std::string s;
  for (const auto &p : parts) s += (s.empty() ? "" : ".") + p;
  return s.empty() ? "-" : s;
}

std::vector<std::string> MaskNames(uint8_t mask) {
  std::vector<std::string> v;
  for (uint32_t t = 0; t < 4; ++t) {
    if (mask & (1u << t)) v.emplace_back(isa::kDTypeNames[t]);
  }
  return v;
}

// Field of the first stream operand in the syntax ("" if none).
std::string_view DirField(Opcode op) {
  for (const auto &o : SyntaxOf(op).operands) {
    if (o.kind == OperandKind::kStream) return o.field;
  }
  return {};
}

struct Tables {
  std::vector<Bin> bins;
  std::unordered_map<std::string, int> by_name;
  // First bin of each (opcode, type) and its layout: dirs x repeats.
  std::unordered_map<std::string, int> first;  // "OP type" -> index
};

const Tables &T() {
  static const Tables t = [] {
    Tables r;
    for (const auto &info : isa::kOps) {
      const Opcode op = info.opcode;
      for (const auto &type : TypesOf(op)) {
        r.first[fmt::format("{} {}", static_cast<int>(op), type)] = static_cast<int>(r.bins.size());
        if (info.unit == isa::Unit::kIcu) {
          r.bins.push_back({op, type, -1, RepeatUse::kNone});
          continue;
        }
        const std::vector<int> dirs = HasDirection(op) ? std::vector<int>{0, 1} : std::vector<int>{-1};
        for (int d : dirs) {
          for (int k = 0; k < static_cast<int>(RepeatUse::kCount); ++k) {
            r.bins.push_back({op, type, d, static_cast<RepeatUse>(k)});
          }
        }
      }
    }
    for (size_t i = 0; i < r.bins.size(); ++i) r.by_name[r.bins[i].Name()] = static_cast<int>(i);
    return r;
  }();
  return t;
}

}  // namespace

std::vector<std::string> TypesOf(Opcode op) {
  const isa::OpInfo &info = isa::Info(op);
  const OpSyntax &syn = SyntaxOf(op);
  std::vector<std::vector<std::string>> axes;
  if (info.dtype_mask) axes.push_back(MaskNames(info.dtype_mask));
  if (syn.stype_suffix) {
    std::vector<std::string> s;
    if (syn.stype_optional) s.emplace_back("");  // without .S (aint = 0)
    for (const auto &n : MaskNames(info.stype_mask)) s.push_back(n);
    axes.push_back(s);
  }
  if (syn.sign_suffix) axes.push_back({"ss", "su", "us", "uu"});
  std::vector<std::vector<std::string>> combos{{}};
  for (const auto &axis : axes) {
    std::vector<std::vector<std::string>> next;
    for (const auto &c : combos) {
      for (const auto &v : axis) {
        auto n = c;
        if (!v.empty()) n.push_back(v);
        next.push_back(n);
      }
    }
    combos = next;
  }
  std::vector<std::string> out;
  for (const auto &c : combos) out.push_back(Join(c));
  return out;
}

bool HasDirection(Opcode op) { return !DirField(op).empty(); }

const char *GroupOf(Opcode op) {
  switch (isa::Info(op).unit) {
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

std::string TypeOf(const Instr &in) {
  const isa::OpInfo &info = in.info();
  const OpSyntax &syn = SyntaxOf(in.op);
  std::vector<std::string> parts;
  if (info.dtype_mask) parts.emplace_back(isa::kDTypeNames[in.dtype & 3u]);
  if (syn.stype_suffix && (!syn.stype_optional || in.aint))
    parts.emplace_back(isa::kDTypeNames[in.stype & 3u]);
  if (syn.sign_suffix) parts.push_back(fmt::format("{}{}", in.asigned ? 's' : 'u', in.wsigned ? 's' : 'u'));
  return Join(parts);
}

int DirOf(const Instr &in) {
  const std::string_view f = DirField(in.op);
  if (f.empty()) return -1;
  int64_t v = 0;
  GetInstrField(in, f, &v);
  return StreamDir(static_cast<uint32_t>(v)) == Dir::kEast ? 0 : 1;
}

int BinOf(const Instr &in, RepeatUse repeat) {
  if (!isa::FindOp(static_cast<uint8_t>(in.op))) return -1;
  const Tables &t = T();
  const auto it = t.first.find(fmt::format("{} {}", static_cast<int>(in.op), TypeOf(in)));
  if (it == t.first.end()) return -1;  // a type the opcode does not allow
  const bool icu = in.info().unit == isa::Unit::kIcu;
  if (icu != (repeat == RepeatUse::kNone)) return -1;
  if (icu) return it->second;
  const int d = DirOf(in);
  const int k = static_cast<int>(RepeatUse::kCount);
  return it->second + (d < 0 ? 0 : d) * k + static_cast<int>(repeat);
}

const std::vector<Bin> &Bins() { return T().bins; }

int FindBin(const std::string &name) {
  const auto it = T().by_name.find(name);
  return it == T().by_name.end() ? -1 : it->second;
}

// ---------------------------------------------------------------------------------------------

Coverage::Coverage() : counts_(Bins().size(), 0) {}

size_t Coverage::hit() const {
  size_t h = 0;
  for (uint64_t c : counts_) h += c > 0;
  return h;
}

void Coverage::Merge(const Coverage &o) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
  for (const auto &[k, v] : o.programs_) programs_[k] += v;
}

uint64_t Coverage::total_programs() const {
  uint64_t n = 0;
  for (const auto &[k, v] : programs_) n += v;
  return n;
}

uint64_t Coverage::dispatches() const {
  uint64_t n = 0;
  for (size_t i = 0; i < counts_.size(); ++i) n += Bins()[i].repeat != RepeatUse::kNone ? counts_[i] : 0;
  return n;
}

uint64_t Coverage::reissues() const {
  uint64_t n = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    const RepeatUse r = Bins()[i].repeat;
    n += r != RepeatUse::kNone && r != RepeatUse::kIssue ? counts_[i] : 0;
  }
  return n;
}

std::string Coverage::Serialize() const {
  std::string s = fmt::format("tsp-fcov 1 {} bins\n", counts_.size());
  for (const auto &[k, v] : programs_) s += fmt::format("programs {} {}\n", k, v);
  for (size_t i = 0; i < counts_.size(); ++i) s += fmt::format("bin {} {}\n", counts_[i], Bins()[i].Name());
  return s;
}

bool Coverage::Parse(const std::string &text, Coverage *out, std::string *error) {
  Coverage c;
  std::istringstream in(text);
  std::string line;
  size_t lineno = 0;
  bool header = false;
  auto fail = [&](const std::string &why) {
    if (error) *error = fmt::format("line {}: {}", lineno, why);
    return false;
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string kw;
    ls >> kw;
    if (kw == "tsp-fcov") {
      int version = 0;
      ls >> version;
      if (version != 1) return fail(fmt::format("unknown counts file version in '{}'", line));
      header = true;
      continue;
    }
    if (!header) return fail("not a tsp-fcov counts file (no 'tsp-fcov 1' header)");
    if (kw == "programs") {
      std::string src;
      uint64_t n = 0;
      if (!(ls >> src >> n)) return fail(fmt::format("bad programs line '{}'", line));
      c.programs_[src] += n;
    } else if (kw == "bin") {
      uint64_t n = 0;
      if (!(ls >> n)) return fail(fmt::format("bad bin line '{}'", line));
      std::string name, part;
      while (ls >> part) name += (name.empty() ? "" : " ") + part;
      const int b = FindBin(name);
      if (b < 0)
        return fail(fmt::format("bin '{}' is not a bin of this ISA (isa/tsp_isa.json changed?)", name));
      c.counts_[static_cast<size_t>(b)] += n;
    } else {
      return fail(fmt::format("unknown line '{}'", line));
    }
  }
  if (!header) return fail("empty or not a tsp-fcov counts file");
  out->Merge(c);
  return true;
}

bool Coverage::ReadFile(const std::string &path, Coverage *out, std::string *error) {
  std::ifstream f(path);
  if (!f) {
    if (error) *error = "cannot open " + path;
    return false;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  std::string e;
  if (!Parse(ss.str(), out, &e)) {
    if (error) *error = path + ": " + e;
    return false;
  }
  return true;
}

bool Coverage::WriteFile(const std::string &path, std::string *error) const {
  std::ofstream f(path);
  f << Serialize();
  if (!f) {
    if (error) *error = "cannot write " + path;
    return false;
  }
  return true;
}

namespace {

struct Tally {
  size_t bins = 0, hit = 0;
  uint64_t count = 0;
  void Add(uint64_t c) {
    ++bins;
    hit += c > 0;
    count += c;
  }
};

std::string Pct(size_t hit, size_t bins) {
  return bins ? fmt::format("{:.1f} %", 100.0 * static_cast<double>(hit) / static_cast<double>(bins)) : "-";
}

}  // namespace

std::string Coverage::Report(const std::string &title) const {
  const auto &bins = Bins();
  std::string s = fmt::format("# {}\n\n", title);
  s += "Cross: opcode x type (.T / .S / .XY suffix) x direction (E / W, first stream operand) x REPEAT use "
       "(issue, re-issue with n = 1, 2..15, >= 16); ICU opcodes one bin each (docs/verification.md §5).\n\n";
  s += fmt::format("* bins: **{}**, hit: **{}** ({}), empty: {}\n", bins.size(), hit(),
                   Pct(hit(), bins.size()), bins.size() - hit());
  s += fmt::format("* programs: {}", total_programs());
  if (!programs_.empty()) {
    std::string src;
    for (const auto &[k, v] : programs_) src += fmt::format("{}{} {}", src.empty() ? "" : ", ", k, v);
    s += " (" + src + ")";
  }
  s += fmt::format("\n* unit dispatches: {} ({} REPEAT re-issues)\n\n", dispatches(), reissues());

  auto table = [&](const std::string &what, const std::vector<std::pair<std::string, Tally>> &rows) {
    s += fmt::format("| {} | bins | hit | % | samples |\n|---|---:|---:|---:|---:|\n", what);
    for (const auto &[k, t] : rows)
      s += fmt::format("| {} | {} | {} | {} | {} |\n", k, t.bins, t.hit, Pct(t.hit, t.bins), t.count);
    s += "\n";
  };
  std::vector<std::pair<std::string, Tally>> groups;
  std::vector<std::pair<std::string, Tally>> reps;
  std::vector<std::pair<std::string, Tally>> dirs;
  std::vector<std::pair<std::string, Tally>> ops;
  auto slot = [](std::vector<std::pair<std::string, Tally>> &v, const std::string &k) -> Tally & {
    for (auto &p : v) {
      if (p.first == k) return p.second;
    }
    v.push_back({k, Tally{}});
    return v.back().second;
  };
  Tally total;
  for (size_t i = 0; i < bins.size(); ++i) {
    const Bin &b = bins[i];
    slot(groups, GroupOf(b.op)).Add(counts_[i]);
    if (b.repeat != RepeatUse::kNone) {
      slot(reps, RepeatUseName(b.repeat)).Add(counts_[i]);
      slot(dirs, b.dir < 0 ? "- (IW)" : b.dir == 0 ? "E" : "W").Add(counts_[i]);
    }
    slot(ops, std::string(isa::Info(b.op).name)).Add(counts_[i]);
    total.Add(counts_[i]);
  }
  groups.push_back({"**total**", total});
  s += "## Per opcode group\n\n";
  table("group", groups);
  s += "## Per REPEAT use (unit opcodes)\n\n";
  table("REPEAT use", reps);
  s += "## Per direction (unit opcodes)\n\n";
  table("direction", dirs);
  s += "## Per opcode\n\n";
  table("opcode", ops);
  s += fmt::format("## Empty bins ({})\n\n", bins.size() - hit());
  if (hit() == bins.size()) s += "none\n";
  for (size_t i = 0; i < bins.size(); ++i) {
    if (!counts_[i]) s += fmt::format("* `{}`\n", bins[i].Name());
  }
  return s;
}

std::string Coverage::Json() const {
  const auto &bins = Bins();
  std::string s = "{\n";
  s += fmt::format("  \"bins_total\": {},\n  \"bins_hit\": {},\n  \"programs\": {},\n", bins.size(), hit(),
                   total_programs());
  s += fmt::format("  \"dispatches\": {},\n  \"reissues\": {},\n  \"sources\": {{", dispatches(), reissues());
  bool first = true;
  for (const auto &[k, v] : programs_) {
    s += fmt::format("{}\"{}\": {}", first ? "" : ", ", k, v);
    first = false;
  }
  s += "},\n  \"bins\": [\n";
  for (size_t i = 0; i < bins.size(); ++i) {
    const Bin &b = bins[i];
    s += fmt::format(
        "    {{\"group\": \"{}\", \"op\": \"{}\", \"type\": \"{}\", \"dir\": \"{}\", \"repeat\": \"{}\", "
        "\"count\": {}}}{}\n",
        GroupOf(b.op), isa::Info(b.op).name, b.type,
        b.dir < 0    ? "-"
        : b.dir == 0 ? "E"
                     : "W",
        RepeatUseName(b.repeat), counts_[i], i + 1 < bins.size() ? "," : "");
  }
  s += "  ],\n  \"empty\": [";
  first = true;
  for (size_t i = 0; i < bins.size(); ++i) {
    if (counts_[i]) continue;
    s += fmt::format("{}\n    \"{}\"", first ? "" : ",", bins[i].Name());
    first = false;
  }
  s += first ? "]\n}\n" : "\n  ]\n}\n";
  return s;
}

// ---------------------------------------------------------------------------------------------

Sampler::Sampler(const Program &p, Coverage *cov) : cov_(cov) {
  queues_.resize(p.queues.size());
  for (size_t q = 0; q < p.queues.size(); ++q) {
    for (uint64_t w : p.queues[q]) {
      Instr in;
      std::string err;
      if (!Decode(w, &in, &err)) in = Instr{};
      queues_[q].push_back(in);
    }
  }
  pc_.assign(p.queues.size(), 0);
}

void Sampler::Sample(const Model &m) {
  const uint32_t nq = std::min<uint32_t>(m.geometry().num_queues(), static_cast<uint32_t>(queues_.size()));
  for (uint32_t q = 0; q < nq; ++q) {
    const QueueView v = m.Queue(q);
    const auto &prog = queues_[q];
    // ICU instructions fetched since the last cycle (at most one per cycle).
    for (uint32_t i = pc_[q]; i < v.pc && i < prog.size(); ++i) {
      const Instr &in = prog[i];
      if (in.op != Opcode::kIllegal && in.info().unit == isa::Unit::kIcu) {
        const int b = BinOf(in, RepeatUse::kNone);
        if (b >= 0) cov_->Add(static_cast<size_t>(b));
      }
    }
    pc_[q] = v.pc;
    if (!v.dispatched_this_cycle) continue;
    Instr in;
    std::string err;
    if (!Decode(v.last_word, &in, &err)) continue;
    // A re-issue: the queue's fetch pointer sits just past the REPEAT (an instruction's own
    // dispatch fetches it, so the pointer is just past the instruction itself).
    RepeatUse r = RepeatUse::kIssue;
    if (v.pc >= 1 && v.pc - 1 < prog.size() && prog[v.pc - 1].op == Opcode::kRepeat)
      r = RepeatBucket(prog[v.pc - 1].n);
    const int b = BinOf(in, r);
    if (b >= 0) cov_->Add(static_cast<size_t>(b));
  }
}

RunResult SampleOnModel(const Geometry &g, const Program &p, Coverage *cov, uint64_t max_cycles) {
  Model m(g);
  std::string err;
  if (!m.LoadProgram(p, &err)) return {RunStatus::kTimeout, 0, "load failed: " + err};
  Sampler s(p, cov);
  m.SetCycleHook(s.Hook());
  m.Start();
  return m.Run(max_cycles);
}

}  // namespace tsp::fcov
