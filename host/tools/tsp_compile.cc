// tsp-compile: compiles a llama2.c checkpoint into a TSP program (one forward step) and reports
// what the compiler knows about it: predicted cycles per token, the two lower bounds (resource:
// the busiest unit; dependency: the longest latency chain with unlimited units), the instructions
// per queue against IqDepth and the MEM budget. docs/performance.md is made with it.
//
//   tsp-compile stories260K.bin [-o step.tspb] [--positions N] [--mode exact|fast] [--config NAME]
//               [--timeline step.json] [--queues]
//   tsp-compile stories260K.bin --table [--at 0,63,255,511]    predicted vs bounds per position
//   ISA feature switches (the co-design comparison): --no-chain --lw-rows 1|2|4 --no-int-a
//   --vxm-scores --vxm-values
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "tsp/compiler/llama.h"
#include "tsp/llm/checkpoint.h"
#include "tsp/program.h"
#include "tsp/runner.h"

namespace {

using tsp::compiler::CompiledModel;
using tsp::compiler::LlamaOptions;

struct Row {
  uint32_t pos = 0, positions = 0;
  std::string mode;
  bool ok = false;
  std::string error;
  uint64_t predicted = 0, resource = 0, dependency = 0;
  std::string unit;
  uint32_t largest_queue = 0;
  std::string largest_name;
  uint64_t mem = 0;
};

Row CompileRow(const tsp::llm::Checkpoint &ck, const tsp::Geometry &g, LlamaOptions opt, CompiledModel *cm) {
  Row r;
  r.positions = opt.positions;
  r.mode = opt.precision == tsp::compiler::Precision::kExact ? "exact" : "fast";
  std::string err;
  opt.sched.check_iq_depth = false;  // reported, not enforced, so that every row has figures
  r.ok = tsp::compiler::CompileLlama(ck, g, opt, cm, &err);
  if (!r.ok) {
    r.error = err;
    return r;
  }
  r.predicted = cm->predicted_cycles;
  r.resource = cm->bounds.resource;
  r.unit = cm->bounds.resource_unit;
  r.dependency = cm->bounds.dependency;
  r.mem = cm->mem_bytes_used;
  for (uint32_t q = 0; q < cm->sched.queues.size(); ++q) {
    if (cm->sched.queues[q].instructions > r.largest_queue) {
      r.largest_queue = cm->sched.queues[q].instructions;
      r.largest_name = g.queue(q).name;
    }
  }
  return r;
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"tsp-compile: a llama2.c checkpoint into a TSP forward-step program, with its cycle bounds"};
  std::string ckpt_path, out_path, mode = "exact", config = "default", timeline, at = "0,63,255,511";
  uint32_t positions = 0, lw_rows = 4;
  bool table = false, queues = false, no_chain = false, no_int_a = false, vxm_scores = false, vxm_values = false;
  app.add_option("checkpoint", ckpt_path, "llama2.c checkpoint (version 0, fp32)")->required();
  app.add_option("-o,--output", out_path, "write the program (.tspb)");
  app.add_option("--positions", positions, "attention length compiled in (rounded up to 64; default: seq_len)");
  app.add_option("--mode", mode, "exact (16-bit weights) or fast (8-bit)")->check(CLI::IsMember({"exact", "fast"}));
  app.add_option("--config", config, "geometry of isa/tsp_isa.json");
  app.add_option("--timeline", timeline, "write the step as Chrome / Perfetto trace-event JSON");
  app.add_flag("--queues", queues, "print the instructions of every queue");
  app.add_flag("--table", table, "predicted cycles against the bounds at the positions of --at, both modes");
  app.add_option("--at", at, "positions for --table (comma-separated)");
  app.add_flag("--no-chain", no_chain, "ISA v1: no VXM operands read in place");
  app.add_option("--lw-rows", lw_rows, "weight rows per LW (1: ISA v1)")->check(CLI::IsMember({1u, 2u, 4u}));
  app.add_flag("--no-int-a", no_int_a, "ISA v1: no integer operand a for FMUL");
  app.add_flag("--vxm-scores", vxm_scores, "attention scores on the VXM (transposes, column trees)");
  app.add_flag("--vxm-values", vxm_values, "attention values on the VXM (streamed products)");
  uint32_t kv_positions = 0, average = 0;
  app.add_option("--kv-positions", kv_positions,
                 "KV cache capacity in positions (default: the program's; a program set shares one)");
  app.add_option("--average", average,
                 "tsp-run's program set for N positions (a program per 64, KV cache for N): each program "
                 "against its bounds and the average over positions 0..N-1, both modes");
  bool no_iq_check = false;
  uint32_t alus = 0, tries = 0;
  app.add_option("--tries", tries, "list-scheduling passes (default: the compiler's)");
  int justify = -1;
  app.add_option("--justify", justify, "rounds of double justification after each pass (default: the compiler's)");
  app.add_option("--alus", alus, "analysis: override the geometry's VXM ALU count (the RTL has the spec's)");
  app.add_flag("--no-iq-check", no_iq_check, "report queues longer than IqDepth instead of failing (analysis only)");
  CLI11_PARSE(app, argc, argv);

