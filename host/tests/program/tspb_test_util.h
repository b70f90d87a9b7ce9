// Test helpers for the .tspb container: an independent raw encoder (written from
// docs/program-format.md, not from the library), byte patching, program comparison, random programs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tsp/geometry.h"
#include "tsp/program.h"

namespace tsp::tspb_test {

// Layout constants as documented in docs/program-format.md.
inline constexpr size_t kHeaderSize = 56;
inline constexpr size_t kEntrySize = 24;
inline constexpr size_t kOffVersion = 4, kOffFlags = 6, kOffIsa = 8, kOffCount = 12, kOffFingerprint = 16;
inline constexpr size_t kOffSuperlanes = 24, kOffStreams = 28, kOffMemSlices = 32, kOffWords = 36,
                        kOffAlus = 40, kOffIq = 44, kOffTableCrc = 48, kOffHeaderCrc = 52;
// Offsets inside a section-table entry.
inline constexpr size_t kEntType = 0, kEntReserved = 2, kEntIndex = 4, kEntAux = 8, kEntOffset = 12,
                        kEntSize = 16, kEntCrc = 20;

inline size_t Align64(size_t n) { return (n + 63) / 64 * 64; }
inline size_t EntryAt(size_t i) { return kHeaderSize + kEntrySize * i; }

inline void Set16(std::vector<uint8_t> &b, size_t off, uint32_t v) {
  for (size_t i = 0; i < 2; ++i) b.at(off + i) = static_cast<uint8_t>(v >> (8 * i));
}
inline void Set32(std::vector<uint8_t> &b, size_t off, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) b.at(off + i) = static_cast<uint8_t>(v >> (8 * i));
}
inline void Set64(std::vector<uint8_t> &b, size_t off, uint64_t v) {
  for (size_t i = 0; i < 8; ++i) b.at(off + i) = static_cast<uint8_t>(v >> (8 * i));
}
inline uint32_t Get32(const std::vector<uint8_t> &b, size_t off) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v |= uint32_t{b.at(off + i)} << (8 * i);
  return v;
}

inline void FixHeaderCrc(std::vector<uint8_t> &b) { Set32(b, kOffHeaderCrc, Crc32(b.data(), kOffHeaderCrc)); }
inline void FixTableCrc(std::vector<uint8_t> &b) {
  const size_t n = Get32(b, kOffCount);
  Set32(b, kOffTableCrc, Crc32(b.data() + kHeaderSize, kEntrySize * n));
}
inline void FixSectionCrc(std::vector<uint8_t> &b, size_t i) {
  const size_t e = EntryAt(i);
  Set32(b, e + kEntCrc, Crc32(b.data() + Get32(b, e + kEntOffset), Get32(b, e + kEntSize)));
}
// Recomputes every CRC (payload CRCs only where the payload lies inside the file).
inline void FixAllCrcs(std::vector<uint8_t> &b) {
  if (b.size() < kHeaderSize) return;
  const uint64_t n = Get32(b, kOffCount);
  if (kHeaderSize + kEntrySize * n <= b.size()) {
    for (size_t i = 0; i < n; ++i) {
      const size_t e = EntryAt(i);
      if (uint64_t{Get32(b, e + kEntOffset)} + Get32(b, e + kEntSize) <= b.size()) FixSectionCrc(b, i);
    }
    FixTableCrc(b);
  }
  FixHeaderCrc(b);
}

struct RawSection {
  uint16_t type = 1;
  uint32_t index = 0, aux = 0;
  std::vector<uint8_t> payload;
};

inline std::vector<uint8_t> Words(const std::vector<uint64_t> &w) {
  std::vector<uint8_t> b(w.size() * 8);
  for (size_t i = 0; i < w.size(); ++i) Set64(b, 8 * i, w[i]);
  return b;
}

