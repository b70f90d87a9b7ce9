// One Verilated tsp_top as an RtlDevice (rtl_device.h). Compiled once into each per-geometry
// library (tb/CMakeLists.txt) with
//   TSP_VTOP         the Verilated model class (Vtsp_top, Vtsp_top_small),
//   TSP_VTOP_H, TSP_VTOP_ROOT_H   its headers,
//   TSP_RTL_CONFIG   the geometry name ("default", "small", "board"),
//   TSP_RTL_ANCHOR   a per-library symbol that binaries force in (-u), which runs the registration,
//   TSP_RTL_THREADS  the Verilator --threads of the model.
// Everything here has internal linkage, so both geometries can live in one binary.
#include <fmt/format.h>
#include <unistd.h>
#include <verilated.h>
#if VM_TRACE
#include <verilated_fst_c.h>
#endif
#include <verilated_syms.h>
#if VM_COVERAGE
#include <verilated_cov.h>
#endif

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <regex>
#include <stdexcept>
#include <type_traits>

#include TSP_VTOP_H
#include TSP_VTOP_ROOT_H
#include "rtl_device.h"

// Observation signals of tsp_core (documented at the top of rtl/core/tsp_core.sv). Only these
// lines name RTL internals (besides the backdoor's RAM scopes below).
#define TSP_SIG(top, name) ((top)->rootp->tsp_top__DOT__u_core__DOT__##name)

namespace tsp::tb {

namespace {

#if VM_TRACE
using TraceFile = VerilatedFstC;
#else
// Without tracing the device never opens a trace (the constructor refuses trace=); this stands in
// for the FST writer so the rest of the device reads the same.
struct TraceFile {
  void close() {}
  void flush() {}
  void dump(uint64_t) {}
};
#endif

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

class Core final : public RtlDevice {
 public:
  explicit Core(const RtlOptions &opt)
      : ctx_(std::make_unique<VerilatedContext>()), rand_seed_(opt.rand_seed) {
    // Verilator reads randReset / randSeed of the thread's current context while the model is
    // constructed (--x-initial unique): make the new context current (its constructor already did).
    Verilated::threadContextp(ctx_.get());
    ctx_->fatalOnError(false);
    // Exactly the threads the model was Verilated for (Verilator --threads, TSP_RTL_THREADS): the
    // context would otherwise start one per hardware thread, idle for a single-threaded model.
    ctx_->threads(TSP_RTL_THREADS);
    ctx_->randReset(2);  // un-reset state (block RAM) starts as garbage, as in hardware
    ctx_->randSeed(static_cast<int>(opt.rand_seed));
#if VM_TRACE
    if (!opt.trace_path.empty()) ctx_->traceEverOn(true);
#else
    // The core was Verilated without tracing (TSP_RTL_TRACE=OFF, the default: the trace code is a
    // sixth of the build). Say so instead of running without the waveform that was asked for.
    if (!opt.trace_path.empty()) {
      throw std::runtime_error(fmt::format(
          "trace={}: this build has no waveform support (Verilated without --trace-fst); configure with "
          "-DTSP_RTL_TRACE=ON (`make sim-demo TRACE=1` builds one in build-trace/)",
          opt.trace_path));
    }
#endif
    top_ = std::make_unique<TSP_VTOP>(ctx_.get(), "TOP");
#if VM_TRACE
    if (!opt.trace_path.empty()) {
      const auto dir = std::filesystem::path(opt.trace_path).parent_path();
      if (!dir.empty()) std::filesystem::create_directories(dir);
      trace_ = std::make_unique<VerilatedFstC>();
      top_->trace(trace_.get(), 99);
      trace_->open(opt.trace_path.c_str());
    }
#endif
    top_->clk_i = 0;
    top_->rst_ni = 0;
    top_->host_req_valid_i = 0;
    top_->host_req_we_i = 0;
    top_->host_req_addr_i = 0;
    top_->host_req_wdata_i = 0;
    Settle();  // input changes between edges are dumped with the next edge
    ClockOnce();
    ClockOnce();
    top_->rst_ni = 1;
    Settle();
    ClockOnce();
    // The geometry is whatever the GEOM CSRs say (the build chose it).
    const uint64_t fp = uint64_t{Transact(false, isa::kCsrGeom, 0)} |
                        (uint64_t{Transact(false, isa::kCsrGeomHi, 0)} << 32);
    const uint32_t id = Transact(false, isa::kCsrId, 0);
    if (id != isa::kTspId)
      throw std::runtime_error(fmt::format("RTL ID register reads 0x{:08x}, expected 0x{:08x}", id, isa::kTspId));
    for (const auto &c : isa::kConfigs) {
      if (isa::Fingerprint(c) == fp) geom_.emplace(c);
    }
    if (!geom_)
      throw std::runtime_error(
          fmt::format("RTL geometry fingerprint 0x{:016x} matches no configuration in isa/tsp_isa.json", fp));
    if (geom_->params().name != TSP_RTL_CONFIG)
      throw std::runtime_error(fmt::format("the '{}' core reads geometry '{}' from its GEOM CSRs", TSP_RTL_CONFIG,
                                           geom_->params().name));
    addr_bits_ = isa::Log2(geom_->mem_words());
    FindBackdoor();
    backdoor_ = opt.backdoor && backdoor_found_;
  }

