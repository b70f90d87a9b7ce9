// tsp-rtl-bench: simulation speed of the Verilated RTL (the `rtl` device this binary links) against
// the reference model on the same long random program, and the cost of loading: host bus against
// the simulation backdoor, loading before every run against loading once. Prints figures; asserts
// nothing.
//
//   tsp-rtl-bench [--cycles N] [--seed S] [--runs R] [--weights-kb K] [--speed-only] [--build-seconds T]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <random>

#include "lockstep.h"
#include "tsp/progen.h"

namespace {
using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::unique_ptr<tsp::tb::RtlDevice> Open(bool backdoor) {
  tsp::tb::RtlOptions opt;
  opt.backdoor = backdoor;
  std::string err;
  auto d = tsp::tb::OpenRtlDevice("", opt, &err);
  if (!d) throw std::runtime_error(err);
  return d;
}

struct Timed {
  double seconds = 0;
  uint64_t clocks = 0;
};

// Loads `p` (when load) and runs it; throws on failure.
Timed LoadAndRun(tsp::Device &d, const tsp::Program &p, bool load, uint64_t *cycles) {
  const auto t = Clock::now();
  const uint64_t c = d.clocks();
  std::string err;
  if (load && !d.LoadProgram(p, &err)) throw std::runtime_error(err);
  const auto r = d.Run(100'000'000);
  if (!r.ok) throw std::runtime_error(r.message);
  *cycles = r.cycles;
  return {Since(t), d.clocks() - c};
}
}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"RTL vs reference-model simulation speed, and program loading cost"};
  uint32_t cycles = 3000, runs = 3, weights_kb = 881;
  uint64_t seed = 1;
  double build_seconds = -1;
  bool speed_only = false;
  app.add_flag("--speed-only", speed_only, "only the simulation speeds (no loading comparison)");
  app.add_option("--cycles", cycles, "approximate program length in cycles");
  app.add_option("--seed", seed, "generator seed");
  app.add_option("--runs", runs, "runs of the program for the load-once / reload comparison")->check(CLI::Range(1u, 1000u));
  app.add_option("--weights-kb", weights_kb, "MEM bytes (KiB) to load for the bus / backdoor comparison (0: skip)");
  app.add_option("--build-seconds", build_seconds, "Verilator build time to print (measured by the caller)");
  CLI11_PARSE(app, argc, argv);
  try {
    auto t = Clock::now();
    auto dev = Open(true);
    const double construct_s = Since(t);
    const tsp::Geometry &g = dev->geometry();
    tsp::ProgenOptions popt;
    popt.min_cycles = popt.max_cycles = cycles;
    popt.max_jobs = 100000;
    const auto gp = tsp::GenerateProgram(g, seed, popt);
    size_t words = 0, image_bytes = 0;
    for (const auto &q : gp.program.queues) words += q.size();
    for (const auto &m : gp.program.mem) image_bytes += m.data.size();

    // Reference model alone: repeat until at least half a second has passed.
    uint64_t model_cycles = 0, model_runs = 0;
    t = Clock::now();
    while (model_runs == 0 || Since(t) < 0.5) {
      tsp::Model m(g);
      std::string err;
      if (!m.LoadProgram(gp.program, &err)) throw std::runtime_error(err);
      m.Start();
      model_cycles += m.Run(10'000'000).cycles;
      ++model_runs;
    }
    const double model_rate = static_cast<double>(model_cycles) / Since(t);

    // RTL alone through the Device path: load once (backdoor), run `runs` times.
    uint64_t prog_cycles = 0;
    const Timed first = LoadAndRun(*dev, gp.program, true, &prog_cycles);
    Timed rerun;
    for (uint32_t i = 0; i < runs; ++i) {
      const Timed r = LoadAndRun(*dev, gp.program, false, &prog_cycles);
      rerun.seconds += r.seconds;
      rerun.clocks += r.clocks;
    }
    const double rtl_rate = static_cast<double>(rerun.clocks) / rerun.seconds;
    // The same per CPU-second of this process (all threads): less sensitive to other load on the
    // machine than wall time; with Verilator threads it counts their spinning too.
    const std::clock_t cpu0 = std::clock();
    const Timed cpu_run = LoadAndRun(*dev, gp.program, false, &prog_cycles);
    const double cpu_s = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;

    // Lockstep (RTL + model + compare every cycle).
    tsp::tb::LockstepOptions ls;
    ls.write_failure = false;
    const auto l = tsp::tb::RunLockstep(*dev, gp.program, ls);
    if (!l.ok) throw std::runtime_error(l.message);
    const double ls_rate = static_cast<double>(l.run_clocks) / l.run_seconds;

    fmt::print("program: seed {}, {} cycles, {} instruction words, {} MEM image bytes, geometry {} ({})\n", seed,
               prog_cycles, words, image_bytes, g.params().name, g.Describe());
    fmt::print("{:<44} {:>14}\n", "simulator", "cycles/s");
    fmt::print("{:<44} {:>14.0f}\n", "reference model (tsp::Model)", model_rate);
    fmt::print("{:<44} {:>14.0f}   ({:.0f}x slower than the model)\n", "RTL (Verilator), run", rtl_rate,
               model_rate / rtl_rate);
    fmt::print("{:<44} {:>14.0f}   (per CPU-second of this process)\n", "RTL (Verilator), run, CPU time",
               cpu_s > 0 ? static_cast<double>(cpu_run.clocks) / cpu_s : 0.0);
    fmt::print("{:<44} {:>14.0f}\n", "lockstep (RTL + model + compare)", ls_rate);
    fmt::print("{:<44} {:>14.2f} s\n", "RTL model construction + reset", construct_s);
    std::fflush(stdout);
    if (speed_only) return 0;

    // Loading the program: backdoor against the host bus, and reload-every-run against load-once.
    auto bus = Open(false);
    Timed bus_load, bd_load;
    {
      std::string err;
      t = Clock::now();
      uint64_t c = bus->clocks();
      if (!bus->LoadProgram(gp.program, &err)) throw std::runtime_error(err);
      bus_load = {Since(t), bus->clocks() - c};
      t = Clock::now();
      c = dev->clocks();
      if (!dev->LoadProgram(gp.program, &err)) throw std::runtime_error(err);
      bd_load = {Since(t), dev->clocks() - c};
    }
    Timed reload_bus, reload_bd;
    for (uint32_t i = 0; i < runs; ++i) {
      const Timed a = LoadAndRun(*bus, gp.program, true, &prog_cycles);
      const Timed b = LoadAndRun(*dev, gp.program, true, &prog_cycles);
      reload_bus.seconds += a.seconds;
      reload_bus.clocks += a.clocks;
      reload_bd.seconds += b.seconds;
      reload_bd.clocks += b.clocks;
    }

    fmt::print("\n{:<44} {:>10} {:>12}\n", "program load + run", "seconds", "clocks");
    fmt::print("{:<44} {:>10.3f} {:>12}\n", "load over the host bus", bus_load.seconds, bus_load.clocks);
    fmt::print("{:<44} {:>10.3f} {:>12}\n", "load through the backdoor", bd_load.seconds, bd_load.clocks);
    fmt::print("{:<44} {:>10.3f} {:>12}\n", "load through the backdoor + first run", first.seconds, first.clocks);
    fmt::print("{:<44} {:>10.3f} {:>12}\n", fmt::format("{} runs, loaded once", runs), rerun.seconds, rerun.clocks);
    fmt::print("{:<44} {:>10.3f} {:>12}\n", fmt::format("{} runs, reloaded over the bus each time", runs),
               reload_bus.seconds, reload_bus.clocks);
    fmt::print("{:<44} {:>10.3f} {:>12}\n", fmt::format("{} runs, reloaded through the backdoor each time", runs),
               reload_bd.seconds, reload_bd.clocks);

    if (weights_kb > 0) {
      // A weight image of weights_kb KiB spread over the MEM slices (at most all of MEM).
      const uint64_t want = std::min<uint64_t>(uint64_t{weights_kb} * 1024, g.mem_bytes());
      const uint32_t slice_bytes = g.mem_words() * g.vl();
      std::mt19937 rng(1);
      std::vector<uint8_t> image(slice_bytes);
      for (auto &b : image) b = static_cast<uint8_t>(rng());
      for (int backdoor = 0; backdoor < 2; ++backdoor) {
        tsp::tb::RtlDevice &d = backdoor ? *dev : *bus;
        t = Clock::now();
        const uint64_t c = d.clocks();
        uint64_t left = want / g.vl() * g.vl();
        std::string err;
        for (uint32_t s = 0; left > 0; ++s) {
          const uint64_t n = std::min<uint64_t>(left, slice_bytes);
          if (!d.WriteMemWords(s, 0, image.data(), n, &err)) throw std::runtime_error(err);
          left -= n;
        }
        fmt::print("{:<44} {:>10.3f} {:>12}\n",
                   fmt::format("{} KiB of MEM {}", want / 1024, backdoor ? "through the backdoor" : "over the host bus"),
                   Since(t), d.clocks() - c);
      }
    }
    if (build_seconds >= 0)
      fmt::print("\n{:<44} {:>10.0f} s\n", "Verilator build (verilate + compile, 1 core)", build_seconds);
    return 0;
  } catch (const std::exception &e) {
    fmt::print(stderr, "tsp-rtl-bench: {}\n", e.what());
    return 1;
  }
}
