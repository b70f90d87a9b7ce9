// Directed system tests of tsp_top through the host bus: CSRs, IQ and MEM access, the example
// programs (examples/*.tasm) with results computed here from their input data, schedule errors
// flagged exactly as the model flags them, CTRL.CLEAR.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ref/builder.h"
#include "rtl_env.h"
#include "tsp/assembler.h"

namespace tsp::tb {
namespace {

using isa::Opcode;
using test::Builder;
using test::E;
using test::W;

std::vector<uint8_t> Pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto &b : v) {
    x = x * 1103515245u + 12345u;
    b = static_cast<uint8_t>(x >> 16);
  }
  return v;
}

LockstepResult Lockstep(RtlDevice &dev, const Program &p, const std::string &name) {
  LockstepOptions opt;
  opt.name = name;
  opt.fail_dir = std::filesystem::absolute("lockstep-failures").string();
  return RunLockstep(dev, p, opt);
}

// ---------------------------------------------------------------------------------------------
// Host bus
// ---------------------------------------------------------------------------------------------
TEST(HostBus, IdentityRegisters) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  EXPECT_EQ(dev->Read32(isa::kCsrId), 0x54535031u);  // 'TSP1'
  EXPECT_EQ(dev->Read32(isa::kCsrVersion), isa::kIsaVersion);
  EXPECT_EQ(dev->Read32(isa::kCsrGeom), static_cast<uint32_t>(g.fingerprint()));
  EXPECT_EQ(dev->Read32(isa::kCsrGeomHi), static_cast<uint32_t>(g.fingerprint() >> 32));
  EXPECT_EQ(dev->Read32(isa::kCsrNumQueues), 2 * g.mem_slices_per_hemi() + g.vxm_alus() + 4);
  EXPECT_EQ(dev->Status() & 1u, 0u) << "busy without START";
}

TEST(HostBus, QlenAndInstructionWordsReadBack) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  const uint32_t last = g.num_queues() - 1;
  dev->Write32(isa::kCsrQlen + 4 * last, 3);
  dev->Write32(isa::kCsrQlen, 7);
  EXPECT_EQ(dev->Read32(isa::kCsrQlen + 4 * last), 3u);
  EXPECT_EQ(dev->Read32(isa::kCsrQlen), 7u);
  const uint32_t a = isa::kRegionIqBase + last * isa::kIqStride + (g.iq_depth() - 1) * 8u;
  dev->Write32(a, 0x89ABCDEFu);
  dev->Write32(a + 4, 0x01234567u);
  EXPECT_EQ(dev->Read32(a), 0x89ABCDEFu);
  EXPECT_EQ(dev->Read32(a + 4), 0x01234567u);
}

TEST(HostBus, MemWordsReadBackAtTheirFlatAddress) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  const uint32_t slices[] = {0, g.num_mem_slices() - 1};
  const uint32_t addrs[] = {0, g.words_per_bank() - 1, g.words_per_bank(), g.mem_words() - 1};
  uint32_t n = 0;
  for (uint32_t s : slices) {
    for (uint32_t a : addrs) {
      const auto data = Pattern(g.vl(), ++n);
      for (uint32_t l = 0; l < g.vl(); l += 4) {
        const uint32_t v = uint32_t{data[l]} | uint32_t{data[l + 1]} << 8 | uint32_t{data[l + 2]} << 16 |
                           uint32_t{data[l + 3]} << 24;
        // flat byte address ((slice * 2W + addr) * VL + lane), docs/isa-tables.md
        dev->Write32(isa::kRegionMemBase + (s * g.mem_words() + a) * g.vl() + l, v);
      }
      for (uint32_t l = 0; l < g.vl(); l += 4) {  // bus reads at the same flat addresses
        const uint32_t v = dev->Read32(isa::kRegionMemBase + (s * g.mem_words() + a) * g.vl() + l);
        for (uint32_t b = 0; b < 4; ++b) EXPECT_EQ(static_cast<uint8_t>(v >> (8 * b)), data[l + b]);
      }
      EXPECT_EQ(dev->ReadMemWord(s, a), data) << "slice " << s << " word " << a;  // bulk (backdoor) read
    }
  }
}

