// TSP assembler and program disassembler (the language is described in docs/assembly.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tsp/geometry.h"
#include "tsp/instr.h"
#include "tsp/program.h"

namespace tsp {

// One assembled instruction word, for listings (tsp-asm --print).
struct AsmListing {
  uint32_t queue = 0;  // queue id (Geometry::queues() index)
  uint32_t index = 0;  // position in that queue
  int64_t cycle = -1;  // dispatch cycle assuming the queue starts at 0; -1 after a SYNC (unknown)
  uint64_t word = 0;
  int line = 0;      // source line (an inserted NOP carries the line of its @ instruction)
  std::string text;  // canonical text (Disassemble), ".inst 0x..." for raw words
};

struct AsmResult {
  bool ok = false;
  std::string error;                // every error, one per line: "file:line:column: message"
  std::vector<std::string> errors;  // the same, one entry each
  Program program;
  std::vector<AsmListing> listing;  // every word in queue order (empty when !ok)
};

// Assembles source text; `filename` is only used in error messages.
AsmResult Assemble(std::string_view text, std::string_view filename);

// Assembly text for a whole program: .geometry, every .queue section (all queues, in queue order)
// and every MEM image as a .mem block of .byte lines, with dispatch cycles as comments. Words that
// are not valid instructions for their queue are written as `.inst 0x...` so that
// Assemble(DisassembleProgram(p)) reproduces p exactly for any program whose MEM images are
// whole words, do not overlap and fit their slice.
std::string DisassembleProgram(const Program &p);

// Dispatch-time model of one queue used by `@` placement, listings and disassembly comments:
// the queue starts at cycle 0 and never waits on SYNC; every instruction takes one cycle,
// NOP n takes n, REPEAT n, d makes the next instruction dispatch at t0 + n*d + 1 (t0: dispatch
// cycle of the instruction before the REPEAT). After a SYNC the time is unknown.
class QueueClock {
 public:
  // Dispatch cycle of the next word, or -1 if unknown.
  int64_t next() const { return known_ ? next_ : -1; }
  // Accounts for one word; returns its dispatch cycle (-1 if unknown).
  int64_t Step(uint64_t word);

 private:
  int64_t next_ = 0;
  int64_t last_ = 0;  // dispatch cycle of the previous word
  bool known_ = true;
};

}  // namespace tsp