  tsp::llm::Checkpoint ck;
  std::string err;
  if (!tsp::llm::LoadCheckpoint(ckpt_path, &ck, &err)) {
    std::fprintf(stderr, "tsp-compile: %s\n", err.c_str());
    return 1;
  }
  auto geom = tsp::Geometry::FromName(config);
  if (!geom) {
    std::fprintf(stderr, "tsp-compile: no geometry '%s' in isa/tsp_isa.json\n", config.c_str());
    return 1;
  }
  if (alus) {
    tsp::isa::GeometryParams gp = geom->params();
    gp.vxm_alus = alus;
    geom.emplace(gp);
  }
  LlamaOptions base;
  base.vxm_chain = !no_chain;
  base.lw_rows = lw_rows;
  base.fp_int_a = !no_int_a;
  base.mxm_scores = !vxm_scores;
  base.mxm_values = !vxm_values;
  if (tries) base.sched.tries = tries;
  if (justify >= 0) base.sched.justify = static_cast<uint32_t>(justify);

  base.kv_positions = kv_positions;
  // The options of one row: `base` in mode md ("exact" / "fast") for p positions.
  auto row_options = [&](const char *md, uint32_t p) {
    LlamaOptions o = base;
    o.precision = std::string(md) == "exact" ? tsp::compiler::Precision::kExact : tsp::compiler::Precision::kFast;
    o.positions = p;
    return o;
  };

  if (average) {
    const uint32_t n = (average + 63) / 64 * 64;
    std::printf("| mode | program positions | KV cache positions | runs positions | predicted cycles | resource bound "
                "(unit) | dependency bound | predicted / max(bounds) | largest queue / IqDepth |\n");
    std::printf("|---|---:|---:|---|---:|---|---:|---:|---|\n");
    for (const char *md : {"exact", "fast"}) {
      double sum_pred = 0, sum_bound = 0, sum_ratio = 0;
      uint32_t counted = 0;
      for (uint32_t p = 64; p <= n; p += 64) {
        LlamaOptions opt = row_options(md, p);
        opt.kv_positions = std::max(kv_positions, n);
        CompiledModel cm;
        Row r = CompileRow(ck, *geom, opt, &cm);
        if (!r.ok) {
          std::printf("| %s | %u | %u | - | - | - | - | - | %s |\n", md, p, opt.kv_positions, r.error.c_str());
          continue;
        }
        const uint64_t mb = std::max(r.resource, r.dependency);
        const uint32_t lo = p - 64, hi = std::min(p, average) - 1;
        if (hi < lo) continue;
        const uint32_t k = hi - lo + 1;
        sum_pred += static_cast<double>(r.predicted) * k;
        sum_bound += static_cast<double>(mb) * k;
        sum_ratio += static_cast<double>(r.predicted) / static_cast<double>(mb) * k;
        counted += k;
        std::printf("| %s | %u | %u | %u..%u | %lu | %lu (%s) | %lu | %.3f | %u (%s) / %u%s |\n", md, p, cm.kv_positions,
                    lo, hi, (unsigned long)r.predicted, (unsigned long)r.resource, r.unit.c_str(),
                    (unsigned long)r.dependency, static_cast<double>(r.predicted) / static_cast<double>(mb),
                    r.largest_queue, r.largest_name.c_str(), geom->iq_depth(),
                    r.largest_queue > geom->iq_depth() ? " **over**" : "");
        std::fflush(stdout);
      }
      if (counted)
        std::printf("| %s | average over positions 0..%u | | | %.1f | | %.1f (max(bounds)) | %.3f (mean of the ratios %.3f) | |\n",
                    md, average - 1, sum_pred / counted, sum_bound / counted, sum_pred / sum_bound, sum_ratio / counted);
    }
    return 0;
  }

