// tsp-fcov: functional coverage of generated programs on the reference model (`make fcov`).
//
//   tsp-fcov [--geometry default,small] [--modes default,long:100,...] [--seeds N] [--first S]
//            [--jobs J] [--in FILE ...] [-o FILE] [--report FILE.md] [--json FILE]
//
// For every geometry and generator mode (ProgenOptions::Preset; MODE:K runs K seeds of that mode
// instead of N, for the expensive ones), seeds S .. S+N-1 go through the
// generator and run on the reference model with a tsp::fcov::Sampler on its cycle hook: every
// dispatch (re-issues included) lands in its bin of opcode x type x direction x REPEAT use
// (tsp/fcov.h, docs/verification.md §5). No RTL: the lockstep regression (tsp-rtl-regress --fcov)
// samples the same bins on the model it compares the RTL with, so this is the cheap way to see what
// the generator reaches. --in adds counts files (of other runs, shards, tsp-rtl-regress --fcov);
// -o writes the merged counts, --report the markdown report (totals, per group / REPEAT use /
// direction / opcode, every empty bin; "-" = standard output), --json the same as JSON.
// Prints one line per geometry and mode (programs, model cycles, dispatches, bins hit alone and so
// far) and the totals per group. Exit status: 0; 1 when a program does not finish on the model or
// a file cannot be read or written; 2 for bad arguments.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tsp/fcov.h"
#include "tsp/progen.h"

