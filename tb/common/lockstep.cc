// RTL-vs-model lockstep (see lockstep.h). Compiled once per Verilated tsp_top (one per geometry).
#include "lockstep.h"

#include <fmt/format.h>
#include <verilated.h>
#include <verilated_fst_c.h>
#if VM_COVERAGE
#include <verilated_cov.h>
#endif

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "Vtsp_top.h"
#include "Vtsp_top___024root.h"
#include "tsp/instr.h"

// Observation signals of tsp_core (documented at the top of rtl/core/tsp_core.sv). Only these
// lines name RTL internals.
#define TSP_SIG(top, name) ((top)->rootp->tsp_top__DOT__u_core__DOT__##name)

namespace tsp::tb {

namespace {

using Clock = std::chrono::steady_clock;

uint64_t Mask(unsigned width) { return width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1; }

// Up to 64 bits at bit offset `off` of a Verilator signal of any width.
uint64_t BitsRaw(const uint32_t *w, size_t nwords, size_t off, unsigned width) {
  uint64_t r = 0;
  unsigned done = 0;
  while (done < width) {
    const size_t bit = off + done;
    const size_t wi = bit / 32;
    const unsigned sh = static_cast<unsigned>(bit % 32);
    const unsigned take = std::min(32u - sh, width - done);
    const uint64_t chunk = wi < nwords ? (uint64_t{w[wi]} >> sh) & Mask(take) : 0;
    r |= chunk << done;
    done += take;
  }
  return r;
}
template <size_t N>
uint64_t Bits(const VlWide<N> &v, size_t off, unsigned width) {
  return BitsRaw(v.data(), N, off, width);
}
template <typename T, typename = std::enable_if_t<std::is_integral<T>::value>>
uint64_t Bits(T v, size_t off, unsigned width) {
  if (off >= 64) return 0;
  return (static_cast<uint64_t>(v) >> off) & Mask(width);
}

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
// RtlDevice
// ---------------------------------------------------------------------------------------------
struct RtlDevice::Impl {
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vtsp_top> top;
  std::unique_ptr<VerilatedFstC> trace;
  std::optional<Geometry> geom;
  uint64_t clocks = 0;
  uint32_t addr_bits = 0;

