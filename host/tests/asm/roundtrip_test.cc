// Assemble(DisassembleProgram(p)) == p for random programs (random legal instructions in random
// queues, REPEATs after non-ICU instructions, raw invalid words, random MEM images), compared
// both as Program values and as serialised .tspb bytes; plus the example programs and,
// when they are built next to this test, the tsp-asm/tsp-dis executables.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "isa/random_instr.h"
#include "tsp/assembler.h"
#include "tsp/geometry.h"
#include "tsp/model.h"
#include "tsp/program.h"

namespace tsp {
namespace {

using testing::RandBelow;

bool UnitFits(isa::Unit u, SliceKind k) {
  return u == isa::Unit::kIcu || (u == isa::Unit::kMem && k == SliceKind::kMem) ||
         (u == isa::Unit::kVxm && k == SliceKind::kVxm) || (u == isa::Unit::kSxm && k == SliceKind::kSxm) ||
         (u == isa::Unit::kMxm && k == SliceKind::kMxm);
}

void ExpectSamePrograms(const Program &a, const Program &b) {
  EXPECT_EQ(isa::Fingerprint(a.geometry), isa::Fingerprint(b.geometry));
  ASSERT_EQ(a.queues.size(), b.queues.size());
  for (size_t q = 0; q < a.queues.size(); ++q) EXPECT_EQ(a.queues[q], b.queues[q]) << "queue " << q;
  ASSERT_EQ(a.mem.size(), b.mem.size());
  for (size_t i = 0; i < a.mem.size(); ++i) {
    EXPECT_EQ(a.mem[i].slice, b.mem[i].slice);
    EXPECT_EQ(a.mem[i].addr, b.mem[i].addr);
    EXPECT_EQ(a.mem[i].data, b.mem[i].data);
  }
  EXPECT_EQ(SerializeProgram(a), SerializeProgram(b));
}

// Random program: legal instructions for each queue's unit (and ICU ones), REPEAT only right
// after a non-ICU instruction; with `raw` also words that are not valid there (undefined
// opcodes, ops of another unit, a REPEAT after a NOP, out-of-range fields).
Program RandomProgram(const Geometry &g, std::mt19937_64 &rng, bool raw) {
  Program p;
  p.geometry = g.params();
  p.queues.resize(g.num_queues());
  for (uint32_t q = 0; q < g.num_queues(); ++q) {
    if (RandBelow(rng, 3) == 0) continue;  // some queues stay empty
    std::vector<const isa::OpInfo *> ops;
    for (const auto &op : isa::kOps) {
      if (op.opcode != isa::Opcode::kRepeat && UnitFits(op.unit, g.queue(q).kind)) ops.push_back(&op);
    }
    const uint32_t n = RandBelow(rng, 40);
    auto &words = p.queues[q];
    for (uint32_t i = 0; i < n; ++i) {
      if (raw && RandBelow(rng, 8) == 0) {
        switch (RandBelow(rng, 3)) {
          case 0:
            words.push_back(rng());  // almost always invalid
            break;
          case 1: {  // a legal instruction of some other unit
            const auto &op = isa::kOps[RandBelow(rng, isa::kOps.size())];
            words.push_back(Encode(testing::RandomInstr(op, g, rng)));
            break;
          }
          default: {  // REPEAT after a NOP
            Instr nop;
            nop.op = isa::Opcode::kNop;
            nop.n = 2;
            words.push_back(Encode(nop));
            words.push_back(Encode(testing::RandomInstr(isa::Info(isa::Opcode::kRepeat), g, rng)));
            break;
          }
        }
        continue;
      }
      const isa::OpInfo &op = *ops[RandBelow(rng, ops.size())];
      words.push_back(Encode(testing::RandomInstr(op, g, rng)));
      if (op.unit != isa::Unit::kIcu && RandBelow(rng, 4) == 0) {
        words.push_back(Encode(testing::RandomInstr(isa::Info(isa::Opcode::kRepeat), g, rng)));
      }
    }
  }
  // MEM images: whole words, inside the slice, not overlapping.
  const uint32_t images = RandBelow(rng, 6);
  for (uint32_t i = 0; i < images; ++i) {
    MemImage img;
    img.slice = RandBelow(rng, g.num_mem_slices());
    const uint32_t words = 1 + RandBelow(rng, 3);
    img.addr = RandBelow(rng, g.mem_words() - words + 1);
    bool overlap = false;
    for (const auto &o : p.mem) {
      const uint32_t ow = static_cast<uint32_t>(o.data.size() / g.vl());
      overlap |= o.slice == img.slice && img.addr < o.addr + ow && o.addr < img.addr + words;
    }
    if (overlap) continue;
    img.data.resize(size_t{words} * g.vl());
    for (auto &b : img.data) b = static_cast<uint8_t>(rng());
    p.mem.push_back(std::move(img));
  }
  return p;
}

TEST(RoundTripTest, RandomLegalProgramsBothGeometries) {
  std::mt19937_64 rng(20240601);
  for (const auto &config : isa::kConfigs) {
    const Geometry g(config);
    for (int i = 0; i < 40; ++i) {
      const Program p = RandomProgram(g, rng, false);
      const std::string text = DisassembleProgram(p);
      EXPECT_EQ(text.find(".inst"), std::string::npos) << "a legal word was written raw:\n" << text;
      const AsmResult r = Assemble(text, "dis.tasm");
      ASSERT_TRUE(r.ok) << r.error << "\n" << text;
      ExpectSamePrograms(p, r.program);
      // And once more from the re-assembled program: the text is a fixed point.
      EXPECT_EQ(DisassembleProgram(r.program), text);
    }
  }
}

TEST(RoundTripTest, InvalidWordsSurviveAsRawInstructions) {
  std::mt19937_64 rng(99);
  int raw_lines = 0;
  for (const auto &config : isa::kConfigs) {
    const Geometry g(config);
    for (int i = 0; i < 40; ++i) {
      const Program p = RandomProgram(g, rng, true);
      const std::string text = DisassembleProgram(p);
      for (size_t pos = text.find(".inst"); pos != std::string::npos; pos = text.find(".inst", pos + 1))
        ++raw_lines;
      const AsmResult r = Assemble(text, "dis.tasm");
      ASSERT_TRUE(r.ok) << r.error << "\n" << text;
      ExpectSamePrograms(p, r.program);
    }
  }
  EXPECT_GT(raw_lines, 50);
}

TEST(RoundTripTest, SourceToProgramToTextToSameBytes) {
  const std::string src =
      ".geometry small\n"
      ".equ X, 3\n"
      ".queue mem.e1\n"
      "@2 read X, W1\n"
      "repeat 4, 2, -1\n"
      "gather E0, W2\n"
      ".queue vxm.0\n"
      "@7 fmax E0, W0, #-0.0\n"
      "vcvt.i8.f32 W3, E0, #0x7fc00000\n"
      "vmul.i32.sat E0, E0, #2147483647\n"
      ".queue sxm.e\n"
      "dist.f32 W0, E0, W3\n"
      "rmax.i32 E0, W0\n"
      ".queue mxm.e\n"
      "abc.uu.acc W0, E1, W0\n"
      ".mem e1, 3\n"
      ".float 3.25, -1e-3\n";
  const AsmResult r1 = Assemble(src, "src.tasm");
  ASSERT_TRUE(r1.ok) << r1.error;
  const std::string text = DisassembleProgram(r1.program);
  const AsmResult r2 = Assemble(text, "dis.tasm");
  ASSERT_TRUE(r2.ok) << r2.error << "\n" << text;
  ExpectSamePrograms(r1.program, r2.program);
  EXPECT_NE(text.find("    fmax E0, W0, #-0.0"), std::string::npos) << text;
  EXPECT_NE(text.find("    vcvt.i8.f32 W3, E0, #0x7fc00000"), std::string::npos) << text;
  EXPECT_NE(text.find("    vmul.i32.sat E0, E0, #2147483647"), std::string::npos) << text;
  EXPECT_NE(text.find("    repeat 4, 2, -1"), std::string::npos) << text;
  EXPECT_NE(text.find("; @7"), std::string::npos) << text;
}

// ---------------------------------------------------------------------------------------------
// Examples.

std::string ReadText(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

const AsmListing *FindListing(const AsmResult &r, uint32_t queue, const std::string &text_prefix) {
  for (const auto &l : r.listing) {
    if (l.queue == queue && l.text.rfind(text_prefix, 0) == 0) return &l;
  }
  return nullptr;
}

TEST(ExamplesTest, DemoAssemblesWithTheDocumentedTiming) {
  const std::string path = std::string(TSP_SOURCE_DIR) + "/examples/demo.tasm";
  const std::string src = ReadText(path);
  ASSERT_FALSE(src.empty()) << path;
  const AsmResult r = Assemble(src, path);
  ASSERT_TRUE(r.ok) << r.error;
  const Geometry g = Geometry::Default();
  const uint32_t w0 = *g.FindQueue("mem.w0"), w1 = *g.FindQueue("mem.w1");
  const uint32_t v0 = *g.FindQueue("vxm.0"), v1 = *g.FindQueue("vxm.1");
  const AsmListing *read_a = FindListing(r, w0, "read 0, E0");
  const AsmListing *read_b = FindListing(r, w1, "read 1, E1");
  const AsmListing *add = FindListing(r, v0, "vadd.i8.sat W1, E0, E1");
  const AsmListing *sub = FindListing(r, v1, "vsub.i8 W2, E0, E1");
  const AsmListing *write_sum = FindListing(r, w0, "write 2, W1");
  const AsmListing *write_diff = FindListing(r, w1, "write 3, W2");
  ASSERT_TRUE(read_a && read_b && add && sub && write_sum && write_diff);
  // Timing rule: a result of latency L written at t+L by position p reaches position q at
  // t+L+|q-p|, and the reader dispatches at that cycle.
  const int64_t vxm = g.vxm_position();
  const int64_t p_w0 = g.MemPosition(Hemi::kWest, 0), p_w1 = g.MemPosition(Hemi::kWest, 1);
  EXPECT_EQ(read_a->cycle + 2 + (vxm - p_w0), add->cycle);
  EXPECT_EQ(read_b->cycle + 2 + (vxm - p_w1), add->cycle);
  EXPECT_EQ(sub->cycle, add->cycle);
  EXPECT_EQ(add->cycle + 2 + (vxm - p_w0), write_sum->cycle);
  EXPECT_EQ(sub->cycle + 2 + (vxm - p_w1), write_diff->cycle);
  // The MEM images: A[l] = 4l - 128 at mem.w0 word 0, B[l] = +-100 at mem.w1 word 1.
  ASSERT_EQ(r.program.mem.size(), 2u);
  ASSERT_EQ(r.program.mem[0].data.size(), g.vl());
  for (uint32_t l = 0; l < g.vl(); ++l) {
    EXPECT_EQ(r.program.mem[0].data[l], static_cast<uint8_t>(4 * l - 128));
    EXPECT_EQ(r.program.mem[1].data[l], static_cast<uint8_t>(l % 2 ? -100 : 100));
  }
  EXPECT_EQ(r.program.mem[1].slice, g.MemSliceId(Hemi::kWest, 1));
  EXPECT_EQ(r.program.mem[1].addr, 1u);
}

TEST(ExamplesTest, Matmul16AssemblesWithTheDocumentedTiming) {
  const std::string path = std::string(TSP_SOURCE_DIR) + "/examples/matmul16.tasm";
  const std::string src = ReadText(path);
  ASSERT_FALSE(src.empty()) << path;
  const AsmResult r = Assemble(src, path);
  ASSERT_TRUE(r.ok) << r.error;
  const Geometry g = Geometry::Default();
  const uint32_t w7 = *g.FindQueue("mem.w7"), mxm = *g.FindQueue("mxm.w");
  const AsmListing *rows = FindListing(r, w7, "read 0, W0");
  const AsmListing *x = FindListing(r, w7, "read 16, W1");
  const AsmListing *lw = FindListing(r, mxm, "lw W0, #0");
  const AsmListing *iw = FindListing(r, mxm, "iw");
  const AsmListing *abc = FindListing(r, mxm, "abc.ss E0, W1");
  ASSERT_TRUE(rows && x && lw && iw && abc);
  const int64_t hops = g.MemPosition(Hemi::kWest, 7) - 0;  // mem.w7 -> mxm.w at position 0
  EXPECT_EQ(rows->cycle + 2 + hops, lw->cycle);            // row i read at i is loaded at i + 4
  EXPECT_EQ(x->cycle + 2 + hops, abc->cycle);
  EXPECT_EQ(iw->cycle, lw->cycle + 16);  // after LW and its 15 re-issues
  for (uint32_t b = 0; b < 4; ++b) {     // byte plane b stored by mem.w(7-b)
    const uint32_t q = *g.FindQueue("mem.w" + std::to_string(7 - b));
    const AsmListing *st = FindListing(r, q, "write 32, E" + std::to_string(b));
    ASSERT_TRUE(st) << b;
    EXPECT_EQ(st->cycle, abc->cycle + 3 + g.MemPosition(Hemi::kWest, 7 - b));
  }
  ASSERT_EQ(r.program.mem.size(), 17u);
}

// examples/isa2.tasm (ISA v2: chained VXM steps with an integer operand a, 4-row LWs) gives the
// results its comments derive, on the reference model, with no schedule error.
TEST(ExamplesTest, Isa2ComputesTheDocumentedResults) {
  const std::string path = std::string(TSP_SOURCE_DIR) + "/examples/isa2.tasm";
  const std::string src = ReadText(path);
  ASSERT_FALSE(src.empty()) << path;
  const AsmResult r = Assemble(src, path);
  ASSERT_TRUE(r.ok) << r.error;
  const Geometry g = Geometry::Default();
  ASSERT_TRUE(FindListing(r, *g.FindQueue("vxm.1"), "fadd W4, @W0, #1.0"));
  ASSERT_TRUE(FindListing(r, *g.FindQueue("mxm.w"), "lw.i32 W0, #0"));
  Model m(g);
  std::string err;
  ASSERT_TRUE(m.LoadProgram(r.program, &err)) << err;
  m.Start();
  const RunResult run = m.Run(1000);
  ASSERT_EQ(run.status, RunStatus::kDone) << run.message;
  for (const auto &e : m.errors()) ADD_FAILURE() << e.message;
  // A: z = round_to_nearest_even(x / 2 + 1) for x = -8 .. 7.
  const auto z = m.ReadMem(g.MemSliceId(Hemi::kWest, 0), 1);
  for (uint32_t l = 0; l < g.vl(); ++l) {
    const double v = (static_cast<int>(l % 16) - 8) / 2.0 + 1.0;
    EXPECT_EQ(static_cast<int8_t>(z[l]), static_cast<int8_t>(std::nearbyint(v))) << "lane " << l;
  }
  // B: y[r] = (r + 1)^2 in lanes 16k + r, as four byte planes.
  for (uint32_t b = 0; b < 4; ++b) {
    const auto plane = m.ReadMem(g.MemSliceId(Hemi::kWest, 7 - b), 32);
    for (uint32_t l = 0; l < g.vl(); ++l) {
      const uint32_t y = (l % 16 + 1) * (l % 16 + 1);
      EXPECT_EQ(plane[l], static_cast<uint8_t>(y >> (8 * b))) << "byte " << b << " lane " << l;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The executables (skipped unless they were built into the same directory as this test).

std::filesystem::path ToolPath(const char *name) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : self.parent_path() / name;
}

int RunCommand(const std::string &cmd) {
  const int rc = std::system(cmd.c_str());
  return rc == -1 ? -1 : WEXITSTATUS(rc);
}

TEST(ToolsTest, AsmThenDisThenAsmGivesTheSameFile) {
  const auto tasm = ToolPath("tsp-asm"), tdis = ToolPath("tsp-dis");
  if (tasm.empty() || !std::filesystem::exists(tasm) || !std::filesystem::exists(tdis)) {
    GTEST_SKIP() << "tsp-asm/tsp-dis not built next to the test";
  }
  const auto dir = std::filesystem::temp_directory_path() / ("tsp_asm_tools_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string demo = std::string(TSP_SOURCE_DIR) + "/examples/demo.tasm";
  const std::string a = (dir / "a.tspb").string(), t = (dir / "c.tasm").string(),
                    c = (dir / "c.tspb").string();
  const std::string log = (dir / "log.txt").string();
  ASSERT_EQ(RunCommand(tasm.string() + " " + demo + " -o " + a + " --print > " + log + " 2>&1"), 0)
      << ReadText(log);
  EXPECT_NE(ReadText(log).find("vadd.i8.sat W1, E0, E1"), std::string::npos) << ReadText(log);
  ASSERT_EQ(RunCommand(tdis.string() + " " + a + " -o " + t + " > " + log + " 2>&1"), 0) << ReadText(log);
  ASSERT_EQ(RunCommand(tasm.string() + " " + t + " > " + log + " 2>&1"), 0)
      << ReadText(log);  // writes c.tspb
  EXPECT_EQ(ReadText(a), ReadText(c));
  EXPECT_FALSE(ReadText(a).empty());

  // Errors: non-zero exit status with file:line:column, and a clear message for a missing file.
  const std::string bad = (dir / "bad.tasm").string();
  std::ofstream(bad) << ".queue mem.w0\nread 0, X9\n";
  EXPECT_NE(RunCommand(tasm.string() + " " + bad + " > " + log + " 2>&1"), 0);
  EXPECT_NE(ReadText(log).find(bad + ":2:9: expected a stream name like E3 or W0, found 'X9'"),
            std::string::npos)
      << ReadText(log);
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.tspb"));
  EXPECT_NE(RunCommand(tasm.string() + " " + (dir / "missing.tasm").string() + " > " + log + " 2>&1"), 0);
  EXPECT_NE(ReadText(log).find("cannot open"), std::string::npos) << ReadText(log);
  EXPECT_NE(RunCommand(tdis.string() + " " + bad + " > " + log + " 2>&1"), 0);  // not a .tspb file
  EXPECT_NE(ReadText(log).find("tsp-dis: error:"), std::string::npos) << ReadText(log);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tsp
