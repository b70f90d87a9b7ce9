// Program -> assembly text that assembles back to the same program.
#include <fmt/format.h>

#include <string>

#include "tsp/assembler.h"
#include "tsp/instr_syntax.h"

namespace tsp {
namespace {

bool UnitFits(isa::Unit u, SliceKind k) {
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

// Text for one word of queue `qi`; `prev` is the previous word of the queue (if any).
std::string WordText(uint64_t word, const Geometry &g, const QueueInfo &qi, const uint64_t *prev) {
  auto raw = [&](const std::string &why) { return fmt::format(".inst 0x{:016x}  ; {}", word, why); };
  Instr in;
  std::string err;
  if (!Decode(word, &in, &err, &g)) return raw(err);
  if (!UnitFits(in.info().unit, qi.kind)) {
    return raw(fmt::format("{} does not belong in queue {}", in.info().mnemonic, qi.name));
  }
  if (in.op == isa::Opcode::kRepeat) {
    const isa::OpInfo *p = prev ? isa::FindOp(static_cast<uint8_t>(*prev & 0xffu)) : nullptr;
    if (!p || p->unit == isa::Unit::kIcu) return raw("repeat does not follow a non-ICU instruction");
  }
  if (Encode(in) != word) return raw("does not re-encode to the same word");
  return Disassemble(in);
}

void AppendLine(std::string *out, const std::string &code, const std::string &comment) {
  *out += code;
  if (!comment.empty()) {
    const size_t pad = code.size() < 40 ? 40 - code.size() : 1;
    out->append(pad, ' ');
    *out += "; ";
    *out += comment;
  }
  *out += '\n';
}

}  // namespace

std::string DisassembleProgram(const Program &p) {
  std::string out = "; TSP program (tsp-dis). Comments give each instruction's dispatch cycle.\n";
  const isa::GeometryParams *config = nullptr;
  for (const auto &c : isa::kConfigs) {
    if (isa::Fingerprint(c) == isa::Fingerprint(p.geometry)) config = &c;
  }
  if (!config) {
    out += fmt::format("; geometry fingerprint 0x{:016x} is not a known configuration\n",
                       isa::Fingerprint(p.geometry));
    out += fmt::format(".geometry {}\n", p.geometry.name.empty() ? "unknown" : p.geometry.name);
    return out;
  }
  const Geometry g(*config);
  out += fmt::format(".geometry {}\n", config->name);

  for (uint32_t q = 0; q < g.num_queues(); ++q) {
    const QueueInfo &qi = g.queue(q);
    out += fmt::format("\n.queue {}\n", qi.name);
    if (q >= p.queues.size()) continue;
    QueueClock clock;
    const uint64_t *prev = nullptr;
    for (const uint64_t &word : p.queues[q]) {
      const int64_t cycle = clock.Step(word);
      const std::string text = WordText(word, g, qi, prev);
      AppendLine(&out, "    " + text,
                 text.find(';') == std::string::npos
                     ? (cycle >= 0 ? fmt::format("@{}", cycle) : std::string("@? (after sync)"))
                     : std::string());
      prev = &word;
    }
  }
  for (size_t q = g.num_queues(); q < p.queues.size(); ++q) {
    out += fmt::format("\n; queue {} does not exist in geometry {}: its {} words are not shown\n", q,
                       config->name, p.queues[q].size());
  }

  const uint32_t vl = g.vl();
  const uint32_t m = g.mem_slices_per_hemi();
  for (const MemImage &img : p.mem) {
    if (img.slice >= g.num_mem_slices()) {
      out += fmt::format("\n; MEM image for slice {} does not exist in geometry {}: not shown\n", img.slice,
                         config->name);
      continue;
    }
    const char hemi = img.slice < m ? 'w' : 'e';
    const uint32_t idx = img.slice < m ? img.slice : img.slice - m;
    out += fmt::format("\n.mem {}{}, {}\n", hemi, idx, img.addr);
    for (size_t i = 0; i < img.data.size(); i += 16) {
      std::string line = ".byte ";
      for (size_t k = i; k < img.data.size() && k < i + 16; ++k) {
        line += fmt::format("{}0x{:02x}", k == i ? "" : ", ", img.data[k]);
      }
      AppendLine(&out, line, i % vl == 0 ? fmt::format("word {}", img.addr + i / vl) : std::string());
    }
  }
  return out;
}

}  // namespace tsp
