// Bit-field access into Verilator's wide signals (VlWide / WData arrays, 32-bit words, bit 0 = LSB
// of word 0): the unit tests read and drive packed arrays of slots through these.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tsp::tb {

// Bits [lsb, lsb + n) of w, n <= 32.
inline uint32_t GetBits(const uint32_t *w, size_t lsb, uint32_t n) {
  uint32_t v = 0;
  for (uint32_t i = 0; i < n; ++i) v |= ((w[(lsb + i) / 32] >> ((lsb + i) % 32)) & 1u) << i;
  return v;
}

// Sets bits [lsb, lsb + n) of w to the low n bits of v, n <= 32.
inline void SetBits(uint32_t *w, size_t lsb, uint32_t n, uint32_t v) {
  for (uint32_t i = 0; i < n; ++i) {
    const size_t b = lsb + i;
    w[b / 32] = (w[b / 32] & ~(1u << (b % 32))) | (((v >> i) & 1u) << (b % 32));
  }
}

}  // namespace tsp::tb
