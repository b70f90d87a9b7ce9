// Every .tspb load error, each produced by a hand-corrupted image, plus random-mutation robustness.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "program/tspb_test_util.h"
#include "tsp/geometry.h"
#include "tsp/program.h"

namespace tsp {
namespace {

using namespace tspb_test;

constexpr isa::GeometryParams kSmall = isa::kConfigs[1];

// Base image (small config): s0 queue 0 (3 words), s1 queue 4 (1 word), s2 MEM slice 3 words 120..121,
// s3 MEM slice 0 word 0. The table ends at 152; payload offsets 192, 256, 320, 384; file size 448.
std::vector<uint8_t> Base() {
  std::vector<uint8_t> w2(64), w1(32);
  for (size_t i = 0; i < w2.size(); ++i) w2[i] = static_cast<uint8_t>(i * 3);
  for (size_t i = 0; i < w1.size(); ++i) w1[i] = static_cast<uint8_t>(200 + i);
  return BuildRaw(
      kSmall,
      {{1, 0, 0, Words({0x10, 0x20, 0x30})}, {1, 4, 0, Words({0x40})}, {2, 3, 120, w2}, {2, 0, 0, w1}});
}

// Parses and expects failure; returns the message. `out` must be left untouched.
std::string Error(const std::vector<uint8_t> &b, const Geometry *expect = nullptr) {
  Program out;
  out.queues = {{0xDEAD}};
  const LoadResult r = ParseProgram(b.data(), b.size(), &out, expect);
  EXPECT_FALSE(r.ok) << "image unexpectedly parsed";
  EXPECT_FALSE(r.error.empty());
  EXPECT_EQ(out.queues, std::vector<std::vector<uint64_t>>{{0xDEAD}}) << "output modified on failure";
  return r.error;
}

#define EXPECT_HAS(msg, text) EXPECT_NE((msg).find(text), std::string::npos) << "message: " << (msg)

TEST(TspbErrors, BaseImageIsValid) {
  const std::vector<uint8_t> b = Base();
  ASSERT_EQ(b.size(), 448u);
  Program p;
  const LoadResult r = ParseProgram(b.data(), b.size(), &p);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(p.queues[0], (std::vector<uint64_t>{0x10, 0x20, 0x30}));
  ASSERT_EQ(p.mem.size(), 2u);
  EXPECT_EQ(p.mem[0].slice, 3u);
  EXPECT_EQ(p.mem[0].addr, 120u);
}

TEST(TspbErrors, TruncatedHeaderSaysWhereAndWhat) {
  const std::vector<uint8_t> b = Base();
  auto cut = [&](size_t n) { return std::vector<uint8_t>(b.begin(), b.begin() + n); };
  std::string e = Error({});
  EXPECT_HAS(e, "truncated file");
  EXPECT_HAS(e, "magic");
  EXPECT_HAS(e, "offset 0");
  EXPECT_HAS(e, "only 0 bytes");
  EXPECT_HAS(Error(cut(3)), "only 3 bytes");
  e = Error(cut(5));
  EXPECT_HAS(e, "format version");
  EXPECT_HAS(e, "offset 4");
  e = Error(cut(7));
  EXPECT_HAS(e, "flags");
  EXPECT_HAS(e, "offset 6");
  e = Error(cut(20));
  EXPECT_HAS(e, "truncated file: reading geometry fingerprint (u64) at offset 16 needs 8 bytes");
  e = Error(cut(45));
  EXPECT_HAS(e, "iq_depth (u32) at offset 44");
  e = Error(cut(55));
  EXPECT_HAS(e, "header CRC (u32) at offset 52");
  EXPECT_HAS(e, "only 55 bytes");
  // Null data with a size behaves as empty.
  Program out;
  EXPECT_FALSE(ParseProgram(nullptr, 100, &out).ok);
}

TEST(TspbErrors, TruncatedSectionTable) {
  std::vector<uint8_t> b = Base();
  b.resize(100);  // header intact, table (4 x 24 bytes from 56) cut
  std::string e = Error(b);
  EXPECT_HAS(e, "truncated file");
  EXPECT_HAS(e, "section table (4 entries");
  EXPECT_HAS(e, "at offset 56 needs 96 bytes");
  // A huge section count must not allocate or crash.
  b = Base();
  Set32(b, kOffCount, 0xFFFFFFFFu);
  FixHeaderCrc(b);
  e = Error(b);
  EXPECT_HAS(e, "section table (4294967295 entries");
}

TEST(TspbErrors, TruncatedPayload) {
  std::vector<uint8_t> b = Base();
  b.resize(400);  // last payload is [384, 416)
  const std::string e = Error(b);
  EXPECT_HAS(e, "section 3 (MEM slice 0)");
  EXPECT_HAS(e, "[384, 416) is out of bounds");
  EXPECT_HAS(e, "400 bytes");
}

TEST(TspbErrors, BadMagicShowsBytes) {
  std::vector<uint8_t> b = Base();
  b[3] = 'X';
  const std::string e = Error(b);
  EXPECT_HAS(e, "bad magic");
  EXPECT_HAS(e, "found 54 53 50 58");
  EXPECT_HAS(Error({0x7f, 'E', 'L', 'F', 2, 1}), "found 7f 45 4c 46");
}

TEST(TspbErrors, UnknownFormatVersion) {
  std::vector<uint8_t> b = Base();
  Set16(b, kOffVersion, 2);
  FixHeaderCrc(b);
  const std::string e = Error(b);
  EXPECT_HAS(e, "unknown format version 2");
  EXPECT_HAS(e, "supports version 1");
  // Checked before the rest of the header: a 6-byte file with a future version says so.
  EXPECT_HAS(Error({'T', 'S', 'P', 'B', 9, 0}), "unknown format version 9");
}

TEST(TspbErrors, UnsupportedIsaVersion) {
  std::vector<uint8_t> b = Base();
  Set32(b, kOffIsa, 7);
  FixHeaderCrc(b);
  const std::string e = Error(b);
  EXPECT_HAS(e, "unsupported ISA version 7");
  EXPECT_HAS(e, "supports ISA version 6");
}

TEST(TspbErrors, HeaderCrcMismatch) {
  std::vector<uint8_t> b = Base();
  const uint32_t stored = Get32(b, kOffHeaderCrc);
  b[kOffFingerprint] ^= 0x40;
  const std::string e = Error(b);
  EXPECT_HAS(e, "header CRC mismatch");
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08x", stored);
  EXPECT_HAS(e, hex);
}

TEST(TspbErrors, NonZeroFlags) {
  std::vector<uint8_t> b = Base();
  Set16(b, kOffFlags, 1);
  FixHeaderCrc(b);
  EXPECT_HAS(Error(b), "unsupported header flags 0x0001");
}

TEST(TspbErrors, SectionTableCrcMismatch) {
  std::vector<uint8_t> b = Base();
  b[EntryAt(1) + kEntIndex] = 5;  // queue 4 -> 5 without fixing the table CRC
  EXPECT_HAS(Error(b), "section table CRC mismatch");
}

TEST(TspbErrors, BadSectionCrcNamesSectionAndBothValues) {
  std::vector<uint8_t> b = Base();
  const uint32_t stored = Get32(b, EntryAt(2) + kEntCrc);
  b[320 + 5] ^= 1;  // payload of section 2
  const uint32_t found = Crc32(b.data() + 320, 64);
  const std::string e = Error(b);
  char want[96];
  std::snprintf(want, sizeof want, "expected 0x%08x (section table), found 0x%08x", stored, found);
  EXPECT_HAS(e, "section 2 (MEM slice 3): bad payload CRC");
  EXPECT_HAS(e, want);
}

TEST(TspbErrors, UnknownSectionType) {
  std::vector<uint8_t> b = Base();
  Set16(b, EntryAt(1) + kEntType, 3);
  FixTableCrc(b);
  FixHeaderCrc(b);
  EXPECT_HAS(Error(b), "section 1: unknown section type 3");
}

TEST(TspbErrors, ReservedAndAuxFieldsMustBeZero) {
  std::vector<uint8_t> b = Base();
  Set16(b, EntryAt(0) + kEntReserved, 0x8000);
  FixAllCrcs(b);
  EXPECT_HAS(Error(b), "section 0 (queue 0 'mem.w0'): reserved field is 0x8000");
  b = Base();
  Set32(b, EntryAt(1) + kEntAux, 5);
  FixAllCrcs(b);
  EXPECT_HAS(Error(b), "section 1 (queue 4 'vxm.0'): aux field is 5 (must be 0 for queues)");
}

TEST(TspbErrors, SectionOutOfBounds) {
  std::vector<uint8_t> b = Base();
  Set32(b, EntryAt(1) + kEntOffset, 0x40000000);
  FixTableCrc(b);
  FixHeaderCrc(b);
  std::string e = Error(b);
  EXPECT_HAS(e, "section 1 (queue 4 'vxm.0'): payload [1073741824, 1073741832) is out of bounds");
  // offset + size overflowing 32 bits must not wrap around.
  b = Base();
  Set32(b, EntryAt(3) + kEntSize, 0xFFFFFFE0u);
  FixTableCrc(b);
  FixHeaderCrc(b);
  EXPECT_HAS(Error(b), "out of bounds");
}

TEST(TspbErrors, MisalignedOrOverlappingTable) {
  std::vector<uint8_t> b = Base();
  Set32(b, EntryAt(0) + kEntOffset, 200);
  FixAllCrcs(b);
  EXPECT_HAS(Error(b), "payload offset 200 is not 64-byte aligned");
  b = Base();
  Set32(b, EntryAt(0) + kEntOffset, 64);  // inside the table, which ends at 152
  FixAllCrcs(b);
  EXPECT_HAS(Error(b), "payload offset 64 overlaps the header and section table (which end at 152)");
}

TEST(TspbErrors, QueueIdOutOfRange) {
  std::vector<uint8_t> b = Base();
  Set32(b, EntryAt(1) + kEntIndex, 9);  // small has 9 queues
  FixTableCrc(b);
  FixHeaderCrc(b);
  const std::string e = Error(b);
  EXPECT_HAS(e, "queue id 9 out of range");
  EXPECT_HAS(e, "has 9 queues (0..8)");
}

TEST(TspbErrors, QueueLongerThanIqDepth) {
  const std::vector<uint8_t> ok = BuildRaw(kSmall, {{1, 8, 0, Words(std::vector<uint64_t>(256, 1))}});
  EXPECT_TRUE(ParseProgram(ok.data(), ok.size(), nullptr).ok);
  const std::vector<uint8_t> b = BuildRaw(kSmall, {{1, 8, 0, Words(std::vector<uint64_t>(257, 1))}});
  EXPECT_HAS(Error(b), "section 0 (queue 8 'mxm.e'): queue holds 257 instructions, longer than iq_depth 256");
}

TEST(TspbErrors, QueueNotWholeInstructions) {
  const std::vector<uint8_t> b = BuildRaw(kSmall, {{1, 1, 0, std::vector<uint8_t>(12, 0)}});
  EXPECT_HAS(Error(b), "payload size 12 is not a whole number of 8-byte instructions");
}

TEST(TspbErrors, MemImageErrors) {
  EXPECT_HAS(Error(BuildRaw(kSmall, {{2, 1, 0, std::vector<uint8_t>(33, 0)}})),
             "MEM image of 33 bytes is not a multiple of VL = 32 bytes");
  EXPECT_HAS(Error(BuildRaw(kSmall, {{2, 1, 0, {}}})), "section 0 (MEM slice 1): MEM image is empty");
  // small: 2 banks x 64 words = 128 words per slice; words 127..128 run past it.
  EXPECT_TRUE(
      ParseProgram(BuildRaw(kSmall, {{2, 1, 127, std::vector<uint8_t>(32, 0)}}).data(), 128 + 64, nullptr)
          .ok);
  EXPECT_HAS(Error(BuildRaw(kSmall, {{2, 1, 127, std::vector<uint8_t>(64, 0)}})),
             "MEM image words 127..128 run past the slice's 128 words");
  EXPECT_HAS(Error(BuildRaw(kSmall, {{2, 1, 0xFFFFFFFFu, std::vector<uint8_t>(32, 0)}})), "run past");
  EXPECT_HAS(Error(BuildRaw(kSmall, {{2, 4, 0, std::vector<uint8_t>(32, 0)}})),
             "MEM slice id 4 out of range: geometry S=2 VL=32 streams=4 mem=2x2x64 alus=1 iq=256 has 4 MEM "
             "slices (0..3)");
}

TEST(TspbErrors, DuplicateAndOverlappingSections) {
  const std::vector<uint8_t> w1(32, 1), w2(64, 2);
  // Two sections for the same queue.
  std::string e = Error(BuildRaw(kSmall, {{1, 6, 0, Words({1})}, {1, 6, 0, Words({2})}}));
  EXPECT_HAS(e, "duplicate sections: sections 0 and 1 both hold queue 6 'sxm.e'");
  // Same MEM range twice.
  e = Error(BuildRaw(kSmall, {{2, 2, 10, w1}, {2, 3, 10, w1}, {2, 2, 10, w1}}));
  EXPECT_HAS(e, "duplicate MEM images: sections 0 (words 10..10) and 2 (words 10..10) of MEM slice 2");
  // Partial overlap, given out of order.
  e = Error(BuildRaw(kSmall, {{2, 2, 11, w1}, {2, 2, 10, w2}}));
  EXPECT_HAS(e, "overlapping MEM images: sections 1 (words 10..11) and 0 (words 11..11) of MEM slice 2");
  // Adjacent ranges are fine.
  const std::vector<uint8_t> adj = BuildRaw(kSmall, {{2, 2, 12, w1}, {2, 2, 10, w2}});
  EXPECT_TRUE(ParseProgram(adj.data(), adj.size(), nullptr).ok);
  // Two sections sharing payload bytes.
  std::vector<uint8_t> b = Base();
  Set32(b, EntryAt(1) + kEntOffset, 192);  // queue 4 now reads the first word of queue 0's payload
  FixAllCrcs(b);
  EXPECT_HAS(Error(b), "overlapping sections: payload of section 0 [192, 216) overlaps section 1 [192, 200)");
}

TEST(TspbErrors, InvalidGeometryIsRejectedBeforeUse) {
  struct Case {
    size_t offset;
    uint32_t value;
    const char *text;
  };
  const Case cases[] = {
      {kOffSuperlanes, 0, "num_superlanes = 0 (must be 2..8)"},
      {kOffSuperlanes, 9, "num_superlanes = 9"},
      {kOffStreams, 5, "streams_per_dir = 5 (must be 4, 8 or 16)"},
      {kOffMemSlices, 0, "mem_slices_per_hemi = 0"},
      {kOffMemSlices, 0xFFFFFFFFu, "mem_slices_per_hemi = 4294967295 (must be 1..16)"},
      {kOffWords, 100, "words_per_bank = 100 (must be a power of two, at most 32768)"},
      {kOffWords, 65536, "words_per_bank = 65536"},
      {kOffAlus, 0, "vxm_alus = 0 (must be 1..8)"},
      {kOffIq, 0, "iq_depth = 0 (must be a power of two)"},
      {kOffIq, 1000, "iq_depth = 1000"},
  };
  for (const Case &c : cases) {
    std::vector<uint8_t> b = Base();
    Set32(b, c.offset, c.value);
    FixHeaderCrc(b);
    const std::string e = Error(b);
    EXPECT_HAS(e, "invalid geometry in header");
    EXPECT_HAS(e, c.text);
  }
}

TEST(TspbErrors, GeometryFieldsInconsistentWithFingerprint) {
  std::vector<uint8_t> b = Base();
  Set32(b, kOffIq, 512);  // valid on its own, but the fingerprint says 256
  FixHeaderCrc(b);
  const std::string e = Error(b);
  EXPECT_HAS(e, "geometry fields inconsistent with the fingerprint");
  EXPECT_HAS(e, "0x5a08010602040206");  // stored (ISA version 6 in bits 7:0)
  EXPECT_HAS(e, "0x5a09010602040206");  // log2(512) = 9 in bits 55:48
  EXPECT_HAS(e, "S=2 VL=32 streams=4 mem=2x2x64 alus=1 iq=512");
}

TEST(TspbErrors, ForeignGeometry) {
  const Geometry dflt = Geometry::Default();
  const std::string e = Error(Base(), &dflt);
  EXPECT_HAS(e,
             "foreign geometry: program built for S=2 VL=32 streams=4 mem=2x2x64 alus=1 iq=256 but device is "
             "S=4 VL=64 streams=8 mem=8x2x512 alus=3 iq=8192");
  const Geometry small(kSmall);
  const std::vector<uint8_t> b = Base();
  EXPECT_TRUE(ParseProgram(b.data(), b.size(), nullptr, &small).ok);
}

// ---- robustness: seeded random corruption never crashes; result is ok xor a message ----

std::vector<std::vector<uint8_t>> MutationSeeds() {
  std::vector<std::vector<uint8_t>> seeds = {Base()};
  std::mt19937_64 rng(5);
  for (const auto &cfg : isa::kConfigs) {
    Program p;
    p.geometry = cfg;
    p.queues.resize(Geometry(cfg).num_queues());
    p.queues[2] = {1, 2, 3};
    MemImage m;
    m.slice = 1;
    m.addr = 3;
    m.data.assign(size_t{2} * cfg.num_superlanes * isa::kLanesPerSuperlane, 9);
    p.mem.push_back(m);
    seeds.push_back(SerializeProgram(p));
  }
  for (const char *name : {"small_queues_mem.tspb", "custom_full_queue.tspb"}) {
    std::ifstream f(std::string(TSP_SOURCE_DIR) + "/host/fuzz/corpus/" + name, std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  return seeds;
}

TEST(TspbRobustness, TwentyThousandRandomMutations) {
  const auto seeds = MutationSeeds();
  const Geometry small(kSmall), dflt = Geometry::Default();
  std::mt19937_64 rng(20240601);
  int parsed = 0, rejected = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<uint8_t> b = seeds[rng() % seeds.size()];
    const int kind = static_cast<int>(rng() % 6);
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits && !b.empty(); ++k) {
      const size_t pos = rng() % b.size();
      switch (kind) {
        case 0:
          b[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;  // bit flip
        case 1:
          b[pos] = static_cast<uint8_t>(rng());
          break;  // byte overwrite
        case 2:
          b.resize(pos);
          break;  // truncation
        case 3:
          b.insert(b.end(), rng() % 200, static_cast<uint8_t>(rng()));
          break;    // extension
        default: {  // interesting 32-bit value at an aligned header/table offset
          static const uint32_t kVals[] = {0, 1, 0xFFFFFFFFu, 0x80000000u, 64, 4096, 0x7FFFFFFFu, 257};
          const size_t off = (rng() % std::min<size_t>(b.size(), 160)) & ~size_t{3};
          if (off + 4 <= b.size()) Set32(b, off, kVals[rng() % 8]);
        }
      }
    }
    if (kind >= 4 || rng() % 2) FixAllCrcs(b);  // reach the checks behind the CRCs
    const Geometry *expect = (iter % 3 == 0) ? nullptr : (iter % 3 == 1 ? &small : &dflt);
    Program out;
    const LoadResult r = ParseProgram(b.data(), b.size(), &out, expect);
    if (r.ok) {
      ++parsed;
      ASSERT_TRUE(r.error.empty());
      // Whatever parses round-trips.
      const std::vector<uint8_t> again = SerializeProgram(out);
      Program back;
      ASSERT_TRUE(ParseProgram(again.data(), again.size(), &back, expect).ok) << "iteration " << iter;
      ASSERT_EQ(DiffPrograms(out, back), "") << "iteration " << iter;
      ASSERT_EQ(out.queues.size(), Geometry(out.geometry).num_queues());
    } else {
      ++rejected;
      ASSERT_FALSE(r.error.empty()) << "iteration " << iter;
    }
  }
  // Both outcomes occur (otherwise the mutations are not exercising anything).
  EXPECT_GT(parsed, 100);
  EXPECT_GT(rejected, 10000);
  std::printf("random mutations: %d parsed, %d rejected\n", parsed, rejected);
}

}  // namespace
}  // namespace tsp
