// .tspb round trips, golden files (written by scripts/gen_fuzz_seeds.py, an independent Python
// encoder), layout properties and the file helpers.
#include <gtest/gtest.h>

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
constexpr isa::GeometryParams kDefault = isa::kConfigs[0];
constexpr isa::GeometryParams kCustom = {"custom", 3, 16, 1, 16, 1, 16};

std::vector<uint8_t> ReadBytes(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "cannot open " << path;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

std::string SeedPath(const std::string &name) {
  return std::string(TSP_SOURCE_DIR) + "/host/fuzz/corpus/" + name;
}

MemImage Image(uint32_t slice, uint32_t addr, std::vector<uint8_t> data) {
  MemImage m;
  m.slice = slice;
  m.addr = addr;
  m.data = std::move(data);
  return m;
}

Program Make(const isa::GeometryParams &g) {
  Program p;
  p.geometry = g;
  p.queues.resize(Geometry(g).num_queues());
  return p;
}

// The same programs gen_fuzz_seeds.py writes, built here from its definitions.
struct Seed {
  std::string file;
  Program program;
};
std::vector<Seed> Seeds() {
  std::vector<Seed> s;
  s.push_back({"small_empty.tspb", Make(kSmall)});

  Program a = Make(kSmall);
  a.queues[0] = {0x0123456789ABCDEFull, 1, 0xFFFFFFFFFFFFFFFFull};
  a.queues[4] = {3};
  std::vector<uint8_t> ramp(32), pattern(64);
  for (int i = 0; i < 32; ++i) ramp[i] = static_cast<uint8_t>(i);
  for (int i = 0; i < 64; ++i) pattern[i] = static_cast<uint8_t>((i * 7 + 3) & 255);
  a.mem = {Image(3, 127, ramp), Image(0, 0, pattern)};
  s.push_back({"small_queues_mem.tspb", a});

  Program b = Make(kDefault);
  for (uint64_t i = 0; i < 5; ++i) b.queues[21].push_back(i * 0x1111111111111111ull);
  b.queues[16] = {0x11, 0x8000000000000022ull};
  std::vector<uint8_t> down(192);
  for (int i = 0; i < 192; ++i) down[i] = static_cast<uint8_t>(255 - i);
  b.mem = {Image(15, 1023, std::vector<uint8_t>(64, 0xA5)), Image(8, 100, down)};
  s.push_back({"default_mixed.tspb", b});

  Program c = Make(kCustom);
  for (uint64_t i = 0; i < 16; ++i) c.queues[5].push_back(0x100 * i + 1);
  c.mem = {Image(1, 31, std::vector<uint8_t>(48, 7))};
  s.push_back({"custom_full_queue.tspb", c});
  return s;
}

TEST(TspbGolden, SerializerReproducesIndependentPythonEncoding) {
  for (const Seed &seed : Seeds()) {
    SCOPED_TRACE(seed.file);
    const std::vector<uint8_t> golden = ReadBytes(SeedPath(seed.file));
    ASSERT_FALSE(golden.empty());
    EXPECT_EQ(SerializeProgram(seed.program), golden);
    Program parsed;
    const LoadResult r = ParseProgram(golden.data(), golden.size(), &parsed);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(DiffPrograms(parsed, seed.program), "");
  }
}

TEST(TspbGolden, KnownHeaderBytes) {
  // small config, no sections: ISA version 6, fingerprint 0x5A08010602040206 (docs/isa-tables.md),
  // 64-byte file.
  const std::vector<uint8_t> b = SerializeProgram(Make(kSmall));
  ASSERT_EQ(b.size(), 64u);
  const std::vector<uint8_t> head = {'T',  'S',  'P',  'B',  1,    0,    0,    0,    6, 0, 0, 0, 0, 0, 0, 0,
                                     0x06, 0x02, 0x04, 0x02, 0x06, 0x01, 0x08, 0x5A, 2, 0, 0, 0, 4, 0, 0, 0,
                                     2,    0,    0,    0,    64,   0,    0,    0,    1, 0, 0, 0, 0, 1, 0, 0};
  EXPECT_EQ(std::vector<uint8_t>(b.begin(), b.begin() + 48), head);
  EXPECT_EQ(Get32(b, kOffTableCrc), 0u);  // CRC of an empty table
  EXPECT_EQ(Get32(b, kOffHeaderCrc), Crc32(b.data(), 52));
  for (size_t i = 56; i < 64; ++i) EXPECT_EQ(b[i], 0) << i;
}

TEST(TspbGolden, IndependentTestEncoderAgrees) {
  // The test-side encoder (tspb_test_util.h) and the library agree on a seed program.
  const Seed seed = Seeds()[1];
  std::vector<RawSection> secs = {{1, 0, 0, Words(seed.program.queues[0])},
                                  {1, 4, 0, Words(seed.program.queues[4])}};
  for (const MemImage &m : seed.program.mem) secs.push_back({2, m.slice, m.addr, m.data});
  EXPECT_EQ(BuildRaw(kSmall, secs), SerializeProgram(seed.program));
}

class TspbRoundTrip : public ::testing::TestWithParam<size_t> {};

TEST_P(TspbRoundTrip, RandomProgramsSurviveSerializeParse) {
  const isa::GeometryParams params = isa::kConfigs[GetParam()];
  const Geometry geom(params);
  std::mt19937_64 rng(1234 + GetParam());
  for (int iter = 0; iter < 20; ++iter) {
    SCOPED_TRACE(iter);
    const Program p = RandomProgram(params, rng);
    const std::vector<uint8_t> bytes = SerializeProgram(p);
    EXPECT_EQ(bytes.size() % 64, 0u);
    // Every payload offset is 64-byte aligned and follows the table.
    const uint32_t n = Get32(bytes, kOffCount);
    for (uint32_t i = 0; i < n; ++i) {
      EXPECT_EQ(Get32(bytes, EntryAt(i) + kEntOffset) % 64, 0u);
      EXPECT_GE(Get32(bytes, EntryAt(i) + kEntOffset), kHeaderSize + kEntrySize * n);
    }
    size_t non_empty = 0;
    for (const auto &q : p.queues) non_empty += !q.empty();
    EXPECT_EQ(n, non_empty + p.mem.size());  // empty queues are omitted

    Program back;
    LoadResult r = ParseProgram(bytes.data(), bytes.size(), &back);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_TRUE(r.error.empty());
    EXPECT_EQ(DiffPrograms(back, p), "");
    EXPECT_EQ(back.queues.size(), geom.num_queues());
    EXPECT_EQ(back.geometry.name, params.name);

    Program with_expect;
    r = ParseProgram(bytes.data(), bytes.size(), &with_expect, &geom);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(DiffPrograms(with_expect, p), "");
    EXPECT_EQ(SerializeProgram(back), bytes);
  }
}

TEST_P(TspbRoundTrip, ForeignGeometryIsRefusedWithBothDescriptions) {
  const isa::GeometryParams params = isa::kConfigs[GetParam()];
  const Geometry other(isa::kConfigs[(GetParam() + 1) % isa::kConfigs.size()]);
  std::mt19937_64 rng(99);
  const std::vector<uint8_t> bytes = SerializeProgram(RandomProgram(params, rng));
  Program out;
  const LoadResult r = ParseProgram(bytes.data(), bytes.size(), &out, &other);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(
      r.error.find("program built for " + Geometry(params).Describe() + " but device is " + other.Describe()),
      std::string::npos)
      << r.error;
}

INSTANTIATE_TEST_SUITE_P(AllConfigs, TspbRoundTrip, ::testing::Range<size_t>(0, isa::kConfigs.size()));

TEST(TspbRoundTrip, DescribeStringsInForeignMessageAreLiteral) {
  // Written out by hand so a change in either Describe() or the message shows up here.
  const Geometry dflt = Geometry::Default();
  const std::vector<uint8_t> bytes = SerializeProgram(Make(kSmall));
  const LoadResult r = ParseProgram(bytes.data(), bytes.size(), nullptr, &dflt);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.find("program built for S=2 VL=32 streams=4 mem=2x2x64 alus=1 iq=256 but device is "
                         "S=4 VL=64 streams=8 mem=8x2x512 alus=3 iq=8192"),
            std::string::npos)
      << r.error;
}

