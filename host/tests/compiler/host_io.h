// Test helper: what the host writes before each forward step of a compiled llama program.
#pragma once

#include <cstdint>

#include "tsp/compiler/llama.h"
#include "tsp/model.h"

namespace tsp::compiler {

// The token id and the position into the program's int16 input word (lanes 0 and 1 of its two
// byte planes, low byte first), as the model runner does through the host bus.
inline void WriteTokenPos(Model &m, const Geometry &g, const HostIo &io, int token, int pos) {
  const uint32_t v[2] = {static_cast<uint32_t>(token), static_cast<uint32_t>(pos)};
  for (uint32_t p = 0; p < 2; ++p) {
    for (uint32_t lane = 0; lane < 2; ++lane)
      m.WriteMemByte(g.MemByteAddress(io.in_slices[p], io.in_addr, lane), static_cast<uint8_t>(v[lane] >> (8 * p)));
  }
}

}  // namespace tsp::compiler
