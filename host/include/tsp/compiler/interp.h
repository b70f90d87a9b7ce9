// Functional evaluation of a compiler::Graph: every node's instruction semantics (the ISA's, through
// tsp::num for the VXM) applied to whole vectors, in program order, on a flat MEM image laid out
// like the reference model's (slice, word address, lane). No streams and no time: comparing its
// MEM with the cycle-exact model's after running the scheduled program checks scheduling and
// emission independently of the numerics, and it predicts bit-exact results for the compiler.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "tsp/compiler/graph.h"

namespace tsp::compiler {

class Interpreter {
 public:
  // `mem` must hold num_mem_slices * mem_words * VL bytes.
  Interpreter(const Graph &g, std::vector<uint8_t> *mem);
  void Run();
  // Bytes of a value: VL bytes per stream, stream-major (stream b at [b*VL, (b+1)*VL)).
  const std::vector<uint8_t> &ValueBytes(uint32_t v) const { return vals_[v]; }

 private:
  void Eval(uint32_t node);
  uint32_t Lane(const Operand &op, uint32_t lane) const;  // operand lane value (bytes of the group)
  uint8_t *Word(uint32_t slice, uint32_t addr);

  const Graph &g_;
  std::vector<uint8_t> &mem_;
  std::vector<std::vector<uint8_t>> vals_;
  std::array<std::vector<uint8_t>, 2> mxm_buf_, mxm_arr_;
};

}  // namespace tsp::compiler
