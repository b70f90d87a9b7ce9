// RTL-vs-model lockstep (see lockstep.h). Independent of the Verilated model: it sees the RTL only
// through the RtlDevice interface (rtl_device.h), so one copy serves every geometry.
#include "lockstep.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "tsp/instr.h"

namespace tsp::tb {

namespace {

using Clock = std::chrono::steady_clock;

std::string Hex16(const Word16 &w) {
  std::string s;
  for (size_t i = 0; i < w.size(); ++i) s += fmt::format("{}{:02x}", i ? " " : "", w[i]);
  return s;
}

std::string Describe(uint64_t word) {
  Instr in;
  std::string err;
  if (!Decode(word, &in, &err)) return fmt::format(".inst 0x{:016x}", word);
  return Disassemble(in);
}

}  // namespace

std::string InjectName(Inject what) {
  static const char *const kNames[] = {
      "none",           "stream-data",      "stream-valid",    "mem-write-addr",
      "mem-write-data", "mem-write-enable", "mem-write-slice", "dispatch",
      "error-pulse",    "cycle-counter",    "run-end",         "status-done",
      "status-error",   "cycle-csr",        "error-csr",       "mem-readback"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == static_cast<size_t>(Inject::kCount));
  const auto i = static_cast<size_t>(what);
  return i < static_cast<size_t>(Inject::kCount) ? kNames[i] : "?";
}

std::string HemisphereOf(const Geometry &g, uint32_t position) {
  if (position < g.vxm_position()) return "west";
  if (position > g.vxm_position()) return "east";
  return "center";
}

// ---------------------------------------------------------------------------------------------
// Lockstep
// ---------------------------------------------------------------------------------------------
namespace {

struct DispatchRec {
  uint64_t cycle;
  uint32_t queue;
  uint64_t word;
};

// What the checker sees of the RTL: the device's observation signals, with the comparator
// self-test's fault injection (LockstepOptions::inject) applied once, at the first opportunity at
// or after the requested run cycle.
class Observer {
 public:
  Observer(RtlDevice &dev, const InjectSpec &inj) : dev_(dev), inj_(inj) {}
  void set_cycle(uint64_t t) { t_ = t; }
  bool fired() const { return fired_; }
  uint64_t fired_cycle() const { return fired_cycle_; }

