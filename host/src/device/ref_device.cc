// The `ref` device (see ref_device.h). It keeps the registers a core keeps (instruction words, QLEN,
// STATUS, ERROR, CYCLE) and hands MEM and execution to tsp::Model, decoding like tsp_top / tsp_csr:
//   CSR  offsets below 0x1000, matched exactly; unmapped offsets read 0 and ignore writes;
//   IQ   queue q word i at IqBase + q*kIqStride + 8i (+4: high half); bits 1:0 ignored;
//   MEM  flat byte address ((slice*2W + addr)*VL + lane); bits 1:0 ignored;
// IQ, MEM and QLEN accesses while BUSY are ignored (reads return 0), START while BUSY is ignored,
// CLEAR stops a run and clears DONE and ERROR. The model runs when the driver waits for the run
// (WaitDone), not when START is written: START only latches the queues.
// Option `free=N` ("ref:small,free=4096") makes the core free-running as a host behind a link sees
// one: every host-map access while BUSY first lets the model run N more cycles (the cycle counter
// keeps counting when the model deadlocks, as the hardware's would). A bridge that only forwards
// 32-bit accesses (host_link.h, UartBridgeModel) needs it: nobody calls WaitDone on its device.
#include "device/ref_device.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "tsp/model.h"

namespace tsp {

namespace {

class RefDevice final : public Device {
 public:
  RefDevice(const Geometry &g, uint64_t free_cycles)
      : free_cycles_(free_cycles),
        model_(g),
        iq_(g.num_queues(), std::vector<uint64_t>(g.iq_depth(), 0)),
        qlen_(g.num_queues(), 0) {}

  const Geometry &geometry() const override { return model_.geometry(); }
  std::string name() const override { return "ref"; }
  std::string Describe() const override {
    return fmt::format("reference model (tsp::Model), {} ({})", geometry().params().name, geometry().Describe());
  }

 protected:
  uint32_t BusRead32(uint32_t addr) override {
    FreeRun();
    if (addr < isa::kRegionCsrSize) return ReadCsr(addr);
    uint32_t q = 0, i = 0;
    bool hi = false;
    if (DecodeIq(addr, &q, &i, &hi)) return busy_ ? 0 : static_cast<uint32_t>(iq_[q][i] >> (hi ? 32 : 0));
    uint64_t off = 0;
    if (DecodeMem(addr, &off)) {
      if (busy_) return 0;
      uint32_t v = 0;
      for (uint32_t b = 0; b < 4; ++b) v |= uint32_t{model_.ReadMemByte(off + b)} << (8 * b);
      return v;
    }
    return 0;
  }

  void BusWrite32(uint32_t addr, uint32_t data) override {
    FreeRun();
    if (addr < isa::kRegionCsrSize) return WriteCsr(addr, data);
    uint32_t q = 0, i = 0;
    bool hi = false;
    if (DecodeIq(addr, &q, &i, &hi)) {
      if (busy_) return;
      uint64_t &w = iq_[q][i];
      w = hi ? (w & 0xFFFFFFFFull) | uint64_t{data} << 32 : (w & ~0xFFFFFFFFull) | data;
      dirty_ = true;
      return;
    }
    uint64_t off = 0;
    if (DecodeMem(addr, &off) && !busy_) {
      for (uint32_t b = 0; b < 4; ++b) model_.WriteMemByte(off + b, static_cast<uint8_t>(data >> (8 * b)));
    }
  }

  // MEM words straight into the model: the same effect as the map, without 32-bit accesses.
  void DoWriteMemWords(uint32_t slice, uint32_t addr, const uint8_t *data, size_t words) override {
    const uint32_t vl = geometry().vl();
    CountHost(words * vl, 0);
    if (busy_) return;
    for (size_t w = 0; w < words; ++w) {
      model_.WriteMem(slice, static_cast<uint32_t>(addr + w),
                      std::vector<uint8_t>(data + w * vl, data + (w + 1) * vl));
    }
  }
  void DoReadMemWords(uint32_t slice, uint32_t addr, uint8_t *data, size_t words) override {
    const uint32_t vl = geometry().vl();
    CountHost(0, words * vl);
    for (size_t w = 0; w < words; ++w) {
      if (busy_) {
        std::fill(data + w * vl, data + (w + 1) * vl, uint8_t{0});
        continue;
      }
      const auto v = model_.ReadMem(slice, static_cast<uint32_t>(addr + w));
      std::copy(v.begin(), v.end(), data + w * vl);
    }
  }

  // free=N: N more cycles of the model before each host access while BUSY.
  void FreeRun() {
    if (free_cycles_ == 0 || !busy_) return;
    const tsp::RunResult r = model_.Run(model_.cycle() + free_cycles_);
    if (r.status == RunStatus::kDone) {
      cycle_ = model_.cycle();
      busy_ = false;
      done_ = true;
      error_ = model_.error_bits();
    } else if (r.status == RunStatus::kDeadlock) {
      cycle_ += free_cycles_;  // the hardware's counter keeps counting
    } else {
      cycle_ = model_.cycle();
    }
  }

  void WaitDone(uint64_t max_cycles, std::vector<std::string> *details) override {
    if (!load_error_.empty() && done_) {
      details->push_back("the reference model cannot execute the loaded queues: " + load_error_);
      return;
    }
    if (!busy_) return;
    const tsp::RunResult r = model_.Run(max_cycles);
    cycle_ = model_.cycle();
    constexpr size_t kMaxDetails = 64;
    const auto &errs = model_.errors();
    for (size_t i = 0; i < errs.size() && i < kMaxDetails; ++i) details->push_back(errs[i].message);
    if (errs.size() > kMaxDetails) details->push_back(fmt::format("... and {} more errors", errs.size() - kMaxDetails));
    if (r.status == RunStatus::kDone) {
      busy_ = false;
      done_ = true;
      error_ = model_.error_bits();
    } else if (r.status == RunStatus::kDeadlock) {
      details->push_back(fmt::format("cycle {}: {} (the hardware would wait forever)", r.cycles, r.message));
    }
  }

