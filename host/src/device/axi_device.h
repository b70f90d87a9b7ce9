// The `axi` device: the host map through a memory-mapped window onto the AXI4-Lite slave
// rtl/board/tsp_axil_bridge.sv, as the ARM of a Zynq board reaches it (docs/host-link.md §9).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tsp/device.h"
#include "tsp/mmio.h"

namespace tsp {

// args: PATH[@BASE][,offset=N][,size=N] (numbers decimal or 0x hex).
//   /dev/uioN   map 0 of a UIO device; its size from SYSFS/uioN/maps/map0/size (and the in-page
//               start from .../offset) when readable; @BASE is refused (the device tree fixes it)
//   /dev/mem    @BASE = the physical address of the bridge's window (required); opened O_SYNC
//   other file  @BASE = a file offset (a regular file stands in for the device in tests)
// offset=N is added to the start (a window inside a larger map), size=N fixes the window's length.
// base + offset must be a multiple of the page size. Without size=: the UIO map's size (minus
// offset), what a regular file has after base + offset, or (/dev/mem) what the geometry read from
// the GEOM CSRs needs (HostMapSpan).
struct AxiSpec {
  std::string text;  // "axi:ARGS", for messages
  std::string path;
  bool has_base = false;
  uint64_t base = 0;
  uint64_t offset = 0;
  bool has_size = false;
  uint64_t size = 0;
  // mem_at=N: the window is folded (tsp_zynq_axil_top): host-map MEM (RegionMemBase + m) is at
  // window offset N + m, CSR and IQ at their own addresses below N.
  bool has_mem_at = false;
  uint64_t mem_at = 0;
};
bool ParseAxiSpec(const std::string &args, AxiSpec *spec, std::string *error);

// The window of `spec`, mmap'ed (MAP_SHARED, read / write). `default_size` is used when nothing
// else gives the size (*defaulted is then set). sysfs_uio: "/sys/class/uio" (tests pass their own).
std::unique_ptr<Mmio> MapAxiWindow(const AxiSpec &spec, uint64_t default_size, const std::string &sysfs_uio,
                                   bool *defaulted, std::string *error);

// The registered factory of "axi": parse, map, OpenMmioDevice.
std::unique_ptr<Device> OpenAxiDevice(const std::string &args, std::string *error);
std::unique_ptr<Device> OpenAxiDevice(const std::string &args, const std::string &sysfs_uio,
                                      std::string *error);

}  // namespace tsp
