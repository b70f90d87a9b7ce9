// tsp-rtl-regress: random-program lockstep regression in one process (scripts/regress.sh).
//
//   tsp-rtl-regress [--mode NAME] [--seeds N] [--first S] [--shard k/N] [--junit FILE]
//                   [--rand-seed R] [--max-fail N] [--fail-dir DIR] [--coverage FILE] [--progress N]
//                   [--min-cycles A --max-cycles-prog B] [--model-only] [--fcov FILE]
//
// Seeds S .. S+N-1 go through the generator (tsp/progen.h) in the given mode
// (ProgenOptions::Preset: default, long, fields, gather, mxm, sync, fp, error) and RunLockstep
// (tb/common/lockstep.h) on one `rtl` device (the Verilated core this binary links), back to back.
// In error mode each program carries one planted schedule error: the model must raise exactly it
// and the RTL the same pulses and ERROR (a planted UnitBusy is checked on the RTL alone: what a busy
// unit does with the instruction is not part of the contract, docs/verification.md §3). With
// --shard k/N only the seeds S+i with i % N == k-1 run (a deterministic slice: shards 1..N together
// run every seed exactly once; scripts/regress_merge.py checks that). Prints a progress line every
// --progress seeds, then a summary: seeds run, passed, failed (with the replay command of each
// failure), cycles simulated, speed, instructions per opcode, the ISA v2 features used (words and
// programs) and the figures of the mode (ProgramFigures; for gather and fp also what the units
// read, ProbeOnModel). --junit writes JUnit XML: one testcase per seed of the shard (seeds not run
// after --max-fail are <skipped/>), the failure message with the replay command. --rand-seed
// (default TSP_RTL_RAND_SEED, else 1) is the device's random initial state. Exit status 0 only if
// every seed passed; 2 for bad arguments. --fcov FILE samples functional coverage (tsp/fcov.h:
// opcode x type x direction x REPEAT use) with a cycle hook on the lockstep's model, i.e. of the
// dispatches compared with the RTL's in every cycle (seeds that pass only; with --model-only, and for
// a planted UnitBusy, which the RTL runs alone, on a separate model run), and writes the counts to
// FILE and the report to FILE.md (merge shards / modes with tsp-fcov --in).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "lockstep.h"
#include "tsp/fcov.h"
#include "tsp/progen.h"

namespace {

std::string XmlEscape(const std::string &in) {
  std::string out;
  for (const char c : in) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

struct SeedRecord {
  uint64_t seed = 0;
  bool run = false, ok = false;
  double seconds = 0;
  uint64_t cycles = 0;
  std::string message, replay;
};

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"Random-program RTL-vs-model lockstep regression"};
  uint64_t seeds = 1000, first = 1, progress = 100;
  uint32_t max_fail = 10, min_cycles = 50, max_cycles_prog = 300;
  std::string fail_dir = "lockstep-failures", coverage, mode = "default", shard_arg, junit, rand_seed_arg,
              fcov_file;
  bool model_only = false;
  app.add_option("--mode", mode, "generator mode: default, long, fields, gather, mxm, sync, fp, error");
  app.add_option("--seeds", seeds, "number of seeds");
  app.add_option("--first", first, "first seed");
  app.add_option("--max-fail", max_fail, "stop after this many failing seeds");
  app.add_option("--fail-dir", fail_dir, "directory for the .tspb files of failing seeds");
  app.add_option("--coverage", coverage, "write Verilator coverage data here at the end (coverage builds)");
  app.add_option("--progress", progress, "print a progress line every N seeds (0: never)");
  auto *min_opt =
      app.add_option("--min-cycles", min_cycles, "generator: shortest program span (default: the mode's)");
  auto *max_opt = app.add_option("--max-cycles-prog", max_cycles_prog, "generator: longest program span");
  app.add_flag("--model-only", model_only, "check the generated programs on the model only (no RTL)");
  app.add_option("--shard", shard_arg, "k/N: run only the seeds first+i with i % N == k-1 (1 <= k <= N)");
  app.add_option("--junit", junit, "write JUnit XML here (one testcase per seed)");
  app.add_option("--fcov", fcov_file,
                 "functional coverage of the dispatches: counts to FILE, markdown report to FILE.md");
  app.add_option(
      "--rand-seed", rand_seed_arg,
      "random initial state of the RTL (1..2^32-1 or 'random'; default $TSP_RTL_RAND_SEED, else 1)");
  CLI11_PARSE(app, argc, argv);

