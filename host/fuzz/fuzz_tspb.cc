// libFuzzer target for the .tspb loader (docs/program-format.md).
// ParseProgram must never crash on arbitrary bytes; whatever parses must survive
// serialize -> parse unchanged; a load with an expected geometry must agree with the plain load.
// Each input is checked twice: as given, and with every CRC recomputed (so mutations reach the
// structural checks behind the header, table and payload CRCs).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tsp/geometry.h"
#include "tsp/program.h"

namespace {

bool SameProgram(const tsp::Program &a, const tsp::Program &b) {
  const auto &ga = a.geometry, &gb = b.geometry;
  if (ga.name != gb.name || ga.num_superlanes != gb.num_superlanes ||
      ga.streams_per_dir != gb.streams_per_dir || ga.mem_slices_per_hemi != gb.mem_slices_per_hemi ||
      ga.words_per_bank != gb.words_per_bank || ga.vxm_alus != gb.vxm_alus || ga.iq_depth != gb.iq_depth)
    return false;
  if (a.queues != b.queues || a.mem.size() != b.mem.size()) return false;
  for (size_t i = 0; i < a.mem.size(); ++i) {
    if (a.mem[i].slice != b.mem[i].slice || a.mem[i].addr != b.mem[i].addr || a.mem[i].data != b.mem[i].data)
      return false;
  }
  return true;
}

uint32_t Get32(const std::vector<uint8_t> &b, size_t off) {
  return uint32_t{b[off]} | (uint32_t{b[off + 1]} << 8) | (uint32_t{b[off + 2]} << 16) |
         (uint32_t{b[off + 3]} << 24);
}
void Put32(std::vector<uint8_t> &b, size_t off, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

// Recomputes payload, table and header CRCs where they lie inside the image (layout: program-format.md).
void FixCrcs(std::vector<uint8_t> &b) {
  constexpr size_t kHeader = 56, kEntry = 24;
  if (b.size() < kHeader) return;
  const uint64_t count = Get32(b, 12);
  if (kHeader + kEntry * count <= b.size()) {
    for (size_t i = 0; i < count; ++i) {
      const size_t e = kHeader + kEntry * i;
      const uint32_t off = Get32(b, e + 12), len = Get32(b, e + 16);
      if (uint64_t{off} + len <= b.size()) Put32(b, e + 20, tsp::Crc32(b.data() + off, len));
    }
    Put32(b, 48, tsp::Crc32(b.data() + kHeader, static_cast<size_t>(kEntry * count)));
  }
  Put32(b, 52, tsp::Crc32(b.data(), 52));
}

[[noreturn]] void Die(const char *what, const std::string &detail = {}) {
  std::fprintf(stderr, "fuzz_tspb: %s %s\n", what, detail.c_str());
  std::abort();
}

void Check(const uint8_t *data, size_t size) {
  static const tsp::Geometry kDefault(tsp::isa::kConfigs[0]);
  static const tsp::Geometry kSmall(tsp::isa::kConfigs[1]);

  tsp::Program p;
  const tsp::LoadResult r = tsp::ParseProgram(data, size, &p);
  if (r.ok != r.error.empty()) Die("ok flag and error message disagree:", r.error);

  for (const tsp::Geometry *g : {&kDefault, &kSmall}) {
    tsp::Program q;
    const tsp::LoadResult rq = tsp::ParseProgram(data, size, &q, g);
    if (rq.ok != rq.error.empty()) Die("ok flag and error message disagree (expect):", rq.error);
    if (rq.ok && !r.ok) Die("parses with an expected geometry but not without:", r.error);
    if (rq.ok && !SameProgram(p, q)) Die("expected-geometry load differs from the plain load");
  }
  if (!r.ok) return;

  if (p.queues.size() != tsp::Geometry(p.geometry).num_queues()) Die("queue count differs from the geometry");
  const std::vector<uint8_t> bytes = tsp::SerializeProgram(p);
  tsp::Program back;
  const tsp::LoadResult rb = tsp::ParseProgram(bytes.data(), bytes.size(), &back);
  if (!rb.ok) Die("re-serialized program does not parse:", rb.error);
  if (!SameProgram(p, back)) Die("re-serialized program differs");
  if (tsp::SerializeProgram(back) != bytes) Die("serialization is not stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Check(data, size);
  if (size >= 56) {
    std::vector<uint8_t> fixed(data, data + size);
    FixCrcs(fixed);
    Check(fixed.data(), fixed.size());
  }
  return 0;
}
