// libFuzzer target for the .tspb loader (docs/program-format.md).
// ParseProgram must never crash on arbitrary bytes; whatever parses must survive
// serialize -> parse unchanged; a load with an expected geometry must agree with the plain load.
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
  if (ga.name != gb.name || ga.num_superlanes != gb.num_superlanes || ga.streams_per_dir != gb.streams_per_dir ||
      ga.mem_slices_per_hemi != gb.mem_slices_per_hemi || ga.words_per_bank != gb.words_per_bank ||
      ga.vxm_alus != gb.vxm_alus || ga.iq_depth != gb.iq_depth)
    return false;
  if (a.queues != b.queues || a.mem.size() != b.mem.size()) return false;
  for (size_t i = 0; i < a.mem.size(); ++i) {
    if (a.mem[i].slice != b.mem[i].slice || a.mem[i].addr != b.mem[i].addr || a.mem[i].data != b.mem[i].data)
      return false;
  }
  return true;
}

[[noreturn]] void Die(const char *what, const std::string &detail = {}) {
  std::fprintf(stderr, "fuzz_tspb: %s %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
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
  if (!r.ok) return 0;

  if (p.queues.size() != tsp::Geometry(p.geometry).num_queues()) Die("queue count differs from the geometry");
  const std::vector<uint8_t> bytes = tsp::SerializeProgram(p);
  tsp::Program back;
  const tsp::LoadResult rb = tsp::ParseProgram(bytes.data(), bytes.size(), &back);
  if (!rb.ok) Die("re-serialized program does not parse:", rb.error);
  if (!SameProgram(p, back)) Die("re-serialized program differs");
  if (tsp::SerializeProgram(back) != bytes) Die("serialization is not stable");
  return 0;
}
