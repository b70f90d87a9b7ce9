// The .tspb program container: SerializeProgram / ParseProgram. Layout: docs/program-format.md.
#include "tsp/program.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace tsp {
namespace {

constexpr uint8_t kMagic[4] = {'T', 'S', 'P', 'B'};
constexpr uint16_t kFormatVersion = 1;
constexpr size_t kHeaderSize = 56;
constexpr size_t kEntrySize = 24;
constexpr size_t kAlign = 64;
constexpr uint16_t kSectionQueue = 1;
constexpr uint16_t kSectionMem = 2;

// Header field offsets.
constexpr size_t kOffVersion = 4;
constexpr size_t kOffFlags = 6;
constexpr size_t kOffIsa = 8;
constexpr size_t kOffCount = 12;
constexpr size_t kOffFingerprint = 16;
constexpr size_t kOffGeometry = 24;  // six u32 fields
constexpr size_t kOffTableCrc = 48;
constexpr size_t kOffHeaderCrc = 52;

// Geometry limits; the same rules scripts/gen_isa.py applies to isa/tsp_isa.json configs.
constexpr uint32_t kMinSuperlanes = 2;
constexpr uint32_t kMaxMemSlicesPerHemi = 16;
constexpr uint32_t kMaxVxmAlus = 8;
constexpr uint32_t kMaxMemAddressWords = 65536;  // 16-bit addr field

constexpr size_t AlignUp(size_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

void Put16(std::vector<uint8_t> &v, size_t off, uint16_t x) {
  v[off] = static_cast<uint8_t>(x);
  v[off + 1] = static_cast<uint8_t>(x >> 8);
}
void Put32(std::vector<uint8_t> &v, size_t off, uint32_t x) {
  for (int i = 0; i < 4; ++i) v[off + i] = static_cast<uint8_t>(x >> (8 * i));
}
void Put64(std::vector<uint8_t> &v, size_t off, uint64_t x) {
  for (int i = 0; i < 8; ++i) v[off + i] = static_cast<uint8_t>(x >> (8 * i));
}
uint16_t Get16(const uint8_t *p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t Get32(const uint8_t *p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
uint64_t Get64(const uint8_t *p) { return uint64_t{Get32(p)} | (uint64_t{Get32(p + 4)} << 32); }

bool IsPow2(uint32_t x) { return x != 0 && (x & (x - 1)) == 0; }

// Empty when the parameters describe a buildable geometry, else what is wrong.
std::string CheckGeometryParams(const isa::GeometryParams &g) {
  if (g.num_superlanes < kMinSuperlanes || g.num_superlanes > isa::kMaxSuperlanes)
    return fmt::format("num_superlanes = {} (must be {}..{})", g.num_superlanes, kMinSuperlanes,
                       isa::kMaxSuperlanes);
  if (g.streams_per_dir != 4 && g.streams_per_dir != 8 && g.streams_per_dir != isa::kMaxStreamsPerDir)
    return fmt::format("streams_per_dir = {} (must be 4, 8 or 16)", g.streams_per_dir);
  if (g.mem_slices_per_hemi < 1 || g.mem_slices_per_hemi > kMaxMemSlicesPerHemi)
    return fmt::format("mem_slices_per_hemi = {} (must be 1..{})", g.mem_slices_per_hemi,
                       kMaxMemSlicesPerHemi);
  if (!IsPow2(g.words_per_bank) || uint64_t{g.words_per_bank} * isa::kNumBanks > kMaxMemAddressWords)
    return fmt::format("words_per_bank = {} (must be a power of two, at most {})", g.words_per_bank,
                       kMaxMemAddressWords / isa::kNumBanks);
  if (g.vxm_alus < 1 || g.vxm_alus > kMaxVxmAlus)
    return fmt::format("vxm_alus = {} (must be 1..{})", g.vxm_alus, kMaxVxmAlus);
  if (!IsPow2(g.iq_depth)) return fmt::format("iq_depth = {} (must be a power of two)", g.iq_depth);
  return {};
}

// Name of the matching isa::kConfigs entry (static storage), or "custom".
std::string_view ConfigName(const isa::GeometryParams &g) {
  for (const auto &c : isa::kConfigs) {
    if (c.num_superlanes == g.num_superlanes && c.streams_per_dir == g.streams_per_dir &&
        c.mem_slices_per_hemi == g.mem_slices_per_hemi && c.words_per_bank == g.words_per_bank &&
        c.vxm_alus == g.vxm_alus && c.iq_depth == g.iq_depth)
      return c.name;
  }
  return "custom";
}

bool SameParams(const isa::GeometryParams &a, const isa::GeometryParams &b) {
  return a.num_superlanes == b.num_superlanes && a.streams_per_dir == b.streams_per_dir &&
         a.mem_slices_per_hemi == b.mem_slices_per_hemi && a.words_per_bank == b.words_per_bank &&
         a.vxm_alus == b.vxm_alus && a.iq_depth == b.iq_depth;
}

std::string Hex(const uint8_t *p, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += fmt::format("{}{:02x}", i ? " " : "", p[i]);
  return s;
}

LoadResult Fail(std::string msg) { return LoadResult{false, std::move(msg)}; }

struct Entry {
  uint32_t number;  // position in the section table
  uint16_t type;
  uint32_t index, aux, offset, size;
};

std::string SectionName(const Entry &e, const Geometry &g) {
  if (e.type == kSectionQueue) {
    if (e.index < g.num_queues())
      return fmt::format("section {} (queue {} '{}')", e.number, e.index, g.queue(e.index).name);
    return fmt::format("section {} (queue {})", e.number, e.index);
  }
  return fmt::format("section {} (MEM slice {})", e.number, e.index);
}

}  // namespace

std::vector<uint8_t> SerializeProgram(const Program &p) {
  struct Pending {
    uint16_t type;
    uint32_t index, aux;
    const uint8_t *bytes;  // null for queues (words are encoded below)
    const std::vector<uint64_t> *words;
    size_t size;
  };
  std::vector<Pending> sections;
  for (size_t q = 0; q < p.queues.size(); ++q) {
    if (p.queues[q].empty()) continue;  // empty queues are omitted
    sections.push_back(
        {kSectionQueue, static_cast<uint32_t>(q), 0, nullptr, &p.queues[q], p.queues[q].size() * 8});
  }
  for (const MemImage &m : p.mem) {
    sections.push_back({kSectionMem, m.slice, m.addr, m.data.data(), nullptr, m.data.size()});
  }

  const size_t table_end = kHeaderSize + kEntrySize * sections.size();
  size_t total = AlignUp(table_end);
  for (const Pending &s : sections) total += AlignUp(s.size);
  total = std::max(total, AlignUp(kHeaderSize));
  std::vector<uint8_t> out(total, 0);

  std::memcpy(out.data(), kMagic, 4);
  Put16(out, kOffVersion, kFormatVersion);
  Put16(out, kOffFlags, 0);
  Put32(out, kOffIsa, isa::kIsaVersion);
  Put32(out, kOffCount, static_cast<uint32_t>(sections.size()));
  Put64(out, kOffFingerprint, isa::Fingerprint(p.geometry));
  const isa::GeometryParams &g = p.geometry;
  const uint32_t fields[6] = {g.num_superlanes, g.streams_per_dir, g.mem_slices_per_hemi,
                              g.words_per_bank, g.vxm_alus,        g.iq_depth};
  for (size_t i = 0; i < 6; ++i) Put32(out, kOffGeometry + 4 * i, fields[i]);

  size_t offset = AlignUp(table_end);
  for (size_t i = 0; i < sections.size(); ++i) {
    const Pending &s = sections[i];
    if (s.words) {
      for (size_t w = 0; w < s.words->size(); ++w) Put64(out, offset + 8 * w, (*s.words)[w]);
    } else if (s.size) {
      std::memcpy(out.data() + offset, s.bytes, s.size);
    }
    const size_t e = kHeaderSize + kEntrySize * i;
    Put16(out, e, s.type);
    Put16(out, e + 2, 0);
    Put32(out, e + 4, s.index);
    Put32(out, e + 8, s.aux);
    Put32(out, e + 12, static_cast<uint32_t>(offset));
    Put32(out, e + 16, static_cast<uint32_t>(s.size));
    Put32(out, e + 20, Crc32(out.data() + offset, s.size));
    offset += AlignUp(s.size);
  }
  Put32(out, kOffTableCrc, Crc32(out.data() + kHeaderSize, table_end - kHeaderSize));
  Put32(out, kOffHeaderCrc, Crc32(out.data(), kOffHeaderCrc));
  return out;
}

LoadResult ParseProgram(const uint8_t *data, size_t size, Program *out, const Geometry *expect) {
  if (data == nullptr) size = 0;
  auto truncated = [&](size_t off, size_t need, const char *what) {
    return Fail(
        fmt::format("truncated file: reading {} at offset {} needs {} bytes, but the file has only {} bytes",
                    what, off, need, size));
  };

  // Magic and format version first: a different version may lay the rest out differently.
  if (size < 4) return truncated(0, 4, "magic \"TSPB\"");
  if (std::memcmp(data, kMagic, 4) != 0)
    return Fail(fmt::format("bad magic: expected 54 53 50 42 (\"TSPB\"), found {}", Hex(data, 4)));
  if (size < kOffVersion + 2) return truncated(kOffVersion, 2, "format version (u16)");
  const uint16_t version = Get16(data + kOffVersion);
  if (version != kFormatVersion)
    return Fail(
        fmt::format("unknown format version {} (this loader supports version {})", version, kFormatVersion));
  static const char *const kHeaderFieldNames[] = {"flags (u16)",
                                                  "ISA version (u32)",
                                                  "section count (u32)",
                                                  "geometry fingerprint (u64)",
                                                  "num_superlanes (u32)",
                                                  "streams_per_dir (u32)",
                                                  "mem_slices_per_hemi (u32)",
                                                  "words_per_bank (u32)",
                                                  "vxm_alus (u32)",
                                                  "iq_depth (u32)",
                                                  "section table CRC (u32)",
                                                  "header CRC (u32)"};
  static const size_t kHeaderFieldEnds[] = {8, 12, 16, 24, 28, 32, 36, 40, 44, 48, 52, 56};
  if (size < kHeaderSize) {
    size_t start = kOffFlags;
    for (size_t i = 0; i < 12; ++i) {
      if (size < kHeaderFieldEnds[i])
        return truncated(start, kHeaderFieldEnds[i] - start, kHeaderFieldNames[i]);
      start = kHeaderFieldEnds[i];
    }
  }

  const uint32_t header_crc = Get32(data + kOffHeaderCrc);
  const uint32_t header_crc_calc = Crc32(data, kOffHeaderCrc);
  if (header_crc != header_crc_calc)
    return Fail(fmt::format("header CRC mismatch: header stores 0x{:08x}, bytes 0..{} give 0x{:08x}",
                            header_crc, kOffHeaderCrc - 1, header_crc_calc));
  const uint16_t flags = Get16(data + kOffFlags);
  if (flags != 0) return Fail(fmt::format("unsupported header flags 0x{:04x} (must be 0)", flags));
  const uint32_t isa_version = Get32(data + kOffIsa);
  if (isa_version != isa::kIsaVersion)
    return Fail(fmt::format("unsupported ISA version {} (this build supports ISA version {})", isa_version,
                            isa::kIsaVersion));

  isa::GeometryParams params{};
  params.num_superlanes = Get32(data + kOffGeometry);
  params.streams_per_dir = Get32(data + kOffGeometry + 4);
  params.mem_slices_per_hemi = Get32(data + kOffGeometry + 8);
  params.words_per_bank = Get32(data + kOffGeometry + 12);
  params.vxm_alus = Get32(data + kOffGeometry + 16);
  params.iq_depth = Get32(data + kOffGeometry + 20);
  if (std::string why = CheckGeometryParams(params); !why.empty())
    return Fail("invalid geometry in header: " + why);
  params.name = ConfigName(params);
  const Geometry geom(params);  // small: at most a few dozen queues once the params are valid
  const uint64_t fingerprint = Get64(data + kOffFingerprint);
  if (fingerprint != isa::Fingerprint(params))
    return Fail(fmt::format(
        "geometry fields inconsistent with the fingerprint: header fingerprint is 0x{:016x}, but the "
        "geometry fields ({}) give 0x{:016x}",
        fingerprint, geom.Describe(), isa::Fingerprint(params)));
  if (expect != nullptr && (expect->fingerprint() != fingerprint || !SameParams(expect->params(), params)))
    return Fail(
        fmt::format("foreign geometry: program built for {} but device is {} (fingerprints 0x{:016x} vs "
                    "0x{:016x})",
                    geom.Describe(), expect->Describe(), fingerprint, expect->fingerprint()));

  // Section table. Bounded by the file size, so a huge count cannot make us allocate.
  const uint32_t count = Get32(data + kOffCount);
  const uint64_t table_end = kHeaderSize + uint64_t{kEntrySize} * count;
  if (table_end > size)
    return Fail(
        fmt::format("truncated file: reading the section table ({} entries of {} bytes) at offset {} "
                    "needs {} bytes, but the file has only {} bytes",
                    count, kEntrySize, kHeaderSize, table_end - kHeaderSize, size));
  const uint32_t table_crc = Get32(data + kOffTableCrc);
  const uint32_t table_crc_calc = Crc32(data + kHeaderSize, static_cast<size_t>(table_end) - kHeaderSize);
  if (table_crc != table_crc_calc)
    return Fail(
        fmt::format("section table CRC mismatch: header stores 0x{:08x}, the {} table entries give 0x{:08x}",
                    table_crc, count, table_crc_calc));

  std::vector<Entry> entries;
  entries.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t *e = data + kHeaderSize + size_t{kEntrySize} * i;
    Entry en{i, Get16(e), Get32(e + 4), Get32(e + 8), Get32(e + 12), Get32(e + 16)};
    const uint16_t reserved = Get16(e + 2);
    const uint32_t crc = Get32(e + 20);
    if (en.type != kSectionQueue && en.type != kSectionMem)
      return Fail(fmt::format("section {}: unknown section type {} (expected 1 = queue or 2 = MEM image)", i,
                              en.type));
    const std::string name = SectionName(en, geom);
    if (reserved != 0) return Fail(fmt::format("{}: reserved field is 0x{:04x} (must be 0)", name, reserved));
    if (en.offset % kAlign != 0)
      return Fail(fmt::format("{}: payload offset {} is not {}-byte aligned", name, en.offset, kAlign));
    if (en.offset < table_end)
      return Fail(fmt::format("{}: payload offset {} overlaps the header and section table (which end at {})",
                              name, en.offset, table_end));
    if (uint64_t{en.offset} + en.size > size)
      return Fail(
          fmt::format("{}: payload [{}, {}) is out of bounds: the file has only {} bytes (truncated?)", name,
                      en.offset, uint64_t{en.offset} + en.size, size));
    const uint32_t crc_calc = Crc32(data + en.offset, en.size);
    if (crc != crc_calc)
      return Fail(fmt::format("{}: bad payload CRC: expected 0x{:08x} (section table), found 0x{:08x}", name,
                              crc, crc_calc));
    if (en.type == kSectionQueue) {
      if (en.index >= geom.num_queues())
        return Fail(fmt::format("{}: queue id {} out of range: geometry {} has {} queues (0..{})", name,
                                en.index, geom.Describe(), geom.num_queues(), geom.num_queues() - 1));
      if (en.aux != 0) return Fail(fmt::format("{}: aux field is {} (must be 0 for queues)", name, en.aux));
      if (en.size % 8 != 0)
        return Fail(
            fmt::format("{}: payload size {} is not a whole number of 8-byte instructions", name, en.size));
      if (en.size / 8 > geom.iq_depth())
        return Fail(fmt::format("{}: queue holds {} instructions, longer than iq_depth {}", name, en.size / 8,
                                geom.iq_depth()));
    } else {
      if (en.index >= geom.num_mem_slices())
        return Fail(fmt::format("{}: MEM slice id {} out of range: geometry {} has {} MEM slices (0..{})",
                                name, en.index, geom.Describe(), geom.num_mem_slices(),
                                geom.num_mem_slices() - 1));
      if (en.size == 0) return Fail(fmt::format("{}: MEM image is empty", name));
      if (en.size % geom.vl() != 0)
        return Fail(fmt::format("{}: MEM image of {} bytes is not a multiple of VL = {} bytes (whole words)",
                                name, en.size, geom.vl()));
      const uint64_t words = en.size / geom.vl();
      if (en.aux + words > geom.mem_words())
        return Fail(fmt::format("{}: MEM image words {}..{} run past the slice's {} words", name, en.aux,
                                en.aux + words - 1, geom.mem_words()));
    }
    entries.push_back(en);
  }

  // Duplicates and overlaps: queue ids, MEM word ranges, payload byte ranges.
  {
    std::vector<int64_t> queue_section(geom.num_queues(), -1);
    for (const Entry &e : entries) {
      if (e.type != kSectionQueue) continue;
      if (queue_section[e.index] >= 0)
        return Fail(fmt::format("duplicate sections: sections {} and {} both hold queue {} '{}'",
                                queue_section[e.index], e.number, e.index, geom.queue(e.index).name));
      queue_section[e.index] = e.number;
    }
    std::vector<const Entry *> mem;
    for (const Entry &e : entries)
      if (e.type == kSectionMem) mem.push_back(&e);
    std::sort(mem.begin(), mem.end(), [](const Entry *a, const Entry *b) {
      return a->index != b->index ? a->index < b->index : a->aux < b->aux;
    });
    const uint32_t vl = geom.vl();
    for (size_t i = 1; i < mem.size(); ++i) {
      const Entry &a = *mem[i - 1], &b = *mem[i];
      if (a.index != b.index) continue;
      const uint64_t a_end = uint64_t{a.aux} + a.size / vl;
      if (b.aux < a_end) {
        const uint64_t b_end = uint64_t{b.aux} + b.size / vl;
        return Fail(
            fmt::format("{} MEM images: sections {} (words {}..{}) and {} (words {}..{}) of MEM slice {}",
                        a.aux == b.aux && a.size == b.size ? "duplicate" : "overlapping", a.number, a.aux,
                        a_end - 1, b.number, b.aux, b_end - 1, a.index));
      }
    }
    std::vector<const Entry *> by_offset;
    for (const Entry &e : entries)
      if (e.size) by_offset.push_back(&e);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const Entry *a, const Entry *b) { return a->offset < b->offset; });
    for (size_t i = 1; i < by_offset.size(); ++i) {
      const Entry &a = *by_offset[i - 1], &b = *by_offset[i];
      if (b.offset < uint64_t{a.offset} + a.size)
        return Fail(fmt::format(
            "overlapping sections: payload of section {} [{}, {}) overlaps section {} [{}, {})", a.number,
            a.offset, uint64_t{a.offset} + a.size, b.number, b.offset, uint64_t{b.offset} + b.size));
    }
  }

  if (out == nullptr) return LoadResult{true, {}};
  Program prog;
  prog.geometry = params;
  prog.queues.assign(geom.num_queues(), {});
  for (const Entry &e : entries) {
    const uint8_t *payload = data + e.offset;
    if (e.type == kSectionQueue) {
      std::vector<uint64_t> &q = prog.queues[e.index];
      q.resize(e.size / 8);
      for (size_t w = 0; w < q.size(); ++w) q[w] = Get64(payload + 8 * w);
    } else {
      MemImage m;
      m.slice = e.index;
      m.addr = e.aux;
      m.data.assign(payload, payload + e.size);
      prog.mem.push_back(std::move(m));
    }
  }
  *out = std::move(prog);
  return LoadResult{true, {}};
}

}  // namespace tsp