  uint64_t shard_k = 1, shard_n = 1;
  if (!shard_arg.empty()) {
    std::smatch m;
    const std::regex re(R"(^([0-9]{1,9})/([0-9]{1,9})$)");
    if (!std::regex_match(shard_arg, m, re) || (shard_k = std::stoull(m[1])) < 1 ||
        (shard_n = std::stoull(m[2])) < shard_k) {
      fmt::print(stderr, "tsp-rtl-regress: --shard '{}': expected k/N with 1 <= k <= N (e.g. 2/4)\n",
                 shard_arg);
      return 2;
    }
  }
  uint32_t rand_seed = 1;
  {
    std::string err;
    const bool ok = rand_seed_arg.empty() ? tsp::tb::RandSeedFromEnv(1, &rand_seed, &err)
                                          : tsp::tb::ParseRandSeed(rand_seed_arg, &rand_seed, &err);
    if (!ok) {
      fmt::print(stderr, "tsp-rtl-regress: {}\n", err);
      return 2;
    }
  }
  const std::string shard_name = shard_n > 1 ? fmt::format("{}/{}", shard_k, shard_n) : "";

  try {
    const auto t0 = std::chrono::steady_clock::now();
    std::string open_err;
    tsp::tb::RtlOptions ropt;
    ropt.rand_seed = rand_seed;
    auto dev = tsp::tb::OpenRtlDevice("", ropt, &open_err);
    if (!dev) throw std::runtime_error(open_err);
    const tsp::Geometry &g = dev->geometry();
    tsp::ProgenOptions popt = tsp::ProgenOptions::Preset(mode);
    if (min_opt->count()) popt.min_cycles = min_cycles;
    if (max_opt->count()) popt.max_cycles = max_cycles_prog;
    popt.max_cycles = std::max(popt.min_cycles, popt.max_cycles);
    const bool probe = mode == "gather" || mode == "fp";
    const std::string stem = mode == "default" ? "" : mode + "_";  // failing programs' file names

    uint64_t run = 0, passed = 0, model_cycles = 0, run_clocks = 0, load_clocks = 0, words = 0;
    double run_s = 0, load_s = 0;
    tsp::OpcodeCounts counts;
    constexpr size_t kFeatures = static_cast<size_t>(tsp::Feature::kCount);
    std::array<uint64_t, kFeatures> feature_programs{};
    uint64_t chains = 0, chain_programs = 0;
    // Figures of the mode (docs/verification.md §1), measured on the programs.
    tsp::ProgramFigures fig;
    uint64_t min_longest = UINT64_MAX, barriers = 0, swaps_programs = 0, mixed_programs = 0, mixed = 0;
    uint64_t cancel = 0, cancel_programs = 0, gather_accesses = 0;
    std::array<uint64_t, static_cast<size_t>(tsp::FpClass::kCount)> fp_lanes{}, fp_programs{};
    std::set<uint32_t> gather_words;
    std::map<uint32_t, std::pair<uint64_t, uint64_t>> planted;  // error bit -> (planted, raised as planted)
    std::vector<std::pair<uint64_t, std::string>> failures;
    tsp::fcov::Coverage fcov;      // --fcov: seeds that passed
    uint64_t fcov_model_side = 0;  // of them sampled on a separate model run
    const std::string config(g.params().name);
    const std::string test_exe = config == "default" ? "test_rtl_system" : "test_rtl_system_" + config;
    const std::string spec = config == "default" ? "rtl" : "rtl:" + config;
    std::vector<SeedRecord> records;
    for (uint64_t i = 0; i < seeds; ++i) {
      if (i % shard_n != shard_k - 1) continue;
      SeedRecord rec;
      rec.seed = first + i;
      records.push_back(rec);
    }
    fmt::print("tsp-rtl-regress: geometry {} ({}), mode {}, seeds {}..{}{}, {} to run; random initial state seed {}\n",
               config, g.Describe(), mode, first, first + seeds - 1,
               shard_name.empty() ? ""
                                  : fmt::format(", shard {} (seeds first+i, i % {} == {})", shard_name,
                                                shard_n, shard_k - 1),
               records.size(), rand_seed);
    std::fflush(stdout);
    for (SeedRecord &rec : records) {
      const uint64_t seed = rec.seed;
      const auto ts = std::chrono::steady_clock::now();
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
      const auto f = tsp::MeasureProgram(gp.program);
      min_longest = std::min(min_longest, f.longest_queue);
      fig.longest_queue = std::max(fig.longest_queue, f.longest_queue);
      fig.max_nop = std::max(fig.max_nop, f.max_nop);
      fig.max_repeat_n = std::max(fig.max_repeat_n, f.max_repeat_n);
      fig.max_repeat_d = std::max(fig.max_repeat_d, f.max_repeat_d);
      fig.min_stride = std::min(fig.min_stride, f.min_stride);
      fig.max_stride = std::max(fig.max_stride, f.max_stride);
      fig.min_mem_stride = std::min(fig.min_mem_stride, f.min_mem_stride);
      fig.max_mem_stride = std::max(fig.max_mem_stride, f.max_mem_stride);
      fig.max_mem_addr = std::max(fig.max_mem_addr, f.max_mem_addr);
      barriers += f.syncs + f.notifies;
      fig.mxm_swaps += f.mxm_swaps;
      fig.mxm_overlapped_abc += f.mxm_overlapped_abc;
      swaps_programs += f.mxm_swaps > 0;
      if (probe) {  // what the units read, on the model (cheap next to the RTL)
        const auto d = tsp::ProbeOnModel(g, gp.program);
        for (size_t c = 0; c < fp_lanes.size(); ++c) {
          fp_lanes[c] += d.fp_lanes[c];
          fp_programs[c] += d.fp_lanes[c] > 0;
        }
        cancel += d.fp_cancel;
        cancel_programs += d.fp_cancel > 0;
        gather_accesses += d.gather_accesses;
        gather_words.insert(d.gather_words.begin(), d.gather_words.end());
        mixed += d.mixed_bank;
        mixed_programs += d.mixed_bank > 0;
      }
      ++run;
      bool ok;
      std::string msg;
      const uint32_t expect = gp.expected_error;  // 0 unless error mode
      if (expect) ++planted[expect].first;
      tsp::fcov::Coverage seed_cov;
      bool fcov_sampled = fcov_file.empty();
      if (model_only) {
        uint64_t cycles = 0;
        if (expect) {
          tsp::Model m(g);
          std::string err;
          ok = m.LoadProgram(gp.program, &err);
          m.Start();
          const auto r = m.Run(10'000'000);
          cycles = r.cycles;
          ok = ok && r.status == tsp::RunStatus::kDone && m.error_bits() == expect;
          msg = fmt::format("model ERROR 0x{:x}, planted 0x{:x}: {}", m.error_bits(), expect, gp.planted);
        } else {
          ok = tsp::CheckOnModel(g, gp.program, &msg, &cycles, 10'000'000);
        }
        model_cycles += cycles;
      } else {
        tsp::tb::LockstepOptions opt;
        opt.name = fmt::format("progen_{}_{}seed{}", config, stem, seed);
        opt.fail_dir = fail_dir;
        // A planted UnitBusy: the RTL alone, only its ERROR (what the unit does is not specified).
        opt.compare = expect != tsp::isa::kErrUnitBusy;
        // Functional coverage from the model the RTL is compared with, cycle by cycle.
        tsp::fcov::Sampler sampler(gp.program, &seed_cov);
        if (!fcov_file.empty() && opt.compare) {
          opt.model_hook = sampler.Hook();
          fcov_sampled = true;
        }
        const auto r = tsp::tb::RunLockstep(*dev, gp.program, opt);
        ok = r.ok;
        msg = r.message;
        if (ok && expect) {
          const uint32_t got = opt.compare ? r.model_error : r.rtl_error;
          ok = got == expect && r.rtl_error == expect;
          if (!ok) {
            msg = fmt::format("planted {} (0x{:x}) but the model reports 0x{:x} and the RTL 0x{:x}",
                              gp.planted, expect, r.model_error, r.rtl_error);
          }
        }
        model_cycles += opt.compare ? r.model_cycles : r.rtl_cycles;
        run_clocks += r.run_clocks;
        load_clocks += r.load_clocks;
        run_s += r.run_seconds;
        load_s += r.load_seconds;
        rec.cycles = r.model_cycles;
      }
      rec.run = true;
      rec.ok = ok;
      rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - ts).count();
      if (!ok) {
        rec.message = msg;
        const std::string env = mode == "default" ? "" : "TSP_PROGEN_MODE=" + mode + " ";
        rec.replay = fmt::format(
            "{7}TSP_SEED={0} {1}; tsp-sim --device {2} {3}/progen_{4}_{8}seed{0}.tspb --lockstep; "
            "tsp-rtl-regress{5} --mode {9} --first {0} --seeds 1 --rand-seed {6}",
            seed, test_exe, spec, fail_dir, config, config == "default" ? "" : "-" + config, rand_seed, env, stem,
            mode);
      }
      if (ok && expect) ++planted[expect].second;
      if (ok && !fcov_sampled) {  // model only, or the RTL ran alone: sample on the model
        tsp::fcov::SampleOnModel(g, gp.program, &seed_cov);
        ++fcov_model_side;
      }
      if (ok && !fcov_file.empty()) {
        fcov.Merge(seed_cov);
        fcov.AddPrograms(fmt::format("{}/{}", config, mode));
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
    fmt::print("  {:<30} {} (of seeds {}..{}{})\n", "seeds run", run, first, first + seeds - 1,
               shard_name.empty() ? "" : ", shard " + shard_name);
    fmt::print("  {:<30} {}\n", "random initial state seed", rand_seed);
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

    // The figures each mode exists for (docs/verification.md §1), over the programs run.
    fmt::print("\n  generator mode {} ({} programs):\n", mode, run);
    fmt::print("  {:<30} {} .. {} words (IqDepth {})\n", "longest queue per program", run ? min_longest : 0,
               fig.longest_queue, g.iq_depth());
    fmt::print("  {:<30} {}\n", "largest NOP", fig.max_nop);
    fmt::print("  {:<30} n {}, d {}\n", "largest REPEAT", fig.max_repeat_n, fig.max_repeat_d);
    fmt::print("  {:<30} {} .. {} (READ / WRITE: {} .. {})\n", "REPEAT strides", fig.min_stride,
               fig.max_stride, fig.min_mem_stride, fig.max_mem_stride);
    fmt::print("  {:<30} {} (of {})\n", "highest MEM address", fig.max_mem_addr, g.mem_words() - 1);
    fmt::print(
        "  {:<30} {:.1f}\n", "SYNC + NOTIFY per 100 cycles",
        model_cycles ? 100.0 * static_cast<double>(barriers) / static_cast<double>(model_cycles) : 0.0);
    fmt::print("  {:<30} {} in {} programs, {} ABCs while the next weights loaded\n",
               "MXM swaps (LW x16 -> IW)", fig.mxm_swaps, swaps_programs, fig.mxm_overlapped_abc);
    if (probe) {
      fmt::print("  {:<30} {} accesses, {} of {} words\n", "GATHER / SCATTER addresses", gather_accesses,
                 gather_words.size(), g.mem_words());
      fmt::print("  {:<30} {} (tile cycles) in {} programs\n", "READ + GATHER other bank", mixed,
                 mixed_programs);
      std::string classes;
      for (size_t c = 0; c < fp_lanes.size(); ++c) {
        classes += fmt::format("{}{} {} ({})", c ? ", " : "", tsp::FpClassName(static_cast<tsp::FpClass>(c)),
                               fp_lanes[c], fp_programs[c]);
      }
      fmt::print("  {:<30} {}\n", "fp32 operand lanes (programs)", classes);
      fmt::print("  {:<30} {} in {} programs\n", "cancelling fp lanes", cancel, cancel_programs);
    }
    for (const auto &[bit, n] : planted) {
      size_t i = 0;
      while (i + 1 < tsp::isa::kErrorNames.size() && (1u << i) != bit) ++i;
      fmt::print("  {:<30} planted {}, raised as planted {}\n",
                 fmt::format("error {}", tsp::isa::kErrorNames[i]), n.first, n.second);
    }
    if (!fcov_file.empty()) {
      std::string err;
      const auto dir = std::filesystem::path(fcov_file).parent_path();
      if (!dir.empty()) std::filesystem::create_directories(dir);
      if (!fcov.WriteFile(fcov_file, &err)) throw std::runtime_error(err);
      std::ofstream rep_md(fcov_file + ".md");
      rep_md << fcov.Report(
          fmt::format("Functional coverage: tsp-rtl-regress, geometry {}, mode {}", config, mode));
      if (!rep_md) throw std::runtime_error("cannot write " + fcov_file + ".md");
      fmt::print("\n  {:<30} {} of {} bins hit ({:.1f} %), {} dispatches of {} passing seeds{}\n",
                 "functional coverage", fcov.hit(), fcov.bins(),
                 100.0 * static_cast<double>(fcov.hit()) / static_cast<double>(fcov.bins()),
                 fcov.dispatches(), fcov.total_programs(),
                 model_only ? " (model only)"
                 : fcov_model_side
                     ? fmt::format(" ({} RTL-alone seeds sampled on the model)", fcov_model_side)
                     : std::string(" (the lockstep model's, = RTL dispatches)"));
      fmt::print("  {:<30} {} (report {}.md)\n", "functional coverage counts", fcov_file, fcov_file);
    }
    if (!failures.empty()) {
      fmt::print("\nfailing seeds:\n");
      for (const SeedRecord &rec : records) {
        if (!rec.run || rec.ok) continue;
        fmt::print("  seed {}: {}\n", rec.seed, rec.message.substr(0, rec.message.find('\n')));
        fmt::print("    replay: {}\n", rec.replay);
      }
    }
    if (!junit.empty()) {
      // JUnit XML (the common subset CI systems read): one testsuite, one testcase per seed. The
      // suite is named by geometry and, outside the default mode, the generator mode.
      const std::string suite = mode == "default" ? config : config + "." + mode;
      size_t skipped = 0;
      for (const SeedRecord &rec : records) skipped += !rec.run;
      const std::time_t now = std::time(nullptr);
      char stamp[32];
      std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", std::gmtime(&now));
      std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
      x += fmt::format(
          "<testsuite name=\"tsp-rtl-regress.{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" "
          "time=\"{:.3f}\" timestamp=\"{}\">\n",
          suite, records.size(), run - passed, skipped, wall, stamp);
      x += "  <properties>\n";
      auto prop = [&](const std::string &k, const std::string &v) {
        x += fmt::format("    <property name=\"{}\" value=\"{}\"/>\n", k, XmlEscape(v));
      };
      prop("geometry", config);
      prop("first", std::to_string(first));
      prop("seeds", std::to_string(seeds));
      prop("shard", fmt::format("{}/{}", shard_k, shard_n));
      prop("rand_seed", std::to_string(rand_seed));
      prop("check", model_only ? "model-only" : "lockstep");
      prop("mode", mode);
      prop("program_span", fmt::format("{}..{}", popt.min_cycles, popt.max_cycles));
      x += "  </properties>\n";
      for (const SeedRecord &rec : records) {
        x += fmt::format("  <testcase classname=\"lockstep.{}\" name=\"seed_{}\" time=\"{:.3f}\"", suite,
                         rec.seed, rec.seconds);
        if (!rec.run) {
          x += ">\n    <skipped message=\"not run: stopped after --max-fail failing seeds\"/>\n  "
               "</testcase>\n";
        } else if (rec.ok) {
          x += "/>\n";
        } else {
          x += fmt::format(
              ">\n    <failure type=\"lockstep\" message=\"{}\">{}\nreplay: {}</failure>\n  </testcase>\n",
              XmlEscape(rec.message.substr(0, rec.message.find('\n'))), XmlEscape(rec.message),
              XmlEscape(rec.replay));
        }
      }
      x += "</testsuite>\n";
      const auto dir = std::filesystem::path(junit).parent_path();
      if (!dir.empty()) std::filesystem::create_directories(dir);
      std::ofstream f(junit);
      f << x;
      if (!f) throw std::runtime_error("cannot write " + junit);
      fmt::print("\nJUnit XML: {}\n", junit);
    }
    fmt::print("\n{} passed, {} failed\n", passed, run - passed);
    return passed == run ? 0 : 1;
  } catch (const std::exception &e) {
    fmt::print(stderr, "tsp-rtl-regress: {}\n", e.what());
    return 1;
  }
}
