// tsp-rtl-bench: simulation speed of the Verilated RTL against the reference model on the same
// program (a long random program from the generator). Prints figures; asserts nothing.
//
//   tsp-rtl-bench [--cycles N] [--seed S] [--build-seconds T]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>

#include "lockstep.h"
#include "tsp/progen.h"

namespace {
using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"RTL vs reference-model simulation speed"};
  uint32_t cycles = 3000;
  uint64_t seed = 1;
  double build_seconds = -1;
  app.add_option("--cycles", cycles, "approximate program length in cycles");
  app.add_option("--seed", seed, "generator seed");
  app.add_option("--build-seconds", build_seconds, "Verilator build time to print (measured by the caller)");
  CLI11_PARSE(app, argc, argv);
  try {
    auto t = Clock::now();
    tsp::tb::RtlDevice dev;
    const double construct_s = Since(t);
    const tsp::Geometry &g = dev.geometry();
    tsp::ProgenOptions popt;
    popt.min_cycles = popt.max_cycles = cycles;
    popt.max_jobs = 100000;
    const auto gp = tsp::GenerateProgram(g, seed, popt);
    size_t words = 0;
    for (const auto &q : gp.program.queues) words += q.size();

    // Reference model alone: repeat until at least half a second has passed.
    uint64_t model_cycles = 0, runs = 0;
    t = Clock::now();
    while (runs == 0 || Since(t) < 0.5) {
      tsp::Model m(g);
      std::string err;
      if (!m.LoadProgram(gp.program, &err)) throw std::runtime_error(err);
      m.Start();
      model_cycles += m.Run(10'000'000).cycles;
      ++runs;
    }
    const double model_rate = static_cast<double>(model_cycles) / Since(t);

    tsp::tb::LockstepOptions rtl_only;
    rtl_only.compare = false;
    rtl_only.write_failure = false;
    const auto r = tsp::tb::RunLockstep(dev, gp.program, rtl_only);
    if (!r.ok) throw std::runtime_error(r.message);
    const double rtl_rate = static_cast<double>(r.run_clocks) / r.run_seconds;
    const double load_rate = static_cast<double>(r.load_clocks) / r.load_seconds;

    tsp::tb::LockstepOptions ls;
    ls.write_failure = false;
    const auto l = tsp::tb::RunLockstep(dev, gp.program, ls);
    if (!l.ok) throw std::runtime_error(l.message);
    const double ls_rate = static_cast<double>(l.run_clocks) / l.run_seconds;

    fmt::print("program: seed {}, {} cycles, {} instruction words, geometry {} ({})\n", seed, r.rtl_cycles,
               words, g.params().name, g.Describe());
    fmt::print("{:<36} {:>14}\n", "simulator", "cycles/s");
    fmt::print("{:<36} {:>14.0f}\n", "reference model (tsp::Model)", model_rate);
    fmt::print("{:<36} {:>14.0f}   ({:.0f}x slower than the model)\n", "RTL (Verilator), run", rtl_rate,
               model_rate / rtl_rate);
    fmt::print("{:<36} {:>14.0f}\n", "RTL (Verilator), host-bus load", load_rate);
    fmt::print("{:<36} {:>14.0f}\n", "lockstep (RTL + model + compare)", ls_rate);
    fmt::print("{:<36} {:>14.2f} s\n", "RTL model construction + reset", construct_s);
    if (build_seconds >= 0)
      fmt::print("{:<36} {:>14.0f} s\n", "Verilator build (verilate + compile, 1 core)", build_seconds);
    return 0;
  } catch (const std::exception &e) {
    fmt::print(stderr, "tsp-rtl-bench: {}\n", e.what());
    return 1;
  }
}
