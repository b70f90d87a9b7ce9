// tsp-sim: the program runner. Loads a program onto a device (tsp/device.h) through the host map,
// as a driver on hardware would, runs it, and prints the requested MEM words, the status, cycle
// count and ERROR bits, and the simulation speed.
//
//   tsp-sim PROG.tspb|PROG.tasm [--device ref|ref:small|rtl|rtl:small] [--max-cycles N]
//           [--dump w0:2[:count[:i8|u8|hex]]]... [--trace FILE] [--lockstep] [--runs N] [--bus]
//           [--json FILE] [-q]
//
// --device ref (the default) is the cycle-exact reference model; rtl / rtl:small the Verilated core
// in this process (only when tsp-sim was built with the RTL, -DTSP_RTL=ON). --config NAME is kept
// as a shorthand for the geometry: `--config small` = `--device ref:small` (or rtl:small with
// --device rtl). .tasm files are assembled on the fly. RTL only: --trace FILE writes an FST
// waveform (TRACE=1 in the environment: traces/<program>.fst); --lockstep also runs the reference
// model and compares every stream register, MEM write, dispatch and error pulse in every cycle
// (tb/common/lockstep.h); --bus loads MEM and instructions over the host bus instead of the
// simulation backdoor. --runs N runs the program N times after loading it once.
// Exit status: 0 done with ERROR = 0 (and identical to the model with --lockstep), 1 failure, 2 bad
// command line.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tsp/assembler.h"
#include "tsp/device.h"
#include "tsp/program.h"

#if TSP_SIM_RTL
#include "lockstep.h"
#endif

namespace {

struct Dump {
  uint32_t slice = 0, addr = 0, count = 1;
  std::string fmt = "i8";
  std::string text;
};

// SLICE:ADDR[:COUNT[:FMT]], SLICE = w0..w(M-1) | e0..e(M-1), FMT = i8 | u8 | hex.
bool ParseDump(const tsp::Geometry &g, const std::string &s, Dump *d, std::string *err) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ':') {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() < 2 || parts.size() > 4 || parts[0].size() < 2 || (parts[0][0] != 'w' && parts[0][0] != 'e')) {
    *err = fmt::format("--dump '{}': expected SLICE:ADDR[:COUNT[:FMT]] with SLICE like w0 or e3", s);
    return false;
  }
  try {
    size_t used = 0;
    const unsigned long m = std::stoul(parts[0].substr(1), &used);
    if (used != parts[0].size() - 1 || m >= g.mem_slices_per_hemi()) {
      *err = fmt::format("--dump '{}': MEM slice must be w0..w{} or e0..e{}", s, g.mem_slices_per_hemi() - 1,
                         g.mem_slices_per_hemi() - 1);
      return false;
    }
    d->slice = g.MemSliceId(parts[0][0] == 'w' ? tsp::Hemi::kWest : tsp::Hemi::kEast, static_cast<uint32_t>(m));
    const unsigned long addr = std::stoul(parts[1], nullptr, 0);
    const unsigned long count = parts.size() > 2 ? std::stoul(parts[2], nullptr, 0) : 1;
    if (addr >= g.mem_words() || count == 0 || addr + count > g.mem_words()) {
      *err = fmt::format("--dump '{}': words {}..{} are not inside the {} words of a slice", s, addr,
                         addr + count - (count ? 1 : 0), g.mem_words());
      return false;
    }
    d->addr = static_cast<uint32_t>(addr);
    d->count = static_cast<uint32_t>(count);
  } catch (const std::exception &) {
    *err = fmt::format("--dump '{}': expected numbers for ADDR and COUNT", s);
    return false;
  }
  if (parts.size() > 3) d->fmt = parts[3];
  if (d->fmt != "i8" && d->fmt != "u8" && d->fmt != "hex") {
    *err = fmt::format("--dump '{}': format must be i8, u8 or hex", s);
    return false;
  }
  d->text = parts[0];
  return true;
}

