// ICU unit test: four tsp_icu queues (mem.w0, mem.w1, vxm.0, mxm.w, see tsp_icu_tb.sv) run the
// same instruction streams as tsp::Model; every cycle the dispatch (valid + word, REPEAT stride
// applied), NOTIFY pulses, UnitBusy errors, done and parked state must equal the model's Queue()
// views. Hand-computed dispatch cycles double-check the basic NOP / REPEAT / SYNC timing, and
// RTL-only checks cover what the model refuses to load (illegal opcodes, bad REPEATs).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <random>
#include <string>
#include <vector>

#include "Vtsp_icu_tb.h"
#include "harness.h"
#include "ref/builder.h"
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

constexpr int kNq = 4;
const std::array<const char *, kNq> kQueueNames = {"mem.w0", "mem.w1", "vxm.0", "mxm.w"};
constexpr uint32_t kIcuErrors = isa::kErrUnitBusy | isa::kErrIllegalOpcode;

// What the RTL shows during one run cycle.
struct Obs {
  std::array<bool, kNq> valid{};
  std::array<uint64_t, kNq> word{};
  std::array<bool, kNq> notify{};
  std::array<uint32_t, kNq> err{};
  std::array<bool, kNq> done{};
  std::array<bool, kNq> parked{};
};

// A dispatch seen on the RTL: run cycle, queue (0..3), word.
struct Disp {
  uint64_t cycle;
  int q;
  uint64_t word;
  bool operator==(const Disp &o) const { return cycle == o.cycle && q == o.q && word == o.word; }
};

std::ostream &operator<<(std::ostream &os, const Disp &d) {
  return os << "{cycle " << d.cycle << ", q" << d.q << ", 0x" << std::hex << d.word << std::dec << "}";
}

class Bench {
 public:
  Bench() {
    h_->start_i = 0;
    h_->en_i = 0;
    h_->host_we_i = 0;
    h_->host_re_i = 0;
    for (int q = 0; q < kNq; ++q) SetQlen(q, 0);
    h_.Reset();
  }

  Harness<Vtsp_icu_tb> &h() { return h_; }

  void WriteWord(int q, uint32_t index, uint64_t word) {
    for (int hi = 0; hi < 2; ++hi) {
      h_->host_we_i = 1;
      h_->host_q_i = static_cast<uint8_t>(q);
      h_->host_addr_i = static_cast<uint16_t>(index);
      h_->host_hi_i = static_cast<uint8_t>(hi);
      h_->host_wdata_i = static_cast<uint32_t>(word >> (32 * hi));
      h_.Tick();
    }
    h_->host_we_i = 0;
  }

  uint64_t ReadWord(int q, uint32_t index) {
    uint64_t w = 0;
    for (int hi = 0; hi < 2; ++hi) {
      h_->host_re_i = 1;
      h_->host_q_i = static_cast<uint8_t>(q);
      h_->host_addr_i = static_cast<uint16_t>(index);
      h_->host_hi_i = static_cast<uint8_t>(hi);
      h_.Tick();
      h_->host_re_i = 0;
      w |= uint64_t{h_->host_rdata_o} << (32 * hi);
    }
    return w;
  }

  void SetQlen(int q, uint32_t n) {
    switch (q) {
      case 0:
        h_->qlen0_i = static_cast<uint16_t>(n);
        break;
      case 1:
        h_->qlen1_i = static_cast<uint16_t>(n);
        break;
      case 2:
        h_->qlen2_i = static_cast<uint16_t>(n);
        break;
      default:
        h_->qlen3_i = static_cast<uint16_t>(n);
        break;
    }
  }

