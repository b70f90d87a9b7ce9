// Bring-up self-test (tsp/selftest.h).
#include "tsp/selftest.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include "tsp/device.h"
#include "tsp/progen.h"

namespace tsp {

namespace {

using Clock = std::chrono::steady_clock;

uint32_t Mix(uint64_t x) {  // SplitMix64 finaliser, low word
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return static_cast<uint32_t>(x ^ (x >> 31));
}

// Word w of slice s: VL bytes. 0: address-unique pattern, 1: its complement, 2: checkerboard.
void Pattern(int kind, uint32_t s, uint32_t w, uint32_t vl, uint8_t *out) {
  for (uint32_t lane = 0; lane < vl; ++lane) {
    const uint32_t x = Mix(uint64_t{s} << 40 | uint64_t{w} << 16 | lane / 4);
    const uint8_t p = static_cast<uint8_t>(x >> (8 * (lane % 4)));
    out[lane] = kind == 0 ? p : kind == 1 ? static_cast<uint8_t>(~p) : ((w + lane) & 1) ? 0x55 : 0xAA;
  }
}

SelfTestStep Registers(Device &dev) {
  SelfTestStep st{"registers", true, "", 0};
  const Geometry &g = dev.geometry();
  std::vector<std::string> bad;
  auto expect = [&](const char *what, uint32_t got, uint32_t want) {
    if (got != want) bad.push_back(fmt::format("{} = 0x{:08x}, expected 0x{:08x}", what, got, want));
  };
  expect("ID", dev.Read32(isa::kCsrId), isa::kTspId);
  expect("VERSION", dev.Read32(isa::kCsrVersion), isa::kIsaVersion);
  expect("GEOM", dev.Read32(isa::kCsrGeom), static_cast<uint32_t>(g.fingerprint()));
  expect("GEOM_HI", dev.Read32(isa::kCsrGeomHi), static_cast<uint32_t>(g.fingerprint() >> 32));
  expect("NUM_QUEUES", dev.Read32(isa::kCsrNumQueues), g.num_queues());
  dev.Write32(isa::kCsrCtrl, kCtrlClear);
  expect("STATUS after CLEAR (BUSY)", dev.Read32(isa::kCsrStatus) & kStatusBusy, 0);
  // QLEN of every queue, and the first and last instruction word of every queue (both halves).
  for (uint32_t q = 0; q < g.num_queues(); ++q) dev.Write32(isa::kCsrQlen + 4 * q, (q * 37 + 5) % g.iq_depth());
  for (uint32_t q = 0; q < g.num_queues(); ++q) {
    expect(fmt::format("QLEN[{}]", q).c_str(), dev.Read32(isa::kCsrQlen + 4 * q), (q * 37 + 5) % g.iq_depth());
    dev.Write32(isa::kCsrQlen + 4 * q, 0);
  }
  for (uint32_t q = 0; q < g.num_queues(); ++q) {
    for (uint32_t i : {0u, g.iq_depth() - 1}) {
      const uint32_t lo = Mix(q * 4096 + i), hi = Mix(~uint64_t{q * 4096 + i});
      dev.Write32(IqAddress(q, i), lo);
      dev.Write32(IqAddress(q, i) + 4, hi);
      expect(fmt::format("IQ[{}][{}] low", q, i).c_str(), dev.Read32(IqAddress(q, i)), lo);
      expect(fmt::format("IQ[{}][{}] high", q, i).c_str(), dev.Read32(IqAddress(q, i) + 4), hi);
    }
  }
  st.ok = bad.empty();
  st.detail = st.ok ? fmt::format("ID, VERSION, GEOM ({:016x}), NUM_QUEUES {}, QLEN and IQ ends of {} queues",
                                  g.fingerprint(), g.num_queues(), g.num_queues())
                    : fmt::format("{} wrong: {}", bad.size(), bad.front());
  return st;
}

SelfTestStep March(Device &dev, uint32_t march_words) {
  SelfTestStep st{"mem", true, "", 0};
  const Geometry &g = dev.geometry();
  const uint32_t vl = g.vl(), n = march_words ? std::min(march_words, g.mem_words()) : g.mem_words();
  constexpr uint32_t kChunk = 64;  // words per burst
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> errors;  // (slice, bank) -> bad words
  std::string first;
  std::vector<uint8_t> want(size_t{kChunk} * vl), got(want.size());
  std::string err;
  auto chunk = [&](uint32_t s, uint32_t w0, int read_kind, int write_kind) {
    const uint32_t m = std::min(kChunk, n - w0);
    const size_t bytes = size_t{m} * vl;
    if (read_kind >= 0) {
      if (!dev.ReadMemWords(s, w0, got.data(), bytes, &err)) throw std::runtime_error(err);
      for (uint32_t k = 0; k < m; ++k) {
        Pattern(read_kind, s, w0 + k, vl, want.data());
        for (uint32_t lane = 0; lane < vl; ++lane) {
          if (got[size_t{k} * vl + lane] == want[lane]) continue;
          if (first.empty())
            first = fmt::format("slice {} word {} (bank {}) lane {}: read 0x{:02x}, expected 0x{:02x}", s, w0 + k,
                                (w0 + k) / g.words_per_bank(), lane, got[size_t{k} * vl + lane], want[lane]);
          ++errors[{s, (w0 + k) / g.words_per_bank()}];
          break;
        }
      }
    }
    if (write_kind >= 0) {
      for (uint32_t k = 0; k < m; ++k) Pattern(write_kind, s, w0 + k, vl, want.data() + size_t{k} * vl);
      if (!dev.WriteMemWords(s, w0, want.data(), bytes, &err)) throw std::runtime_error(err);
    }
  };
  for (uint32_t s = 0; s < g.num_mem_slices(); ++s) {
    for (uint32_t w = 0; w < n; w += kChunk) chunk(s, w, -1, 0);  // up: write P
    for (uint32_t w = 0; w < n; w += kChunk) chunk(s, w, 0, 1);   // up: read P, write ~P
    for (uint32_t w = (n - 1) / kChunk * kChunk;; w -= kChunk) {  // down: read ~P, write checkerboard
      chunk(s, w, 1, 2);
      if (w == 0) break;
    }
    for (uint32_t w = 0; w < n; w += kChunk) chunk(s, w, 2, -1);  // up: read checkerboard
  }
  uint64_t total = 0;
  for (const auto &[k, v] : errors) total += v;
  st.ok = total == 0;
  if (st.ok) {
    st.detail = fmt::format("{} slices x {} words x {} B, both banks: 4 march elements, no error", g.num_mem_slices(),
                            n, vl);
  } else {
    std::string where;
    for (const auto &[k, v] : errors) where += fmt::format(" s{}/b{}:{}", k.first, k.second, v);
    st.detail = fmt::format("{} bad word reads (slice/bank:count{}); first: {}", total, where, first);
  }
  return st;
}

// Runs p on the device and on the reference model; compares DONE, cycles, ERROR and every MEM word.
std::string CompareRun(Device &dev, Device &ref, const Program &p, uint64_t max_cycles) {
  std::string err;
  if (!dev.LoadProgram(p, &err)) return "load: " + err;
  if (!ref.LoadProgram(p, &err)) return "reference load: " + err;
  const auto a = dev.Run(max_cycles), b = ref.Run(max_cycles);
  if (a.done != b.done) return fmt::format("DONE {} (model {}): {}", a.done, b.done, a.message);
  if (a.cycles != b.cycles) return fmt::format("{} cycles, model {}", a.cycles, b.cycles);
  if (a.error_bits != b.error_bits)
    return fmt::format("ERROR {} (0x{:x}), model {}", ErrorBitNames(a.error_bits), a.error_bits,
                       ErrorBitNames(b.error_bits));
  const Geometry &g = dev.geometry();
  std::vector<uint8_t> x(size_t{g.mem_words()} * g.vl()), y(x.size());
  for (uint32_t s = 0; s < g.num_mem_slices(); ++s) {
    if (!dev.ReadMemWords(s, 0, x.data(), x.size(), &err) || !ref.ReadMemWords(s, 0, y.data(), y.size(), &err))
      return "MEM read: " + err;
    for (size_t i = 0; i < x.size(); ++i) {
      if (x[i] != y[i])
        return fmt::format("MEM slice {} word {} lane {}: 0x{:02x}, model 0x{:02x}", s, i / g.vl(), i % g.vl(), x[i],
                           y[i]);
    }
  }
  return "";
}

}  // namespace

bool SelfTestReport::ok() const {
  return std::all_of(steps.begin(), steps.end(), [](const SelfTestStep &s) { return s.ok; });
}

std::string SelfTestReport::Table() const {
  std::string t = fmt::format("{:<12} {:<6} {:>8}  {}\n", "step", "result", "seconds", "detail");
  for (const auto &s : steps) t += fmt::format("{:<12} {:<6} {:>8.2f}  {}\n", s.name, s.ok ? "ok" : "FAIL", s.seconds, s.detail);
  t += ok() ? "selftest: PASS\n" : "selftest: FAIL\n";
  return t;
}

SelfTestReport RunSelfTest(Device &dev, const SelfTestOptions &opt) {
  SelfTestReport r;
  auto timed = [&](const std::function<SelfTestStep()> &f) {
    const auto t0 = Clock::now();
    SelfTestStep s = f();
    s.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    r.steps.push_back(std::move(s));
  };
  timed([&] { return Registers(dev); });
  timed([&] { return March(dev, opt.march_words); });

  const Geometry &g = dev.geometry();
  std::string err;
  std::unique_ptr<Device> ref = OpenDevice("ref:" + std::string(g.params().name), &err);
  if (!ref) {
    r.steps.push_back({"programs", false, "no reference model for this geometry: " + err, 0});
    return r;
  }
  // Same starting MEM on both: zero (the march left its pattern on the device).
  const std::vector<uint8_t> zero(size_t{g.mem_words()} * g.vl(), 0);
  for (uint32_t s = 0; s < g.num_mem_slices(); ++s) {
    if (!dev.WriteMemWords(s, 0, zero.data(), zero.size(), &err) ||
        !ref->WriteMemWords(s, 0, zero.data(), zero.size(), &err))
      throw std::runtime_error(err);
  }
  const std::pair<const char *, isa::Unit> units[] = {
      {"unit.mem", isa::Unit::kMem}, {"unit.vxm", isa::Unit::kVxm}, {"unit.sxm", isa::Unit::kSxm},
      {"unit.mxm", isa::Unit::kMxm}};
  for (const auto &[name, unit] : units) {
    timed([&, name = name, unit = unit] {
      ProgenOptions po;
      for (const auto &op : isa::kOps)
        if (op.unit == unit) po.ops.push_back(op.opcode);
      const auto gp = GenerateProgram(g, opt.seed, po);
      uint32_t n = 0;
      for (const auto &op : isa::kOps)
        if (op.unit == unit) n += gp.jobs_by_op[static_cast<uint8_t>(op.opcode)];
      const std::string why = CompareRun(dev, *ref, gp.program, opt.max_cycles);
      return SelfTestStep{name, why.empty(),
                          why.empty() ? fmt::format("seed {}: {} jobs of the unit, same cycles, ERROR and MEM as the "
                                                    "model",
                                                    opt.seed, n)
                                      : fmt::format("seed {}: {}", opt.seed, why),
                          0};
    });
  }
  timed([&] {
    SelfTestStep s{"random", true, "", 0};
    uint64_t cycles = 0;
    for (uint32_t i = 0; i < opt.random_programs && s.ok; ++i) {
      const uint64_t seed = opt.seed + 1 + i;
      const auto gp = GenerateProgram(g, seed);
      const std::string why = CompareRun(dev, *ref, gp.program, opt.max_cycles);
      if (!why.empty()) {
        s.ok = false;
        s.detail = fmt::format("seed {}: {}", seed, why);
      }
      cycles += ref->Read32(isa::kCsrCycleLo);
    }
    if (s.ok)
      s.detail = fmt::format("{} generated programs (seeds {}..{}, {} cycles): same cycles, ERROR and MEM as the model",
                             opt.random_programs, opt.seed + 1, opt.seed + opt.random_programs, cycles);
    return s;
  });
  return r;
}

}  // namespace tsp
