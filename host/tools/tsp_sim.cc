// tsp-sim: runs a .tspb program on the cycle-exact reference model and prints the cycle count,
// schedule errors and selected MEM words.
//
//   tsp-sim prog.tspb [--config default] [--max-cycles N] [--dump w0:2[:count[:fmt]]]... [--json out.json]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tsp/model.h"
#include "tsp/program.h"

namespace {

struct Dump {
  uint32_t slice = 0, addr = 0, count = 1;
  std::string fmt = "i8";
  std::string text;
};

bool ParseDump(const tsp::Geometry &g, const std::string &s, Dump *d, std::string *err) {
  // slice:addr[:count[:fmt]], slice = w0..w(M-1) | e0..e(M-1), fmt = i8 | u8 | hex
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
    const uint32_t m = static_cast<uint32_t>(std::stoul(parts[0].substr(1)));
    if (m >= g.mem_slices_per_hemi()) {
      *err = fmt::format("--dump '{}': MEM slice index {} out of range 0..{}", s, m, g.mem_slices_per_hemi() - 1);
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
  if (uint64_t{d->addr} + d->count > g.mem_words()) {
    *err = fmt::format("--dump '{}': words {}..{} exceed the {} words of a slice", s, d->addr,
                       d->addr + d->count - 1, g.mem_words());
    return false;
  }
  d->text = parts[0];
  return true;
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"Run a .tspb program on the cycle-exact TSP reference model"};
  std::string path, config = "default", json_path;
  uint64_t max_cycles = 10'000'000;
  std::vector<std::string> dumps;
  bool quiet = false;
  app.add_option("program", path, "program file (.tspb)")->required();
  app.add_option("--config", config, "geometry configuration of the device");
  app.add_option("--max-cycles", max_cycles, "stop with an error after this many cycles");
  app.add_option("--dump", dumps, "print MEM words after the run: SLICE:ADDR[:COUNT[:i8|u8|hex]]");
  app.add_option("--json", json_path, "write cycles, status and errors as JSON");
  app.add_flag("-q,--quiet", quiet, "print only the summary line");
  CLI11_PARSE(app, argc, argv);

  auto geom = tsp::Geometry::FromName(config);
  if (!geom) {
    fmt::print(stderr, "tsp-sim: unknown configuration '{}'\n", config);
    return 2;
  }
  std::vector<Dump> parsed;
  for (const auto &s : dumps) {
    Dump d;
    std::string err;
    if (!ParseDump(*geom, s, &d, &err)) {
      fmt::print(stderr, "tsp-sim: {}\n", err);
      return 2;
    }
    parsed.push_back(d);
  }
  tsp::Program prog;
  auto lr = tsp::ReadProgramFile(path, &prog, &*geom);
  if (!lr.ok) {
    fmt::print(stderr, "tsp-sim: {}\n", lr.error);
    return 1;
  }
  tsp::Model model(*geom);
  std::string err;
  if (!model.LoadProgram(prog, &err)) {
    fmt::print(stderr, "tsp-sim: {}: {}\n", path, err);
    return 1;
  }
  model.Start();
  const auto t0 = std::chrono::steady_clock::now();
  const auto res = model.Run(max_cycles);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (!quiet) {
    fmt::print("device: reference model, {} ({})\n", config, geom->Describe());
    for (const auto &d : parsed) {
      for (uint32_t w = 0; w < d.count; ++w) {
        const auto v = model.ReadMem(d.slice, d.addr + w);
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
    for (const auto &e : model.errors()) fmt::print("error: {}\n", e.message);
  }
  fmt::print("status: {}  cycles: {}  schedule errors: {}  ({:.0f} simulated cycles/s)\n",
             tsp::RunStatusName(res.status), res.cycles, model.errors().size(),
             secs > 0 ? static_cast<double>(res.cycles) / secs : 0.0);
  if (!res.message.empty()) fmt::print("{}\n", res.message);
  if (!json_path.empty()) {
    std::ofstream js(json_path);
    if (!js) {
      fmt::print(stderr, "tsp-sim: cannot write {}\n", json_path);
      return 1;
    }
    js << fmt::format("{{\"status\": \"{}\", \"cycles\": {}, \"error_bits\": {}, \"errors\": [",
                      tsp::RunStatusName(res.status), res.cycles, model.error_bits());
    for (size_t i = 0; i < model.errors().size(); ++i) {
      std::string msg;
      for (char c : model.errors()[i].message) {
        if (c == '"' || c == '\\') msg += '\\';
        msg += c;
      }
      js << (i ? ", " : "") << '"' << msg << '"';
    }
    js << "]}\n";
  }
  return res.status == tsp::RunStatus::kDone && model.errors().empty() ? 0 : 1;
}