  // Loads the four test queues of a program (the other queues must be empty).
  void Load(const Program &p, const Geometry &g) {
    for (uint32_t q = 0; q < g.num_queues(); ++q) {
      bool ours = false;
      for (int i = 0; i < kNq; ++i) ours |= g.queue(q).name == kQueueNames[i];
      ASSERT_TRUE(ours || p.queues[q].empty()) << "queue " << g.queue(q).name << " is not in the test top";
    }
    for (int i = 0; i < kNq; ++i) {
      const auto &words = p.queues[*g.FindQueue(kQueueNames[i])];
      for (size_t j = 0; j < words.size(); ++j) WriteWord(i, static_cast<uint32_t>(j), words[j]);
      SetQlen(i, static_cast<uint32_t>(words.size()));
    }
  }

  // START: one cycle of start_i, then the prime cycle; afterwards the outputs show run cycle 0.
  void Start() {
    h_->start_i = 1;
    h_.Tick();
    h_->start_i = 0;
    h_->en_i = 1;
    h_.Tick();
  }

  Obs Observe() {
    Obs o;
    const uint64_t words[kNq] = {h_->disp0_o, h_->disp1_o, h_->disp2_o, h_->disp3_o};
    const uint32_t errs[kNq] = {h_->err0_o, h_->err1_o, h_->err2_o, h_->err3_o};
    for (int q = 0; q < kNq; ++q) {
      o.valid[q] = (h_->disp_valid_o >> q) & 1u;
      o.word[q] = words[q];
      o.notify[q] = (h_->notify_o >> q) & 1u;
      o.err[q] = errs[q];
      o.done[q] = (h_->done_o >> q) & 1u;
      o.parked[q] = (h_->parked_o >> q) & 1u;
    }
    return o;
  }

 private:
  Harness<Vtsp_icu_tb> h_;
};

// Runs program p on the model and the RTL side by side for at most max_cycles run cycles (or
// until the model is done), comparing every queue view. Returns the RTL's dispatches.
std::vector<Disp> Lockstep(const Program &p, uint64_t max_cycles, uint64_t *cycles = nullptr) {
  const Geometry g(p.geometry);
  Model m(g);
  std::string err;
  EXPECT_TRUE(m.LoadProgram(p, &err)) << err;
  m.Start();
  Bench b;
  b.Load(p, g);
  b.Start();

  std::array<uint32_t, kNq> qid{};
  for (int i = 0; i < kNq; ++i) qid[i] = *g.FindQueue(kQueueNames[i]);
  std::vector<Disp> out;
  size_t seen_errors = 0;
  uint64_t t = 0;
  for (; t < max_cycles; ++t) {
    const Obs o = b.Observe();
    // done / parked: the model's status after t Steps.
    for (int q = 0; q < kNq; ++q) {
      const QueueView v = m.Queue(qid[q]);
      EXPECT_EQ(o.done[q], v.status == QueueStatus::kDone) << "cycle " << t << " " << kQueueNames[q];
      EXPECT_EQ(o.parked[q], v.status == QueueStatus::kSync) << "cycle " << t << " " << kQueueNames[q];
    }
    if (m.done()) break;
    std::array<uint32_t, kNq> pc_before{};
    for (int q = 0; q < kNq; ++q) pc_before[q] = m.Queue(qid[q]).pc;
    m.Step();
    std::array<uint32_t, kNq> model_err{};
    for (; seen_errors < m.errors().size(); ++seen_errors) {
      const ModelError &e = m.errors()[seen_errors];
      EXPECT_EQ(e.cycle, t);
      for (int q = 0; q < kNq; ++q) {
        if (e.where == kQueueNames[q]) model_err[q] |= e.bit;
      }
    }
    for (int q = 0; q < kNq; ++q) {
      const QueueView v = m.Queue(qid[q]);
      const auto &prog = p.queues[qid[q]];
      const std::string at = "cycle " + std::to_string(t) + " " + kQueueNames[q];
      EXPECT_EQ(o.valid[q], v.dispatched_this_cycle) << at;
      if (o.valid[q] && v.dispatched_this_cycle) EXPECT_EQ(o.word[q], v.last_word) << at;
      const bool model_notify =
          v.pc > pc_before[q] && (prog[v.pc - 1] & 0xFF) == static_cast<uint64_t>(Opcode::kNotify);
      EXPECT_EQ(o.notify[q], model_notify) << at;
      EXPECT_EQ(o.err[q] & kIcuErrors, model_err[q] & kIcuErrors) << at;
      if (o.valid[q]) out.push_back({t, q, o.word[q]});
    }
    if (::testing::Test::HasFailure()) break;
    b.h().Tick();
  }
  if (cycles) *cycles = t;
  return out;
}