bool LoadInput(const std::string &path, tsp::Program *p, std::string *err) {
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
    *p = std::move(r.program);
    return true;
  }
  const auto lr = tsp::ReadProgramFile(path, p);
  if (!lr.ok) *err = lr.error;
  return lr.ok;
}

std::string JsonString(const std::string &s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      r += '\\';
      r += c;
    } else if (c == '\n') {
      r += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      r += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      r += c;
    }
  }
  return r + "\"";
}

// "ref" + "small" -> "ref:small"; an explicit geometry in the spec must agree with --config.
bool ApplyConfig(std::string *spec, const std::string &config, std::string *err) {
  if (config.empty()) return true;
  const size_t colon = spec->find(':');
  if (colon == std::string::npos) {
    *spec += ":" + config;
    return true;
  }
  const std::string rest = spec->substr(colon + 1);
  const std::string given = rest.substr(0, rest.find(','));
  if (given.empty()) {
    spec->insert(colon + 1, config);
    return true;
  }
  if (given == config) return true;
  *err = fmt::format("--config {} contradicts --device {}", config, *spec);
  return false;
}

void AddOption(std::string *spec, const std::string &option) {
  if (spec->find(':') == std::string::npos) *spec += ":";
  else *spec += ",";
  *spec += option;
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"Run a TSP program on a device: the reference model (ref) or the Verilated RTL (rtl)"};
  std::string path, device = "ref", config, trace, json_path;
  uint64_t max_cycles = 10'000'000;
  uint32_t runs = 1;
  std::vector<std::string> dumps;
  bool lockstep = false, quiet = false, bus = false;
  std::string devices;
  for (const auto &s : tsp::AvailableDevices()) devices += (devices.empty() ? "" : ", ") + s;
  app.add_option("program", path, "program (.tspb, or .tasm assembled on the fly)")->required();
  app.add_option("--device", device,
                 "device: " + devices +
                     " (rtl options: rtl:CONFIG,trace=F,backdoor=off; uart: "
                     "uart:PATH@BAUD,timeout_ms=N,retries=N; axi: axi:PATH[@BASE][,offset=N][,size=N][,mem_at=N] "
                     "with /dev/uioN or /dev/mem@BASE; docs/host-link.md)");
  app.add_option("--config", config, "geometry of the device (shorthand: --device ref --config small = ref:small)");
  app.add_option("--max-cycles", max_cycles, "stop with an error after this many run cycles");
  app.add_option("--dump", dumps, "print MEM words after the run: SLICE:ADDR[:COUNT[:i8|u8|hex]]");
  app.add_option("--trace", trace, "rtl: write an FST waveform (GTKWave) to this file");
  app.add_flag("--lockstep", lockstep, "rtl: also run the reference model and compare every cycle");
  app.add_flag("--bus", bus, "rtl: load MEM and instructions over the host bus, not the simulation backdoor");
  app.add_option("--runs", runs, "run the program this many times (loaded once)")->check(CLI::Range(1u, 1000000u));
  app.add_option("--json", json_path, "write status, cycles, errors and timing as JSON");
  app.add_flag("-q,--quiet", quiet, "print only the summary lines");
  CLI11_PARSE(app, argc, argv);

  std::string err;
  if (!ApplyConfig(&device, config, &err)) {
    fmt::print(stderr, "tsp-sim: {}\n", err);
    return 2;
  }
  const bool rtl = device.rfind("rtl", 0) == 0 && (device.size() == 3 || device[3] == ':');
  const char *trace_env = std::getenv("TRACE");
  if (rtl && trace.empty() && trace_env && std::string(trace_env) == "1") {
    trace = "traces/" + std::filesystem::path(path).stem().string() + ".fst";
  }
  if (!rtl && (!trace.empty() || lockstep || bus)) {
    fmt::print(stderr, "tsp-sim: --trace, --lockstep and --bus need an rtl device (--device {})\n", device);
    return 2;
  }
  if (!trace.empty()) AddOption(&device, "trace=" + trace);
  if (bus) AddOption(&device, "backdoor=off");
