// Device driver code shared by every backend (tsp/device.h): the program loader, run control and
// the registry of device schemes.
#include "tsp/device.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "device/axi_device.h"
#include "device/ref_device.h"
#include "device/uart_device.h"

namespace tsp {

namespace {

// "'small' (S=2 VL=32 streams=4 mem=2x2x64 alus=1 iq=256, fingerprint 0x...)", without building a
// Geometry (the parameters of a foreign program need not describe a buildable one).
std::string DescribeParams(const isa::GeometryParams &p) {
  const std::string name = p.name.empty() ? std::string("unnamed") : std::string(p.name);
  return fmt::format("geometry '{}' (S={} VL={} streams={} mem={}x{}x{} alus={} iq={}, fingerprint 0x{:016x})",
                     name, p.num_superlanes, p.num_superlanes * isa::kLanesPerSuperlane, p.streams_per_dir,
                     p.mem_slices_per_hemi, isa::kNumBanks, p.words_per_bank, p.vxm_alus, p.iq_depth,
                     isa::Fingerprint(p));
}

struct Registry {
  std::map<std::string, DeviceFactory> factories;
  std::set<std::string> specs;
};

Registry &GetRegistry() {
  static Registry r;
  static const bool builtins = [] {
    r.factories["ref"] = OpenRefDevice;
    r.specs.insert("ref");
    for (const auto &c : isa::kConfigs) r.specs.insert("ref:" + std::string(c.name));
    r.factories["uart"] = OpenUartDevice;
    r.specs.insert("uart:PATH[@BAUD]");
    r.factories["axi"] = [](const std::string &args, std::string *error) {
      return OpenAxiDevice(args, error);
    };
    r.specs.insert("axi:PATH[@BASE]");
    return true;
  }();
  (void)builtins;
  return r;
}

using Clock = std::chrono::steady_clock;

}  // namespace

std::string ErrorBitNames(uint32_t bits) {
  std::string s;
  for (size_t b = 0; b < isa::kErrorNames.size(); ++b) {
    if (bits & (1u << b)) s += (s.empty() ? "" : "|") + std::string(isa::kErrorNames[b]);
  }
  if (bits >> isa::kErrorNames.size()) s += (s.empty() ? "" : "|") + fmt::format("0x{:x}", bits);
  return s.empty() ? "none" : s;
}

// ---------------------------------------------------------------------------------------------
// Host map
// ---------------------------------------------------------------------------------------------
Device::~Device() = default;

std::string Device::Describe() const {
  return fmt::format("{}, {} ({})", name(), geometry().params().name, geometry().Describe());
}

uint32_t Device::Read32(uint32_t addr) {
  host_read_ += 4;
  return BusRead32(addr);
}

void Device::Write32(uint32_t addr, uint32_t data) {
  host_written_ += 4;
  BusWrite32(addr, data);
}

bool Device::CheckMemRange(uint32_t slice, uint32_t addr, const void *data, size_t bytes,
                           std::string *error) const {
  const Geometry &g = geometry();
  std::string why;
  if (slice >= g.num_mem_slices()) {
    why = fmt::format("MEM slice {} does not exist (the device has slices 0..{})", slice, g.num_mem_slices() - 1);
  } else if (bytes % g.vl() != 0) {
    why = fmt::format("{} bytes are not whole MEM words of {} bytes", bytes, g.vl());
  } else if (uint64_t{addr} + bytes / g.vl() > g.mem_words()) {
    why = fmt::format("words {}..{} of slice {} are outside the {} words of a slice", addr,
                      uint64_t{addr} + bytes / g.vl() - 1, slice, g.mem_words());
  } else if (bytes > 0 && data == nullptr) {
    why = "no data buffer";
  }
  if (why.empty()) return true;
  if (error) *error = why;
  return false;
}

bool Device::WriteMemWords(uint32_t slice, uint32_t addr, const uint8_t *data, size_t bytes, std::string *error) {
  if (!CheckMemRange(slice, addr, data, bytes, error)) return false;
  if (bytes) DoWriteMemWords(slice, addr, data, bytes / geometry().vl());
  return true;
}

bool Device::ReadMemWords(uint32_t slice, uint32_t addr, uint8_t *data, size_t bytes, std::string *error) {
  if (!CheckMemRange(slice, addr, data, bytes, error)) return false;
  if (bytes) DoReadMemWords(slice, addr, data, bytes / geometry().vl());
  return true;
}

std::vector<uint8_t> Device::ReadMemWord(uint32_t slice, uint32_t addr) {
  std::vector<uint8_t> v(geometry().vl());
  if (!ReadMemWords(slice, addr, v.data(), v.size(), nullptr)) return {};
  return v;
}

void Device::DoWriteMemWords(uint32_t slice, uint32_t addr, const uint8_t *data, size_t words) {
  const Geometry &g = geometry();
  for (size_t w = 0; w < words; ++w) {
    for (uint32_t lane = 0; lane < g.vl(); lane += 4) {
      const uint8_t *b = data + w * g.vl() + lane;
      const uint32_t v = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
      Write32(MemAddress(g, slice, static_cast<uint32_t>(addr + w), lane), v);
    }
  }
}

void Device::DoReadMemWords(uint32_t slice, uint32_t addr, uint8_t *data, size_t words) {
  const Geometry &g = geometry();
  for (size_t w = 0; w < words; ++w) {
    for (uint32_t lane = 0; lane < g.vl(); lane += 4) {
      const uint32_t v = Read32(MemAddress(g, slice, static_cast<uint32_t>(addr + w), lane));
      for (uint32_t b = 0; b < 4; ++b) data[w * g.vl() + lane + b] = static_cast<uint8_t>(v >> (8 * b));
    }
  }
}

void Device::DoWriteQueueWords(uint32_t queue, const uint64_t *words, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const uint32_t a = IqAddress(queue, static_cast<uint32_t>(i));
    Write32(a, static_cast<uint32_t>(words[i]));
    Write32(a + 4, static_cast<uint32_t>(words[i] >> 32));
  }
}

