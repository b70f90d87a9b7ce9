// Core test: tsp_top (CSR block, host bus, ICUs, fabric, every slice) against tsp::Model.
//
// Each test loads a program through the host bus exactly as a host would (IQ words, QLEN, MEM
// bytes), writes CTRL.START, polls STATUS until DONE and then compares CYCLE, ERROR and the whole
// MEM with the model running the same Program. While it runs, the observation signals that
// tsp_core documents for the lockstep testbench (stream_q, mem_mon_*, err_now, cycle_q, run_q)
// are compared with the model every cycle too, which also checks that documentation.
//
// Built for the geometry selected by TSP_CONFIG_SMALL (the CMake target passes the RTL define and
// the C++ define together).
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "Vtsp_top_small.h"  // the Verilated small-geometry core of tsp_rtl_small
#include "Vtsp_top_small___024root.h"
#include "bits.h"
#include "harness.h"
#include "rtl_geometry.h"
#include "lockstep.h"
#include "ref/builder.h"
#include "tsp/assembler.h"
#include "tsp/isa_gen.h"
#include "tsp/model.h"

namespace tsp::tb {
namespace {

using isa::Opcode;
using test::E;
using test::Nop;
using test::Op;
using test::Read;
using test::Repeat;
using test::Vop;
using test::W;
using test::Write;

const Geometry kGeom = RtlGeometry();
constexpr uint32_t kI8 = 0;

uint32_t Log2(uint32_t x) {
  uint32_t r = 0;
  while ((1u << r) < x) ++r;
  return r;
}

class Top {
 public:
  // rand_seed: Verilator's random initial state before reset (Harness).
  explicit Top(int rand_seed = 1) : h_(rand_seed) {
    h_->host_req_valid_i = 0;
    h_->host_req_we_i = 0;
    h_->host_req_addr_i = 0;
    h_->host_req_wdata_i = 0;
    h_.Reset();
  }
  Harness<Vtsp_top_small> &h() { return h_; }
  Vtsp_top_small___024root &root() { return *h_.dut().rootp; }

  // One bus access: request in this cycle, response in the next. Returns the read data.
  uint32_t Access(bool we, uint32_t addr, uint32_t wdata = 0) {
    EXPECT_TRUE(h_->host_req_ready_o);
    h_->host_req_valid_i = 1;
    h_->host_req_we_i = we;
    h_->host_req_addr_i = addr;
    h_->host_req_wdata_i = wdata;
    Tick();
    h_->host_req_valid_i = 0;
    EXPECT_TRUE(h_->host_rsp_valid_o) << "no response to the access of 0x" << std::hex << addr;
    return h_->host_rsp_rdata_o;
  }
  uint32_t Rd(uint32_t addr) { return Access(false, addr); }
  void Wr(uint32_t addr, uint32_t v) { Access(true, addr, v); }

  uint32_t Csr(uint32_t off) { return Rd(isa::kRegionCsrBase + off); }

  void Load(const Program &p) {
    for (uint32_t q = 0; q < p.queues.size(); ++q) {
      const auto &words = p.queues[q];
      for (uint32_t i = 0; i < words.size(); ++i) {
        const uint32_t a = isa::kRegionIqBase + q * isa::kIqStride + i * 8u;
        Wr(a, static_cast<uint32_t>(words[i]));
        Wr(a + 4, static_cast<uint32_t>(words[i] >> 32));
      }
      Wr(isa::kRegionCsrBase + isa::kCsrQlen + 4 * q, static_cast<uint32_t>(words.size()));
    }
    for (const auto &img : p.mem) {
      const uint64_t base = kGeom.MemByteAddress(img.slice, img.addr, 0);
      for (size_t b = 0; b < img.data.size(); b += 4) {
        uint32_t v = 0;
        for (uint32_t i = 0; i < 4; ++i) v |= uint32_t{img.data[b + i]} << (8 * i);
        Wr(isa::kRegionMemBase + static_cast<uint32_t>(base + b), v);
      }
    }
  }

  void ZeroMem() {
    for (uint64_t b = 0; b < kGeom.mem_bytes(); b += 4) Wr(isa::kRegionMemBase + static_cast<uint32_t>(b), 0);
  }

