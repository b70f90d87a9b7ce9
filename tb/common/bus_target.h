// The slave side of tsp_top's host bus for testbenches of bus masters (the UART bridge, the AXI4-Lite
// slave): a request taken at a clock edge is executed on a tsp::Device (Read32 / Write32) and
// answered in the next clock, as tsp_top answers. With an `rtl` device the core gets the two clocks
// of each access and, while a run is in progress (run_q), one clock per master clock; an idle core
// is not clocked between accesses (its state changes only through the bus or a run).
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "rtl_device.h"
#include "tsp/device.h"

namespace tsp::tb {

class BusTarget {
 public:
  explicit BusTarget(std::unique_ptr<Device> device)
      : device_(std::move(device)), rtl_(dynamic_cast<RtlDevice *>(device_.get())) {}

  Device &device() { return *device_; }
  const Device &device() const { return *device_; }
  // What to present to the master before the next edge.
  bool rsp_valid() const { return rsp_valid_; }
  uint32_t rsp_data() const { return rsp_data_; }
  uint64_t accesses() const { return accesses_; }

  // Called after each clock edge with the request the master presented at that edge.
  void AfterEdge(bool req, bool we, uint32_t addr, uint32_t wdata) {
    rsp_valid_ = false;
    if (req) {
      if (we) {
        device_->Write32(addr, wdata);
        rsp_data_ = 0;
      } else {
        rsp_data_ = device_->Read32(addr);
      }
      rsp_valid_ = true;
      ++accesses_;
    } else if (rtl_ && rtl_->running()) {
      rtl_->Tick(1);  // a run in progress advances with the master's clock
    }
  }

 private:
  std::unique_ptr<Device> device_;
  RtlDevice *rtl_;
  bool rsp_valid_ = false;
  uint32_t rsp_data_ = 0;
  uint64_t accesses_ = 0;
};

}  // namespace tsp::tb