  StreamSlot Slot(Dir d, uint32_t stream, uint32_t position, uint32_t superlane) {
    StreamSlot s = dev_.Slot(d, stream, position, superlane);
    if (Due(Inject::kStreamValid)) {
      s.valid = !s.valid;
      Fire();
    } else if (s.valid && Due(Inject::kStreamData)) {
      const uint32_t b = inj_.bit % (8 * isa::kLanesPerSuperlane);
      s.bytes[b / 8] ^= static_cast<uint8_t>(1u << (b % 8));
      Fire();
    }
    return s;
  }
  std::vector<MemWrite> MemWrites() {
    std::vector<MemWrite> w = dev_.MemWrites();
    if (w.empty()) return w;
    const Geometry &g = dev_.geometry();
    if (Due(Inject::kMemWriteAddr)) {
      w[0].addr ^= 1u << (inj_.bit % isa::Log2(g.mem_words()));
      Fire();
    } else if (Due(Inject::kMemWriteData)) {
      const uint32_t b = inj_.bit % (8 * isa::kLanesPerSuperlane);
      w[0].data[b / 8] ^= static_cast<uint8_t>(1u << (b % 8));
      Fire();
    } else if (Due(Inject::kMemWriteEnable)) {
      w.erase(w.begin());
      Fire();
    } else if (Due(Inject::kMemWriteSlice)) {
      w[0].slice = (w[0].slice + 1) % g.num_mem_slices();
      Fire();
    }
    return w;
  }
  bool Dispatched(uint32_t queue, uint64_t *word) {
    const bool v = dev_.Dispatched(queue, word);
    if (v && Due(Inject::kDispatch)) {
      *word ^= uint64_t{1} << (inj_.bit % 64);
      Fire();
    }
    return v;
  }
  uint32_t ErrNow() {
    uint32_t e = dev_.ErrNow();
    if (Due(Inject::kErrorPulse)) {
      e ^= ErrorBit();
      Fire();
    }
    return e;
  }
  uint64_t RunCycle() {
    uint64_t c = dev_.run_cycle();
    if (Due(Inject::kCycleCounter)) {
      c ^= uint64_t{1} << (inj_.bit % 64);
      Fire();
    }
    return c;
  }
  bool Running() {
    const bool r = dev_.running();
    if (r && Due(Inject::kRunEnd)) {
      Fire();
      return false;
    }
    return r;
  }
  // After the run (the requested cycle does not apply).
  uint32_t Status() {
    uint32_t st = dev_.Status();
    if (Now(Inject::kStatusDone)) st &= ~kStatusDone;
    if (Now(Inject::kStatusError)) st ^= kStatusError;
    if (inj_.what == Inject::kErrorCsr && !fired_) {  // STATUS.ERROR follows the corrupted ERROR
      const uint32_t e = dev_.Read32(isa::kCsrError) ^ ErrorBit();
      st = (st & ~kStatusError) | (e != 0 ? kStatusError : 0u);
    }
    return st;
  }
  uint64_t CycleCsr() {
    uint64_t c = uint64_t{dev_.Read32(isa::kCsrCycleLo)} | (uint64_t{dev_.Read32(isa::kCsrCycleHi)} << 32);
    if (Now(Inject::kCycleCsr)) c ^= uint64_t{1} << (inj_.bit % 64);
    return c;
  }
  uint32_t ErrorCsr() {
    uint32_t e = dev_.Read32(isa::kCsrError);
    if (Now(Inject::kErrorCsr)) e ^= ErrorBit();
    return e;
  }
  bool ReadMemWord(uint32_t slice, uint32_t addr, uint8_t *data, std::string *err) {
    const uint32_t vl = dev_.geometry().vl();
    if (!dev_.ReadMemWords(slice, addr, data, vl, err)) return false;
    if (Now(Inject::kMemReadback)) {
      const uint32_t b = inj_.bit % (8 * vl);
      data[b / 8] ^= static_cast<uint8_t>(1u << (b % 8));
    }
    return true;
  }

 private:
  uint32_t ErrorBit() const { return 1u << (inj_.bit % isa::kErrorNames.size()); }
  bool Due(Inject w) const { return inj_.what == w && !fired_ && t_ >= inj_.cycle; }
  bool Now(Inject w) {
    if (inj_.what != w || fired_) return false;
    Fire();
    return true;
  }
  void Fire() {
    fired_ = true;
    fired_cycle_ = t_;
  }