uint64_t Enc(const Instr &in) { return Encode(in); }

Instr Lw(uint32_t a, uint32_t row) {
  Instr in = Op(Opcode::kLw);
  in.a = a;
  in.imm = row;
  return in;
}

class IcuTest : public ::testing::Test {
 protected:
  Geometry g = Geometry::Default();
  Program Prog() const {
    Program p;
    p.geometry = g.params();
    p.queues.resize(g.num_queues());
    return p;
  }
  std::vector<uint64_t> &Q(Program &p, const char *name) const { return p.queues[*g.FindQueue(name)]; }
};

TEST_F(IcuTest, HostWritesAndReadsInstructionMemory) {
  Bench b;
  const uint64_t w0 = 0x0123456789ABCDEFull, w1 = 0xFEDCBA9876543210ull;
  b.WriteWord(1, 0, w0);
  b.WriteWord(1, 4095, w1);
  b.WriteWord(2, 7, w1);
  EXPECT_EQ(b.ReadWord(1, 0), w0);
  EXPECT_EQ(b.ReadWord(1, 4095), w1);
  EXPECT_EQ(b.ReadWord(2, 7), w1);
}

TEST_F(IcuTest, BackToBackDispatch) {
  Program p = Prog();
  for (uint32_t i = 0; i < 10; ++i) Q(p, "mem.w0").push_back(Enc(Read(3 * i, E(i % 8))));
  const auto d = Lockstep(p, 100);
  ASSERT_EQ(d.size(), 10u);
  for (uint32_t i = 0; i < 10; ++i) EXPECT_EQ(d[i], (Disp{i, 0, Enc(Read(3 * i, E(i % 8)))}));
}

TEST_F(IcuTest, EmptyProgramIsDoneAtOnce) {
  Program p = Prog();
  Bench b;
  b.Load(p, g);
  b.Start();
  const Obs o = b.Observe();
  for (int q = 0; q < kNq; ++q) EXPECT_TRUE(o.done[q]);
}

// Straight after reset, before any START (en_i low), every queue has nothing to dispatch and shows
// done_o = 1 (docs/rtl.md: done_o = "this queue has nothing left to dispatch"; the model's Start()
// marks a queue with an empty program kDone, the state the reset ICU is in). done_o must not change
// while the host writes the instruction memory and before the run starts.
TEST_F(IcuTest, DoneStraightAfterReset) {
  {
    Model m(g);
    std::string err;
    ASSERT_TRUE(m.LoadProgram(Prog(), &err)) << err;
    m.Start();
    for (int q = 0; q < kNq; ++q) EXPECT_EQ(m.Queue(*g.FindQueue(kQueueNames[q])).status, QueueStatus::kDone);
  }
  Bench b;
  Obs o = b.Observe();
  for (int q = 0; q < kNq; ++q) {
    EXPECT_TRUE(o.done[q]) << kQueueNames[q];
    EXPECT_FALSE(o.parked[q]) << kQueueNames[q];
    EXPECT_FALSE(o.valid[q]) << kQueueNames[q];
  }
  b.WriteWord(0, 0, Enc(Read(1, E(0))));
  b.SetQlen(0, 1);
  b.h().Tick();
  o = b.Observe();
  for (int q = 0; q < kNq; ++q) EXPECT_TRUE(o.done[q]) << kQueueNames[q] << " before START";
}

