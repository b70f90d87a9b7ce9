// MEM slice unit test (tsp_mem_slice as the Verilated top, default geometry).
//
// Directed tests drive disp_i / east_i / west_i by hand and check READ / WRITE / GATHER / SCATTER
// timing and data, address wrap, bank conflicts, empty reads, idle and the host port against
// values computed here. The lockstep tests run random programs on tsp::Model (mem.w0 under test,
// neighbouring MEM slices as stream producers), drive the RTL slice with the model's dispatches
// and stream registers, and compare every stream write, every bank write (write monitor), every
// error bit and finally the whole slice memory.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "Vtsp_mem_slice.h"
#include "bits.h"
#include "harness.h"
#include "rtl_geometry.h"
#include "ref/builder.h"
#include "tsp/isa_gen.h"
#include "tsp/model.h"

namespace tsp::tb {
namespace {

using isa::Opcode;
using test::E;
using test::Op;
using test::Read;
using test::Repeat;
using test::W;
using test::Write;

const Geometry kGeom = Geometry::Default();
const uint32_t kS = kGeom.superlanes();
const uint32_t kStreams = kGeom.streams();
const uint32_t kWords = kGeom.mem_words();
const uint32_t kAddrBits = 10;  // log2(kWords), checked below

using Word = std::array<uint8_t, 16>;

size_t SlotLsb(uint32_t stream, uint32_t k) { return (size_t{stream} * kS + k) * kSlotBits; }

void SetSlot(uint32_t *w, uint32_t stream, uint32_t k, bool valid, const Word &d) {
  const size_t lsb = SlotLsb(stream, k);
  for (uint32_t l = 0; l < 16; ++l) SetBits(w, lsb + 8 * l, 8, d[l]);
  SetBits(w, lsb + 128, 1, valid);
}
Word RandomWord(std::mt19937 &rng) {
  Word w;
  for (auto &b : w) b = static_cast<uint8_t>(rng());
  return w;
}

std::string Hex(const Word &w) {
  std::string s;
  char buf[4];
  for (int l = 15; l >= 0; --l) {
    std::snprintf(buf, sizeof buf, "%02x", w[l]);
    s += buf;
  }
  return s;
}

class Slice {
 public:
  Slice() {
    h_->host_we_i = 0;
    h_->host_re_i = 0;
    ClearInputs();
    h_.Reset();
  }
  Harness<Vtsp_mem_slice> &h() { return h_; }
  Vtsp_mem_slice &dut() { return h_.dut(); }

  void ClearInputs() {
    std::memset(dut().east_i.data(), 0, sizeof(dut().east_i));
    std::memset(dut().west_i.data(), 0, sizeof(dut().west_i));
    SetDisp(false, 0);
  }
  void SetDisp(bool valid, uint64_t word) {
    uint32_t *w = dut().disp_i.data();
    w[0] = static_cast<uint32_t>(word);
    w[1] = static_cast<uint32_t>(word >> 32);
    w[2] = valid ? 1u : 0u;
  }
  void SetIn(Dir d, uint32_t stream, uint32_t k, bool valid, const Word &data) {
    SetSlot(d == Dir::kEast ? dut().east_i.data() : dut().west_i.data(), stream, k, valid, data);
  }
  // The write request to stream register (d, stream) of superlane k, from the slice's two write
  // ports (wr_*_o[k][port]: 0 READ, 1 GATHER, which wins), decoded as tsp_stream_regs_mem does
  // (the core lockstep tests compare that decode with the model); no request: invalid, zero data.
  StreamSlot Wr(Dir d, uint32_t stream, uint32_t k) {
    const uint32_t field = (d == Dir::kWest ? 16u : 0u) | stream;
    StreamSlot s{};
    for (int port = 1; port >= 0; --port) {
      const size_t i = size_t{k} * 2 + static_cast<size_t>(port);
      const bool valid = (dut().wr_valid_o >> i) & 1u;
      const uint32_t sf = static_cast<uint32_t>((dut().wr_s_o >> (5 * i)) & 31u);
      if (valid && sf == field) {
        for (uint32_t l = 0; l < 16; ++l) {
          s.bytes[l] = static_cast<uint8_t>(GetBits(dut().wr_data_o.data(), i * 128 + 8 * l, 8));
        }
        s.valid = true;
        return s;
      }
    }
    return s;
  }
  bool AnyWrite() {
    for (uint32_t s = 0; s < kStreams; ++s) {
      for (uint32_t k = 0; k < kS; ++k) {
        if (Wr(Dir::kEast, s, k).valid || Wr(Dir::kWest, s, k).valid) return true;
      }
    }
    return false;
  }
  bool MonWe(uint32_t k) { return (dut().mon_we_o >> k) & 1u; }
  uint32_t MonAddr(uint32_t k) {
    return static_cast<uint32_t>((dut().mon_addr_o >> (kAddrBits * k)) & (kWords - 1));
  }
  Word MonData(uint32_t k) {
    Word w;
    for (uint32_t l = 0; l < 16; ++l)
      w[l] = static_cast<uint8_t>(GetBits(dut().mon_data_o.data(), k * 128 + 8 * l, 8));
    return w;
  }