 private:
  bool DecodeIq(uint32_t addr, uint32_t *q, uint32_t *i, bool *hi) const {
    if (addr < isa::kRegionIqBase || addr >= isa::kRegionMemBase) return false;
    const uint32_t off = addr - isa::kRegionIqBase;
    *q = off / isa::kIqStride;
    *i = (off % isa::kIqStride) >> 3;
    *hi = (off & 4u) != 0;
    return *q < geometry().num_queues() && *i < geometry().iq_depth();
  }
  bool DecodeMem(uint32_t addr, uint64_t *off) const {
    if (addr < isa::kRegionMemBase) return false;
    *off = (addr - isa::kRegionMemBase) & ~3u;
    return *off < geometry().mem_bytes();
  }

  uint32_t ReadCsr(uint32_t off) const {
    const Geometry &g = geometry();
    switch (off) {
      case isa::kCsrId:
        return isa::kTspId;
      case isa::kCsrVersion:
        return isa::kIsaVersion;
      case isa::kCsrGeom:
        return static_cast<uint32_t>(g.fingerprint());
      case isa::kCsrGeomHi:
        return static_cast<uint32_t>(g.fingerprint() >> 32);
      case isa::kCsrStatus:
        return (busy_ ? kStatusBusy : 0u) | (done_ ? kStatusDone : 0u) | (error_ ? kStatusError : 0u);
      case isa::kCsrError:
        return error_;
      case isa::kCsrCycleLo:
        return static_cast<uint32_t>(cycle_);
      case isa::kCsrCycleHi:
        return static_cast<uint32_t>(cycle_ >> 32);
      case isa::kCsrNumQueues:
        return g.num_queues();
      default:
        break;
    }
    if (off >= isa::kCsrQlen && (off & 3u) == 0 && (off - isa::kCsrQlen) / 4 < g.num_queues())
      return qlen_[(off - isa::kCsrQlen) / 4];
    return 0;
  }

  void WriteCsr(uint32_t off, uint32_t data) {
    const Geometry &g = geometry();
    if (off == isa::kCsrCtrl) {
      if (data & kCtrlClear) {
        busy_ = false;
        done_ = false;
        error_ = 0;
        load_error_.clear();
      } else if ((data & kCtrlStart) && !busy_) {
        StartRun();
      }
      return;
    }
    if (off >= isa::kCsrQlen && (off & 3u) == 0 && (off - isa::kCsrQlen) / 4 < g.num_queues() && !busy_) {
      qlen_[(off - isa::kCsrQlen) / 4] = std::min(data, g.iq_depth());
      dirty_ = true;
    }
  }

  // START: hand the queues to the model (only when they changed since the last START), then
  // restart it at cycle 0 with MEM kept. Queues the model cannot decode end the run at once with
  // IllegalOpcode (the RTL would raise it when dispatching them).
  void StartRun() {
    const Geometry &g = geometry();
    if (dirty_) {
      Program p;
      p.geometry = g.params();
      p.queues.resize(g.num_queues());
      for (uint32_t q = 0; q < g.num_queues(); ++q) p.queues[q].assign(iq_[q].begin(), iq_[q].begin() + qlen_[q]);
      load_error_.clear();
      if (model_.LoadProgram(p, &load_error_)) {
        load_error_.clear();
        dirty_ = false;
      } else if (load_error_.empty()) {
        load_error_ = "rejected by tsp::Model::LoadProgram";
      }
    }
    cycle_ = 0;
    if (!load_error_.empty()) {
      busy_ = false;
      done_ = true;
      error_ = isa::kErrIllegalOpcode;
      return;
    }
    model_.Start();
    busy_ = true;
    done_ = false;
    error_ = 0;
  }

  uint64_t free_cycles_ = 0;
  Model model_;
  std::vector<std::vector<uint64_t>> iq_;
  std::vector<uint32_t> qlen_;
  bool busy_ = false, done_ = false, dirty_ = true;
  uint32_t error_ = 0;
  uint64_t cycle_ = 0;
  std::string load_error_;
};

}  // namespace

std::unique_ptr<Device> OpenRefDevice(const std::string &args, std::string *error) {
  // CONFIG[,free=N]
  std::string config = args.substr(0, args.find(','));
  if (config.empty()) config = std::string(isa::kConfigs[0].name);
  uint64_t free_cycles = 0;
  for (size_t pos = args.find(','); pos != std::string::npos;) {
    const size_t next = args.find(',', pos + 1);
    const std::string opt =
        args.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    pos = next;
    if (opt.rfind("free=", 0) == 0) {
      char *end = nullptr;
      free_cycles = std::strtoull(opt.c_str() + 5, &end, 10);
      if (end != opt.c_str() + opt.size() || opt.size() == 5) {
        if (error) *error = fmt::format("ref: option '{}' needs a number of cycles", opt);
        return nullptr;
      }
    } else {
      if (error) *error = fmt::format("ref: unknown option '{}' (options: free=N)", opt);
      return nullptr;
    }
  }
  const auto g = Geometry::FromName(config);
  if (!g) {
    std::string names;
    for (const auto &c : isa::kConfigs) names += (names.empty() ? "" : ", ") + std::string(c.name);
    if (error) *error = fmt::format("ref: unknown geometry '{}' (configurations: {})", config, names);
    return nullptr;
  }
  return std::make_unique<RefDevice>(*g, free_cycles);
}

}  // namespace tsp
