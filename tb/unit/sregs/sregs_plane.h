// The stream-register planes of one position as the sregs unit tests drive and read them
// (tsp_stream_regs_mem, _sxm, _vxm tests): a slot as five 32-bit words (w[4] bit 0 = valid), a
// plane = one direction's slots [stream][superlane] of the geometry under test, packed at
// kSlotBits per slot in the Verilated port.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bits.h"
#include "rtl_geometry.h"

namespace tsp::tb::sregs {

inline const Geometry kGeom = RtlGeometry();
inline const uint32_t kS = kGeom.superlanes();
inline const uint32_t kStreams = kGeom.streams();

struct Slot {
  std::array<uint32_t, 5> w{};  // w[4] bit 0 = valid
  bool valid() const { return (w[4] & 1u) != 0; }
  bool operator==(const Slot &o) const { return w == o.w; }
};
using Plane = std::vector<Slot>;  // [stream][superlane]
inline size_t Index(uint32_t stream, uint32_t k) { return size_t{stream} * kS + k; }

inline std::string Hex(const Slot &s) {
  std::string out = s.valid() ? "V:" : "-:";
  char buf[9];
  for (int i = 3; i >= 0; --i) {
    std::snprintf(buf, sizeof buf, "%08x", s.w[static_cast<size_t>(i)]);
    out += buf;
  }
  return out;
}

inline void PutPlane(uint32_t *port, const Plane &p) {
  for (uint32_t s = 0; s < kStreams; ++s)
    for (uint32_t k = 0; k < kS; ++k) {
      const size_t lsb = Index(s, k) * kSlotBits;
      for (uint32_t i = 0; i < 4; ++i) SetBits(port, lsb + 32 * i, 32, p[Index(s, k)].w[i]);
      SetBits(port, lsb + 128, 1, p[Index(s, k)].w[4] & 1u);
    }
}

inline Plane GetPlane(const uint32_t *port) {
  Plane p(kStreams * kS);
  for (uint32_t s = 0; s < kStreams; ++s)
    for (uint32_t k = 0; k < kS; ++k) {
      const size_t lsb = Index(s, k) * kSlotBits;
      for (uint32_t i = 0; i < 4; ++i) p[Index(s, k)].w[i] = GetBits(port, lsb + 32 * i, 32);
      p[Index(s, k)].w[4] = GetBits(port, lsb + 128, 1);
    }
  return p;
}

// Random data in every slot, valid with probability p_valid.
inline Plane RandomPlane(std::mt19937 &rng, double p_valid) {
  Plane p(kStreams * kS);
  for (auto &v : p) {
    for (uint32_t i = 0; i < 4; ++i) v.w[i] = rng();
    v.w[4] = std::bernoulli_distribution(p_valid)(rng) ? 1u : 0u;
  }
  return p;
}

}  // namespace tsp::tb::sregs
