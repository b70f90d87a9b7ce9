// tsp-rtl-sim: runs a .tspb program (or an assembly file) on the Verilated RTL through the host bus,
// like a driver on real hardware: loads MEM images and instruction queues, writes CTRL.START,
// waits for STATUS.DONE, reads CYCLE, ERROR and the requested MEM words back over the bus.
//
//   tsp-rtl-sim PROG.tspb|PROG.tasm [--config default|small] [--trace out.fst] [--max-cycles N]
//               [--dump w0:2[:count[:i8|u8|hex]]]... [--lockstep] [-q]
//
// --lockstep also runs the reference model and compares every stream register, MEM write,
// dispatch and error pulse in every cycle (tb/common/lockstep.h). TRACE=1 in the environment is
// the same as --trace traces/<program>.fst. Exit status: 0 ok, 1 mismatch / error / not done,
// 2 bad command line.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "lockstep.h"
#include "tsp/assembler.h"

namespace {

struct Dump {
  uint32_t slice = 0, addr = 0, count = 1;
  std::string fmt = "i8";
  std::string text;
};

bool ParseDump(const tsp::Geometry &g, const std::string &s, Dump *d, std::string *err) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ':') {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() < 2 || parts.size() > 4 || parts[0].size() < 2 ||
      (parts[0][0] != 'w' && parts[0][0] != 'e')) {
    *err = fmt::format("--dump '{}': expected SLICE:ADDR[:COUNT[:FMT]] with SLICE like w0 or e3", s);
    return false;
  }
  try {
    size_t used = 0;
    const uint32_t m = static_cast<uint32_t>(std::stoul(parts[0].substr(1), &used));
    if (used != parts[0].size() - 1 || m >= g.mem_slices_per_hemi()) {
      *err = fmt::format("--dump '{}': MEM slice must be w0..w{} or e0..e{}", s, g.mem_slices_per_hemi() - 1,
                         g.mem_slices_per_hemi() - 1);
      return false;
    }
    d->slice = g.MemSliceId(parts[0][0] == 'w' ? tsp::Hemi::kWest : tsp::Hemi::kEast, m);
    d->addr = static_cast<uint32_t>(std::stoul(parts[1], nullptr, 0));
    if (parts.size() > 2) d->count = static_cast<uint32_t>(std::stoul(parts[2], nullptr, 0));
  } catch (const std::exception &) {
    *err = fmt::format("--dump '{}': expected numbers for ADDR and COUNT", s);
    return false;
  }
  if (parts.size() > 3) d->fmt = parts[3];
  if (d->fmt != "i8" && d->fmt != "u8" && d->fmt != "hex") {
    *err = fmt::format("--dump '{}': format must be i8, u8 or hex", s);
    return false;
  }
  if (d->count == 0 || uint64_t{d->addr} + d->count > g.mem_words()) {
    *err = fmt::format("--dump '{}': words {}..{} are not inside the {} words of a slice", s, d->addr,
                       uint64_t{d->addr} + d->count - 1, g.mem_words());
    return false;
  }
  d->text = parts[0];
  return true;
}

bool LoadInput(const std::string &path, const tsp::Geometry &g, tsp::Program *p, std::string *err) {
  if (std::filesystem::path(path).extension() == ".tasm") {
    std::ifstream f(path);
    if (!f) {
      *err = fmt::format("{}: cannot open", path);
      return false;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    auto r = tsp::Assemble(ss.str(), path);
    if (!r.ok) {
      *err = r.error;
      return false;
    }
    if (tsp::isa::Fingerprint(r.program.geometry) != g.fingerprint()) {
      *err = fmt::format("{}: written for {} but this RTL is {}", path,
                         tsp::Geometry(r.program.geometry).Describe(), g.Describe());
      return false;
    }
    *p = std::move(r.program);
    return true;
  }
  const auto lr = tsp::ReadProgramFile(path, p, &g);
  if (!lr.ok) *err = lr.error;
  return lr.ok;
}

}  // namespace

namespace isa = tsp::isa;