// A word loaded through the host bus is what READ puts on a stream: copy it with the core and
// read the copy back through the host bus.
TEST(HostBus, CoreSeesHostMemLayout) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  const uint32_t w0 = g.MemSliceId(Hemi::kWest, 0), e0 = g.MemSliceId(Hemi::kEast, 0);
  const uint32_t src = g.words_per_bank() + 3;  // bank 1
  const auto data = Pattern(g.vl(), 99);
  Builder b(g);
  b.Mem(w0, src, data);
  // mem.w0 (VXM-1) reads onto E1 at 0: written at 2, mem.e0 (VXM+1) reads it 2 hops later at 4.
  b.At("mem.w0", 0, test::Read(src, E(1)));
  b.At("mem.e0", 4, test::Write(5, E(1)));
  const auto r = Lockstep(*dev, b.program(), "host_layout");
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(dev->ReadMemWord(e0, 5), data);
}

// ---------------------------------------------------------------------------------------------
// Example programs
// ---------------------------------------------------------------------------------------------
std::string ReadText(const std::filesystem::path &p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Assembles examples/<name>; skips the test when it is written for another geometry.
bool AssembleExample(const std::string &name, const Geometry &g, Program *out) {
  const auto path = std::filesystem::path(TSP_SOURCE_DIR) / "examples" / name;
  const auto r = Assemble(ReadText(path), path.string());
  EXPECT_TRUE(r.ok) << r.error;
  if (!r.ok) return false;
  *out = r.program;
  return isa::Fingerprint(r.program.geometry) == g.fingerprint();
}

std::vector<uint8_t> ImageWord(const Program &p, uint32_t slice, uint32_t addr, uint32_t vl) {
  for (const auto &img : p.mem) {
    if (img.slice == slice && addr >= img.addr && (addr - img.addr) * vl < img.data.size()) {
      const size_t off = size_t{addr - img.addr} * vl;
      return std::vector<uint8_t>(img.data.begin() + static_cast<long>(off),
                                  img.data.begin() + static_cast<long>(off + vl));
    }
  }
  ADD_FAILURE() << "no MEM image covers slice " << slice << " word " << addr;
  return std::vector<uint8_t>(vl, 0);
}

// Every examples/*.tasm for this geometry: identical to the model in every cycle.
TEST(Examples, AllMatchModel) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  int ran = 0;
  for (const auto &e :
       std::filesystem::directory_iterator(std::filesystem::path(TSP_SOURCE_DIR) / "examples")) {
    if (e.path().extension() != ".tasm") continue;
    Program p;
    if (!AssembleExample(e.path().filename().string(), g, &p)) continue;
    const auto r = Lockstep(*dev, p, "example_" + e.path().stem().string());
    EXPECT_TRUE(r.ok) << e.path() << ": " << r.message;
    EXPECT_EQ(r.rtl_cycles, r.model_cycles) << e.path();
    EXPECT_EQ(r.rtl_error, 0u) << e.path();
    std::printf("[example] %s: %llu cycles on the RTL\n", e.path().filename().c_str(),
                static_cast<unsigned long long>(r.rtl_cycles));
    ++ran;
  }
  if (ran == 0) GTEST_SKIP() << "no example program for geometry " << g.params().name;
}

// demo.tasm: sat(A + B) -> mem.w0 word 2 and A - B (wrapping) -> mem.w1 word 3, computed here.
TEST(Examples, DemoResults) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  Program p;
  if (!AssembleExample("demo.tasm", g, &p)) GTEST_SKIP() << "demo.tasm is for another geometry";
  const uint32_t w0 = g.MemSliceId(Hemi::kWest, 0), w1 = g.MemSliceId(Hemi::kWest, 1);
  const auto a = ImageWord(p, w0, 0, g.vl());
  const auto bv = ImageWord(p, w1, 1, g.vl());
  const auto r = Lockstep(*dev, p, "example_demo");
  ASSERT_TRUE(r.ok) << r.message;
  const auto sum = dev->ReadMemWord(w0, 2);
  const auto diff = dev->ReadMemWord(w1, 3);
  for (uint32_t l = 0; l < g.vl(); ++l) {
    const int s = static_cast<int8_t>(a[l]) + static_cast<int8_t>(bv[l]);
    EXPECT_EQ(static_cast<int8_t>(sum[l]), std::clamp(s, -128, 127)) << "lane " << l;
    EXPECT_EQ(diff[l], static_cast<uint8_t>(a[l] - bv[l])) << "lane " << l;
  }
}