// A queue whose last instruction is NOP 1 (alone, or after a unit instruction, or after a REPEAT)
// is done once that NOP's only cycle has been evaluated: done / parked compared with the model
// every cycle, and the cycle counts by hand.
TEST_F(IcuTest, LastInstructionNopOne) {
  Program p = Prog();
  Q(p, "mem.w0") = {Enc(Nop(1))};                      // done after cycle 0
  Q(p, "mem.w1") = {Enc(Read(4, E(1))), Enc(Nop(1))};  // READ at 0, NOP at 1
  Q(p, "vxm.0") = {Enc(Nop(2)), Enc(Vop(Opcode::kVadd, 0, E(0), E(1), E(2))), Enc(Nop(1))};
  Q(p, "mxm.w") = {Enc(Lw(E(0), 1)), Enc(Repeat(2, 1)), Enc(Nop(1))};  // LW at 0, 1, 2; NOP at 3
  uint64_t cycles = 0;
  const auto d = Lockstep(p, 100, &cycles);
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d[0], (Disp{0, 1, Enc(Read(4, E(1)))}));
  EXPECT_EQ(d[4], (Disp{2, 3, Enc(Lw(E(0), 1))}));
  // Each queue separately: done_o rises in the cycle after its NOP 1.
  for (const auto &[name, done_at] : std::vector<std::pair<const char *, uint64_t>>{
           {"mem.w0", 1}, {"mem.w1", 2}, {"vxm.0", 4}, {"mxm.w", 4}}) {
    SCOPED_TRACE(name);
    Program one = Prog();
    Q(one, name) = Q(p, name);
    Bench b;
    b.Load(one, g);
    b.Start();
    const int qi = static_cast<int>(std::find(kQueueNames.begin(), kQueueNames.end(), std::string(name)) -
                                    kQueueNames.begin());
    for (uint64_t t = 0; t <= done_at + 1; ++t) {
      EXPECT_EQ(b.Observe().done[qi], t >= done_at) << "cycle " << t;
      b.h().Tick();
    }
  }
}

// en_i low for a few cycles in the middle of a run freezes the queue (no evaluation, nothing
// dispatched); afterwards it continues with the next instruction, as the model does when it is
// simply not stepped: the instruction RAM keeps reading the pc of the next evaluation during the
// pause, not the host address. (tsp_core never lowers en_i between START and the end of a run.)
TEST_F(IcuTest, PauseKeepsTheNextInstruction) {
  Program p = Prog();
  for (uint32_t i = 0; i < 6; ++i) Q(p, "mem.w0").push_back(Enc(Read(10 + i, E(i % 8))));
  Bench b;
  b.Load(p, g);
  b.Start();
  std::vector<uint64_t> got;
  for (int t = 0; t < 20 && !b.Observe().done[0]; ++t) {
    const Obs o = b.Observe();
    if (o.valid[0]) got.push_back(o.word[0]);
    if (t == 2) {
      b.h()->en_i = 0;
      b.h()->host_addr_i = 0;  // no host access: the RAM must not read this address
      b.h().Eval();            // settle before the edge (disp_d depends on en_i)
      for (int i = 0; i < 3; ++i) {
        b.h().Tick();
        EXPECT_FALSE(b.Observe().valid[0]) << "pause " << i;
      }
      b.h()->en_i = 1;
    }
    b.h().Tick();
  }
  EXPECT_EQ(got, Q(p, "mem.w0"));  // every instruction once, in program order
}

