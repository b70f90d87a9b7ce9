// SHA-256 (FIPS 180-4), to check model files.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace tsp::llm {

std::array<uint8_t, 32> Sha256(const uint8_t *data, size_t size);
std::string Sha256Hex(const uint8_t *data, size_t size);  // 64 lowercase hex digits
// Digest of a file's contents; false with the path in *error if it cannot be read.
bool Sha256File(const std::string &path, std::string *hex, std::string *error);

}  // namespace tsp::llm