TEST(TspbRoundTrip, CustomGeometryIsNamedCustom) {
  std::mt19937_64 rng(7);
  const Program p = RandomProgram(kCustom, rng);
  const std::vector<uint8_t> bytes = SerializeProgram(p);
  Program back;
  const LoadResult r = ParseProgram(bytes.data(), bytes.size(), &back);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(back.geometry.name, "custom");
  EXPECT_EQ(DiffPrograms(back, p), "");
  EXPECT_EQ(back.queues.size(), 7u);  // 2 MEM + 1 VXM + 4 SXM/MXM queues
}

TEST(TspbRoundTrip, EmptyQueueSectionsAreAccepted) {
  // Writers omit empty queues, but a zero-size queue section is legal and yields an empty queue.
  const std::vector<uint8_t> b = BuildRaw(kSmall, {{1, 2, 0, {}}, {1, 3, 0, Words({42})}});
  Program p;
  const LoadResult r = ParseProgram(b.data(), b.size(), &p);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(p.queues.size(), 9u);
  EXPECT_TRUE(p.queues[2].empty());
  EXPECT_EQ(p.queues[3], std::vector<uint64_t>{42});
}

TEST(TspbRoundTrip, ParseWithoutOutputOnlyValidates) {
  const std::vector<uint8_t> b = SerializeProgram(Seeds()[2].program);
  EXPECT_TRUE(ParseProgram(b.data(), b.size(), nullptr).ok);
}

