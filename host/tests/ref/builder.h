// Test helper: builds programs instruction by instruction with explicit dispatch cycles, so tests
// do not depend on the assembler.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tsp/instr.h"
#include "tsp/model.h"
#include "tsp/program.h"

namespace tsp::test {

inline uint32_t E(uint32_t i) { return StreamField(Dir::kEast, i); }
inline uint32_t W(uint32_t i) { return StreamField(Dir::kWest, i); }

inline Instr Op(isa::Opcode op) {
  Instr in;
  in.op = op;
  return in;
}
inline Instr Read(uint32_t addr, uint32_t s) {
  Instr in = Op(isa::Opcode::kRead);
  in.addr = addr;
  in.s = s;
  return in;
}
inline Instr Write(uint32_t addr, uint32_t s) {
  Instr in = Op(isa::Opcode::kWrite);
  in.addr = addr;
  in.s = s;
  return in;
}
inline Instr Vop(isa::Opcode op, uint32_t dtype, uint32_t dst, uint32_t a, uint32_t b = 0) {
  Instr in = Op(op);
  in.dtype = dtype;
  in.dst = dst;
  in.a = a;
  in.b = b;
  return in;
}
inline Instr Nop(uint32_t n) {
  Instr in = Op(isa::Opcode::kNop);
  in.n = n;
  return in;
}
inline Instr Repeat(uint32_t n, uint32_t d, int32_t stride = 0) {
  Instr in = Op(isa::Opcode::kRepeat);
  in.n = n;
  in.d = d;
  in.stride = stride;
  return in;
}

class Builder {
 public:
  explicit Builder(const Geometry &g) : g_(g), time_(g.num_queues(), 0) {
    prog_.geometry = g.params();
    prog_.queues.resize(g.num_queues());
  }
  // Appends `in` to queue `q` so that it dispatches at cycle `at` (NOP padding inserted).
  Builder &At(const std::string &queue, uint64_t at, const Instr &in) {
    const uint32_t q = Q(queue);
    EXPECT_GE(at, time_[q]) << "queue " << queue << " already at cycle " << time_[q];
    if (at > time_[q]) Push(q, Nop(static_cast<uint32_t>(at - time_[q])));
    Push(q, in);
    return *this;
  }
  // Appends without padding (ICU instructions: SYNC, NOTIFY, REPEAT, NOP).
  Builder &Add(const std::string &queue, const Instr &in) {
    Push(Q(queue), in);
    return *this;
  }
  Builder &Mem(uint32_t slice, uint32_t addr, const std::vector<uint8_t> &bytes) {
    MemImage img;
    img.slice = slice;
    img.addr = addr;
    img.data = bytes;
    img.data.resize((bytes.size() + g_.vl() - 1) / g_.vl() * g_.vl(), 0);
    prog_.mem.push_back(img);
    return *this;
  }
  uint32_t Q(const std::string &name) const {
    auto q = g_.FindQueue(name);
    EXPECT_TRUE(q.has_value()) << "no queue " << name;
    return q.value_or(0);
  }
  const Program &program() const { return prog_; }

 private:
  void Push(uint32_t q, const Instr &in) {
    prog_.queues[q].push_back(Encode(in));
    if (in.op == isa::Opcode::kNop) {
      time_[q] += in.n;
    } else if (in.op == isa::Opcode::kRepeat) {
      time_[q] += uint64_t{in.n} * in.d;
    } else {
      time_[q] += 1;
    }
  }
  Geometry g_;
  Program prog_;
  std::vector<uint64_t> time_;
};

// Loads and runs a program; fails the test on load errors.
inline RunResult LoadAndRun(Model &m, const Program &p, uint64_t max_cycles = 100000) {
  std::string err;
  EXPECT_TRUE(m.LoadProgram(p, &err)) << err;
  m.Start();
  return m.Run(max_cycles);
}

}  // namespace tsp::test