  // $error flags the thread's current VerilatedContext: make this device's current (several
  // devices may live in one process, e.g. gtest running many tests).
  // Combinational settle between edges (no trace sample: the next edge dumps it).
  void Settle() {
    Verilated::threadContextp(ctx.get());
    top->eval();
  }
  void Eval() {
    Settle();
    if (trace) trace->dump(static_cast<uint64_t>(ctx->time()));
  }
  void Tick() {
    top->clk_i = 1;
    Eval();
    ctx->timeInc(5);
    top->clk_i = 0;
    Eval();
    ctx->timeInc(5);
    ++clocks;
  }
  uint32_t Transact(bool we, uint32_t addr, uint32_t data) {
    top->host_req_valid_i = 1;
    top->host_req_we_i = we ? 1 : 0;
    top->host_req_addr_i = addr;
    top->host_req_wdata_i = data;
    Settle();
    for (int guard = 0; !top->host_req_ready_o; ++guard) {
      if (guard > 1000)
        throw std::runtime_error(fmt::format("host bus: request 0x{:08x} never accepted", addr));
      Tick();
    }
    Tick();  // the request is taken at this edge
    top->host_req_valid_i = 0;
    Settle();
    for (int guard = 0; !top->host_rsp_valid_o; ++guard) {
      if (guard > 1000) throw std::runtime_error(fmt::format("host bus: no response to 0x{:08x}", addr));
      Tick();
    }
    return top->host_rsp_rdata_o;
  }
};

RtlDevice::RtlDevice(const DeviceOptions &opt) : impl_(std::make_unique<Impl>()) {
  auto &I = *impl_;
  I.ctx = std::make_unique<VerilatedContext>();
  I.ctx->fatalOnError(false);
  I.ctx->randReset(2);  // un-reset state (block RAM) starts as garbage, as in hardware
  I.ctx->randSeed(static_cast<int>(opt.rand_seed));
  if (!opt.trace_path.empty()) I.ctx->traceEverOn(true);
  I.top = std::make_unique<Vtsp_top>(I.ctx.get(), "TOP");
  if (!opt.trace_path.empty()) {
    const auto dir = std::filesystem::path(opt.trace_path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
    I.trace = std::make_unique<VerilatedFstC>();
    I.top->trace(I.trace.get(), 99);
    I.trace->open(opt.trace_path.c_str());
  }
  I.top->clk_i = 0;
  I.top->rst_ni = 0;
  I.top->host_req_valid_i = 0;
  I.top->host_req_we_i = 0;
  I.top->host_req_addr_i = 0;
  I.top->host_req_wdata_i = 0;
  I.Settle();  // input changes between edges are dumped with the next edge
  I.Tick();
  I.Tick();
  I.top->rst_ni = 1;
  I.Settle();
  I.Tick();
  const uint64_t fp =
      uint64_t{I.Transact(false, isa::kCsrGeom, 0)} | (uint64_t{I.Transact(false, isa::kCsrGeomHi, 0)} << 32);
  const uint32_t id = I.Transact(false, isa::kCsrId, 0);
  if (id != isa::kTspId)
    throw std::runtime_error(
        fmt::format("RTL ID register reads 0x{:08x}, expected 0x{:08x}", id, isa::kTspId));
  for (const auto &c : isa::kConfigs) {
    if (isa::Fingerprint(c) == fp) I.geom.emplace(c);
  }
  if (!I.geom)
    throw std::runtime_error(
        fmt::format("RTL geometry fingerprint 0x{:016x} matches no configuration in isa/tsp_isa.json", fp));
  I.addr_bits = isa::Log2(I.geom->mem_words());
}

RtlDevice::~RtlDevice() {
  if (impl_->trace) impl_->trace->close();
  Verilated::threadContextp(impl_->ctx.get());
  impl_->top->final();
  Verilated::threadContextp(nullptr);  // never leave the thread pointing at a freed context
#if VM_COVERAGE
  // Coverage builds: every device leaves its counts in $TSP_COVERAGE_DIR (scripts/coverage.sh).
  if (const char *dir = std::getenv("TSP_COVERAGE_DIR")) {
    static int n = 0;
    WriteCoverage(fmt::format("{}/cov_{}_{}.dat", dir, static_cast<long>(getpid()), n++));
  }
#endif
}

const Geometry &RtlDevice::geometry() const { return *impl_->geom; }
uint32_t RtlDevice::Read(uint32_t addr) { return impl_->Transact(false, addr, 0); }
void RtlDevice::Write(uint32_t addr, uint32_t data) { impl_->Transact(true, addr, data); }
void RtlDevice::Tick(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) impl_->Tick();
}
uint64_t RtlDevice::clocks() const { return impl_->clocks; }
bool RtlDevice::assertion_failed() const { return impl_->ctx->gotError(); }
void RtlDevice::clear_assertion_failure() { impl_->ctx->gotError(false); }
void RtlDevice::set_assertions(bool on) { impl_->ctx->assertOn(on); }
void RtlDevice::FlushTrace() {
  if (impl_->trace) impl_->trace->flush();
}

bool RtlDevice::WriteCoverage(const std::string &path) {
#if VM_COVERAGE
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir);
  impl_->ctx->coveragep()->write(path.c_str());
  return true;
#else
  (void)path;
  return false;
#endif
}

bool RtlDevice::LoadProgram(const Program &p, std::string *error) {
  const Geometry &g = geometry();
  // A previous run that was abandoned (mismatch, timeout) may still be going: the core ignores IQ,
  // MEM and QLEN writes while busy, so stop it first.
  if (status() & 1u) {
    Write(isa::kCsrCtrl, 2);
    if (status() & 1u) {
      *error = "the core stays BUSY after CTRL.CLEAR";
      return false;
    }
  }
  if (isa::Fingerprint(p.geometry) != g.fingerprint()) {
    *error =
        fmt::format("program built for {} but the RTL is {}", Geometry(p.geometry).Describe(), g.Describe());
    return false;
  }
  if (p.queues.size() != g.num_queues()) {
    *error = fmt::format("program has {} queues, the RTL has {}", p.queues.size(), g.num_queues());
    return false;
  }
  for (const auto &img : p.mem) {
    if (img.slice >= g.num_mem_slices() || img.data.size() % g.vl() != 0 ||
        img.addr + img.data.size() / g.vl() > g.mem_words()) {
      *error = fmt::format("MEM image for slice {} at word {} ({} bytes) does not fit", img.slice, img.addr,
                           img.data.size());
      return false;
    }
    for (size_t off = 0; off < img.data.size(); off += 4) {
      const uint32_t w = static_cast<uint32_t>(off / g.vl());
      const uint32_t lane = static_cast<uint32_t>(off % g.vl());
      const uint32_t v = uint32_t{img.data[off]} | uint32_t{img.data[off + 1]} << 8 |
                         uint32_t{img.data[off + 2]} << 16 | uint32_t{img.data[off + 3]} << 24;
      Write(static_cast<uint32_t>(isa::kRegionMemBase + g.MemByteAddress(img.slice, img.addr + w, lane)), v);
    }
  }
  for (uint32_t q = 0; q < g.num_queues(); ++q) {
    if (p.queues[q].size() > g.iq_depth()) {
      *error = fmt::format("queue {}: {} instructions exceed the queue depth {}", g.queue(q).name,
                           p.queues[q].size(), g.iq_depth());
      return false;
    }
    for (size_t i = 0; i < p.queues[q].size(); ++i) {
      const uint32_t a = isa::kRegionIqBase + q * 0x10000u + static_cast<uint32_t>(i) * 8u;
      Write(a, static_cast<uint32_t>(p.queues[q][i]));
      Write(a + 4, static_cast<uint32_t>(p.queues[q][i] >> 32));
    }
    Write(isa::kCsrQlen + 4 * q, static_cast<uint32_t>(p.queues[q].size()));
  }
  return true;
}

bool RtlDevice::Start(std::string *error) {
  Write(isa::kCsrCtrl, 1);
  for (int i = 0; i < 32; ++i) {
    if (running()) return true;
    Tick();
  }
  *error = "CTRL.START written but the core never entered its run phase (run_q stayed 0)";
  return false;
}

std::vector<uint8_t> RtlDevice::ReadMemWord(uint32_t slice, uint32_t addr) {
  const Geometry &g = geometry();
  std::vector<uint8_t> v(g.vl());
  for (uint32_t lane = 0; lane < g.vl(); lane += 4) {
    const uint32_t w = Read(static_cast<uint32_t>(isa::kRegionMemBase + g.MemByteAddress(slice, addr, lane)));
    for (uint32_t b = 0; b < 4; ++b) v[lane + b] = static_cast<uint8_t>(w >> (8 * b));
  }
  return v;
}

bool RtlDevice::running() const { return Bits(TSP_SIG(impl_->top, run_q), 0, 1) != 0; }
uint64_t RtlDevice::run_cycle() const { return Bits(TSP_SIG(impl_->top, cycle_q), 0, 64); }
uint32_t RtlDevice::ErrNow() const {
  return static_cast<uint32_t>(Bits(TSP_SIG(impl_->top, err_now), 0, isa::kErrorNames.size()));
}

StreamSlot RtlDevice::Slot(Dir d, uint32_t stream, uint32_t position, uint32_t superlane) const {
  const Geometry &g = geometry();
  constexpr size_t kSlotBits = 8 * isa::kLanesPerSuperlane + 1;
  const size_t off =
      (((size_t{static_cast<uint32_t>(d)} * g.num_positions() + position) * g.streams() + stream) *
           g.superlanes() +
       superlane) *
      kSlotBits;
  const auto &sig = TSP_SIG(impl_->top, stream_q);
  StreamSlot s;
  s.valid = Bits(sig, off + 8 * isa::kLanesPerSuperlane, 1) != 0;
  for (uint32_t l = 0; l < isa::kLanesPerSuperlane; ++l)
    s.bytes[l] = static_cast<uint8_t>(Bits(sig, off + 8 * l, 8));
  return s;
}

bool RtlDevice::Dispatched(uint32_t queue, uint64_t *word) const {
  constexpr size_t kDispBits = 65;  // tsp_pkg::disp_t = {valid, instr[63:0]}
  const auto &sig = TSP_SIG(impl_->top, icu_disp);
  *word = Bits(sig, queue * kDispBits, 64);
  return Bits(sig, queue * kDispBits + 64, 1) != 0;
}

std::vector<MemWrite> RtlDevice::MemWrites() const {
  const Geometry &g = geometry();
  const auto &top = impl_->top;
  std::vector<MemWrite> r;
  for (uint32_t slice = 0; slice < g.num_mem_slices(); ++slice) {
    for (uint32_t k = 0; k < g.superlanes(); ++k) {
      const size_t i = size_t{slice} * g.superlanes() + k;
      if (!Bits(TSP_SIG(top, mem_mon_we), i, 1)) continue;
      MemWrite w;
      w.slice = slice;
      w.superlane = k;
      w.addr =
          static_cast<uint32_t>(Bits(TSP_SIG(top, mem_mon_addr), i * impl_->addr_bits, impl_->addr_bits));
      for (uint32_t l = 0; l < isa::kLanesPerSuperlane; ++l) {
        w.data[l] = static_cast<uint8_t>(Bits(TSP_SIG(top, mem_mon_data), i * 128 + 8 * l, 8));
      }
      r.push_back(w);
    }
  }
  return r;
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
        res.message +=
            fmt::format("\n  failing program written to {} (replay: tsp-rtl-sim {} --lockstep)", path, path);
      } else {
        res.message += "\n  could not write the failing program: " + err;
      }
    }
    dev.FlushTrace();
    // Leave the device idle for the next program: stop an abandoned run (CTRL.CLEAR also resets
    // the slices). Its last cycles belong to no comparison, so they raise no SVA reports.
    dev.set_assertions(false);
    try {
      if (dev.status() & 1u) dev.Write(isa::kCsrCtrl, 2);
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
      if (!model->LoadProgram(p, &err)) return fail("the reference model rejects the program: " + err);
    }
    if (!dev.LoadProgram(opt.rtl_program ? *opt.rtl_program : p, &err)) {
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

    const uint32_t status = dev.status();
    res.rtl_done = (status & 2u) != 0;
    res.rtl_cycles = uint64_t{dev.Read(isa::kCsrCycleLo)} | (uint64_t{dev.Read(isa::kCsrCycleHi)} << 32);
    res.rtl_error = dev.Read(isa::kCsrError);
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