// ---------------------------------------------------------------------------------------------
// Program loading
// ---------------------------------------------------------------------------------------------
bool Device::CheckProgram(const Program &p, bool with_mem, std::string *error) {
  const Geometry &g = geometry();
  std::string why;
  if (isa::Fingerprint(p.geometry) != g.fingerprint()) {
    why = fmt::format("program built for {} but device '{}' has {}", DescribeParams(p.geometry), name(),
                      DescribeParams(g.params()));
  } else if (p.queues.size() != g.num_queues()) {
    why = fmt::format("program has {} instruction queues, device '{}' has {}", p.queues.size(), name(),
                      g.num_queues());
  }
  for (uint32_t q = 0; why.empty() && q < p.queues.size(); ++q) {
    if (p.queues[q].size() > g.iq_depth()) {
      why = fmt::format("queue {}: {} instructions exceed the queue depth {}", g.queue(q).name, p.queues[q].size(),
                        g.iq_depth());
    }
  }
  for (size_t i = 0; with_mem && why.empty() && i < p.mem.size(); ++i) {
    const MemImage &img = p.mem[i];
    std::string range;
    if (!CheckMemRange(img.slice, img.addr, img.data.data(), img.data.size(), &range)) {
      why = fmt::format("MEM image {} (slice {}, word {}, {} bytes) does not fit: {}", i, img.slice, img.addr,
                        img.data.size(), range);
    }
  }
  if (why.empty()) return true;
  if (error) *error = why;
  return false;
}

bool Device::StopIfBusy(std::string *error) {
  // The core ignores IQ, MEM, QLEN writes and START while busy: stop an abandoned run first.
  if (!(Status() & kStatusBusy)) return true;
  Write32(isa::kCsrCtrl, kCtrlClear);
  if (!(Status() & kStatusBusy)) return true;
  if (error) *error = fmt::format("device '{}' stays BUSY after CTRL.CLEAR", name());
  return false;
}

void Device::WriteQueues(const Program &p) {
  const Geometry &g = geometry();
  for (uint32_t q = 0; q < g.num_queues(); ++q) {
    const auto &words = p.queues[q];
    if (!words.empty()) DoWriteQueueWords(q, words.data(), words.size());
    Write32(isa::kCsrQlen + 4 * q, static_cast<uint32_t>(words.size()));
  }
}