// Independent encoder: header, table, 64-byte aligned payloads, every CRC filled in.
inline std::vector<uint8_t> BuildRaw(const isa::GeometryParams &g, const std::vector<RawSection> &secs) {
  std::vector<uint8_t> b(Align64(kHeaderSize + kEntrySize * secs.size()), 0);
  b[0] = 'T', b[1] = 'S', b[2] = 'P', b[3] = 'B';
  Set16(b, kOffVersion, 1);
  Set32(b, kOffIsa, isa::kIsaVersion);
  Set32(b, kOffCount, static_cast<uint32_t>(secs.size()));
  Set64(b, kOffFingerprint, isa::Fingerprint(g));
  Set32(b, kOffSuperlanes, g.num_superlanes);
  Set32(b, kOffStreams, g.streams_per_dir);
  Set32(b, kOffMemSlices, g.mem_slices_per_hemi);
  Set32(b, kOffWords, g.words_per_bank);
  Set32(b, kOffAlus, g.vxm_alus);
  Set32(b, kOffIq, g.iq_depth);
  for (size_t i = 0; i < secs.size(); ++i) {
    const size_t off = b.size(), e = EntryAt(i);
    Set16(b, e + kEntType, secs[i].type);
    Set32(b, e + kEntIndex, secs[i].index);
    Set32(b, e + kEntAux, secs[i].aux);
    Set32(b, e + kEntOffset, static_cast<uint32_t>(off));
    Set32(b, e + kEntSize, static_cast<uint32_t>(secs[i].payload.size()));
    b.insert(b.end(), secs[i].payload.begin(), secs[i].payload.end());
    b.resize(Align64(b.size()), 0);
  }
  FixAllCrcs(b);
  return b;
}

inline std::string DiffPrograms(const Program &a, const Program &b) {
  std::ostringstream os;
  const auto &ga = a.geometry, &gb = b.geometry;
  if (ga.name != gb.name || ga.num_superlanes != gb.num_superlanes ||
      ga.streams_per_dir != gb.streams_per_dir || ga.mem_slices_per_hemi != gb.mem_slices_per_hemi ||
      ga.words_per_bank != gb.words_per_bank || ga.vxm_alus != gb.vxm_alus || ga.iq_depth != gb.iq_depth)
    os << "geometry differs (" << ga.name << " vs " << gb.name << "); ";
  if (a.queues != b.queues) {
    os << "queues differ (" << a.queues.size() << " vs " << b.queues.size() << " queues); ";
  }
  if (a.mem.size() != b.mem.size()) {
    os << "mem image count " << a.mem.size() << " vs " << b.mem.size() << "; ";
  } else {
    for (size_t i = 0; i < a.mem.size(); ++i) {
      if (a.mem[i].slice != b.mem[i].slice || a.mem[i].addr != b.mem[i].addr ||
          a.mem[i].data != b.mem[i].data)
        os << "mem image " << i << " differs; ";
    }
  }
  return os.str();
}

// A valid random program: some queues empty, queue lengths up to iq_depth, non-overlapping MEM images
// (including one ending at the last word of the last slice).
inline Program RandomProgram(const isa::GeometryParams &params, std::mt19937_64 &rng) {
  const Geometry g(params);
  Program p;
  p.geometry = params;
  p.queues.resize(g.num_queues());
  for (uint32_t q = 0; q < g.num_queues(); ++q) {
    const uint32_t kind = static_cast<uint32_t>(rng() % 4);
    size_t len = 0;
    if (kind == 1) len = 1 + rng() % 8;
    if (kind == 2) len = rng() % (g.iq_depth() + 1);
    if (kind == 3 && q == 0) len = g.iq_depth();
    for (size_t i = 0; i < len; ++i) p.queues[q].push_back(rng());
  }
  p.queues[1] = std::vector<uint64_t>(g.iq_depth(), 0x0123456789ABCDEFull);  // a full queue
  const uint32_t words = g.mem_words();
  for (uint32_t s = 0; s < g.num_mem_slices(); ++s) {
    // Up to three disjoint images per slice, laid out left to right with random gaps.
    uint32_t next = static_cast<uint32_t>(rng() % 4);
    const uint32_t count = static_cast<uint32_t>(rng() % 4);
    for (uint32_t k = 0; k < count && next < words; ++k) {
      const uint32_t n = 1 + static_cast<uint32_t>(rng() % std::min<uint32_t>(6, words - next));
      MemImage m;
      m.slice = s;
      m.addr = next;
      m.data.resize(size_t{n} * g.vl());
      for (auto &byte : m.data) byte = static_cast<uint8_t>(rng());
      p.mem.push_back(std::move(m));
      next += n + static_cast<uint32_t>(rng() % 5);
    }
  }
  MemImage last;
  last.slice = g.num_mem_slices() - 1;
  last.addr = words - 1;
  last.data.assign(g.vl(), 0x5A);
  bool clash = false;
  for (const auto &m : p.mem)
    if (m.slice == last.slice && m.addr + m.data.size() / g.vl() > last.addr) clash = true;
  if (!clash) p.mem.push_back(std::move(last));
  // Shuffle the image order: the container keeps the order it is given.
  std::shuffle(p.mem.begin(), p.mem.end(), rng);
  return p;
}

}  // namespace tsp::tspb_test
