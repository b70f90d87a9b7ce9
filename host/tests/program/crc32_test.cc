// CRC-32 known answers. Golden values: Python's zlib.crc32 (and the published check value 0xCBF43926).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tsp/program.h"

namespace tsp {
namespace {

uint32_t CrcOf(const std::string &s) { return Crc32(reinterpret_cast<const uint8_t *>(s.data()), s.size()); }

TEST(Crc32, StandardCheckValue) { EXPECT_EQ(CrcOf("123456789"), 0xCBF43926u); }

TEST(Crc32, KnownAnswers) {
  EXPECT_EQ(CrcOf(""), 0x00000000u);
  EXPECT_EQ(CrcOf("a"), 0xE8B7BE43u);
  EXPECT_EQ(CrcOf("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
  EXPECT_EQ(CrcOf(std::string(1, '\0')), 0xD202EF8Du);
  EXPECT_EQ(CrcOf(std::string(32, '\xff')), 0xFF6CAB0Bu);
  EXPECT_EQ(CrcOf(std::string(4096, '\0')), 0xC71C0011u);
  std::vector<uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(Crc32(all.data(), all.size()), 0x29058C73u);
}

TEST(Crc32, ContinuesARunningCrc) {
  const std::string s = "123456789";
  const auto *p = reinterpret_cast<const uint8_t *>(s.data());
  for (size_t split = 0; split <= s.size(); ++split) {
    const uint32_t first = Crc32(p, split);
    EXPECT_EQ(Crc32(p + split, s.size() - split, first), 0xCBF43926u) << "split at " << split;
  }
  // Byte-at-a-time continuation.
  uint32_t crc = 0;
  for (size_t i = 0; i < s.size(); ++i) crc = Crc32(p + i, 1, crc);
  EXPECT_EQ(crc, 0xCBF43926u);
  // An empty continuation leaves the value unchanged.
  EXPECT_EQ(Crc32(nullptr, 0, 0x12345678u), 0x12345678u);
}

}  // namespace
}  // namespace tsp