int main(int argc, char **argv) {
  CLI::App app{"Run a TSP program on the Verilated RTL through the host bus"};
  std::string path, trace, config = TSP_RTL_CONFIG;
  uint64_t max_cycles = 10'000'000;
  std::vector<std::string> dumps;
  bool lockstep = false, quiet = false;
  app.add_option("program", path, "program (.tspb, or .tasm assembled on the fly)")->required();
  app.add_option("--config", config, "geometry: default or small (runs tsp-rtl-sim or tsp-rtl-sim-small)");
  app.add_option("--trace", trace, "write an FST waveform (GTKWave) to this file");
  app.add_option("--max-cycles", max_cycles, "stop with an error after this many run cycles");
  app.add_option("--dump", dumps, "print MEM words after the run: SLICE:ADDR[:COUNT[:i8|u8|hex]]");
  app.add_flag("--lockstep", lockstep, "also run the reference model and compare every cycle");
  app.add_flag("-q,--quiet", quiet, "print only the summary lines");
  CLI11_PARSE(app, argc, argv);

  // One Verilated core per geometry: tsp-rtl-sim (default), tsp-rtl-sim-small. Hand over to the
  // sibling binary when another geometry is asked for.
  if (config != TSP_RTL_CONFIG) {
    const std::string sibling = config == "default" ? "tsp-rtl-sim" : "tsp-rtl-sim-" + config;
    const auto path_self = std::filesystem::path(argv[0]);
    const auto other = path_self.parent_path() / sibling;
    if (!tsp::Geometry::FromName(config)) {
      fmt::print(stderr, "tsp-rtl-sim: unknown configuration '{}' (default, small)\n", config);
      return 2;
    }
    if (!std::filesystem::exists(other)) {
      fmt::print(stderr, "tsp-rtl-sim: this binary simulates the '{}' RTL; {} (for '{}') was not found\n",
                 TSP_RTL_CONFIG, other.string(), config);
      return 2;
    }
    execv(other.c_str(), argv);
    fmt::print(stderr, "tsp-rtl-sim: cannot run {}\n", other.string());
    return 2;
  }

  const char *trace_env = std::getenv("TRACE");
  if (trace.empty() && trace_env && std::string(trace_env) == "1") {
    trace = "traces/" + std::filesystem::path(path).stem().string() + ".fst";
  }

  try {
    tsp::tb::DeviceOptions dopt;
    dopt.trace_path = trace;
    const auto t_build = std::chrono::steady_clock::now();
    auto dev = std::make_unique<tsp::tb::RtlDevice>(dopt);
    const double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_build).count();
    const tsp::Geometry &g = dev->geometry();
    std::vector<Dump> parsed;
    for (const auto &s : dumps) {
      Dump d;
      std::string err;
      if (!ParseDump(g, s, &d, &err)) {
        fmt::print(stderr, "tsp-rtl-sim: {}\n", err);
        return 2;
      }
      parsed.push_back(d);
    }
    tsp::Program prog;
    std::string err;
    if (!LoadInput(path, g, &prog, &err)) {
      fmt::print(stderr, "tsp-rtl-sim: {}\n", err);
      return 1;
    }

    tsp::tb::LockstepOptions opt;
    opt.compare = lockstep;
    opt.max_cycles = max_cycles;
    opt.name = std::filesystem::path(path).stem().string() + "_failure";
    opt.write_failure = lockstep && std::filesystem::path(path).extension() == ".tasm";
    const auto r = tsp::tb::RunLockstep(*dev, prog, opt);

    if (!quiet) fmt::print("device: RTL (Verilator), {} ({})\n", config, g.Describe());
    if (!r.ok) {
      fmt::print("FAILED: {}\n", r.message);
      if (!trace.empty()) fmt::print("trace: {}\n", trace);
      return 1;
    }
    if (!quiet) {
      for (const auto &d : parsed) {
        for (uint32_t w = 0; w < d.count; ++w) {
          const auto v = dev->ReadMemWord(d.slice, d.addr + w);
          std::string line;
          for (uint32_t l = 0; l < v.size(); ++l) {
            if (d.fmt == "i8") line += fmt::format("{:5}", static_cast<int8_t>(v[l]));
            if (d.fmt == "u8") line += fmt::format("{:4}", v[l]);
            if (d.fmt == "hex") line += fmt::format(" {:02x}", v[l]);
            if (l % 16 == 15 && l + 1 < v.size()) line += "\n" + std::string(16, ' ');
          }
          fmt::print("mem {}[{:4}]:{}\n", d.text, d.addr + w, line);
        }
      }
    }
    std::string errs;
    for (size_t b = 0; b < isa::kErrorNames.size(); ++b) {
      if (r.rtl_error & (1u << b)) errs += (errs.empty() ? "" : "|") + std::string(isa::kErrorNames[b]);
    }
    fmt::print("status: {}  cycles: {}  ERROR: 0x{:x}{}\n", r.rtl_done ? "done" : "not done", r.rtl_cycles,
               r.rtl_error, errs.empty() ? "" : " (" + errs + ")");
    const double run_rate = r.run_seconds > 0 ? static_cast<double>(r.run_clocks) / r.run_seconds : 0;
    fmt::print(
        "simulation: {} run cycles in {:.3f} s ({:.0f} simulated cycles/s); host-bus load {} cycles in "
        "{:.3f} s; "
        "RTL model construction {:.2f} s\n",
        r.run_clocks, r.run_seconds, run_rate, r.load_clocks, r.load_seconds, build_s);
    if (lockstep) {
      fmt::print(
          "lockstep: identical to the reference model in all {} cycles (streams, MEM writes, dispatches, "
          "errors); model cycles {}, model error bits 0x{:x}\n",
          r.model_cycles, r.model_cycles, r.model_error);
    }
    if (!trace.empty()) {
      dev.reset();
      fmt::print("trace: {} (open with: gtkwave {})\n", trace, trace);
    }
    return r.rtl_done ? 0 : 1;
  } catch (const std::exception &e) {
    fmt::print(stderr, "tsp-rtl-sim: {}\n", e.what());
    return 1;
  }
}