TEST_F(IcuTest, NopTiming) {
  Program p = Prog();
  auto &q = Q(p, "mem.w0");
  q = {Enc(Nop(3)), Enc(Read(1, E(0))), Enc(Nop(1)), Enc(Read(2, E(1))), Enc(Nop(5))};
  Q(p, "mem.w1") = {Enc(Nop(1)), Enc(Read(0, W(2))), Enc(Nop(2))};
  uint64_t cycles = 0;
  const auto d = Lockstep(p, 100, &cycles);
  // Hand-computed: NOP 3 covers 0..2, READ at 3, NOP 1 at 4, READ at 5, NOP 5 covers 6..10.
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0], (Disp{1, 1, Enc(Read(0, W(2)))}));
  EXPECT_EQ(d[1], (Disp{3, 0, Enc(Read(1, E(0)))}));
  EXPECT_EQ(d[2], (Disp{5, 0, Enc(Read(2, E(1)))}));
  EXPECT_EQ(cycles, 11u);  // done after the NOP tail: 11 cycles (the READ's last write is at 5+3+2)
}

TEST_F(IcuTest, RepeatWithStride) {
  Program p = Prog();
  Q(p, "mem.w0") = {Enc(Read(100, E(2))), Enc(Repeat(4, 3, 2)), Enc(Read(7, E(3)))};
  Q(p, "mem.w1") = {Enc(Read(5, E(1))), Enc(Repeat(3, 1, -2))};  // d = 1: back to back, wraps
  Q(p, "mxm.w") = {Enc(Lw(E(0), 1)), Enc(Repeat(5, 2, 3))};      // LW row stride
  const auto d = Lockstep(p, 200);
  std::vector<Disp> expect;
  for (uint32_t i = 0; i <= 4; ++i) expect.push_back({3 * i, 0, Enc(Read(100 + 2 * i, E(2)))});
  expect.push_back({13, 0, Enc(Read(7, E(3)))});
  for (uint32_t i = 0; i <= 3; ++i) {
    expect.push_back({i, 1, Enc(Read(static_cast<uint32_t>(5 - 2 * static_cast<int>(i)) & 0xFFFF, E(1)))});
  }
  for (uint32_t i = 0; i <= 5; ++i) expect.push_back({2 * i, 3, Enc(Lw(E(0), 1 + 3 * i))});
  auto key = [](const Disp &x) { return x.cycle * 8 + static_cast<uint64_t>(x.q); };
  std::sort(expect.begin(), expect.end(), [&](const Disp &a, const Disp &c) { return key(a) < key(c); });
  EXPECT_EQ(d, expect);
}

TEST_F(IcuTest, SyncNotify) {
  Program p = Prog();
  // mem.w0 parks at 0; mem.w1 notifies at 5 -> mem.w0 dispatches at 5 + NotifyLatency.
  Q(p, "mem.w0") = {Enc(Op(Opcode::kSync)), Enc(Read(1, E(0))), Enc(Op(Opcode::kSync)), Enc(Read(2, E(0)))};
  Q(p, "mem.w1") = {Enc(Nop(5)), Enc(Op(Opcode::kNotify)), Enc(Read(3, E(1))), Enc(Nop(20)),
                    Enc(Op(Opcode::kNotify))};
  // vxm.0 parks at 5, the cycle of the first NOTIFY (released too); mxm.w parks at 6 (not).
  Q(p, "vxm.0") = {Enc(Nop(5)), Enc(Op(Opcode::kSync)), Enc(Vop(Opcode::kVadd, 0, E(0), E(1), E(2)))};
  Q(p, "mxm.w") = {Enc(Nop(6)), Enc(Op(Opcode::kSync)), Enc(Op(Opcode::kIw))};
  const auto d = Lockstep(p, 200);
  const uint64_t L = isa::kNotifyLatency;
  std::vector<Disp> expect = {
      {6, 1, Enc(Read(3, E(1)))},
      {5 + L, 0, Enc(Read(1, E(0)))},
      {5 + L, 2, Enc(Vop(Opcode::kVadd, 0, E(0), E(1), E(2)))},
      {27 + L, 0, Enc(Read(2, E(0)))},  // second SYNC at 5+L+1, second NOTIFY at 6+1+20
      {27 + L, 3, Enc(Op(Opcode::kIw))},
  };
  EXPECT_EQ(d, expect);
}