// ---- file helpers ----

std::string TempPath(const std::string &name) { return ::testing::TempDir() + "tsp_program_test_" + name; }

TEST(TspbFile, WriteThenReadBack) {
  const Program p = Seeds()[2].program;
  const std::string path = TempPath("roundtrip.tspb");
  std::string error = "stale";
  ASSERT_TRUE(WriteProgramFile(path, p, &error)) << error;
  EXPECT_EQ(error, "");
  EXPECT_EQ(ReadBytes(path), SerializeProgram(p));
  Program back;
  const Geometry dflt = Geometry::Default();
  const LoadResult r = ReadProgramFile(path, &back, &dflt);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(DiffPrograms(back, p), "");
  std::remove(path.c_str());
}

TEST(TspbFile, ReadErrorsNameThePath) {
  Program out;
  const std::string missing = TempPath("does_not_exist.tspb");
  LoadResult r = ReadProgramFile(missing, &out);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind(missing + ": cannot open", 0), 0u) << r.error;
  EXPECT_NE(r.error.find("No such file"), std::string::npos) << r.error;

  r = ReadProgramFile(::testing::TempDir(), &out);  // a directory
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind(::testing::TempDir(), 0), 0u) << r.error;

  const std::string bad = TempPath("bad.tspb");
  {
    std::ofstream f(bad, std::ios::binary);
    f << "TSPX and then some more bytes";
  }
  r = ReadProgramFile(bad, &out);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind(bad + ": bad magic", 0), 0u) << r.error;

  const std::string empty = TempPath("empty.tspb");
  { std::ofstream f(empty, std::ios::binary); }
  r = ReadProgramFile(empty, &out);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind(empty + ": truncated file", 0), 0u) << r.error;

  const std::string small = TempPath("small.tspb");
  ASSERT_TRUE(WriteProgramFile(small, Make(kSmall), nullptr));
  const Geometry dflt = Geometry::Default();
  r = ReadProgramFile(small, &out, &dflt);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind(small + ": foreign geometry", 0), 0u) << r.error;
  std::remove(bad.c_str());
  std::remove(empty.c_str());
  std::remove(small.c_str());
}

TEST(TspbFile, WriteErrorsNameThePath) {
  std::string error;
  const std::string path = "/nonexistent_dir_for_tsp_test/x.tspb";
  EXPECT_FALSE(WriteProgramFile(path, Make(kSmall), &error));
  EXPECT_EQ(error.rfind(path + ": cannot open for writing", 0), 0u) << error;
  EXPECT_FALSE(WriteProgramFile(path, Make(kSmall), nullptr));  // null error pointer is fine
}

TEST(TspbFile, WriteRefusesInvalidPrograms) {
  Program p = Make(kSmall);
  p.mem.push_back(Image(0, 0, std::vector<uint8_t>(33, 1)));  // not whole words (VL = 32)
  const std::string path = TempPath("invalid.tspb");
  std::remove(path.c_str());
  std::string error;
  EXPECT_FALSE(WriteProgramFile(path, p, &error));
  EXPECT_EQ(error.rfind(path + ": refusing to write an invalid program", 0), 0u) << error;
  EXPECT_NE(error.find("not a multiple of VL = 32"), std::string::npos) << error;
  EXPECT_FALSE(std::ifstream(path).good()) << "no file may be created";
}

}  // namespace
}  // namespace tsp
