// Standard reflected CRC-32 (polynomial 0xEDB88320, init and final xor 0xFFFFFFFF), as zlib's crc32().
#include <array>
#include <cstddef>
#include <cstdint>

#include "tsp/program.h"

namespace tsp {
namespace {

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

}  // namespace

uint32_t Crc32(const uint8_t *data, size_t size, uint32_t crc) {
  // `crc` is a previous result (0 to start): undo its final xor, continue, re-apply it.
  uint32_t c = ~crc;
  for (size_t i = 0; i < size; ++i) c = kCrcTable[(c ^ data[i]) & 0xFFu] ^ (c >> 8);
  return ~c;
}

}  // namespace tsp