TEST_F(IcuTest, UnitBusy) {
  Program p = Prog();
  const Instr fexp = Vop(Opcode::kFexp, 3, E(0), E(4));
  const Instr vadd = Vop(Opcode::kVadd, 0, E(0), E(1), E(2));
  // Lockstep compares UnitBusy every cycle with the model's. FEXP interleaves (ISA version 5): the
  // VADD at 1 (odd offset) is legal, the one at 2 (even) is UnitBusy and its own occupancy (1)
  // replaces the FEXP's, so the FEXP at 32 is legal; its re-issues at 42 and 52 are UnitBusy
  // (another special function inside the occupancy).
  Q(p, "vxm.0") = {Enc(fexp), Enc(vadd), Enc(vadd), Enc(Nop(29)), Enc(fexp), Enc(Repeat(2, 10))};
  const auto d = Lockstep(p, 200);
  ASSERT_EQ(d.size(), 6u);
  EXPECT_EQ(d[1].cycle, 1u);
  EXPECT_EQ(d[2].cycle, 2u);
  EXPECT_EQ(d[3].cycle, 32u);
  EXPECT_EQ(d[4].cycle, 42u);
  EXPECT_EQ(d[5].cycle, 52u);
  Model m{Geometry(p.geometry)};
  std::string err;
  ASSERT_TRUE(m.LoadProgram(p, &err)) << err;
  m.Start();
  m.Run(200);
  std::vector<uint64_t> busy;
  for (const auto &e : m.errors()) {
    if (e.bit == isa::kErrUnitBusy) busy.push_back(e.cycle);
  }
  EXPECT_EQ(busy, (std::vector<uint64_t>{2, 42, 52}));
}

// Ordinary instructions in every odd slot of a special function, and a REPEAT with d = 2 that
// walks them (ISA version 5 interleave): no UnitBusy on either side.
TEST_F(IcuTest, InterleaveSlots) {
  Program p = Prog();
  const Instr fexp = Vop(Opcode::kFexp, 3, E(0), E(4));
  const Instr vadd = Vop(Opcode::kVadd, 0, E(0), E(1), E(2));
  const uint32_t occ = isa::Info(Opcode::kFexp).occupancy;
  Q(p, "vxm.0") = {Enc(fexp), Enc(vadd), Enc(Repeat((occ - 3) / 2, 2)), Enc(Nop(1)), Enc(fexp)};
  const auto d = Lockstep(p, 200);
  ASSERT_EQ(d.size(), 2u + (occ - 3) / 2 + 1);
  EXPECT_EQ(d[1].cycle, 1u);
  EXPECT_EQ(d[d.size() - 2].cycle, uint64_t{occ} - 2);  // the last odd slot
  EXPECT_EQ(d.back().cycle, uint64_t{occ});                // the next special function
  Model m{Geometry(p.geometry)};
  std::string err;
  ASSERT_TRUE(m.LoadProgram(p, &err)) << err;
  m.Start();
  m.Run(200);
  for (const auto &e : m.errors()) EXPECT_NE(e.bit, isa::kErrUnitBusy) << e.message;
}