#if !TSP_SIM_RTL
  if (lockstep) {
    fmt::print(stderr, "tsp-sim: --lockstep needs the RTL; this tsp-sim was built with -DTSP_RTL=OFF\n");
    return 2;
  }
#endif

  try {
    const auto t_open = std::chrono::steady_clock::now();
    auto dev = tsp::OpenDevice(device, &err);
    if (!dev) {
#if !TSP_SIM_RTL
      if (rtl) err += "; this tsp-sim was built without the RTL (-DTSP_RTL=OFF)";
#endif
      fmt::print(stderr, "tsp-sim: {}\n", err);
      return 2;
    }
    const double open_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_open).count();
    const tsp::Geometry &g = dev->geometry();
    std::vector<Dump> parsed;
    for (const auto &s : dumps) {
      Dump d;
      if (!ParseDump(g, s, &d, &err)) {
        fmt::print(stderr, "tsp-sim: {}\n", err);
        return 2;
      }
      parsed.push_back(d);
    }
    tsp::Program prog;
    if (!LoadInput(path, &prog, &err)) {
      fmt::print(stderr, "tsp-sim: {}\n", err);
      return 1;
    }
    size_t words = 0, mem_bytes = 0;
    for (const auto &q : prog.queues) words += q.size();
    for (const auto &m : prog.mem) mem_bytes += m.data.size();
    if (!quiet) {
      fmt::print("device: {} - {}\n", device, dev->Describe());
      fmt::print("program: {} ({} instruction words, {} MEM image bytes)\n", path, words, mem_bytes);
    }

    // Load once.
    const auto t_load = std::chrono::steady_clock::now();
    const uint64_t load_c0 = dev->clocks();
    const uint64_t hw0 = dev->host_bytes_written(), bw0 = dev->backdoor_bytes_written();
    tsp::Device::RunResult last;
    std::vector<double> run_seconds;
    std::vector<uint64_t> run_clocks;
    bool ok = true;
    std::string lockstep_line;
#if TSP_SIM_RTL
    if (lockstep) {
      auto *rdev = dynamic_cast<tsp::tb::RtlDevice *>(dev.get());
      if (!rdev) {
        fmt::print(stderr, "tsp-sim: --lockstep: device {} is not an RTL device\n", device);
        return 2;
      }
      tsp::tb::LockstepOptions opt;
      opt.max_cycles = max_cycles;
      opt.name = std::filesystem::path(path).stem().string() + "_failure";
      opt.write_failure = std::filesystem::path(path).extension() == ".tasm";
      for (uint32_t i = 0; i < runs && ok; ++i) {
        opt.load = i == 0;
        const auto r = tsp::tb::RunLockstep(*rdev, prog, opt);
        ok = r.ok;
        last.done = r.rtl_done;
        last.cycles = r.rtl_cycles;
        last.error_bits = r.rtl_error;
        last.ok = r.ok && r.rtl_error == 0;
        if (!r.ok) last.message = r.message;
        run_seconds.push_back(r.run_seconds);
        run_clocks.push_back(r.run_clocks);
        lockstep_line = fmt::format(
            "lockstep: identical to the reference model in all {} cycles (streams, MEM writes, dispatches, "
            "errors) and in the {} MEM words read back after the run; model error bits 0x{:x}",
            r.model_cycles, r.readback_words, r.model_error);
      }
    }