bool Device::LoadProgram(const Program &p, std::string *error) {
  if (!CheckProgram(p, true, error) || !StopIfBusy(error)) return false;
  for (const MemImage &img : p.mem) {
    if (!WriteMemWords(img.slice, img.addr, img.data.data(), img.data.size(), error)) return false;
  }
  WriteQueues(p);
  return true;
}

bool Device::LoadQueues(const Program &p, std::string *error) {
  if (!CheckProgram(p, false, error) || !StopIfBusy(error)) return false;
  WriteQueues(p);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Run control
// ---------------------------------------------------------------------------------------------
bool Device::AfterStart(std::string *) { return true; }

void Device::WaitDone(uint64_t max_cycles, std::vector<std::string> *) {
  while (true) {
    const uint32_t st = Status();
    if ((st & kStatusDone) || !(st & kStatusBusy)) return;
    const uint64_t c = uint64_t{Read32(isa::kCsrCycleLo)} | uint64_t{Read32(isa::kCsrCycleHi)} << 32;
    if (c >= max_cycles) return;
  }
}

bool Device::Start(std::string *error) {
  if (!StopIfBusy(error)) return false;
  start_time_ = Clock::now();
  start_clocks_ = clocks();
  Write32(isa::kCsrCtrl, kCtrlStart);
  return AfterStart(error);
}

Device::RunResult Device::Wait(uint64_t max_cycles) {
  RunResult r;
  WaitDone(max_cycles, &r.details);
  const uint32_t st = Status();
  r.cycles = uint64_t{Read32(isa::kCsrCycleLo)} | uint64_t{Read32(isa::kCsrCycleHi)} << 32;
  r.error_bits = Read32(isa::kCsrError);
  r.done = (st & kStatusDone) != 0;
  if (!r.done) {
    Write32(isa::kCsrCtrl, kCtrlClear);
    r.message = fmt::format(
        "not done after {} run cycles (STATUS 0x{:x}, CYCLE {}); the run was stopped with CTRL.CLEAR",
        max_cycles, st, r.cycles);
  } else if (r.error_bits != 0) {
    r.message = fmt::format("done in {} cycles with ERROR 0x{:x} ({})", r.cycles, r.error_bits,
                            ErrorBitNames(r.error_bits));
  }
  r.ok = r.done && r.error_bits == 0;
  r.wall_seconds = std::chrono::duration<double>(Clock::now() - start_time_).count();
  r.clocks = clocks() - start_clocks_;
  return r;
}

Device::RunResult Device::Run(uint64_t max_cycles) {
  std::string err;
  if (!Start(&err)) {
    RunResult r;
    r.message = err;
    return r;
  }
  return Wait(max_cycles);
}

// ---------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------
void RegisterDeviceFactory(const std::string &scheme, DeviceFactory factory) {
  GetRegistry().factories[scheme] = std::move(factory);
}

void RegisterDeviceSpec(const std::string &spec) { GetRegistry().specs.insert(spec); }

std::vector<std::string> AvailableDevices() {
  const auto &s = GetRegistry().specs;
  return std::vector<std::string>(s.begin(), s.end());
}

std::unique_ptr<Device> OpenDevice(const std::string &spec, std::string *error) {
  const size_t colon = spec.find(':');
  const std::string scheme = spec.substr(0, colon);
  const std::string args = colon == std::string::npos ? "" : spec.substr(colon + 1);
  auto &reg = GetRegistry();
  auto it = reg.factories.find(scheme);
  std::string err;
  std::unique_ptr<Device> dev;
  if (it == reg.factories.end()) {
    err = fmt::format("unknown device '{}'", spec);
  } else {
    dev = it->second(args, &err);
    if (!dev && err.empty()) err = fmt::format("device '{}' could not be opened", spec);
  }
  if (dev) return dev;
  if (error) {
    std::string list;
    for (const auto &s : AvailableDevices()) list += (list.empty() ? "" : ", ") + s;
    *error = fmt::format("{} (this binary has: {})", err, list);
  }
  return nullptr;
}

}  // namespace tsp
