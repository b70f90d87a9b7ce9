// Dispatch-time model of one instruction queue (see QueueClock in tsp/assembler.h).
#include "tsp/assembler.h"

namespace tsp {

int64_t QueueClock::Step(uint64_t word) {
  const int64_t at = next_;
  const bool was_known = known_;
  Instr in;
  std::string error;
  if (!Decode(word, &in, &error)) {
    // Not an instruction at all: it still occupies one dispatch slot.
    last_ = at;
    next_ = at + 1;
    return was_known ? at : -1;
  }
  switch (in.op) {
    case isa::Opcode::kNop:
      last_ = at;
      next_ = at + in.n;
      break;
    case isa::Opcode::kRepeat:
      // Re-issues at t0+d .. t0+n*d, t0 = dispatch cycle of the previous word.
      next_ = last_ + int64_t{in.n} * int64_t{in.d} + 1;
      if (next_ <= at) next_ = at + 1;
      last_ = at;
      break;
    case isa::Opcode::kSync:
      known_ = false;
      last_ = at;
      next_ = at + 1;
      break;
    default:
      last_ = at;
      next_ = at + 1;
      break;
  }
  return was_known ? at : -1;
}

}  // namespace tsp
