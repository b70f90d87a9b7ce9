// Board bring-up self-test (tsp-selftest, docs/bringup.md): a known-answer suite that runs on any
// tsp::Device (ref, rtl, uart:..., a board) through the host map only, with every expected value
// from the ISA spec or from the reference model (a `ref` device of the same geometry):
//
//   registers   ID, VERSION, GEOM / GEOM_HI (the geometry fingerprint), NUM_QUEUES, QLEN written
//               and read back, CTRL.CLEAR leaves STATUS idle
//   mem         a march over every MEM word of every slice (both banks): address-unique pattern up,
//               read it and write its complement up, read that and write a checkerboard down,
//               read it; failures counted per (slice, bank) with the first bad word and lane
//   unit.X      one generated program per unit (main instructions of MEM, VXM, SXM, MXM only)
//   random      N generated programs of every kind
//   For each program: the final MEM (every word), cycle count, DONE and ERROR equal to the
//   reference model's; MEM is zeroed on both before the first program.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tsp {

class Device;

struct SelfTestOptions {
  uint32_t random_programs = 8;  // generated programs of the "random" step
  uint64_t seed = 1;             // first generator seed (unit programs search from here)
  uint32_t march_words = 0;      // words per slice in the march (0: all; a slow link may limit it)
  uint64_t max_cycles = 5'000'000;
};

struct SelfTestStep {
  std::string name;
  bool ok = false;
  std::string detail;  // what was checked, or the first failures
  double seconds = 0;
};

struct SelfTestReport {
  std::vector<SelfTestStep> steps;
  bool ok() const;
  std::string Table() const;  // one line per step, then PASS / FAIL
};

// Runs every step (a failing step does not stop the others). Link errors (tsp::link::LinkError)
// propagate: a dead link is not a failed memory.
SelfTestReport RunSelfTest(Device &dev, const SelfTestOptions &opt = {});

}  // namespace tsp
