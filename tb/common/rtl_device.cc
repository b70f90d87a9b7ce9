// The parts of the `rtl` device that do not depend on a Verilated model (rtl_device.h): run control
// by clock, the registry of linked cores and the "rtl" device scheme.
#include "rtl_device.h"

#include <fmt/format.h>

#include <cstdlib>
#include <map>
#include <random>

namespace tsp::tb {

namespace {

std::map<std::string, RtlCoreFactory> &Cores() {
  static std::map<std::string, RtlCoreFactory> cores;
  return cores;
}

std::string DefaultConfig() { return std::string(isa::kConfigs[0].name); }

std::string CoreList() {
  std::string s;
  for (const auto &[name, f] : Cores()) s += (s.empty() ? "" : ", ") + name;
  return s.empty() ? "none" : s;
}

std::unique_ptr<Device> OpenFromSpec(const std::string &args, std::string *error) {
  std::string config;
  RtlOptions opt;
  // TSP_RTL_RAND_SEED sets the default; a seed= option overrides it.
  if (!RandSeedFromEnv(opt.rand_seed, &opt.rand_seed, error)) return nullptr;
  if (!ParseRtlArgs(args, &config, &opt, error)) return nullptr;
  // Plain "rtl" is the default geometry, as "ref" is.
  return OpenRtlDevice(config.empty() ? DefaultConfig() : config, opt, error);
}

}  // namespace

std::string RtlDevice::Describe() const {
  return fmt::format("RTL (Verilator), {} ({}), MEM loads through {}, random initial state seed {}",
                     geometry().params().name, geometry().Describe(),
                     backdoor() ? "the simulation backdoor" : "the host bus", rand_seed());
}

bool RtlDevice::AfterStart(std::string *error) {
  for (uint64_t i = 0; i < kStartToRunClocks; ++i) {
    if (running()) {
      if (error) {
        *error =
            fmt::format("the run phase began {} clock(s) after the CTRL.START write, expected exactly {}", i,
                        kStartToRunClocks);
      }
      return false;
    }
    Tick();
  }
  if (!running() || run_cycle() != 0) {
    if (error) {
      *error = fmt::format(
          "{} clocks after the CTRL.START write (the documented start latency, kStartToRunClocks) the core "
          "is not "
          "in run cycle 0: run_q = {}, cycle_q = {}",
          kStartToRunClocks, running() ? 1 : 0, run_cycle());
    }
    return false;
  }
  return true;
}

void RtlDevice::WaitDone(uint64_t max_cycles, std::vector<std::string> *) {
  while (running() && run_cycle() < max_cycles) Tick();
}

bool RegisterRtlCore(const std::string &config, RtlCoreFactory factory) {
  Cores()[config] = std::move(factory);
  static const bool scheme = [] {
    RegisterDeviceFactory("rtl", OpenFromSpec);
    return true;
  }();
  (void)scheme;
  RegisterDeviceSpec("rtl:" + config);
  if (config == DefaultConfig()) RegisterDeviceSpec("rtl");
  return true;
}

std::vector<std::string> LinkedRtlCores() {
  std::vector<std::string> v;
  for (const auto &[name, f] : Cores()) v.push_back(name);
  return v;
}

std::unique_ptr<RtlDevice> OpenRtlDevice(const std::string &config, const RtlOptions &opt, std::string *error) {
  std::string name = config;
  if (name.empty()) name = Cores().size() == 1 ? Cores().begin()->first : DefaultConfig();
  auto it = Cores().find(name);
  if (it == Cores().end()) {
    if (error) {
      *error = Geometry::FromName(name)
                   ? fmt::format("rtl: the '{}' core is not linked into this binary (linked: {})", name, CoreList())
                   : fmt::format("rtl: unknown geometry '{}' (linked cores: {})", name, CoreList());
    }
    return nullptr;
  }
  if (opt.rand_seed == 0) {
    if (error)
      *error = "rtl: random initial state seed 0 is not replayable (Verilator would pick a time-based one)";
    return nullptr;
  }
  try {
    return it->second(opt);
  } catch (const std::exception &e) {
    if (error) *error = fmt::format("rtl:{}: {}", name, e.what());
    return nullptr;
  }
}

bool ParseRandSeed(const std::string &text, uint32_t *seed, std::string *error) {
  if (text == "random") {
    std::random_device rd;
    uint32_t v = 0;
    while (v == 0) v = rd();
    *seed = v;
    return true;
  }
  try {
    size_t used = 0;
    const unsigned long v = std::stoul(text, &used, 0);
    if (used == text.size() && v >= 1 && v <= 0xFFFFFFFFul && text[0] != '-') {
      *seed = static_cast<uint32_t>(v);
      return true;
    }
  } catch (const std::exception &) {
  }
  if (error) {
    *error = fmt::format(
        "random initial state seed '{}': expected a number from 1 to 4294967295 or 'random' (0 would let "
        "Verilator pick a time-based seed that cannot be replayed)",
        text);
  }
  return false;
}

bool RandSeedFromEnv(uint32_t fallback, uint32_t *seed, std::string *error) {
  const char *env = std::getenv(kRandSeedEnv);
  if (!env) {
    *seed = fallback;
    return true;
  }
  if (!ParseRandSeed(env, seed, error)) {
    if (error) *error = std::string(kRandSeedEnv) + ": " + *error;
    return false;
  }
  return true;
}

bool ParseRtlArgs(const std::string &args, std::string *config, RtlOptions *opt, std::string *error) {
  size_t start = 0;
  bool first = true;
  while (start <= args.size()) {
    size_t end = args.find(',', start);
    if (end == std::string::npos) end = args.size();
    const std::string item = args.substr(start, end - start);
    start = end + 1;
    const size_t eq = item.find('=');
    if (eq == std::string::npos) {
      if (first) {
        *config = item;
      } else if (!item.empty()) {
        if (error) *error = fmt::format("rtl: option '{}' needs a value (trace=FILE, seed=N, backdoor=on|off)", item);
        return false;
      }
    } else {
      const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
      if (key == "trace") {
        opt->trace_path = value;
      } else if (key == "seed") {
        std::string why;
        if (!ParseRandSeed(value, &opt->rand_seed, &why)) {
          if (error) *error = "rtl: " + why;
          return false;
        }
      } else if (key == "backdoor") {
        if (value != "on" && value != "off") {
          if (error) *error = fmt::format("rtl: backdoor '{}': expected on or off", value);
          return false;
        }
        opt->backdoor = value == "on";
      } else {
        if (error) *error = fmt::format("rtl: unknown option '{}' (trace=FILE, seed=N, backdoor=on|off)", key);
        return false;
      }
    }
    first = false;
    if (end == args.size()) break;
  }
  return true;
}

}  // namespace tsp::tb
