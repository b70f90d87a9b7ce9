// Reference-model speed: simulated cycles per second for the default geometry on a busy program
// (every MEM slice streaming, both VXM ALUs adding, every cycle). Prints figures; asserts nothing.
#include <benchmark/benchmark.h>

#include <random>

#include "tsp/instr.h"
#include "tsp/model.h"

namespace {

using tsp::Dir;
using tsp::Instr;
using tsp::StreamField;
using tsp::isa::Opcode;

Instr Make(Opcode op) {
  Instr in;
  in.op = op;
  return in;
}

// mem.w0/w1 read two vectors every cycle for `n` cycles onto E0/E1; vxm.0 adds them onto W2,
// vxm.1 multiplies them onto E2 (which flows east into mem.e0, written back), mem.w0 writes W2.
tsp::Program BusyProgram(const tsp::Geometry &g, uint32_t n) {
  tsp::Program p;
  p.geometry = g.params();
  p.queues.resize(g.num_queues());
  auto q = [&](const char *name) -> std::vector<uint64_t> & { return p.queues[*g.FindQueue(name)]; };
  auto nop = [](uint32_t c) {
    Instr in = Make(Opcode::kNop);
    in.n = c;
    return tsp::Encode(in);
  };
  auto rep = [&](uint32_t cnt) {
    Instr in = Make(Opcode::kRepeat);
    in.n = cnt;
    in.d = 1;
    in.stride = 1;
    return tsp::Encode(in);
  };
  auto mem = [](Opcode op, uint32_t addr, uint32_t s) {
    Instr in = Make(op);
    in.addr = addr;
    in.s = s;
    return tsp::Encode(in);
  };
  auto vop = [](Opcode op, uint32_t dst, uint32_t a, uint32_t b) {
    Instr in = Make(op);
    in.dst = dst;
    in.a = a;
    in.b = b;
    return tsp::Encode(in);
  };
  const uint32_t E0 = StreamField(Dir::kEast, 0), E1 = StreamField(Dir::kEast, 1);
  const uint32_t E2 = StreamField(Dir::kEast, 2), W2 = StreamField(Dir::kWest, 2);
  // reads: mem.w1 at 0.., mem.w0 at 1..; VXM at 4..; mem.w0 writes W2 at 7..; mem.e0 writes E2 at 7..
  q("mem.w1") = {mem(Opcode::kRead, 0, E1), rep(n - 1)};
  q("mem.w0") = {nop(1), mem(Opcode::kRead, 0, E0), rep(n - 1)};
  q("vxm.0") = {nop(4), vop(Opcode::kVadd, W2, E0, E1), rep(n - 1)};
  q("vxm.1") = {nop(4), vop(Opcode::kVmul, E2, E0, E1), rep(n - 1)};
  q("mem.e0") = {nop(7), mem(Opcode::kWrite, g.words_per_bank(), E2), rep(n - 1)};
  // mem.w0 is busy reading until cycle n; its write-back goes to mem.w2 instead (three hops west of the VXM).
  q("mem.w2") = {nop(9), mem(Opcode::kWrite, 0, W2), rep(n - 1)};
  // The repeat strides address 0..n-1; keep n within the bank.
  return p;
}

void BM_ModelBusy(benchmark::State &state) {
  const tsp::Geometry g = tsp::Geometry::Default();
  const uint32_t n = 500;
  const tsp::Program p = BusyProgram(g, n);
  tsp::Model m(g);
  std::string err;
  if (!m.LoadProgram(p, &err)) {
    state.SkipWithError(err.c_str());
    return;
  }
  uint64_t cycles = 0;
  for (auto _ : state) {
    m.Start();
    auto r = m.Run(100000);
    cycles += r.cycles;
    if (!m.errors().empty()) {
      state.SkipWithError(m.errors()[0].message.c_str());
      return;
    }
  }
  state.counters["sim_cycles_per_s"] = benchmark::Counter(static_cast<double>(cycles), benchmark::Counter::kIsRate);
  state.counters["cycles_per_run"] = static_cast<double>(cycles) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_ModelBusy)->Unit(benchmark::kMillisecond);

void BM_ModelIdleNop(benchmark::State &state) {
  const tsp::Geometry g = tsp::Geometry::Default();
  tsp::Program p;
  p.geometry = g.params();
  p.queues.resize(g.num_queues());
  Instr nop = Make(Opcode::kNop);
  nop.n = 100000;
  p.queues[0] = {tsp::Encode(nop)};
  tsp::Model m(g);
  std::string err;
  m.LoadProgram(p, &err);
  uint64_t cycles = 0;
  for (auto _ : state) {
    m.Start();
    cycles += m.Run(200000).cycles;
  }
  state.counters["sim_cycles_per_s"] = benchmark::Counter(static_cast<double>(cycles), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ModelIdleNop)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
