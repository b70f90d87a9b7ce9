// tsp-rtl-regress: random-program lockstep regression in one process (scripts/regress.sh).
//
//   tsp-rtl-regress [--seeds N] [--first S] [--max-fail N] [--fail-dir DIR] [--coverage FILE]
//                   [--progress N] [--min-cycles A --max-cycles-prog B] [--model-only]
//
// Seeds S .. S+N-1 go through the generator (tsp/progen.h) and RunLockstep (tb/common/lockstep.h)
// on one `rtl` device (the Verilated core this binary links), back to back. Prints a progress line
// every --progress seeds, then a summary: seeds run, passed, failed (with the replay command of
// each failure), cycles simulated, speed, instructions per opcode and the ISA v2 features used
// (words and programs). Exit status 0 only if every seed passed.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <array>
#include <chrono>
#include <filesystem>

#include "lockstep.h"
#include "tsp/progen.h"

int main(int argc, char **argv) {
  CLI::App app{"Random-program RTL-vs-model lockstep regression"};
  uint64_t seeds = 1000, first = 1, progress = 100;
  uint32_t max_fail = 10, min_cycles = 50, max_cycles_prog = 300;
  std::string fail_dir = "lockstep-failures", coverage;
  bool model_only = false;
  app.add_option("--seeds", seeds, "number of seeds");
  app.add_option("--first", first, "first seed");
  app.add_option("--max-fail", max_fail, "stop after this many failing seeds");
  app.add_option("--fail-dir", fail_dir, "directory for the .tspb files of failing seeds");
  app.add_option("--coverage", coverage, "write Verilator coverage data here at the end (coverage builds)");
  app.add_option("--progress", progress, "print a progress line every N seeds (0: never)");
  app.add_option("--min-cycles", min_cycles, "generator: shortest program span");
  app.add_option("--max-cycles-prog", max_cycles_prog, "generator: longest program span");
  app.add_flag("--model-only", model_only, "check the generated programs on the model only (no RTL)");
  CLI11_PARSE(app, argc, argv);

  try {
    const auto t0 = std::chrono::steady_clock::now();
    std::string open_err;
    auto dev = tsp::tb::OpenRtlDevice("", {}, &open_err);
    if (!dev) throw std::runtime_error(open_err);
    const tsp::Geometry &g = dev->geometry();
    tsp::ProgenOptions popt;
    popt.min_cycles = min_cycles;
    popt.max_cycles = std::max(min_cycles, max_cycles_prog);

    uint64_t run = 0, passed = 0, model_cycles = 0, run_clocks = 0, load_clocks = 0, words = 0;
    double run_s = 0, load_s = 0;
    tsp::OpcodeCounts counts;
    constexpr size_t kFeatures = static_cast<size_t>(tsp::Feature::kCount);
    std::array<uint64_t, kFeatures> feature_programs{};
    uint64_t chains = 0, chain_programs = 0;
    std::vector<std::pair<uint64_t, std::string>> failures;
    fmt::print("tsp-rtl-regress: geometry {} ({}), seeds {}..{}\n", g.params().name, g.Describe(), first,
               first + seeds - 1);
    std::fflush(stdout);
    for (uint64_t seed = first; seed < first + seeds; ++seed) {
      const auto gp = tsp::GenerateProgram(g, seed, popt);
      for (size_t i = 0; i < 256; ++i) {
        counts.words[i] += gp.counts.words[i];
        counts.dispatches[i] += gp.counts.dispatches[i];
      }
      for (size_t f = 0; f < kFeatures; ++f) {
        counts.features[f] += gp.counts.features[f];
        feature_programs[f] += gp.counts.features[f] > 0;
      }
      chains += gp.vxm_chains;
      chain_programs += gp.vxm_chains > 0;
      for (const auto &q : gp.program.queues) words += q.size();
      ++run;
      bool ok;
      std::string msg;
      if (model_only) {
        uint64_t cycles = 0;
        ok = tsp::CheckOnModel(g, gp.program, &msg, &cycles);
        model_cycles += cycles;
      } else {
        tsp::tb::LockstepOptions opt;
        opt.name = fmt::format("progen_{}_seed{}", g.params().name, seed);
        opt.fail_dir = fail_dir;
        const auto r = tsp::tb::RunLockstep(*dev, gp.program, opt);
        ok = r.ok;
        msg = r.message;
        model_cycles += r.model_cycles;
        run_clocks += r.run_clocks;
        load_clocks += r.load_clocks;
        run_s += r.run_seconds;
        load_s += r.load_seconds;
      }
      if (ok) {
        ++passed;
      } else {
        failures.push_back({seed, msg});
        fmt::print("FAIL seed {}: {}\n", seed, msg);
        std::fflush(stdout);
        if (failures.size() >= max_fail) {
          fmt::print("stopping after {} failing seeds (--max-fail)\n", failures.size());
          break;
        }
      }
      if (progress && run % progress == 0) {
        fmt::print("  {:6} seeds: {} passed, {} failed\n", run, passed, run - passed);
        std::fflush(stdout);
      }
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!coverage.empty()) {
      if (dev->WriteCoverage(coverage)) {
        fmt::print("coverage data: {}\n", coverage);
      } else {
        fmt::print("coverage: this build has no coverage (configure with -DTSP_RTL_COVERAGE=ON)\n");
      }
    }

    fmt::print("\n== lockstep regression summary: geometry {} ==\n", g.params().name);
    fmt::print("  {:<30} {}\n", "mode",
               model_only ? "model only" : "RTL (Verilator) vs reference model, every cycle");
    fmt::print("  {:<30} {} (seeds {}..{})\n", "seeds run", run, first, first + run - 1);
    fmt::print("  {:<30} {}\n", "passed", passed);
    fmt::print("  {:<30} {}\n", "failed", run - passed);
    fmt::print("  {:<30} {}\n", "program cycles simulated", model_cycles);
    if (!model_only) {
      fmt::print("  {:<30} {} run + {} host-bus load\n", "RTL clock cycles", run_clocks, load_clocks);
      fmt::print("  {:<30} {:.0f} cycles/s (load {:.0f} cycles/s)\n", "RTL + model speed in lockstep",
                 run_s > 0 ? static_cast<double>(run_clocks) / run_s : 0.0,
                 load_s > 0 ? static_cast<double>(load_clocks) / load_s : 0.0);
    }
    fmt::print("  {:<30} {}\n", "instruction words", words);
    fmt::print("  {:<30} {:.1f} s\n", "wall time", wall);
    fmt::print("\n  {:<9} {:>10} {:>12}\n", "opcode", "words", "dispatches");
    for (const auto &op : tsp::isa::kOps) {
      const auto i = static_cast<uint8_t>(op.opcode);
      fmt::print("  {:<9} {:>10} {:>12}\n", op.name, counts.words[i],
                 op.unit == tsp::isa::Unit::kIcu ? std::string("-") : std::to_string(counts.dispatches[i]));
    }
    fmt::print("\n  {:<30} {:>10} {:>10}\n", "ISA v2 feature", "words", "programs");
    for (size_t f = 0; f < kFeatures; ++f) {
      fmt::print("  {:<30} {:>10} {:>10}\n", tsp::FeatureName(static_cast<tsp::Feature>(f)),
                 counts.features[f], feature_programs[f]);
    }
    fmt::print("  {:<30} {:>10} {:>10}\n", "VXM -> VXM chain (in place)", chains, chain_programs);
    if (!failures.empty()) {
      fmt::print("\nfailing seeds:\n");
      for (const auto &[seed, msg] : failures) {
        fmt::print("  seed {}: {}\n", seed, msg.substr(0, msg.find('\n')));
        fmt::print(
            "    replay: TSP_SEED={} test_rtl_system{} or tsp-sim --device {} {}/progen_{}_seed{}.tspb "
            "--lockstep\n",
            seed, g.params().name == "default" ? "" : "_" + std::string(g.params().name),
            g.params().name == "default" ? "rtl" : "rtl:" + std::string(g.params().name), fail_dir,
            g.params().name, seed);
      }
    }
    fmt::print("\n{} passed, {} failed\n", passed, run - passed);
    return passed == run ? 0 : 1;
  } catch (const std::exception &e) {
    fmt::print(stderr, "tsp-rtl-regress: {}\n", e.what());
    return 1;
  }
}