  if (table) {
    std::vector<uint32_t> ps;
    std::stringstream ss(at);
    for (std::string t; std::getline(ss, t, ',');) ps.push_back(static_cast<uint32_t>(std::stoul(t)));
    std::printf("| position | mode | program positions | predicted cycles | resource bound (unit) | dependency bound | "
                "predicted / max(bounds) | largest queue / IqDepth | MEM bytes |\n");
    std::printf("|---:|---|---:|---:|---|---:|---:|---|---:|\n");
    for (const char *md : {"exact", "fast"}) {
      for (uint32_t p : ps) {
        const LlamaOptions opt = row_options(md, (p / 64 + 1) * 64);  // the smallest program that reaches p
        CompiledModel cm;
        Row r = CompileRow(ck, *geom, opt, &cm);
        if (!r.ok) {
          std::printf("| %u | %s | %u | - | - | - | - | - | %s |\n", p, md, opt.positions, r.error.c_str());
          continue;
        }
        const uint64_t mb = std::max(r.resource, r.dependency);
        std::printf("| %u | %s | %u | %lu | %lu (%s) | %lu | %.2f | %u (%s) / %u%s | %lu |\n", p, md, r.positions,
                    (unsigned long)r.predicted, (unsigned long)r.resource, r.unit.c_str(), (unsigned long)r.dependency,
                    static_cast<double>(r.predicted) / static_cast<double>(mb), r.largest_queue, r.largest_name.c_str(),
                    geom->iq_depth(), r.largest_queue > geom->iq_depth() ? " **over**" : "", (unsigned long)r.mem);
        std::fflush(stdout);
      }
    }
    return 0;
  }

  LlamaOptions opt = base;
  opt.precision = mode == "exact" ? tsp::compiler::Precision::kExact : tsp::compiler::Precision::kFast;
  opt.positions = positions;
  opt.sched.check_iq_depth = !no_iq_check;
  CompiledModel cm;
  if (!tsp::compiler::CompileLlama(ck, *geom, opt, &cm, &err)) {
    std::fprintf(stderr, "tsp-compile: %s\n", err.c_str());
    return 1;
  }
  const uint64_t mb = std::max(cm.bounds.resource, cm.bounds.dependency);
  std::printf("%s, %s mode, %u positions, geometry %s (%s)\n", ckpt_path.c_str(), mode.c_str(), cm.positions,
              std::string(geom->params().name).c_str(), geom->Describe().c_str());
  std::printf("predicted cycles per token: %lu\n", (unsigned long)cm.predicted_cycles);
  std::printf("resource bound: %lu (%s); dependency bound: %lu; predicted / max(bounds) = %.2f\n",
              (unsigned long)cm.bounds.resource, cm.bounds.resource_unit.c_str(), (unsigned long)cm.bounds.dependency,
              static_cast<double>(cm.predicted_cycles) / static_cast<double>(mb));
  std::printf("busy cycles per unit:");
  for (const auto &[u, c] : cm.bounds.units) std::printf(" %s %lu", u.c_str(), (unsigned long)c);
  std::printf("\ninstructions per queue (IqDepth %u):", geom->iq_depth());
  for (uint32_t q = 0; q < geom->num_queues(); ++q)
    std::printf(" %s %u", geom->queue(q).name.c_str(), cm.sched.queues[q].instructions);
  std::printf("\nMEM: %lu of %lu bytes:", (unsigned long)cm.mem_bytes_used, (unsigned long)geom->mem_bytes());
  for (const auto &u : cm.mem_use) std::printf(" %s %lu", u.what.c_str(), (unsigned long)u.bytes);
  std::printf("\ngraph: %u nodes, %u spills; tokens/s at %.0f MHz: %.1f\n", cm.graph_nodes, cm.spills,
              tsp::TspBackend::kClockHz / 1e6, tsp::TspBackend::kClockHz / static_cast<double>(cm.predicted_cycles));
  if (!out_path.empty()) {
    if (!tsp::WriteProgramFile(out_path, cm.program, &err)) {
      std::fprintf(stderr, "tsp-compile: %s\n", err.c_str());
      return 1;
    }
    std::printf("wrote %s\n", out_path.c_str());
  }
  if (!timeline.empty()) {
    if (!tsp::WriteTimelineJson(cm, *geom, timeline, &err)) {
      std::fprintf(stderr, "tsp-compile: %s\n", err.c_str());
      return 1;
    }
    std::printf("wrote %s\n", timeline.c_str());
  }
  if (queues) {
    for (uint32_t q = 0; q < geom->num_queues(); ++q) {
      std::printf("== %s (%zu words)\n", geom->queue(q).name.c_str(), cm.program.queues[q].size());
      for (uint64_t w : cm.program.queues[q]) {
        tsp::Instr in;
        std::string e;
        if (tsp::Decode(w, &in, &e)) std::printf("  %s\n", tsp::Disassemble(in).c_str());
      }
    }
  }
  return 0;
}