  // The model's scopes unregister from the thread's current context when the model is destroyed,
  // so this device's context must be current until then (with several devices alive, the default
  // would be another, possibly already freed, context).
  ~Core() override {
    if (trace_) trace_->close();
    Verilated::threadContextp(ctx_.get());
    top_->final();
#if VM_COVERAGE
    // Coverage builds: every device leaves its counts in $TSP_COVERAGE_DIR (scripts/coverage.sh).
    if (const char *dir = std::getenv("TSP_COVERAGE_DIR")) {
      static int n = 0;
      WriteCoverage(fmt::format("{}/cov_{}_{}_{}.dat", dir, TSP_RTL_CONFIG, static_cast<long>(getpid()), n++));
    }
#endif
    trace_.reset();
    top_.reset();
    Verilated::threadContextp(nullptr);  // never leave the thread pointing at a freed context
  }

  const Geometry &geometry() const override { return *geom_; }
  uint32_t rand_seed() const override { return rand_seed_; }

  // ---- clock ----
  void Tick(uint64_t n) override {
    for (uint64_t i = 0; i < n; ++i) ClockOnce();
  }
  uint64_t clocks() const override { return clocks_; }
  bool assertion_failed() const override { return ctx_->gotError(); }
  void clear_assertion_failure() override { ctx_->gotError(false); }
  void set_assertions(bool on) override { ctx_->assertOn(on); }
  void FlushTrace() override {
    if (trace_) trace_->flush();
  }
  bool WriteCoverage(const std::string &path) override {
#if VM_COVERAGE
    const auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
    ctx_->coveragep()->write(path.c_str());
    return true;
#else
    (void)path;
    return false;
#endif
  }

  // ---- backdoor ----
  bool backdoor() const override { return backdoor_; }
  void set_backdoor(bool on) override { backdoor_ = on && backdoor_found_; }
  std::string backdoor_note() const override {
    if (!backdoor_found_) return backdoor_note_;
    return backdoor_ ? "on" : "off (bus path forced)";
  }

