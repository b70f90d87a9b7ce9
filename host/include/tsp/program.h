// In-memory TSP program and the .tspb binary container (docs/program-format.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tsp/geometry.h"

namespace tsp {

struct MemImage {
  uint32_t slice = 0;  // global MEM slice id (west 0..M-1, east M..2M-1)
  uint32_t addr = 0;   // first word address (bank * WordsPerBank + word)
  std::vector<uint8_t> data;  // whole words: size is a multiple of VL; word i lands at addr + i
};

struct Program {
  isa::GeometryParams geometry = isa::kConfigs[0];
  std::vector<std::vector<uint64_t>> queues;  // one instruction stream per queue (size = num_queues)
  std::vector<MemImage> mem;
};

// Result of loading: ok, or a message that names what is wrong (field, offset, expected value).
struct LoadResult {
  bool ok = false;
  std::string error;
};

// Serialises to the .tspb container (little-endian, CRC32 per section).
std::vector<uint8_t> SerializeProgram(const Program &p);

// Parses a .tspb image. If `expect` is non-null the program's geometry must match it exactly
// (fingerprint), otherwise the load fails with both geometries described. Never crashes on
// arbitrary bytes.
LoadResult ParseProgram(const uint8_t *data, size_t size, Program *out, const Geometry *expect = nullptr);

// File helpers; errors name the path.
LoadResult ReadProgramFile(const std::string &path, Program *out, const Geometry *expect = nullptr);
bool WriteProgramFile(const std::string &path, const Program &p, std::string *error);

uint32_t Crc32(const uint8_t *data, size_t size, uint32_t crc = 0);

}  // namespace tsp