// matmul16.tasm: y = W x (int8 x int8 -> int32), byte planes at word 32 of mem.w7..w4.
TEST(Examples, Matmul16Results) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  Program p;
  if (!AssembleExample("matmul16.tasm", g, &p)) GTEST_SKIP() << "matmul16.tasm is for another geometry";
  const uint32_t w7 = g.MemSliceId(Hemi::kWest, 7);
  const auto x = ImageWord(p, w7, 16, g.vl());
  int32_t y[16];
  for (uint32_t r = 0; r < 16; ++r) {
    const auto row = ImageWord(p, w7, r, g.vl());
    y[r] = 0;
    for (uint32_t j = 0; j < g.vl(); ++j) y[r] += static_cast<int8_t>(row[j]) * static_cast<int8_t>(x[j]);
  }
  const auto res = Lockstep(*dev, p, "example_matmul16");
  ASSERT_TRUE(res.ok) << res.message;
  for (uint32_t byte = 0; byte < 4; ++byte) {
    const auto plane = dev->ReadMemWord(g.MemSliceId(Hemi::kWest, 7 - byte), 32);
    for (uint32_t k = 0; k < g.superlanes(); ++k) {
      for (uint32_t r = 0; r < 16; ++r) {
        EXPECT_EQ(plane[16 * k + r], static_cast<uint8_t>(static_cast<uint32_t>(y[r]) >> (8 * byte)))
            << "row " << r << " superlane " << k << " byte " << byte;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Schedule errors: the RTL raises the same error pulses in the same cycles as the model, and
// ERROR ends up with the expected cause.
// ---------------------------------------------------------------------------------------------
void ExpectError(RtlDevice &dev, const Program &p, uint32_t bit, const std::string &name) {
  const auto r = Lockstep(dev, p, name);
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_TRUE(r.rtl_error & bit) << "ERROR = 0x" << std::hex << r.rtl_error;
  EXPECT_EQ(r.rtl_error, r.model_error);
}

TEST(ScheduleErrors, EmptyRead) {
  TestDevice dev;
  Builder b(dev->geometry());
  b.At("mem.w0", 2, test::Write(0, E(0)));  // nothing was ever written onto E0
  ExpectError(*dev, b.program(), isa::kErrEmptyRead, "err_empty_read");
}

TEST(ScheduleErrors, StreamCollision) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  if (g.vxm_alus() < 2) GTEST_SKIP() << "needs two VXM ALUs";
  Builder b(g);
  b.Mem(g.MemSliceId(Hemi::kWest, 0), 0, Pattern(g.vl(), 5));
  b.At("mem.w0", 0, test::Read(0, E(1)));  // reaches the VXM at cycle 3
  b.At("vxm.0", 3, test::Vop(Opcode::kVmov, 0, W(0), E(1)));
  b.At("vxm.1", 3, test::Vop(Opcode::kVmov, 0, W(0), E(1)));  // same register, same cycle
  ExpectError(*dev, b.program(), isa::kErrStreamCollision, "err_collision");
}

TEST(ScheduleErrors, BankConflict) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  Builder b(g);
  b.Mem(g.MemSliceId(Hemi::kWest, 1), 5, Pattern(g.vl(), 6));
  b.Mem(g.MemSliceId(Hemi::kWest, 0), 0, Pattern(g.vl(), 7));
  b.At("mem.w1", 0, test::Read(5, E(2)));   // E2 reaches mem.w0 at cycle 3
  b.At("mem.w0", 3, test::Write(1, E(2)));  // bank 0 written at 4+k
  b.At("mem.w0", 4, test::Read(0, E(3)));   // bank 0 read at 4+k
  ExpectError(*dev, b.program(), isa::kErrBankConflict, "err_bank");
}

// What a unit does with an instruction dispatched while it is busy is not part of the contract
// (the model executes it, the RTL may drop it): only the error is compared, RTL-only.
TEST(ScheduleErrors, UnitBusy) {
  TestDevice dev;
  Builder b(dev->geometry());
  Instr tr = test::Vop(Opcode::kTrans, 0, E(0), W(0));
  b.At("sxm.w", 0, tr);
  b.At("sxm.w", 5, tr);  // TRANS occupies the SXM for 16 cycles
  LockstepOptions opt;
  opt.compare = false;
  opt.write_failure = false;
  const auto r = RunLockstep(*dev, b.program(), opt);
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_TRUE(r.rtl_done);
  EXPECT_TRUE(r.rtl_error & isa::kErrUnitBusy) << "ERROR = 0x" << std::hex << r.rtl_error;
}

TEST(ScheduleErrors, BadFieldFromRepeatStride) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  const uint32_t w0 = g.MemSliceId(Hemi::kWest, 0);
  const uint32_t top = g.mem_words() - 2;
  Builder b(g);
  b.Mem(w0, 0, Pattern(2 * g.vl(), 8));  // the wrapped addresses read by the model
  b.Mem(w0, top, Pattern(2 * g.vl(), 9));
  b.At("mem.w0", 0, test::Read(top, E(0)));
  b.Add("mem.w0", test::Repeat(3, 1, 1));  // addresses top .. top+3: the last two are out of range
  ExpectError(*dev, b.program(), isa::kErrBadField, "err_bad_field");
}

