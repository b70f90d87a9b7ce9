// RTL-vs-model lockstep (see lockstep.h). Independent of the Verilated model: it sees the RTL only
// through the RtlDevice interface (rtl_device.h), so one copy serves every geometry.
#include "lockstep.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
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

std::string CompareStreams(const Geometry &g, const RtlDevice &dev, const Model &m, uint64_t cycle) {
  for (uint32_t d = 0; d < 2; ++d) {
    for (uint32_t p = 0; p < g.num_positions(); ++p) {
      for (uint32_t s = 0; s < g.streams(); ++s) {
        for (uint32_t k = 0; k < g.superlanes(); ++k) {
          const Dir dir = static_cast<Dir>(d);
          const StreamSlot r = dev.Slot(dir, s, p, k);
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

std::string CompareMemWrites(const Geometry &g, std::vector<MemWrite> rtl, std::vector<MemWrite> model,
                             uint64_t cycle) {
  auto key = [](const MemWrite &w) { return std::make_pair(w.slice, w.superlane); };
  auto by = [&](const MemWrite &a, const MemWrite &b) { return key(a) < key(b); };
  std::sort(rtl.begin(), rtl.end(), by);
  std::sort(model.begin(), model.end(), by);
  auto slice_name = [&](uint32_t slice) {
    const uint32_t M = g.mem_slices_per_hemi();
    return fmt::format("mem.{}{}", slice < M ? 'w' : 'e', slice < M ? slice : slice - M);
  };
  const size_t n = std::max(rtl.size(), model.size());
  for (size_t i = 0; i < n; ++i) {
    const MemWrite *r = i < rtl.size() ? &rtl[i] : nullptr;
    const MemWrite *e = i < model.size() ? &model[i] : nullptr;
    if (r && e && key(*r) == key(*e) && r->addr == e->addr && r->data == e->data) continue;
    const MemWrite *w = e ? e : r;
    if (r && e && key(*r) != key(*e)) w = key(*r) < key(*e) ? r : e;
    const uint32_t pos = g.queue(w->slice).position;
    auto fmt_w = [&](const MemWrite *x) {
      if (!x || key(*x) != key(*w)) return std::string("no write");
      return fmt::format("word {} [{}]", x->addr, Hex16(x->data));
    };
    return fmt::format(
        "run cycle {}: MEM bank write of {} superlane {} (position {}, {} hemisphere) differs\n"
        "  expected (model): {}\n  actual   (RTL):   {}",
        cycle, slice_name(w->slice), w->superlane, pos, HemisphereOf(g, pos), fmt_w(e), fmt_w(r));
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
std::string CompareDispatch(const Geometry &g, const RtlDevice &dev, const Model &m, uint64_t cycle) {
  for (uint32_t q = 0; q < g.num_queues(); ++q) {
    const auto v = m.Queue(q);
    uint64_t rw = 0;
    const bool rv = dev.Dispatched(q, &rw);
    if (rv == v.dispatched_this_cycle && (!rv || rw == v.last_word)) continue;
    return fmt::format(
        "run cycle {}: queue {} dispatch differs\n  expected (model): {}\n  actual   (RTL):   {}", cycle,
        g.queue(q).name, v.dispatched_this_cycle ? Describe(v.last_word) : "nothing",
        rv ? Describe(rw) : "nothing");
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

  auto fail = [&](const std::string &msg) {
    res.ok = false;
    res.message = msg;
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
      const std::string d = CompareStreams(g, dev, *model, 0);
      if (!d.empty()) return fail(d);
    }
    uint64_t t = 0;
    while (true) {
      if (dev.assertion_failed())
        return fail(fmt::format("RTL assertion failed in run cycle {} (see [ASSERT FAILED] above)", t));
      if (dev.run_cycle() != t) {
        return fail(fmt::format("run cycle {}: the RTL cycle counter reads {}", t, dev.run_cycle()));
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
          std::string d = CompareDispatch(g, dev, *model, t);
          if (!d.empty()) return fail(d);
        }
        std::string d = CompareMemWrites(g, dev.MemWrites(),
                                         model_more ? model->mem_writes() : std::vector<MemWrite>{}, t);
        if (!d.empty()) return fail(d);
        const uint32_t rtl_bits = dev.ErrNow();
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
      if (model) {
        if (model_more && !dev.running()) {
          return fail(fmt::format("the RTL finished after run cycle {} but the model is not done", t - 1));
        }
        if (!model_more) {
          if (dev.running()) {
            return fail(
                fmt::format("the model finished in {} cycles but the RTL is still running", model->cycle()));
          }
          break;
        }
        const std::string d = CompareStreams(g, dev, *model, t);
        if (!d.empty()) return fail(d);
        ++res.compared_cycles;
      } else if (!dev.running()) {
        break;
      }
    }
    res.run_clocks = dev.clocks() - c1;
    res.run_seconds = std::chrono::duration<double>(Clock::now() - t0).count();

    const uint32_t status = dev.Status();
    res.rtl_done = (status & kStatusDone) != 0;
    res.rtl_cycles = uint64_t{dev.Read32(isa::kCsrCycleLo)} | (uint64_t{dev.Read32(isa::kCsrCycleHi)} << 32);
    res.rtl_error = dev.Read32(isa::kCsrError);
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
    }
    if (dev.assertion_failed()) return fail("RTL assertion failed (see [ASSERT FAILED] above)");
    dev.set_assertions(true);
    res.ok = true;
    res.message = fmt::format("{} cycles{}, ERROR 0x{:x}", res.rtl_cycles,
                              model ? ", identical to the model in every cycle" : "", res.rtl_error);
    return res;
  } catch (const std::exception &e) {
    return fail(e.what());
  }
}

}  // namespace tsp::tb