namespace {

std::vector<std::string> SplitList(const std::string &s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool WriteText(const std::string &path, const std::string &text) {
  if (path == "-") {
    fmt::print("{}", text);
    return true;
  }
  std::ofstream f(path);
  f << text;
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{
      "Functional coverage (opcode x type x direction x REPEAT use) of generated programs on the model"};
  std::string geometries = "default,small", modes, out, report, json;
  std::vector<std::string> inputs;
  uint64_t seeds = 100, first = 1;
  unsigned jobs = 1;
  app.add_option("--geometry", geometries, "geometries, comma-separated (default, small)");
  app.add_option("--modes", modes,
                 "generator modes, comma-separated, MODE:K for K seeds (default: every preset)");
  app.add_option("--seeds", seeds, "seeds per geometry and mode (0: only merge --in files)");
  app.add_option("--first", first, "first seed");
  app.add_option("--jobs", jobs, "threads");
  app.add_option("--in", inputs, "counts files to add (tsp-fcov -o, tsp-rtl-regress --fcov)");
  app.add_option("-o,--out", out, "write the merged counts here");
  app.add_option("--report", report, "write the markdown report here ('-': standard output)");
  app.add_option("--json", json, "write the figures and every bin as JSON here");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> mode_list = modes.empty() ? tsp::ProgenOptions::PresetNames() : SplitList(modes);
  std::vector<tsp::Geometry> geoms;
  for (const auto &name : SplitList(geometries)) {
    const auto g = tsp::Geometry::FromName(name);
    if (!g) {
      fmt::print(stderr, "tsp-fcov: unknown geometry '{}' (default, small)\n", name);
      return 2;
    }
    geoms.push_back(*g);
  }
  std::vector<tsp::ProgenOptions> opts;
  std::vector<uint64_t> mode_seeds;
  try {
    for (auto &m : mode_list) {
      uint64_t k = seeds;
      if (const size_t colon = m.find(':'); colon != std::string::npos) {
        const std::string num = m.substr(colon + 1);
        if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos || num.size() > 12) {
          fmt::print(stderr, "tsp-fcov: '{}': expected MODE or MODE:SEEDS\n", m);
          return 2;
        }
        k = seeds ? std::stoull(num) : 0;
        m = m.substr(0, colon);
      }
      opts.push_back(tsp::ProgenOptions::Preset(m));
      mode_seeds.push_back(k);
    }
  } catch (const std::exception &e) {
    fmt::print(stderr, "tsp-fcov: {}\n", e.what());
    return 2;
  }
  jobs = std::max(1u, jobs);

  int status = 0;
  tsp::fcov::Coverage total;
  for (const auto &path : inputs) {
    std::string err;
    if (!tsp::fcov::Coverage::ReadFile(path, &total, &err)) {
      fmt::print(stderr, "tsp-fcov: {}\n", err);
      return 1;
    }
    fmt::print("{}: {} programs, {} of {} bins hit\n", path, total.total_programs(), total.hit(),
               total.bins());
  }

  if (seeds > 0) {
    fmt::print("{:<8} {:<8} {:>8} {:>12} {:>12} {:>10} {:>9} {:>9} {:>8}\n", "geometry", "mode", "programs",
               "cycles", "dispatches", "re-issues", "hit", "so far", "time");
  }
  for (const auto &g : seeds > 0 ? geoms : std::vector<tsp::Geometry>{}) {
    for (size_t mi = 0; mi < opts.size(); ++mi) {
      const uint64_t n = mode_seeds[mi];
      if (n == 0) continue;
      const auto t0 = std::chrono::steady_clock::now();
      std::atomic<uint64_t> next{0}, cycles{0}, bad{0};
      std::vector<tsp::fcov::Coverage> part(jobs);
      std::mutex print_mu;
      auto work = [&](unsigned j) {
        for (uint64_t i; (i = next++) < n;) {
          const uint64_t seed = first + i;
          const auto gp = tsp::GenerateProgram(g, seed, opts[mi]);
          const auto r = tsp::fcov::SampleOnModel(g, gp.program, &part[j]);
          cycles += r.cycles;
          if (r.status != tsp::RunStatus::kDone) {
            ++bad;
            std::lock_guard<std::mutex> lock(print_mu);
            fmt::print(stderr, "tsp-fcov: {} {} seed {}: {} ({})\n", g.params().name, mode_list[mi], seed,
                       tsp::RunStatusName(r.status), r.message);
          }
        }
      };
      std::vector<std::thread> threads;
      for (unsigned j = 1; j < jobs; ++j) threads.emplace_back(work, j);
      work(0);
      for (auto &t : threads) t.join();
      tsp::fcov::Coverage run;
      for (const auto &p : part) run.Merge(p);
      run.AddPrograms(fmt::format("{}/{}", g.params().name, mode_list[mi]), n);
      total.Merge(run);
      if (bad) status = 1;
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      fmt::print("{:<8} {:<8} {:>8} {:>12} {:>12} {:>10} {:>9} {:>9} {:>7.1f}s\n", g.params().name,
                 mode_list[mi], n, cycles.load(), run.dispatches(), run.reissues(), run.hit(), total.hit(),
                 s);
      std::fflush(stdout);
    }
  }

  // Totals per group (the report has the rest).
  std::map<std::string, std::pair<size_t, size_t>> groups;
  for (size_t i = 0; i < total.bins(); ++i) {
    auto &gr = groups[tsp::fcov::GroupOf(tsp::fcov::Bins()[i].op)];
    gr.first++;
    gr.second += total.count(i) > 0;
  }
  fmt::print("\nfunctional coverage ({} programs, {} dispatches, {} re-issues):\n", total.total_programs(),
             total.dispatches(), total.reissues());
  for (const auto &[name, bh] : groups) {
    fmt::print("  {:<6} {:>4} of {:>4} bins hit ({:.1f} %)\n", name, bh.second, bh.first,
               100.0 * static_cast<double>(bh.second) / static_cast<double>(bh.first));
  }
  fmt::print("  {:<6} {:>4} of {:>4} bins hit ({:.1f} %), {} empty\n", "total", total.hit(), total.bins(),
             100.0 * static_cast<double>(total.hit()) / static_cast<double>(total.bins()),
             total.bins() - total.hit());

  std::string err;
  if (!out.empty()) {
    if (!total.WriteFile(out, &err)) {
      fmt::print(stderr, "tsp-fcov: {}\n", err);
      return 1;
    }
    fmt::print("counts: {}\n", out);
  }
  if (!report.empty()) {
    if (!WriteText(report, total.Report())) {
      fmt::print(stderr, "tsp-fcov: cannot write {}\n", report);
      return 1;
    }
    if (report != "-") fmt::print("report: {}\n", report);
  }
  if (!json.empty()) {
    if (!WriteText(json, total.Json())) {
      fmt::print(stderr, "tsp-fcov: cannot write {}\n", json);
      return 1;
    }
    fmt::print("json: {}\n", json);
  }
  return status;
}
