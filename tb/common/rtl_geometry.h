// The geometry a unit-test binary's RTL is built for: the CMake target that Verilates the small
// (board) configuration defines TSP_CONFIG_SMALL (TSP_CONFIG_BOARD) for the test sources too.
#pragma once

#include <cstdint>

#include "tsp/geometry.h"

namespace tsp::tb {

inline Geometry RtlGeometry() {
#if defined(TSP_CONFIG_SMALL)
  return *Geometry::FromName("small");
#elif defined(TSP_CONFIG_BOARD)
  return *Geometry::FromName("board");
#else
  return Geometry::Default();
#endif
}

// One stream register slot on the RTL's ports: 16 data bytes + valid (tsp_pkg::SlotBits).
constexpr uint32_t kSlotBits = 129;

}  // namespace tsp::tb