  // ---- observation ----
  bool running() const override { return Bits(TSP_SIG(top_, run_q), 0, 1) != 0; }
  uint64_t run_cycle() const override { return Bits(TSP_SIG(top_, cycle_q), 0, 64); }
  uint32_t ErrNow() const override {
    return static_cast<uint32_t>(Bits(TSP_SIG(top_, err_now), 0, isa::kErrorNames.size()));
  }
  StreamSlot Slot(Dir d, uint32_t stream, uint32_t position, uint32_t superlane) const override {
    const Geometry &g = *geom_;
    constexpr size_t kSlotBits = 8 * isa::kLanesPerSuperlane + 1;
    const size_t off =
        (((size_t{static_cast<uint32_t>(d)} * g.num_positions() + position) * g.streams() + stream) *
             g.superlanes() +
         superlane) *
        kSlotBits;
    const auto &sig = TSP_SIG(top_, stream_q);
    StreamSlot s;
    s.valid = Bits(sig, off + 8 * isa::kLanesPerSuperlane, 1) != 0;
    for (uint32_t l = 0; l < isa::kLanesPerSuperlane; ++l) s.bytes[l] = static_cast<uint8_t>(Bits(sig, off + 8 * l, 8));
    return s;
  }
  bool Dispatched(uint32_t queue, uint64_t *word) const override {
    constexpr size_t kDispBits = 65;  // tsp_pkg::disp_t = {valid, instr[63:0]}
    const auto &sig = TSP_SIG(top_, icu_disp);
    *word = Bits(sig, queue * kDispBits, 64);
    return Bits(sig, queue * kDispBits + 64, 1) != 0;
  }
  std::vector<MemWrite> MemWrites() const override {
    const Geometry &g = *geom_;
    std::vector<MemWrite> r;
    for (uint32_t slice = 0; slice < g.num_mem_slices(); ++slice) {
      for (uint32_t k = 0; k < g.superlanes(); ++k) {
        const size_t i = size_t{slice} * g.superlanes() + k;
        if (!Bits(TSP_SIG(top_, mem_mon_we), i, 1)) continue;
        MemWrite w;
        w.slice = slice;
        w.superlane = k;
        w.addr = static_cast<uint32_t>(Bits(TSP_SIG(top_, mem_mon_addr), i * addr_bits_, addr_bits_));
        for (uint32_t l = 0; l < isa::kLanesPerSuperlane; ++l)
          w.data[l] = static_cast<uint8_t>(Bits(TSP_SIG(top_, mem_mon_data), i * 128 + 8 * l, 8));
        r.push_back(w);
      }
    }
    return r;
  }

 protected:
  uint32_t BusRead32(uint32_t addr) override { return Transact(false, addr, 0); }
  void BusWrite32(uint32_t addr, uint32_t data) override {
    if (addr == isa::kCsrCtrl && (data & kCtrlStart)) maybe_busy_ = true;
    Transact(true, addr, data);
  }

  void DoWriteMemWords(uint32_t slice, uint32_t addr, const uint8_t *data, size_t words) override {
    if (!UseBackdoor()) return Device::DoWriteMemWords(slice, addr, data, words);
    const Geometry &g = *geom_;
    for (size_t w = 0; w < words; ++w) {
      const uint32_t a = static_cast<uint32_t>(addr + w);
      for (uint32_t k = 0; k < g.superlanes(); ++k) {
        uint32_t *e = MemEntry(slice, k, a);
        const uint8_t *b = data + w * g.vl() + k * isa::kLanesPerSuperlane;
        for (uint32_t j = 0; j < 4; ++j, b += 4)
          e[j] = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
      }
    }
    CountBackdoor(words * g.vl(), 0);
  }
  void DoReadMemWords(uint32_t slice, uint32_t addr, uint8_t *data, size_t words) override {
    if (!UseBackdoor()) return Device::DoReadMemWords(slice, addr, data, words);
    const Geometry &g = *geom_;
    for (size_t w = 0; w < words; ++w) {
      const uint32_t a = static_cast<uint32_t>(addr + w);
      for (uint32_t k = 0; k < g.superlanes(); ++k) {
        const uint32_t *e = MemEntry(slice, k, a);
        uint8_t *b = data + w * g.vl() + k * isa::kLanesPerSuperlane;
        for (uint32_t j = 0; j < 16; ++j) b[j] = static_cast<uint8_t>(e[j / 4] >> (8 * (j % 4)));
      }
    }
    CountBackdoor(0, words * g.vl());
  }
  void DoWriteQueueWords(uint32_t queue, const uint64_t *words, size_t n) override {
    if (!UseBackdoor()) return Device::DoWriteQueueWords(queue, words, n);
    std::memcpy(iq_ram_[queue], words, n * sizeof(uint64_t));
    CountBackdoor(n * sizeof(uint64_t), 0);
  }