// An undefined opcode and an opcode of another unit cannot be loaded into the model; on the RTL
// they must raise IllegalOpcode and still finish.
TEST(ScheduleErrors, IllegalOpcodeOnRtl) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  Program p;
  p.geometry = g.params();
  p.queues.resize(g.num_queues());
  p.queues[*g.FindQueue("mem.w0")] = {0x7Full};                              // undefined
  p.queues[*g.FindQueue("sxm.e")] = {static_cast<uint64_t>(Opcode::kRead)};  // MEM op in SXM queue
  LockstepOptions opt;
  opt.compare = false;
  opt.write_failure = false;
  const auto r = RunLockstep(*dev, p, opt);
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_TRUE(r.rtl_done);
  EXPECT_EQ(r.rtl_error, isa::kErrIllegalOpcode);
}

// The schedule-error SVAs of tsp_core fire when assertions are on (RunLockstep switches them off
// only for programs the model says are broken): an empty read and a bank conflict, run directly.
TEST(Assertions, ScheduleErrorSvasFire) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  Builder b(g);
  b.At("mem.w0", 2, test::Write(0, E(0)));  // EmptyRead: nothing was ever written onto E0
  std::string err;
  dev->set_assertions(true);
  dev->clear_assertion_failure();
  ASSERT_TRUE(dev->LoadProgram(b.program(), &err)) << err;
  ASSERT_TRUE(dev->Start(&err)) << err;
  for (int i = 0; i < 50 && dev->running(); ++i) dev->Tick();
  EXPECT_TRUE(dev->assertion_failed()) << "NoEmptyRead_A did not fire";
  EXPECT_EQ(dev->Read32(isa::kCsrError), uint32_t{isa::kErrEmptyRead});
  // The same program through RunLockstep: the model predicts the error, assertions stay quiet.
  dev->clear_assertion_failure();
  const auto r = Lockstep(*dev, b.program(), "sva_quiet");
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_FALSE(dev->assertion_failed());
  EXPECT_EQ(r.rtl_error, uint32_t{isa::kErrEmptyRead});
}

// CTRL.CLEAR stops a long run; the next program runs normally.
TEST(RunControl, ClearStopsARun) {
  TestDevice dev;
  const Geometry &g = dev->geometry();
  Builder b(g);
  b.Add("mxm.e", test::Nop(1000000));
  b.Add("mxm.e", test::Op(Opcode::kIw));
  std::string err;
  ASSERT_TRUE(dev->LoadProgram(b.program(), &err)) << err;
  ASSERT_TRUE(dev->Start(&err)) << err;
  dev->Tick(50);
  EXPECT_EQ(dev->Status() & 3u, 1u) << "BUSY while running";
  dev->Write32(isa::kCsrCtrl, 2);
  dev->Tick(2);
  EXPECT_EQ(dev->Status() & 3u, 0u) << "neither BUSY nor DONE after CLEAR";
  Builder b2(g);
  b2.Mem(g.MemSliceId(Hemi::kWest, 0), 1, Pattern(g.vl(), 10));
  b2.At("mem.w0", 0, test::Read(1, W(1)));
  const auto r = Lockstep(*dev, b2.program(), "after_clear");
  ASSERT_TRUE(r.ok) << r.message;
}

}  // namespace
}  // namespace tsp::tb