  // Host access to one 16-byte word of tile k.
  void HostWrite(uint32_t addr, uint32_t k, const Word &d) {
    for (uint32_t g = 0; g < 4; ++g) {
      h_->host_we_i = 1;
      h_->host_addr_i = static_cast<uint16_t>(addr);
      h_->host_tile_i = static_cast<uint8_t>(k);
      h_->host_lane4_i = static_cast<uint8_t>(g);
      uint32_t v = 0;
      for (uint32_t b = 0; b < 4; ++b) v |= uint32_t{d[4 * g + b]} << (8 * b);
      h_->host_wdata_i = v;
      h_.Tick();
    }
    h_->host_we_i = 0;
  }
  Word HostRead(uint32_t addr, uint32_t k) {
    Word d;
    for (uint32_t g = 0; g < 4; ++g) {
      h_->host_re_i = 1;
      h_->host_addr_i = static_cast<uint16_t>(addr);
      h_->host_tile_i = static_cast<uint8_t>(k);
      h_->host_lane4_i = static_cast<uint8_t>(g);
      h_.Tick();
      h_->host_re_i = 0;
      const uint32_t v = h_->host_rdata_o;
      for (uint32_t b = 0; b < 4; ++b) d[4 * g + b] = static_cast<uint8_t>(v >> (8 * b));
    }
    return d;
  }