 private:
  // $error flags the thread's current VerilatedContext: make this device's current (several
  // devices may live in one process, e.g. gtest running many tests).
  // Combinational settle between edges (no trace sample: the next edge dumps it).
  void Settle() {
    Verilated::threadContextp(ctx_.get());
    top_->eval();
  }
  void Eval() {
    Settle();
    if (trace_) trace_->dump(static_cast<uint64_t>(ctx_->time()));
  }
  void ClockOnce() {
    top_->clk_i = 1;
    Eval();
    ctx_->timeInc(5);
    top_->clk_i = 0;
    Eval();
    ctx_->timeInc(5);
    ++clocks_;
  }
  // One host-bus request; waits for its response (tsp_top: ready always, response next cycle).
  uint32_t Transact(bool we, uint32_t addr, uint32_t data) {
    top_->host_req_valid_i = 1;
    top_->host_req_we_i = we ? 1 : 0;
    top_->host_req_addr_i = addr;
    top_->host_req_wdata_i = data;
    Settle();
    for (int guard = 0; !top_->host_req_ready_o; ++guard) {
      if (guard > 1000) throw std::runtime_error(fmt::format("host bus: request 0x{:08x} never accepted", addr));
      ClockOnce();
    }
    ClockOnce();  // the request is taken at this edge
    top_->host_req_valid_i = 0;
    Settle();
    for (int guard = 0; !top_->host_rsp_valid_o; ++guard) {
      if (guard > 1000) throw std::runtime_error(fmt::format("host bus: no response to 0x{:08x}", addr));
      ClockOnce();
    }
    return top_->host_rsp_rdata_o;
  }

  // The backdoor is used only while the core is idle; otherwise the bus path does what the
  // hardware does (ignores MEM and IQ accesses while busy).
  // Only CTRL.START makes the core busy, and every host write passes BusWrite32: after a START, one
  // STATUS read tells whether the run is over.
  bool UseBackdoor() {
    if (!backdoor_) return false;
    if (maybe_busy_ && !(Status() & kStatusBusy)) maybe_busy_ = false;
    return !maybe_busy_;
  }

  uint32_t *MemEntry(uint32_t slice, uint32_t tile, uint32_t addr) {
    const uint32_t W = geom_->words_per_bank();
    return mem_ram_[(size_t{slice} * geom_->superlanes() + tile) * isa::kNumBanks + addr / W] + size_t{addr % W} * 4;
  }