#endif
    double load_s = 0;
    uint64_t load_clocks = 0;
    if (!lockstep) {
      if (!dev->LoadProgram(prog, &err)) {
        fmt::print(stderr, "tsp-sim: {}: {}\n", path, err);
        return 1;
      }
      load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count();
      load_clocks = dev->clocks() - load_c0;
      for (uint32_t i = 0; i < runs; ++i) {
        last = dev->Run(max_cycles);
        run_seconds.push_back(last.wall_seconds);
        run_clocks.push_back(last.clocks);
        if (!last.done) break;
      }
      ok = last.ok;
    }
    const uint64_t host_w = dev->host_bytes_written() - hw0, bd_w = dev->backdoor_bytes_written() - bw0;

    if (!quiet && last.done) {
      for (const auto &d : parsed) {
        for (uint32_t w = 0; w < d.count; ++w) {
          const auto v = dev->ReadMemWord(d.slice, d.addr + w);
          const std::string prefix = fmt::format("mem {}[{:4}]:", d.text, d.addr + w);
          std::string line;
          for (uint32_t l = 0; l < v.size(); ++l) {
            if (d.fmt == "i8") line += fmt::format("{:5}", static_cast<int8_t>(v[l]));
            if (d.fmt == "u8") line += fmt::format("{:4}", v[l]);
            if (d.fmt == "hex") line += fmt::format(" {:02x}", v[l]);
            if (l % 16 == 15 && l + 1 < v.size()) line += "\n" + std::string(prefix.size(), ' ');
          }
          fmt::print("{}{}\n", prefix, line);
        }
      }
    }
    if (!quiet) {
      for (const auto &d : last.details) fmt::print("error: {}\n", d);
    }
    if (!last.message.empty() && !(lockstep && ok)) fmt::print("{}{}\n", ok ? "" : "FAILED: ", last.message);
    fmt::print("status: {}  cycles: {}  ERROR: 0x{:x} ({})\n", last.done ? "done" : "not done", last.cycles,
               last.error_bits, tsp::ErrorBitNames(last.error_bits));
    double total_s = 0;
    uint64_t total_clocks = 0;
    for (size_t i = 0; i < run_seconds.size(); ++i) {
      total_s += run_seconds[i];
      total_clocks += run_clocks[i];
    }
    const uint64_t sim_cycles = last.cycles * run_seconds.size();
    const uint64_t rate_cycles = total_clocks ? total_clocks : sim_cycles;
    fmt::print("simulation: {} run{} of {} cycles in {:.3f} s ({:.0f} simulated cycles/s",
               run_seconds.size(), run_seconds.size() == 1 ? "" : "s", last.cycles, total_s,
               total_s > 0 ? static_cast<double>(rate_cycles) / total_s : 0.0);
    if (total_clocks) fmt::print(", {} clocks", total_clocks);
    fmt::print(")\n");
    if (!quiet && !lockstep) {
      fmt::print("load: {} bytes over the host map, {} through the simulation backdoor; {:.3f} s{}; device opened in {:.2f} s\n",
                 host_w, bd_w, load_s, load_clocks ? fmt::format(", {} clocks", load_clocks) : std::string(),
                 open_s);
    }
    if (lockstep && ok) fmt::print("{}\n", lockstep_line);
    if (!trace.empty()) {
      dev.reset();
      fmt::print("trace: {} (open with: gtkwave {})\n", trace, trace);
    }
    if (!json_path.empty()) {
      std::ofstream js(json_path);
      if (!js) {
        fmt::print(stderr, "tsp-sim: cannot write {}\n", json_path);
        return 1;
      }
      js << fmt::format("{{\"device\": {}, \"status\": \"{}\", \"cycles\": {}, \"error_bits\": {}, \"runs\": {}, "
                        "\"run_seconds\": {:.6f}, \"errors\": [",
                        JsonString(device), last.done ? "done" : "not done", last.cycles, last.error_bits,
                        run_seconds.size(), total_s);
      for (size_t i = 0; i < last.details.size(); ++i) js << (i ? ", " : "") << JsonString(last.details[i]);
      js << "]}\n";
    }
    return ok ? 0 : 1;
  } catch (const std::exception &e) {
    fmt::print(stderr, "tsp-sim: {}\n", e.what());
    return 1;
  }
}