  RtlDevice &dev_;
  InjectSpec inj_;
  uint64_t t_ = 0;
  bool fired_ = false;
  uint64_t fired_cycle_ = 0;
};

std::string SliceName(const Geometry &g, uint32_t slice) {
  const uint32_t M = g.mem_slices_per_hemi();
  return fmt::format("mem.{}{}", slice < M ? 'w' : 'e', slice < M ? slice : slice - M);
}

std::string CompareStreams(const Geometry &g, Observer &obs, const Model &m, uint64_t cycle) {
  for (uint32_t d = 0; d < 2; ++d) {
    for (uint32_t p = 0; p < g.num_positions(); ++p) {
      for (uint32_t s = 0; s < g.streams(); ++s) {
        for (uint32_t k = 0; k < g.superlanes(); ++k) {
          const Dir dir = static_cast<Dir>(d);
          const StreamSlot r = obs.Slot(dir, s, p, k);
          const StreamSlot &e = m.Stream(dir, s, p, k);
          const bool data_differs = (r.valid || e.valid) && r.bytes != e.bytes;
          if (r.valid == e.valid && !data_differs) continue;
          std::string what;
          if (r.valid != e.valid) {
            what = fmt::format("valid bit expected {} actual {}", e.valid ? 1 : 0, r.valid ? 1 : 0);
          } else {
            uint32_t l = 0;
            while (r.bytes[l] == e.bytes[l]) ++l;
            what = fmt::format("lane {} (superlane lane {}): expected 0x{:02x} actual 0x{:02x}",
                               k * isa::kLanesPerSuperlane + l, l, e.bytes[l], r.bytes[l]);
          }
          return fmt::format(
              "run cycle {}: stream register {} superlane {} at {} (position {}, {} hemisphere): {}\n"
              "  expected (model): valid={} [{}]\n  actual   (RTL):   valid={} [{}]",
              cycle, StreamName(StreamField(dir, s)), k, g.PositionName(p), p, HemisphereOf(g, p), what,
              e.valid ? 1 : 0, Hex16(e.bytes), r.valid ? 1 : 0, Hex16(r.bytes));
        }
      }
    }
  }
  return "";
}

// The bank writes of one cycle, matched by (slice, superlane); the message says which field differs.
std::string CompareMemWrites(const Geometry &g, std::vector<MemWrite> rtl, std::vector<MemWrite> model,
                             uint64_t cycle) {
  auto key = [](const MemWrite &w) { return std::make_pair(w.slice, w.superlane); };
  auto by = [&](const MemWrite &a, const MemWrite &b) { return key(a) < key(b); };
  std::sort(rtl.begin(), rtl.end(), by);
  std::sort(model.begin(), model.end(), by);
  const size_t n = std::max(rtl.size(), model.size());
  for (size_t i = 0; i < n; ++i) {
    const MemWrite *r = i < rtl.size() ? &rtl[i] : nullptr;
    const MemWrite *e = i < model.size() ? &model[i] : nullptr;
    if (r && e && key(*r) == key(*e) && r->addr == e->addr && r->data == e->data) continue;
    const MemWrite *w = e ? e : r;
    if (r && e && key(*r) != key(*e)) w = key(*r) < key(*e) ? r : e;
    const bool has_r = r && key(*r) == key(*w), has_e = e && key(*e) == key(*w);
    std::string what;
    if (!has_r) {
      what = "no write on the RTL";
    } else if (!has_e) {
      what = "unexpected write on the RTL";
    } else if (r->addr != e->addr) {
      what = fmt::format("address: expected word {} actual word {}", e->addr, r->addr);
    } else {
      uint32_t l = 0;
      while (r->data[l] == e->data[l]) ++l;
      what = fmt::format("data lane {} (superlane lane {}): expected 0x{:02x} actual 0x{:02x}",
                         w->superlane * isa::kLanesPerSuperlane + l, l, e->data[l], r->data[l]);
    }
    const uint32_t pos = g.queue(w->slice).position;
    auto fmt_w = [&](const MemWrite *x, bool has) {
      if (!has) return std::string("no write");
      return fmt::format("word {} [{}]", x->addr, Hex16(x->data));
    };
    // All bank writes of the cycle on both sides: a write that moved to another slice or superlane
    // shows up there.
    auto list = [&](const std::vector<MemWrite> &v) {
      std::string l;
      for (const MemWrite &x : v)
        l += fmt::format("{}{} superlane {} word {}", l.empty() ? "" : ", ", SliceName(g, x.slice),
                         x.superlane, x.addr);
      return l.empty() ? std::string("none") : l;
    };
    return fmt::format(
        "run cycle {}: MEM bank write of {} superlane {} (position {}, {} hemisphere) differs: {}\n"
        "  expected (model): {}\n  actual   (RTL):   {}\n  bank writes this cycle, model: {}\n"
        "  bank writes this cycle, RTL:   {}",
        cycle, SliceName(g, w->slice), w->superlane, pos, HemisphereOf(g, pos), what, fmt_w(e, has_e),
        fmt_w(r, has_r), list(model), list(rtl));
  }
  return "";
}

std::string ErrorNames(uint32_t bits) {
  std::string s;
  for (size_t b = 0; b < isa::kErrorNames.size(); ++b) {
    if (bits & (1u << b)) s += (s.empty() ? "" : "|") + std::string(isa::kErrorNames[b]);
  }
  return s.empty() ? "none" : s;
}

// Dispatches per queue in this run cycle, RTL (icu_disp) vs model (QueueView).
std::string CompareDispatch(const Geometry &g, Observer &obs, const Model &m, uint64_t cycle) {
  for (uint32_t q = 0; q < g.num_queues(); ++q) {
    const auto v = m.Queue(q);
    uint64_t rw = 0;
    const bool rv = obs.Dispatched(q, &rw);
    if (rv == v.dispatched_this_cycle && (!rv || rw == v.last_word)) continue;
    return fmt::format(
        "run cycle {}: queue {} dispatch differs\n  expected (model): {}\n  actual   (RTL):   {}", cycle,
        g.queue(q).name, v.dispatched_this_cycle ? Describe(v.last_word) : "nothing",
        rv ? Describe(rw) : "nothing");
  }
  return "";
}

// End of the run: every MEM word the program loaded or wrote, read back through the device's own
// read path, against the model's final MEM (only the superlanes written, plus whole image words).
std::string CompareMem(const Geometry &g, Observer &obs, const Model &m,
                       const std::map<std::pair<uint32_t, uint32_t>, uint64_t> &touched, uint64_t *words) {
  std::vector<uint8_t> r(g.vl());
  for (const auto &[where, superlanes] : touched) {
    const auto [slice, addr] = where;
    std::string err;
    if (!obs.ReadMemWord(slice, addr, r.data(), &err)) {
      return fmt::format("MEM read-back after the run: cannot read {} word {}: {}", SliceName(g, slice), addr,
                         err);
    }
    ++*words;
    const std::vector<uint8_t> e = m.ReadMem(slice, addr);
    for (uint32_t l = 0; l < g.vl(); ++l) {
      const uint32_t k = l / isa::kLanesPerSuperlane;
      if (!((superlanes >> k) & 1u) || r[l] == e[l]) continue;
      auto hex = [&](const std::vector<uint8_t> &v) {
        std::string h;
        for (uint32_t i = k * isa::kLanesPerSuperlane; i < (k + 1) * isa::kLanesPerSuperlane; ++i)
          h += fmt::format("{}{:02x}", h.empty() ? "" : " ", v[i]);
        return h;
      };
      return fmt::format(
          "MEM read-back after the run: {} (slice {}) word {} lane {} (superlane {}): expected (model) "
          "0x{:02x} "
          "actual (RTL) 0x{:02x}\n  expected (model): superlane {} [{}]\n  actual   (RTL):   superlane {} "
          "[{}]",
          SliceName(g, slice), slice, addr, l, k, e[l], r[l], k, hex(e), k, hex(r));
    }
  }
  return "";
}

}  // namespace

bool ModelExpectsErrors(const Geometry &g, const Program &p, uint64_t max_cycles) {
  Model m(g);
  std::string err;
  if (!m.LoadProgram(p, &err)) return true;  // unknown to the model (e.g. illegal opcodes)
  m.Start();
  m.Run(max_cycles);
  return m.error_bits() != 0;
}

LockstepResult RunLockstep(RtlDevice &dev, const Program &p, const LockstepOptions &opt) {
  LockstepResult res;
  const Geometry &g = dev.geometry();
  std::unique_ptr<Model> model;
  std::deque<DispatchRec> history;
  Observer obs(dev, opt.inject);
  // MEM words to read back after the run: (slice, word) -> superlanes written (images: all).
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> touched;
  const uint64_t all_superlanes = g.superlanes() >= 64 ? ~uint64_t{0} : (uint64_t{1} << g.superlanes()) - 1;

  auto fail = [&](const std::string &msg) {
    res.ok = false;
    res.message = msg;
    res.injected = obs.fired();
    res.injected_cycle = obs.fired_cycle();
    if (!history.empty()) {
      res.message += "\n  last dispatches (model):";
      for (const auto &h : history) {
        res.message +=
            fmt::format("\n    cycle {:6}  {:7} {}", h.cycle, g.queue(h.queue).name, Describe(h.word));
      }
    }
    if (opt.write_failure) {
      std::error_code ec;
      std::filesystem::create_directories(opt.fail_dir, ec);
      const std::string path = (std::filesystem::path(opt.fail_dir) / (opt.name + ".tspb")).string();
      std::string err;
      if (WriteProgramFile(path, p, &err)) {
        res.replay_path = path;
        const std::string spec = g.params().name == "default" ? "rtl" : "rtl:" + std::string(g.params().name);
        res.message += fmt::format("\n  failing program written to {} (replay: tsp-sim --device {} {} --lockstep)",
                                   path, spec, path);
      } else {
        res.message += "\n  could not write the failing program: " + err;
      }
    }
    dev.FlushTrace();
    // Leave the device idle for the next program: stop an abandoned run (CTRL.CLEAR also resets
    // the slices). Its last cycles belong to no comparison, so they raise no SVA reports.
    dev.set_assertions(false);
    try {
      if (dev.Status() & kStatusBusy) dev.Write32(isa::kCsrCtrl, kCtrlClear);
    } catch (const std::exception &) {
    }
    dev.set_assertions(true);
    return res;
  };

  try {
    dev.clear_assertion_failure();
    dev.set_assertions(!(ModelExpectsErrors(g, p, opt.max_cycles) ||
                         (opt.rtl_program && ModelExpectsErrors(g, *opt.rtl_program, opt.max_cycles))));

    auto t0 = Clock::now();
    const uint64_t c0 = dev.clocks();
    std::string err;
    if (opt.compare) {
      model = std::make_unique<Model>(g);
      Program mp = p;
      // Already loaded: the model starts from what the device's MEM holds now in the image words
      // (an earlier run may have changed them).
      for (auto &img : mp.mem) {
        if (!opt.load && !dev.ReadMemWords(img.slice, img.addr, img.data.data(), img.data.size(), &err))
          return fail("cannot read the program's MEM words back from the RTL: " + err);
      }
      if (!model->LoadProgram(mp, &err)) return fail("the reference model rejects the program: " + err);
      if (opt.model_hook) model->SetCycleHook(opt.model_hook);
      for (const auto &img : mp.mem) {
        for (uint32_t w = 0; w < img.data.size() / g.vl(); ++w)
          touched[{img.slice, img.addr + w}] = all_superlanes;
      }
    }
    if (opt.load && !dev.LoadProgram(opt.rtl_program ? *opt.rtl_program : p, &err)) {
      return fail("cannot load the program into the RTL: " + err);
    }
    res.load_clocks = dev.clocks() - c0;
    res.load_seconds = std::chrono::duration<double>(Clock::now() - t0).count();

    t0 = Clock::now();
    const uint64_t c1 = dev.clocks();
    if (!dev.Start(&err)) return fail(err);
    if (model) {
      model->Start();
      const std::string d = CompareStreams(g, obs, *model, 0);
      if (!d.empty()) return fail(d);
    }
    uint64_t t = 0;
    while (true) {
      obs.set_cycle(t);
      if (dev.assertion_failed())
        return fail(fmt::format("RTL assertion failed in run cycle {} (see [ASSERT FAILED] above)", t));
      if (const uint64_t rc = obs.RunCycle(); rc != t) {
        return fail(fmt::format("run cycle {}: the RTL cycle counter reads {}", t, rc));
      }
      if (t >= opt.max_cycles) return fail(fmt::format("not done after {} run cycles", opt.max_cycles));
      bool model_more = false;
      if (model) {
        const size_t nerr = model->errors().size();
        model_more = model->Step();
        uint32_t new_bits = 0;
        for (size_t i = nerr; i < model->errors().size(); ++i) new_bits |= model->errors()[i].bit;
        if (model_more) {
          for (uint32_t q = 0; q < g.num_queues(); ++q) {
            const auto v = model->Queue(q);
            if (!v.dispatched_this_cycle) continue;
            history.push_back({t, q, v.last_word});
            if (history.size() > 16) history.pop_front();
          }
          std::string d = CompareDispatch(g, obs, *model, t);
          if (!d.empty()) return fail(d);
        }
        const std::vector<MemWrite> no_writes;
        const std::vector<MemWrite> &mw = model_more ? model->mem_writes() : no_writes;
        std::string d = CompareMemWrites(g, obs.MemWrites(), mw, t);
        if (!d.empty()) return fail(d);
        for (const MemWrite &w : mw) touched[{w.slice, w.addr}] |= uint64_t{1} << w.superlane;
        res.mem_writes += mw.size();
        const uint32_t rtl_bits = obs.ErrNow();
        if (rtl_bits != new_bits) {
          std::string msg =
              fmt::format("run cycle {}: error pulses differ: expected (model) {}, actual (RTL) {}", t,
                          ErrorNames(new_bits), ErrorNames(rtl_bits));
          for (size_t i = nerr; i < model->errors().size(); ++i)
            msg += "\n  model: " + model->errors()[i].message;
          return fail(msg);
        }
      }
      dev.Tick();
      ++t;
      obs.set_cycle(t);
      if (model) {
        const bool rtl_running = obs.Running();
        if (model_more && !rtl_running) {
          return fail(fmt::format("the RTL finished after run cycle {} but the model is not done", t - 1));
        }
        if (!model_more) {
          if (rtl_running) {
            return fail(
                fmt::format("the model finished in {} cycles but the RTL is still running", model->cycle()));
          }
          break;
        }
        const std::string d = CompareStreams(g, obs, *model, t);
        if (!d.empty()) return fail(d);
        ++res.compared_cycles;
      } else if (!dev.running()) {
        break;
      }
    }
    res.run_clocks = dev.clocks() - c1;
    res.run_seconds = std::chrono::duration<double>(Clock::now() - t0).count();

    const uint32_t status = obs.Status();
    res.rtl_done = (status & kStatusDone) != 0;
    res.rtl_cycles = obs.CycleCsr();
    res.rtl_error = obs.ErrorCsr();
    if (!res.rtl_done || (status & 1u)) {
      return fail(fmt::format(
          "after the run STATUS = 0x{:x}: expected DONE (bit 1) set and BUSY (bit 0) clear", status));
    }
    if (((status >> 2) & 1u) != (res.rtl_error != 0 ? 1u : 0u)) {
      return fail(fmt::format("STATUS.ERROR = {} but ERROR = 0x{:x}", (status >> 2) & 1u, res.rtl_error));
    }
    if (model) {
      res.model_cycles = model->cycle();
      res.model_error = model->error_bits();
      if (res.rtl_cycles != res.model_cycles) {
        return fail(fmt::format("CYCLE = {} but the model took {} cycles", res.rtl_cycles, res.model_cycles));
      }
      if (res.rtl_error != res.model_error) {
        return fail(fmt::format("ERROR = 0x{:x} ({}) but the model reports 0x{:x} ({})", res.rtl_error,
                                ErrorNames(res.rtl_error), res.model_error, ErrorNames(res.model_error)));
      }
      if (opt.readback) {
        const auto tr = Clock::now();
        const std::string d = CompareMem(g, obs, *model, touched, &res.readback_words);
        res.readback_seconds = std::chrono::duration<double>(Clock::now() - tr).count();
        if (!d.empty()) return fail(d);
      }
    }
    if (dev.assertion_failed()) return fail("RTL assertion failed (see [ASSERT FAILED] above)");
    dev.set_assertions(true);
    res.ok = true;
    res.injected = obs.fired();
    res.injected_cycle = obs.fired_cycle();
    res.message = fmt::format("{} cycles{}, ERROR 0x{:x}", res.rtl_cycles,
                              model ? ", identical to the model in every cycle" : "", res.rtl_error);
    return res;
  } catch (const std::exception &e) {
    return fail(e.what());
  }
}

}  // namespace tsp::tb