  std::vector<uint8_t> ReadAllMem() {
    std::vector<uint8_t> out(kGeom.mem_bytes());
    for (size_t b = 0; b < out.size(); b += 4) {
      const uint32_t v = Rd(isa::kRegionMemBase + static_cast<uint32_t>(b));
      for (uint32_t i = 0; i < 4; ++i) out[b + i] = static_cast<uint8_t>(v >> (8 * i));
    }
    return out;
  }

  // Every Tick: if a run cycle was just presented, the per-cycle hook runs first.
  void Tick() {
    if (hook_) hook_();
    h_.Tick();
  }
  void SetHook(std::function<void()> f) { hook_ = std::move(f); }

 private:
  Harness<Vtsp_top_small> h_;
  std::function<void()> hook_;
};

struct RunOut {
  uint64_t model_cycles = 0;
  uint32_t model_errors = 0;
  uint64_t rtl_cycles = 0;
  uint32_t rtl_errors = 0;
  uint64_t compared_cycles = 0;
};

// Loads p into the model and the RTL, runs both and compares (see the file comment).
RunOut RunBoth(const Program &p, Top &top, bool compare_streams = true, uint64_t max_cycles = 20000) {
  RunOut out;
  Model m(kGeom);
  std::string err;
  EXPECT_TRUE(m.LoadProgram(p, &err)) << err;
  // The schedule-error SVAs of tsp_core stay on unless the model expects schedule errors.
  top.h().SetAssertions(!ModelExpectsErrors(kGeom, p, max_cycles));
  m.Start();

  top.ZeroMem();  // the model's MEM starts as zeros; block RAM starts with anything
  top.Load(p);
  const uint32_t P = kGeom.num_positions(), S = kGeom.superlanes(), NS = kGeom.streams();
  const uint32_t abits = Log2(kGeom.mem_words());
  size_t seen_errors = 0;
  bool failed = false;
  top.SetHook([&]() {
    auto &r = top.root();
    if (!r.tsp_top__DOT__u_core__DOT__run_q || failed) return;
    // status_o bit 0 (running) during every run cycle, bit 1 (done) not before the end.
    EXPECT_EQ(top.h()->status_o & 3u, 1u) << "status_o in run cycle " << r.tsp_top__DOT__u_core__DOT__cycle_q;
    const uint64_t t = r.tsp_top__DOT__u_core__DOT__cycle_q;
    if (t != m.cycle()) {
      ADD_FAILURE() << "run cycle " << t << " but the model is at " << m.cycle();
      failed = true;
      return;
    }
    // Streams: V(t).
    if (compare_streams) {
      const uint32_t *sq = r.tsp_top__DOT__u_core__DOT__stream_q.data();
      for (uint32_t d = 0; d < 2 && !failed; ++d) {
        for (uint32_t pos = 0; pos < P; ++pos) {
          for (uint32_t s = 0; s < NS; ++s) {
            for (uint32_t k = 0; k < S; ++k) {
              const size_t lsb = (((size_t{d} * P + pos) * NS + s) * S + k) * kSlotBits;
              const StreamSlot &ms = m.Stream(static_cast<Dir>(d), s, pos, k);
              bool same = GetBits(sq, lsb + 128, 1) == ms.valid;
              for (uint32_t l = 0; l < 16; ++l) same &= GetBits(sq, lsb + 8 * l, 8) == ms.bytes[l];
              if (!same) {
                ADD_FAILURE() << "cycle " << t << ": stream " << (d ? 'W' : 'E') << s << " position " << pos
                              << " superlane " << k << " differs (model valid " << ms.valid << ")";
                failed = true;
              }
            }
          }
        }
      }
    }
    if (m.done()) return;
    m.Step();
    ++out.compared_cycles;
    // MEM writes of this cycle.
    const uint32_t nm = kGeom.num_mem_slices();
    std::vector<uint8_t> rtl_we(nm * S, 0);
    uint32_t nwe = 0;
    for (uint32_t i = 0; i < nm * S; ++i) {
      rtl_we[i] = GetBits(reinterpret_cast<const uint32_t *>(&r.tsp_top__DOT__u_core__DOT__mem_mon_we), i, 1);
      nwe += rtl_we[i];
    }
    EXPECT_EQ(nwe, m.mem_writes().size()) << "cycle " << t;
    for (const MemWrite &w : m.mem_writes()) {
      const uint32_t i = w.slice * S + w.superlane;
      EXPECT_TRUE(rtl_we[i]) << "cycle " << t << " slice " << w.slice << " superlane " << w.superlane;
      const uint32_t *pa = reinterpret_cast<const uint32_t *>(&r.tsp_top__DOT__u_core__DOT__mem_mon_addr);
      EXPECT_EQ(GetBits(pa, size_t{i} * abits, abits), w.addr) << "cycle " << t;
      const uint32_t *pd = r.tsp_top__DOT__u_core__DOT__mem_mon_data.data();
      for (uint32_t l = 0; l < 16; ++l)
        EXPECT_EQ(GetBits(pd, size_t{i} * 128 + 8 * l, 8), w.data[l]) << "cycle " << t;
    }
    uint32_t model_err = 0;
    for (; seen_errors < m.errors().size(); ++seen_errors) model_err |= m.errors()[seen_errors].bit;
    EXPECT_EQ(uint32_t{r.tsp_top__DOT__u_core__DOT__err_now}, model_err) << "cycle " << t;
    if (::testing::Test::HasFailure()) failed = true;
  });

  top.Wr(isa::kRegionCsrBase + isa::kCsrCtrl, 1);  // START
  uint64_t polls = 0;
  uint32_t status = 0;
  do {
    status = top.Csr(isa::kCsrStatus);
    ++polls;
  } while ((status & 1u) && polls < max_cycles && !failed);
  top.SetHook(nullptr);
  EXPECT_EQ(status & 3u, 2u) << "not DONE after " << polls << " polls (STATUS " << status << ")";

  const RunResult rr = m.Run(max_cycles);
  EXPECT_EQ(rr.status, RunStatus::kDone) << rr.message;
  out.model_cycles = rr.cycles;
  out.model_errors = m.error_bits();
  out.rtl_cycles = top.Csr(isa::kCsrCycleLo) | (uint64_t{top.Csr(isa::kCsrCycleHi)} << 32);
  out.rtl_errors = top.Csr(isa::kCsrError);
  EXPECT_EQ(out.rtl_cycles, out.model_cycles);
  EXPECT_EQ(out.rtl_errors, out.model_errors);
  EXPECT_EQ(bool(status & 4u), out.model_errors != 0);
  // status_o after the run: done, not running, error exactly when the model reported errors.
  EXPECT_EQ(uint32_t{top.h()->status_o}, out.model_errors != 0 ? 6u : 2u);

  const auto mem = top.ReadAllMem();
  size_t bad = 0;
  for (size_t a = 0; a < mem.size(); ++a) {
    if (mem[a] != m.ReadMemByte(a) && bad++ < 10) {
      ADD_FAILURE() << "MEM byte 0x" << std::hex << a << ": RTL 0x" << int{mem[a]} << ", model 0x"
                    << int{m.ReadMemByte(a)};
    }
  }
  EXPECT_EQ(bad, 0u);
  return out;
}

std::vector<uint8_t> RandomBytes(size_t n, std::mt19937 &rng) {
  std::vector<uint8_t> v(n);
  for (auto &b : v) b = static_cast<uint8_t>(rng());
  return v;
}

uint32_t Slice(const char *q) { return *kGeom.FindQueue(q); }  // MEM queue id = slice id
uint32_t Pos(const char *q) { return kGeom.queue(*kGeom.FindQueue(q)).position; }

// ---------------------------------------------------------------------------------------------

TEST(Core, CsrConstantsAndQlen) {
  Top top;
  EXPECT_EQ(top.Csr(isa::kCsrId), isa::kTspId);
  EXPECT_EQ(top.Csr(isa::kCsrVersion), isa::kIsaVersion);
  EXPECT_EQ(top.Csr(isa::kCsrGeom), static_cast<uint32_t>(kGeom.fingerprint()));
  EXPECT_EQ(top.Csr(isa::kCsrGeomHi), static_cast<uint32_t>(kGeom.fingerprint() >> 32));
  EXPECT_EQ(top.Csr(isa::kCsrNumQueues), kGeom.num_queues());
  EXPECT_EQ(top.Csr(isa::kCsrStatus), 0u);
  for (uint32_t q = 0; q < kGeom.num_queues(); ++q) top.Wr(isa::kCsrQlen + 4 * q, 3 * q + 1);
  top.Wr(isa::kCsrQlen + 4, 0xFFFFFFFFu);  // saturates at the queue depth
  for (uint32_t q = 0; q < kGeom.num_queues(); ++q) {
    EXPECT_EQ(top.Csr(isa::kCsrQlen + 4 * q), q == 1 ? kGeom.iq_depth() : 3 * q + 1) << q;
  }
  EXPECT_EQ(top.Csr(isa::kCsrQlen + 4 * kGeom.num_queues()), 0u);  // beyond the last queue
  EXPECT_EQ(top.Csr(0xFFC), 0u);                                   // unmapped
  EXPECT_EQ(top.Csr(isa::kCsrCtrl), 0u);                           // write-only
}

// Reset alone defines every CSR the host reads before its first START, whatever the registers held
// at power-up: 12 random initial states (Verilator randReset(2), one seed each), then STATUS,
// ERROR, the cycle counter, every QLEN and the status outputs are the documented reset values
// (docs/host-link.md: idle, no error, zero cycles, empty queues).
TEST(Core, ResetValuesFromAnyInitialState) {
  for (int seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE("random initial state seed " + std::to_string(seed));
    Top top(seed);
    EXPECT_EQ(top.Csr(isa::kCsrStatus), 0u);
    EXPECT_EQ(top.Csr(isa::kCsrError), 0u);
    EXPECT_EQ(top.Csr(isa::kCsrCycleLo), 0u);
    EXPECT_EQ(top.Csr(isa::kCsrCycleHi), 0u);
    for (uint32_t q = 0; q < kGeom.num_queues(); ++q)
      EXPECT_EQ(top.Csr(isa::kCsrQlen + 4 * q), 0u) << "queue " << q;
  }
}

// An access that hits no region (between the regions, past the IQ and MEM ones, above MEM) is
// answered in the next cycle like any other: a read returns 0, a write is dropped and changes
// nothing that any region reads back (docs/host-link.md: unmapped addresses read 0).
TEST(Core, UnmappedAddressesReadZeroAndDropWrites) {
  Top top;
  const uint32_t mem_end = isa::kRegionMemBase + static_cast<uint32_t>(kGeom.mem_bytes());
  top.Wr(isa::kRegionMemBase, 0x01020304);
  top.Wr(isa::kRegionIqBase, 0x05060708);
  const uint32_t holes[] = {isa::kRegionCsrBase + isa::kRegionCsrSize,
                            0x00080000u,
                            isa::kRegionIqBase + isa::kRegionIqSize,
                            isa::kRegionMemBase - 4,
                            mem_end,
                            isa::kRegionMemBase + isa::kRegionMemSize,
                            0xFFFFFFFCu};
  for (uint32_t a : holes) {
    top.Wr(a, 0xDEADBEEF);
    EXPECT_EQ(top.Rd(a), 0u) << "address 0x" << std::hex << a;
  }
  EXPECT_EQ(top.Rd(isa::kRegionMemBase), 0x01020304u);
  EXPECT_EQ(top.Rd(isa::kRegionIqBase), 0x05060708u);
  EXPECT_EQ(top.Csr(isa::kCsrStatus), 0u);
  for (uint32_t q = 0; q < kGeom.num_queues(); ++q)
    EXPECT_EQ(top.Csr(isa::kCsrQlen + 4 * q), 0u) << "queue " << q;
}

TEST(Core, HostReadsBackIqAndMem) {
  Top top;
  const uint32_t last_q = kGeom.num_queues() - 1, last_i = kGeom.iq_depth() - 1;
  top.Wr(isa::kRegionIqBase + last_q * isa::kIqStride + last_i * 8, 0x11223344);
  top.Wr(isa::kRegionIqBase + last_q * isa::kIqStride + last_i * 8 + 4, 0x55667788);
  top.Wr(isa::kRegionIqBase + 8, 0xCAFEF00D);
  EXPECT_EQ(top.Rd(isa::kRegionIqBase + last_q * isa::kIqStride + last_i * 8), 0x11223344u);
  EXPECT_EQ(top.Rd(isa::kRegionIqBase + last_q * isa::kIqStride + last_i * 8 + 4), 0x55667788u);
  EXPECT_EQ(top.Rd(isa::kRegionIqBase + 8), 0xCAFEF00Du);
  // MEM: first and last word of the flat space, and a word in the middle.
  const uint32_t last = static_cast<uint32_t>(kGeom.mem_bytes()) - 4;
  const uint32_t mid = static_cast<uint32_t>(kGeom.MemByteAddress(1, kGeom.words_per_bank() + 3, 20));
  top.Wr(isa::kRegionMemBase, 0xA1A2A3A4);
  top.Wr(isa::kRegionMemBase + last, 0xB1B2B3B4);
  top.Wr(isa::kRegionMemBase + mid, 0xC1C2C3C4);
  EXPECT_EQ(top.Rd(isa::kRegionMemBase), 0xA1A2A3A4u);
  EXPECT_EQ(top.Rd(isa::kRegionMemBase + last), 0xB1B2B3B4u);
  EXPECT_EQ(top.Rd(isa::kRegionMemBase + mid), 0xC1C2C3C4u);
}

// No instructions at all: DONE with CYCLE = 0.
TEST(Core, EmptyProgram) {
  Top top;
  test::Builder b(kGeom);
  const RunOut r = RunBoth(b.program(), top);
  EXPECT_EQ(r.rtl_cycles, 0u);
}

// MEM -> MEM copies in both directions through the fabric, with REPEAT strides.
TEST(Core, MemCopies) {
  Top top;
  std::mt19937 rng(1);
  test::Builder b(kGeom);
  const uint32_t vl = kGeom.vl();
  const uint32_t lr = isa::Info(Opcode::kRead).latency;
  b.Mem(Slice("mem.w1"), 0, RandomBytes(size_t{16} * vl, rng));
  b.Mem(Slice("mem.e1"), 40, RandomBytes(size_t{16} * vl, rng));
  // mem.w1 -> mem.w0 (eastward): READ at t, WRITE at t + LatRead + distance.
  const uint32_t de = Pos("mem.w0") - Pos("mem.w1");
  b.At("mem.w1", 0, Read(0, E(1))).Add("mem.w1", Repeat(15, 1, 1));
  b.At("mem.w0", lr + de, Write(80, E(1))).Add("mem.w0", Repeat(15, 1, 1));
  // mem.e1 -> mem.w0 (westward, across the VXM), every other cycle.
  const uint32_t dw = Pos("mem.e1") - Pos("mem.w0");
  b.At("mem.e1", 30, Read(40, W(0))).Add("mem.e1", Repeat(7, 2, 2));
  b.At("mem.w0", 30 + lr + dw, Write(20, W(0))).Add("mem.w0", Repeat(7, 2, 1));
  const RunOut r = RunBoth(b.program(), top);
  EXPECT_EQ(r.model_errors, 0u);
  EXPECT_GT(r.model_cycles, 40u);
}

// demo-style: A (mem.w0) + B (mem.w1) on the VXM, result written to mem.e0.
TEST(Core, VaddPipeline) {
  Top top;
  std::mt19937 rng(2);
  test::Builder b(kGeom);
  const uint32_t vl = kGeom.vl();
  b.Mem(Slice("mem.w0"), 0, RandomBytes(size_t{8} * vl, rng));
  b.Mem(Slice("mem.w1"), 8, RandomBytes(size_t{8} * vl, rng));
  const uint32_t lr = isa::Info(Opcode::kRead).latency, lv = isa::Info(Opcode::kVadd).latency;
  const uint32_t pv = kGeom.vxm_position();
  // Both operands reach the VXM at tv: mem.w1 is one hop further west, so it reads first.
  const uint32_t tv = lr + (pv - Pos("mem.w1"));
  b.At("mem.w1", 0, Read(8, E(1))).Add("mem.w1", Repeat(7, 1, 1));
  b.At("mem.w0", tv - lr - (pv - Pos("mem.w0")), Read(0, E(0))).Add("mem.w0", Repeat(7, 1, 1));
  Instr add = Vop(Opcode::kVadd, kI8, E(2), E(0), E(1));
  add.sat = 1;
  b.At("vxm.0", tv, add).Add("vxm.0", Repeat(7, 1));
  b.At("mem.e0", tv + lv + (Pos("mem.e0") - pv), Write(32, E(2))).Add("mem.e0", Repeat(7, 1, 1));
  const RunOut r = RunBoth(b.program(), top);
  EXPECT_EQ(r.model_errors, 0u);
}

// SYNC / NOTIFY across queues, then a NOP tail that decides the cycle count.
TEST(Core, SyncNotifyAndNopTail) {
  Top top;
  std::mt19937 rng(3);
  test::Builder b(kGeom);
  b.Mem(Slice("mem.w1"), 0, RandomBytes(size_t{2} * kGeom.vl(), rng));
  b.Add("mem.w0", Op(Opcode::kSync));
  b.Add("mem.w0", Read(0, E(3)));
  b.At("mem.w1", 0, Nop(9)).Add("mem.w1", Op(Opcode::kNotify)).Add("mem.w1", Read(1, E(2)));
  b.Add("mem.w1", Nop(30));
  const RunOut r = RunBoth(b.program(), top);
  EXPECT_EQ(r.model_cycles, 9u + 1 + 1 + 30);
}

// Schedule errors are reported like the model's (empty read, bank conflict, unit busy).
TEST(Core, ErrorsMatchModel) {
  Top top;
  test::Builder b(kGeom);
  b.At("mem.w0", 0, Write(3, E(0)));  // EmptyRead
  b.At("mem.w0", 1, Read(4, E(1)));   // BankConflict with the WRITE's bank write
  b.At("vxm.0", 0, Vop(Opcode::kFexp, 3, E(0), E(0)));
  b.At("vxm.0", 1, Vop(Opcode::kFexp, 3, E(0), E(0)));  // UnitBusy (+ EmptyRead)
  const RunOut r = RunBoth(b.program(), top);
  EXPECT_EQ(r.model_errors, uint32_t{isa::kErrEmptyRead | isa::kErrBankConflict | isa::kErrUnitBusy});
  // CLEAR clears DONE and ERROR (the CTRL register of isa/tsp_isa.json; the `ref` device does the
  // same): the sticky bits of the run above are gone, and so is STATUS.ERROR.
  ASSERT_NE(top.Csr(isa::kCsrError), 0u);
  top.Wr(isa::kRegionCsrBase + isa::kCsrCtrl, 2);
  EXPECT_EQ(top.Csr(isa::kCsrError), 0u);
  EXPECT_EQ(top.Csr(isa::kCsrStatus), 0u);
}

// Running twice gives the same result (START resets queues, fabric and slices); CLEAR stops a run.
TEST(Core, RestartAndClear) {
  Top top;
  std::mt19937 rng(4);
  test::Builder b(kGeom);
  b.Mem(Slice("mem.w1"), 0, RandomBytes(size_t{4} * kGeom.vl(), rng));
  b.At("mem.w1", 0, Read(0, E(1))).Add("mem.w1", Repeat(3, 1, 1));
  b.At("mem.w0", 3, Write(10, E(1))).Add("mem.w0", Repeat(3, 1, 1));
  const RunOut r1 = RunBoth(b.program(), top);
  const RunOut r2 = RunBoth(b.program(), top);
  EXPECT_EQ(r1.rtl_cycles, r2.rtl_cycles);
  // A program that never ends (SYNC without NOTIFY) is stopped by CLEAR.
  test::Builder hang(kGeom);
  hang.Add("mem.w0", Op(Opcode::kSync));
  top.Load(hang.program());
  top.Wr(isa::kRegionCsrBase + isa::kCsrCtrl, 1);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(top.Csr(isa::kCsrStatus) & 3u, 1u);
  top.Wr(isa::kRegionCsrBase + isa::kCsrCtrl, 2);
  EXPECT_EQ(top.Csr(isa::kCsrStatus), 0u);
}

// status_o = {error, done, running} (the board LEDs) clock by clock, the expected values from the
// model's cycle count and the start sequence documented in tsp_core (START write, one start cycle,
// one prime cycle, then run cycles 0..T with DONE detected in run cycle T): running for exactly
// T + 3 clocks after the START write, then done; error only with a program that has errors; CLEAR
// drops everything.
TEST(Core, StatusOutputsFollowTheRun) {
  struct Case {
    const char *what;
    Program p;
  };
  test::Builder quiet(kGeom);
  quiet.At("mem.w1", 0, Nop(9)).Add("mem.w1", Nop(20));
  test::Builder bad(kGeom);
  bad.At("mem.w0", 0, Write(3, E(0)));  // EmptyRead
  bad.Add("mem.w0", Nop(12));
  for (const Case &c : {Case{"no errors", quiet.program()}, Case{"EmptyRead", bad.program()}}) {
    SCOPED_TRACE(c.what);
    Model m(kGeom);
    std::string err;
    ASSERT_TRUE(m.LoadProgram(c.p, &err)) << err;
    m.Start();
    const RunResult rr = m.Run(1000);
    ASSERT_EQ(rr.status, RunStatus::kDone) << rr.message;
    const uint32_t want_end = m.error_bits() != 0 ? 6u : 2u;
    ASSERT_EQ(m.error_bits() != 0, std::string(c.what) != "no errors");

    Top top;
    top.h().SetAssertions(m.error_bits() == 0);
    EXPECT_EQ(uint32_t{top.h()->status_o}, 0u) << "after reset";
    top.Load(c.p);
    EXPECT_EQ(uint32_t{top.h()->status_o}, 0u) << "loading does not start a run";
    top.Wr(isa::kRegionCsrBase + isa::kCsrCtrl, 1);  // START
    // Running until DONE; the error bit (sticky) may come up during the run, DONE never does.
    uint64_t running = 0, with_error = 0;
    while ((top.h()->status_o & 1u) && running < rr.cycles + 100) {
      EXPECT_EQ(top.h()->status_o & 2u, 0u) << "done while running, clock " << running;
      ++running;
      with_error += (top.h()->status_o >> 2) & 1u;
      top.Tick();
    }
    EXPECT_EQ(running, rr.cycles + 3) << "clocks with status_o = running (model cycles " << rr.cycles << ")";
    if (m.error_bits() != 0) {
      // The sticky ERROR register is set at the end of the run cycle of the model's first error
      // (cycle c): from clock 3 + c after START (start, prime, run cycles 0..c) to the end.
      const uint64_t c = m.errors().front().cycle;
      EXPECT_EQ(with_error, running - 3 - c) << "first model error at cycle " << c;
    } else {
      EXPECT_EQ(with_error, 0u);
    }
    EXPECT_EQ(uint32_t{top.h()->status_o}, want_end) << "at the end of the run";
    top.Tick();
    top.Tick();
    EXPECT_EQ(uint32_t{top.h()->status_o}, want_end) << "held after the run";
    EXPECT_EQ(top.Csr(isa::kCsrStatus), want_end) << "the STATUS CSR agrees";
    top.Wr(isa::kRegionCsrBase + isa::kCsrCtrl, 2);  // CLEAR
    EXPECT_EQ(uint32_t{top.h()->status_o}, 0u) << "after CLEAR";
  }
}

// Random MEM traffic in every MEM slice plus VXM adds: cycle, error bits and MEM must match.
TEST(Core, RandomProgramsMatchModel) {
  std::mt19937 rng(77);
  auto rnd = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  const uint32_t words = kGeom.mem_words(), ns = kGeom.streams();
  for (int iter = 0; iter < 3; ++iter) {
    Top top;
    test::Builder b(kGeom);
    for (uint32_t s = 0; s < kGeom.num_mem_slices(); ++s)
      b.Mem(s, 0, RandomBytes(size_t{words} * kGeom.vl(), rng));
    for (uint64_t t = 0; t < 60; ++t) {
      for (uint32_t q = 0; q < kGeom.num_mem_slices(); ++q) {
        const std::string name = kGeom.queue(q).name;
        const uint32_t r = rnd(6);
        const uint32_t sf = rnd(2) ? E(rnd(ns)) : W(rnd(ns));
        if (r < 2)
          b.At(name, t, Read(rnd(words), sf));
        else if (r < 3)
          b.At(name, t, Write(rnd(words), sf));
      }
      if (rnd(3) == 0)
        b.At("vxm.0", t, Vop(Opcode::kVadd, kI8, rnd(2) ? E(rnd(ns)) : W(rnd(ns)), E(rnd(ns)), W(rnd(ns))));
    }
    RunBoth(b.program(), top);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "random program " << iter;
      return;
    }
  }
}

#ifndef TSP_CONFIG_SMALL
// The example programs (default geometry) on the whole core.
TEST(Core, ExamplesMatchModel) {
  for (const char *name : {"demo.tasm", "matmul16.tasm"}) {
    const std::string path = std::string(TSP_SOURCE_DIR) + "/examples/" + name;
    std::ifstream in(path);
    ASSERT_TRUE(in) << "cannot open " << path;
    std::stringstream text;
    text << in.rdbuf();
    const AsmResult a = Assemble(text.str(), path);
    ASSERT_TRUE(a.ok) << a.error;
    Top top;
    const RunOut r = RunBoth(a.program, top);
    EXPECT_GT(r.compared_cycles, 0u) << name;
    if (HasFailure()) {
      ADD_FAILURE() << "example " << name;
      return;
    }
  }
}
#endif

}  // namespace
}  // namespace tsp::tb