 private:
  Harness<Vtsp_mem_slice> h_;
};

Instr Gather(uint32_t s, uint32_t m) {
  Instr in = Op(Opcode::kGather);
  in.s = s;
  in.m = m;
  return in;
}
Instr Scatter(uint32_t s, uint32_t m) {
  Instr in = Op(Opcode::kScatter);
  in.s = s;
  in.m = m;
  return in;
}

// ---------------------------------------------------------------------------------------------
// Directed tests.
// ---------------------------------------------------------------------------------------------
TEST(MemSlice, GeometryAsExpected) {
  EXPECT_EQ(kS, 4u);
  EXPECT_EQ(kWords, 1024u);
  EXPECT_EQ(kStreams, 8u);
  EXPECT_EQ(1u << kAddrBits, kWords);
}

TEST(MemSlice, HostPortWritesAndReadsEveryLane) {
  Slice s;
  std::mt19937 rng(1);
  std::vector<std::array<Word, 4>> data(8);
  const uint32_t addrs[8] = {0, 1, 511, 512, 513, 1023, 77, 600};
  for (uint32_t i = 0; i < 8; ++i) {
    for (uint32_t k = 0; k < kS; ++k) {
      data[i][k] = RandomWord(rng);
      s.HostWrite(addrs[i], k, data[i][k]);
    }
  }
  for (uint32_t i = 0; i < 8; ++i) {
    for (uint32_t k = 0; k < kS; ++k)
      EXPECT_EQ(Hex(s.HostRead(addrs[i], k)), Hex(data[i][k])) << addrs[i] << " " << k;
  }
  EXPECT_EQ(s.dut().mon_we_o, 0u);  // host writes are not core bank writes
}

// READ dispatched at 0: tile k reads at k and writes its stream at k + LatRead; idle afterwards.
TEST(MemSlice, ReadTimingAndData) {
  Slice s;
  std::mt19937 rng(2);
  std::array<Word, 4> d;
  for (uint32_t k = 0; k < kS; ++k) {
    d[k] = RandomWord(rng);
    s.HostWrite(700, k, d[k]);
  }
  const uint32_t lat = isa::Info(Opcode::kRead).latency;
  for (uint32_t t = 0; t < kS + lat + 3; ++t) {
    s.SetDisp(t == 0, Encode(Read(700, W(5))));
    s.h().Eval();
    for (uint32_t k = 0; k < kS; ++k) {
      for (uint32_t j = 0; j < kStreams; ++j) {
        const bool expect = j == 5 && t == k + lat;
        EXPECT_EQ(s.Wr(Dir::kWest, j, k).valid, expect) << "t " << t << " k " << k << " W" << j;
        EXPECT_FALSE(s.Wr(Dir::kEast, j, k).valid);
        if (expect) EXPECT_EQ(Hex(s.Wr(Dir::kWest, j, k).bytes), Hex(d[k]));
      }
    }
    EXPECT_EQ(s.dut().err_o, 0u) << t;
    EXPECT_EQ(bool(s.dut().idle_o), t > kS - 1 + lat) << t;
    s.h().Tick();
  }
}

// WRITE at 0 reads E1 at tile k in cycle k and writes the bank in cycle k + BankOffWrite.
TEST(MemSlice, WriteTimingAndMonitor) {
  Slice s;
  std::mt19937 rng(3);
  std::array<Word, 4> d;
  for (auto &w : d) w = RandomWord(rng);
  const uint32_t off = static_cast<uint32_t>(isa::Info(Opcode::kWrite).bank_offset);
  for (uint32_t t = 0; t < kS + off + 2; ++t) {
    s.SetDisp(t == 0, Encode(Write(513, E(1))));
    for (uint32_t k = 0; k < kS; ++k) {
      // The stream holds tile k's value only in the cycle it is read (elsewhere: other data).
      s.SetIn(Dir::kEast, 1, k, true, t == k ? d[k] : RandomWord(rng));
    }
    s.h().Eval();
    for (uint32_t k = 0; k < kS; ++k) {
      const bool expect = t == k + off;
      EXPECT_EQ(s.MonWe(k), expect) << "t " << t << " k " << k;
      if (expect) {
        EXPECT_EQ(s.MonAddr(k), 513u);
        EXPECT_EQ(Hex(s.MonData(k)), Hex(d[k]));
      }
    }
    EXPECT_EQ(s.dut().err_o, 0u);
    EXPECT_FALSE(s.AnyWrite());
    s.h().Tick();
  }
  s.ClearInputs();
  for (uint32_t k = 0; k < kS; ++k) EXPECT_EQ(Hex(s.HostRead(513, k)), Hex(d[k]));
}

// An address beyond 2W raises BadField at every tile's operand read and wraps modulo 2W.
TEST(MemSlice, AddressWrapsWithBadField) {
  Slice s;
  std::mt19937 rng(4);
  std::array<Word, 4> d;
  for (uint32_t k = 0; k < kS; ++k) {
    d[k] = RandomWord(rng);
    s.HostWrite(5, k, d[k]);
  }
  for (uint32_t t = 0; t < kS + 3; ++t) {
    s.SetDisp(t == 0, Encode(Read(kWords + 5, E(7))));  // Encode keeps the raw 16-bit field
    s.h().Eval();
    EXPECT_EQ(s.dut().err_o, t < kS ? isa::kErrBadField : 0u) << t;
    for (uint32_t k = 0; k < kS; ++k) {
      EXPECT_EQ(s.Wr(Dir::kEast, 7, k).valid, t == k + 2);
      if (t == k + 2) EXPECT_EQ(Hex(s.Wr(Dir::kEast, 7, k).bytes), Hex(d[k]));
    }
    s.h().Tick();
  }
}

// A stream operand index of StreamsPerDir (8, the first beyond the geometry; the field holds up to
// 15): the ISA refuses such an instruction at load (tsp::Validate: BadField for a stream index
// outside the geometry); the slice, which may still be handed one, raises BadField at every tile's
// operand read and writes no stream register for it. Also the second stream of a GATHER / SCATTER
// address pair (m + 1) beyond the geometry. Every input slot holds a value, so nothing else fires.
TEST(MemSlice, StreamIndexBeyondGeometryIsBadField) {
  const std::vector<Instr> cases = {
      Read(3, E(kStreams)),       Read(3, W(kStreams)),           Write(3, E(kStreams)),
      Gather(W(kStreams), E(0)),  Gather(E(0), W(kStreams)),      Gather(E(1), E(kStreams - 1)),
      Scatter(E(kStreams), W(2)), Scatter(W(0), E(kStreams - 1)),
  };
  std::mt19937 rng(8);
  for (const Instr &in : cases) {
    SCOPED_TRACE(Disassemble(in));
    std::string why;
    ASSERT_FALSE(Validate(in, kGeom, &why));  // the golden: out of range for this geometry
    Slice s;
    for (uint32_t j = 0; j < kStreams; ++j) {
      for (uint32_t k = 0; k < kS; ++k) {
        s.SetIn(Dir::kEast, j, k, true, RandomWord(rng));
        s.SetIn(Dir::kWest, j, k, true, RandomWord(rng));
      }
    }
    for (uint32_t t = 0; t < kS + 4; ++t) {
      s.SetDisp(t == 0, Encode(in));
      s.h().Eval();
      EXPECT_EQ(s.dut().err_o, t < kS ? isa::kErrBadField : 0u) << "t " << t;
      if (in.op == Opcode::kRead) EXPECT_FALSE(s.AnyWrite()) << "t " << t;
      s.h().Tick();
    }
  }
}

// WRITE at 0 (bank write at k+1) and READ at 1 of the same bank (read at k+1): BankConflict in
// cycles 1..S; the READ returns the old word. A READ of the other bank does not conflict.
TEST(MemSlice, BankConflictReadsOldData) {
  for (const uint32_t raddr : {10u, 600u}) {
    Slice s;
    std::mt19937 rng(5);
    std::array<Word, 4> old10, old600, nw;
    for (uint32_t k = 0; k < kS; ++k) {
      old10[k] = RandomWord(rng);
      old600[k] = RandomWord(rng);
      nw[k] = RandomWord(rng);
      s.HostWrite(10, k, old10[k]);
      s.HostWrite(600, k, old600[k]);
    }
    const bool conflict = raddr < kWords / 2;
    for (uint32_t t = 0; t < kS + 5; ++t) {
      if (t == 0)
        s.SetDisp(true, Encode(Write(10, W(3))));
      else if (t == 1)
        s.SetDisp(true, Encode(Read(raddr, E(2))));
      else
        s.SetDisp(false, 0);
      for (uint32_t k = 0; k < kS; ++k) s.SetIn(Dir::kWest, 3, k, true, nw[k]);
      s.h().Eval();
      EXPECT_EQ(s.dut().err_o, conflict && t >= 1 && t <= kS ? isa::kErrBankConflict : 0u)
          << raddr << " t " << t;
      for (uint32_t k = 0; k < kS; ++k) {
        if (t == k + 3) {
          ASSERT_TRUE(s.Wr(Dir::kEast, 2, k).valid);
          EXPECT_EQ(Hex(s.Wr(Dir::kEast, 2, k).bytes), Hex(conflict ? old10[k] : old600[k]));
        }
      }
      s.h().Tick();
    }
    s.ClearInputs();
    for (uint32_t k = 0; k < kS; ++k) EXPECT_EQ(Hex(s.HostRead(10, k)), Hex(nw[k]));
  }
}

TEST(MemSlice, EmptyReadOfWriteOperand) {
  Slice s;
  for (uint32_t t = 0; t < kS + 2; ++t) {
    s.SetDisp(t == 0, Encode(Write(3, E(1))));
    s.h().Eval();
    EXPECT_EQ(s.dut().err_o, t < kS ? isa::kErrEmptyRead : 0u) << t;
    s.h().Tick();
  }
}

// GATHER s=W2, m=E4: tile k takes its address from lane 0 of E4 (low) / E5 (high) in cycle k,
// reads the bank in cycle k+1 and writes W2 in cycle k+3. SCATTER s=E6, m=W0 stores E6 at the
// address from W0/W1 in cycle k+1.
TEST(MemSlice, GatherAndScatter) {
  Slice s;
  std::mt19937 rng(6);
  std::array<uint32_t, 4> gaddr, saddr;
  std::array<Word, 4> gdata, sdata;
  for (uint32_t k = 0; k < kS; ++k) {
    gaddr[k] = (97 * k + 3 + 512 * (k % 2)) % kWords;
    saddr[k] = (211 * k + 900) % kWords;
    gdata[k] = RandomWord(rng);
    sdata[k] = RandomWord(rng);
    s.HostWrite(gaddr[k], k, gdata[k]);
  }
  const uint32_t glat = isa::Info(Opcode::kGather).latency;
  for (uint32_t t = 0; t < kS + glat + 3; ++t) {
    if (t == 0)
      s.SetDisp(true, Encode(Gather(W(2), E(4))));
    else if (t == 1)
      s.SetDisp(true, Encode(Scatter(E(6), W(0))));
    else
      s.SetDisp(false, 0);
    for (uint32_t k = 0; k < kS; ++k) {
      Word lo = RandomWord(rng), hi = RandomWord(rng);
      if (t == k) {  // gather address, with junk above 2W in the high byte (taken modulo 2W)
        lo[0] = static_cast<uint8_t>(gaddr[k]);
        hi[0] = static_cast<uint8_t>((gaddr[k] >> 8) | 0x40);
      }
      s.SetIn(Dir::kEast, 4, k, true, lo);
      s.SetIn(Dir::kEast, 5, k, true, hi);
      Word slo = RandomWord(rng), shi = RandomWord(rng);
      if (t == k + 1) {
        slo[0] = static_cast<uint8_t>(saddr[k]);
        shi[0] = static_cast<uint8_t>(saddr[k] >> 8);
      }
      s.SetIn(Dir::kWest, 0, k, true, slo);
      s.SetIn(Dir::kWest, 1, k, true, shi);
      s.SetIn(Dir::kEast, 6, k, true, t == k + 1 ? sdata[k] : RandomWord(rng));
    }
    s.h().Eval();
    EXPECT_EQ(s.dut().err_o, 0u) << t;
    for (uint32_t k = 0; k < kS; ++k) {
      EXPECT_EQ(s.Wr(Dir::kWest, 2, k).valid, t == k + glat) << "t " << t << " k " << k;
      if (t == k + glat) EXPECT_EQ(Hex(s.Wr(Dir::kWest, 2, k).bytes), Hex(gdata[k]));
      EXPECT_EQ(s.MonWe(k), t == k + 2) << "t " << t << " k " << k;
      if (t == k + 2) {
        EXPECT_EQ(s.MonAddr(k), saddr[k]);
        EXPECT_EQ(Hex(s.MonData(k)), Hex(sdata[k]));
      }
    }
    s.h().Tick();
  }
  s.ClearInputs();
  for (uint32_t k = 0; k < kS; ++k) EXPECT_EQ(Hex(s.HostRead(saddr[k], k)), Hex(sdata[k]));
}

// GATHER at 0 and READ at 1 writing the same stream (different banks): StreamCollision in the
// cycles both write, and the GATHER's value wins (the model applies it last).
TEST(MemSlice, OwnWritesCollide) {
  Slice s;
  std::mt19937 rng(7);
  std::array<Word, 4> gdata, rdata;
  for (uint32_t k = 0; k < kS; ++k) {
    gdata[k] = RandomWord(rng);
    rdata[k] = RandomWord(rng);
    s.HostWrite(700, k, gdata[k]);  // bank 1
    s.HostWrite(20, k, rdata[k]);   // bank 0
  }
  Word lo{}, hi{};
  lo[0] = 700 & 0xFF;
  hi[0] = 700 >> 8;
  for (uint32_t k = 0; k < kS; ++k) {
    s.SetIn(Dir::kEast, 0, k, true, lo);
    s.SetIn(Dir::kEast, 1, k, true, hi);
  }
  for (uint32_t t = 0; t < kS + 5; ++t) {
    if (t == 0)
      s.SetDisp(true, Encode(Gather(E(3), E(0))));
    else if (t == 1)
      s.SetDisp(true, Encode(Read(20, E(3))));
    else
      s.SetDisp(false, 0);
    s.h().Eval();
    EXPECT_EQ(s.dut().err_o, t >= 3 && t < 3 + kS ? isa::kErrStreamCollision : 0u) << t;
    for (uint32_t k = 0; k < kS; ++k) {
      EXPECT_EQ(s.Wr(Dir::kEast, 3, k).valid, t == k + 3);
      if (t == k + 3) EXPECT_EQ(Hex(s.Wr(Dir::kEast, 3, k).bytes), Hex(gdata[k]));
    }
    s.h().Tick();
  }
}

// ---------------------------------------------------------------------------------------------
// Lockstep with the reference model.
// ---------------------------------------------------------------------------------------------
struct Stats {
  uint64_t cycles = 0, stream_writes = 0, bank_writes = 0;
  uint32_t error_bits = 0;
};

Stats Lockstep(const Program &p, uint64_t max_cycles = 5000) {
  Stats st;
  Model m(kGeom);
  std::string err;
  EXPECT_TRUE(m.LoadProgram(p, &err)) << err;
  m.Start();
  Slice s;
  const uint32_t q = *kGeom.FindQueue("mem.w0");
  const uint32_t slice = kGeom.MemSliceId(Hemi::kWest, 0);
  const uint32_t pos = kGeom.queue(q).position;
  for (uint32_t a = 0; a < kWords; ++a) {
    const auto v = m.ReadMem(slice, a);
    for (uint32_t k = 0; k < kS; ++k) {
      Word w;
      std::memcpy(w.data(), &v[16 * k], 16);
      s.HostWrite(a, k, w);
    }
  }
  size_t seen = 0;
  uint64_t t = 0;
  for (; !m.done() && t < max_cycles; ++t) {
    std::array<std::vector<StreamSlot>, 2> up;
    for (uint32_t j = 0; j < kStreams; ++j) {
      for (uint32_t k = 0; k < kS; ++k) {
        const StreamSlot &e = m.Stream(Dir::kEast, j, pos - 1, k);
        const StreamSlot &w = m.Stream(Dir::kWest, j, pos + 1, k);
        up[0].push_back(e);
        up[1].push_back(w);
        s.SetIn(Dir::kEast, j, k, e.valid, e.bytes);
        s.SetIn(Dir::kWest, j, k, w.valid, w.bytes);
      }
    }
    m.Step();
    const QueueView v = m.Queue(q);
    s.SetDisp(v.dispatched_this_cycle, v.last_word);
    s.h().Eval();
    const std::string at = "cycle " + std::to_string(t);
    for (uint32_t d = 0; d < 2; ++d) {
      for (uint32_t j = 0; j < kStreams; ++j) {
        for (uint32_t k = 0; k < kS; ++k) {
          const StreamSlot rtl = s.Wr(static_cast<Dir>(d), j, k);
          const StreamSlot &mod = m.Stream(static_cast<Dir>(d), j, pos, k);
          const StreamSlot &u = up[d][j * kS + k];
          const StreamSlot &expect = rtl.valid ? rtl : u;
          EXPECT_EQ(mod.valid, expect.valid) << at << " dir " << d << " stream " << j << " k " << k;
          if (mod.valid && expect.valid) {
            EXPECT_EQ(Hex(mod.bytes), Hex(expect.bytes))
                << at << " dir " << d << " stream " << j << " k " << k;
          }
          st.stream_writes += rtl.valid;
        }
      }
    }
    std::array<bool, 4> model_we{};
    for (const MemWrite &w : m.mem_writes()) {
      if (w.slice != slice) continue;
      EXPECT_FALSE(model_we[w.superlane]) << at;
      model_we[w.superlane] = true;
      EXPECT_TRUE(s.MonWe(w.superlane)) << at << " k " << w.superlane;
      EXPECT_EQ(s.MonAddr(w.superlane), w.addr) << at << " k " << w.superlane;
      EXPECT_EQ(Hex(s.MonData(w.superlane)), Hex(w.data)) << at << " k " << w.superlane;
      ++st.bank_writes;
    }
    for (uint32_t k = 0; k < kS; ++k) EXPECT_EQ(s.MonWe(k), model_we[k]) << at << " k " << k;
    uint32_t model_err = 0;
    for (; seen < m.errors().size(); ++seen) {
      if (m.errors()[seen].where == "mem.w0") model_err |= m.errors()[seen].bit;
    }
    EXPECT_EQ(s.dut().err_o, model_err) << at;
    st.error_bits |= model_err;
    if (::testing::Test::HasFailure()) return st;
    s.h().Tick();
  }
  EXPECT_TRUE(m.done());
  st.cycles = t;
  s.ClearInputs();
  s.h().Eval();
  EXPECT_TRUE(s.dut().idle_o);
  for (uint32_t a = 0; a < kWords; ++a) {
    const auto v = m.ReadMem(slice, a);
    for (uint32_t k = 0; k < kS; ++k) {
      Word w;
      std::memcpy(w.data(), &v[16 * k], 16);
      EXPECT_EQ(Hex(s.HostRead(a, k)), Hex(w)) << "addr " << a << " k " << k;
      if (::testing::Test::HasFailure()) return st;
    }
  }
  return st;
}

std::vector<uint8_t> RandomBytes(size_t n, std::mt19937 &rng) {
  std::vector<uint8_t> v(n);
  for (auto &b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// Random programs: mem.w0 runs READ / WRITE / GATHER / SCATTER; mem.w1, mem.w2 (west of it) and
// mem.e0, mem.e1 (east of it) READ into the streams it consumes. The one schedule the RTL cannot
// mirror (a READ right after a GATHER: two reads of one bank port in a cycle) is avoided.
TEST(MemSlice, RandomProgramsMatchModel) {
  std::mt19937 rng(99);
  auto rnd = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  Stats total;
  for (int iter = 0; iter < 6; ++iter) {
    test::Builder b(kGeom);
    for (const char *name : {"mem.w0", "mem.w1", "mem.w2", "mem.e0", "mem.e1"}) {
      const uint32_t slice = *kGeom.FindQueue(name);  // MEM queue id = slice id
      b.Mem(slice, 0, RandomBytes(size_t{kWords} * kGeom.vl(), rng));
    }
    bool prev_gather = false;
    for (uint64_t t = 0; t < 150; ++t) {
      // Producers: east-going streams from the west, west-going from the east.
      for (const char *name : {"mem.w1", "mem.w2"}) {
        if (rnd(3) != 0) b.At(name, t, Read(rnd(kWords), E(rnd(kStreams))));
      }
      for (const char *name : {"mem.e0", "mem.e1"}) {
        if (rnd(3) != 0) b.At(name, t, Read(rnd(kWords), W(rnd(kStreams))));
      }
      const uint32_t r = rnd(10);
      auto sf = [&]() { return rnd(2) ? E(rnd(kStreams)) : W(rnd(kStreams)); };
      auto pair = [&]() { return rnd(2) ? E(2 * rnd(kStreams / 2)) : W(2 * rnd(kStreams / 2)); };
      bool gather = false;
      if (r < 2 && !prev_gather) {
        b.At("mem.w0", t, Read(rnd(kWords), sf()));
      } else if (r < 4) {
        b.At("mem.w0", t, Write(rnd(kWords), sf()));
      } else if (r < 6) {
        b.At("mem.w0", t, Gather(sf(), pair()));
        gather = true;
      } else if (r < 8) {
        b.At("mem.w0", t, Scatter(sf(), pair()));
      }
      prev_gather = gather;
    }
    const Stats st = Lockstep(b.program());
    if (HasFailure()) {
      ADD_FAILURE() << "random program " << iter;
      return;
    }
    total.stream_writes += st.stream_writes;
    total.bank_writes += st.bank_writes;
    total.error_bits |= st.error_bits;
    total.cycles += st.cycles;
  }
  // The programs must have exercised the slice (otherwise the comparison proves little).
  EXPECT_GT(total.stream_writes, 1000u);
  EXPECT_GT(total.bank_writes, 500u);
  EXPECT_TRUE(total.error_bits & isa::kErrBankConflict);
  EXPECT_TRUE(total.error_bits & isa::kErrEmptyRead);
}

// A clean schedule: READ in mem.w1 feeds WRITE in mem.w0 one hop later (no errors at all).
TEST(MemSlice, CleanCopyMatchesModel) {
  std::mt19937 rng(5);
  test::Builder b(kGeom);
  b.Mem(1, 0, RandomBytes(size_t{64} * kGeom.vl(), rng));
  for (uint32_t i = 0; i < 64; ++i) {
    b.At("mem.w1", i, Read(i, E(i % kStreams)));
    b.At("mem.w0", i + 3, Write(300 + i, E(i % kStreams)));  // L=2, one hop: 2 + 1
  }
  const Stats st = Lockstep(b.program());
  EXPECT_EQ(st.error_bits, 0u);
  EXPECT_EQ(st.bank_writes, 64u * kS);
}

// The last address of the slice (2W - 1) and the first beyond it (2W), reached at run time by a
// REPEAT index stride of +1 (the only way a loadable program gets there), for READ and WRITE, in
// lockstep with tsp::Model (ModelAccess::CheckAddr: 2W - 1 is in range; 2W raises BadField and
// wraps to address 0).
TEST(MemSlice, LastAddressAndFirstBeyondMatchModel) {
  std::mt19937 rng(12);
  test::Builder b(kGeom);
  // MEM queue id = slice id.
  b.Mem(*kGeom.FindQueue("mem.w0"), 0, RandomBytes(size_t{kWords} * kGeom.vl(), rng));
  b.Mem(*kGeom.FindQueue("mem.w1"), 0, RandomBytes(size_t{64} * kGeom.vl(), rng));
  b.At("mem.w0", 0, Read(kWords - 1, E(2)));
  b.Add("mem.w0", Repeat(1, 2, 1));  // READ 2W at 2
  // WRITE 2W - 1 at 10 and 2W at 12, fed by READs of mem.w1 one hop west (L = 2, + 1 hop).
  b.At("mem.w1", 7, Read(40, E(0)));
  b.At("mem.w1", 9, Read(41, E(0)));
  b.At("mem.w0", 10, Write(kWords - 1, E(0)));
  b.Add("mem.w0", Repeat(1, 2, 1));
  const Stats st = Lockstep(b.program());
  EXPECT_EQ(st.error_bits, isa::kErrBadField);  // raised by the 2W accesses only
  EXPECT_EQ(st.bank_writes, 2u * kS);
  EXPECT_EQ(st.stream_writes, 2u * kS);  // the two READs of this slice
}

}  // namespace
}  // namespace tsp::tb