// What the model refuses to load: the RTL flags it and skips the word.
TEST_F(IcuTest, IllegalAndBadInstructions) {
  Bench b;
  const uint64_t vadd = Enc(Vop(Opcode::kVadd, 0, E(0), E(1), E(2)));
  const std::vector<uint64_t> words = {
      Enc(Repeat(2, 1)),   // 0: REPEAT without a unit instruction before it -> IllegalOpcode
      vadd,                // 1: VXM op in a MEM queue -> IllegalOpcode
      0x7F,                // 2: undefined opcode -> IllegalOpcode
      Enc(Read(4, E(0))),  // 3: dispatched
      Enc(Repeat(0, 1)),   // 4: REPEAT n = 0 -> BadField
      Enc(Read(5, E(0))),  // 5: dispatched
  };
  for (size_t i = 0; i < words.size(); ++i) b.WriteWord(0, static_cast<uint32_t>(i), words[i]);
  b.SetQlen(0, static_cast<uint32_t>(words.size()));
  b.Start();
  const uint32_t kIll = isa::kErrIllegalOpcode, kBad = isa::kErrBadField;
  const std::vector<uint32_t> expect_err = {kIll, kIll, kIll, 0, kBad, 0};
  for (size_t t = 0; t < words.size(); ++t) {
    const Obs o = b.Observe();
    EXPECT_EQ(o.err[0], expect_err[t]) << "cycle " << t;
    EXPECT_EQ(o.valid[0], t == 3 || t == 5) << "cycle " << t;
    if (t == 3) EXPECT_EQ(o.word[0], Enc(Read(4, E(0))));
    EXPECT_FALSE(o.done[0]);
    b.h().Tick();
  }
  EXPECT_TRUE(b.Observe().done[0]);
}

// A REPEAT index beyond the 16-bit addr field raises BadField at that dispatch.
TEST_F(IcuTest, RepeatIndexOverflowIsBadField) {
  Bench b;
  b.WriteWord(0, 0, Enc(Read(1000, E(0))));
  b.WriteWord(0, 1, Enc(Repeat(3, 1, 30000)));  // 1000, 31000, 61000, 91000 (> 0xFFFF)
  b.SetQlen(0, 2);
  b.Start();
  for (uint32_t t = 0; t < 4; ++t) {
    const Obs o = b.Observe();
    ASSERT_TRUE(o.valid[0]) << t;
    EXPECT_EQ(o.word[0], Enc(Read((1000 + 30000 * t) & 0xFFFF, E(0)))) << t;
    EXPECT_EQ(o.err[0], t == 3 ? isa::kErrBadField : 0u) << t;
    b.h().Tick();
  }
}

// Random instruction streams (READ, NOP, REPEAT, SYNC, NOTIFY, VXM ops of occupancy 1 and FEXP's,
// LW/IW) compared with the model cycle by cycle, including deadlocked SYNCs.
TEST_F(IcuTest, RandomStreamsMatchModel) {
  std::mt19937 rng(12345);
  auto rnd = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  for (int iter = 0; iter < 12; ++iter) {
    Program p = Prog();
    for (int qi = 0; qi < kNq; ++qi) {
      auto &q = Q(p, kQueueNames[qi]);
      const uint32_t len = 5 + rnd(25);
      bool prev_unit = false;
      while (q.size() < len) {
        const uint32_t r = rnd(100);
        if (r < 12) {
          q.push_back(Enc(Nop(1 + rnd(6))));
          prev_unit = false;
        } else if (r < 24 && prev_unit) {
          q.push_back(Enc(Repeat(1 + rnd(4), 1 + rnd(4), static_cast<int32_t>(rnd(7)) - 3)));
          prev_unit = false;
        } else if (r < 29) {
          q.push_back(Enc(Op(Opcode::kSync)));
          prev_unit = false;
        } else if (r < 36) {
          q.push_back(Enc(Op(Opcode::kNotify)));
          prev_unit = false;
        } else {
          Instr in;
          if (qi < 2) {
            in = Read(rnd(g.mem_words()), rnd(2) ? E(rnd(8)) : W(rnd(8)));
          } else if (qi == 2) {
            in = rnd(6) == 0 ? Vop(Opcode::kFexp, 3, E(0), E(4)) : Vop(Opcode::kVadd, 0, E(0), E(1), E(2));
          } else {
            in = rnd(3) == 0 ? Op(Opcode::kIw) : Lw(E(rnd(8)), rnd(16));
          }
          q.push_back(Enc(in));
          prev_unit = true;
        }
      }
    }
    Lockstep(p, 600);
    if (HasFailure()) {
      ADD_FAILURE() << "random program " << iter;
      break;
    }
  }
}

}  // namespace
}  // namespace tsp::tb
