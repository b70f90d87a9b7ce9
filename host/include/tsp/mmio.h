// A memory-mapped register window onto the host map, and the Device that drives a TSP through one
// (docs/host-link.md §9, "ARM side: the axi: device").
//
// On a Zynq board the ARM reaches the AXI4-Lite slave rtl/board/tsp_axil_bridge.sv through a window
// mapped with mmap (UIO or /dev/mem; the `axi:` device spec, device/axi_device.h). The Device code
// is written against this interface only, so the same driver runs against the Verilated bridge in
// tb/unit/axil, where Read32 / Write32 are AXI transactions of a C++ master.
//
//   std::string err;
//   auto dev = tsp::OpenMmioDevice(std::make_unique<MyWindow>(), "axi", "my window", &err);
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tsp/device.h"

namespace tsp {

// One 32-bit access of the window per call. Offsets are byte offsets from the start of the window,
// which is host-map address 0 (the bridge's AXI address is the map address); callers pass only
// word-aligned offsets below size().
class Mmio {
 public:
  virtual ~Mmio();
  virtual uint32_t Read32(uint32_t offset) = 0;
  virtual void Write32(uint32_t offset, uint32_t value) = 0;
  // Bytes of the window.
  virtual uint64_t size() const = 0;
  // "/dev/uio0 map0, 0x10004000 bytes".
  virtual std::string Describe() const = 0;
};

// Bytes of the host map a geometry uses: up to the end of MEM (or of the last queue's IQ words if
// that were higher). A window must be at least this large.
uint64_t HostMapSpan(const Geometry &g);

// The Device over a window (scheme name `name`, "axi" for the spec; `spec` names it in errors):
// reads ID and GEOM / GEOM_HI, finds the geometry among isa::kConfigs and checks that the window
// covers HostMapSpan. Every map access is one aligned 32-bit Read32 / Write32; an unaligned
// address, or one outside the window, is not issued (reads return 0, writes are dropped; counted in
// MmioSkippedAccesses), so the driver never makes the ARM fault on an access it could avoid.
std::unique_ptr<Device> OpenMmioDevice(std::unique_ptr<Mmio> mmio, const std::string &name,
                                       const std::string &spec, std::string *error);

// A folded window (rtl/board/tsp_zynq_axil_top.sv, docs/bringup.md §5): the bridge behind a window
// smaller than the host map sees host-map MEM (isa::kRegionMemBase + m) at window offset
// mem_at + m, and CSR / IQ at their own offsets below mem_at. The result is a window in host-map
// offsets (what OpenMmioDevice expects): its size() reaches RegionMemBase + (inner size - mem_at);
// offsets in [mem_at, RegionMemBase) hold nothing (reads 0, writes dropped). mem_at must be a
// multiple of 4 above the IQ region and below RegionMemBase (checked by the `axi:` spec parser).
std::unique_ptr<Mmio> FoldMemWindow(std::unique_ptr<Mmio> inner, uint32_t mem_at);

// Accesses an Mmio device did not issue (unaligned or outside the window); 0 for other devices.
uint64_t MmioSkippedAccesses(const Device &dev);

}  // namespace tsp