  // Finds every block RAM of MEM (tsp_core.g_mem[i].u_mem.g_tile[k].g_bank[b].u_ram.mem_q, 128-bit
  // entries, WordsPerBank deep) and of the instruction queues (g_icu[q].u_icu.u_iq.mem_q, 64-bit,
  // IqDepth deep) among the public variables of this model.
  void FindBackdoor() {
    const Geometry &g = *geom_;
    mem_ram_.assign(size_t{g.num_mem_slices()} * g.superlanes() * isa::kNumBanks, nullptr);
    iq_ram_.assign(g.num_queues(), nullptr);
    const std::regex mem_re(R"(\.u_core\.g_mem\[(\d+)\]\.u_mem\.g_tile\[(\d+)\]\.g_bank\[(\d+)\]\.u_ram$)");
    const std::regex iq_re(R"(\.u_core\.g_icu\[(\d+)\]\.u_icu\.u_iq$)");
    const VerilatedScopeNameMap *scopes = ctx_->scopeNameMap();
    if (!scopes) {
      backdoor_note_ = "unavailable: the model has no scope table";
      return;
    }
    std::string problem;
    for (const auto &entry : *scopes) {
      const std::string name = entry.first;
      std::smatch m;
      const bool is_mem = std::regex_search(name, m, mem_re);
      if (!is_mem && !std::regex_search(name, m, iq_re)) continue;
      const VerilatedVarNameMap *vars = entry.second->varsp();
      if (!vars || vars->find("mem_q") == vars->end()) {
        problem = fmt::format("{} has no public mem_q", name);
        continue;
      }
      const auto it = vars->find("mem_q");
      const VerilatedVar &v = it->second;
      const uint32_t entries = v.udims() == 1 ? static_cast<uint32_t>(v.elements(1)) : 0;
      if (is_mem) {
        const uint32_t slice = static_cast<uint32_t>(std::stoul(m[1])), k = static_cast<uint32_t>(std::stoul(m[2])),
                       bank = static_cast<uint32_t>(std::stoul(m[3]));
        if (slice >= g.num_mem_slices() || k >= g.superlanes() || bank >= isa::kNumBanks ||
            v.vltype() != VLVT_WDATA || v.entSize() != 16 || entries != g.words_per_bank() || v.low(1) != 0) {
          problem = fmt::format("{}.mem_q is not a {}-entry array of 128-bit words", name, g.words_per_bank());
          continue;
        }
        mem_ram_[(size_t{slice} * g.superlanes() + k) * isa::kNumBanks + bank] = static_cast<uint32_t *>(v.datap());
      } else {
        const uint32_t q = static_cast<uint32_t>(std::stoul(m[1]));
        if (q >= g.num_queues() || v.vltype() != VLVT_UINT64 || entries != g.iq_depth() || v.low(1) != 0) {
          problem = fmt::format("{}.mem_q is not a {}-entry array of 64-bit words", name, g.iq_depth());
          continue;
        }
        iq_ram_[q] = static_cast<uint64_t *>(v.datap());
      }
    }
    size_t missing = 0;
    for (auto *p : mem_ram_) missing += p == nullptr;
    for (auto *p : iq_ram_) missing += p == nullptr;
    backdoor_found_ = missing == 0;
    if (!backdoor_found_) {
      backdoor_note_ = fmt::format(
          "unavailable: {} of {} block RAMs not found among the model's public variables "
          "(tsp_ram_sdp.mem_q must be /*verilator public_flat_rw*/){}",
          missing, mem_ram_.size() + iq_ram_.size(), problem.empty() ? "" : "; " + problem);
    }
  }

  std::unique_ptr<VerilatedContext> ctx_;
  uint32_t rand_seed_;
  std::unique_ptr<TSP_VTOP> top_;
  std::unique_ptr<TraceFile> trace_;  // null unless a trace was asked for
  std::optional<Geometry> geom_;
  uint64_t clocks_ = 0;
  uint32_t addr_bits_ = 0;
  std::vector<uint32_t *> mem_ram_;  // [slice][tile][bank] -> WordsPerBank entries of 4 x 32 bits
  std::vector<uint64_t *> iq_ram_;   // [queue] -> IqDepth instruction words
  bool backdoor_found_ = false, backdoor_ = false;
  bool maybe_busy_ = false;  // a START was written and no STATUS read has shown the core idle since
  std::string backdoor_note_;
};

const bool kRegistered =
    RegisterRtlCore(TSP_RTL_CONFIG, [](const RtlOptions &opt) -> std::unique_ptr<RtlDevice> {
      return std::make_unique<Core>(opt);
    });

}  // namespace
}  // namespace tsp::tb

// Binaries link this object (and so run the registration above) through `-u TSP_RTL_ANCHOR`,
// which the library adds to the link options of everything that links it.
extern "C" {
extern const int TSP_RTL_ANCHOR;
const int TSP_RTL_ANCHOR = tsp::tb::kRegistered ? 1 : 0;
}
