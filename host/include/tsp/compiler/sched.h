// Static scheduler: gives every node of a compiler::Graph its dispatch cycle (and VXM ALU) and every
// value its streams, then emits the instruction queues (NOP gaps, REPEAT runs) as a tsp::Program.
//
// Clusters (nodes joined by values) are placed as rigid units by list scheduling in order of
// their longest path to the end of the program, each at the earliest cycle at which every
// resource it needs is free in a reservation table:
//   * queue dispatch slots and unit occupancy (isa::OpInfo::occupancy),
//   * stream registers: a value owns its diagonal of registers (direction, stream, cycle - position)
//     from its producer to its farthest consumer, so nothing overwrites a value in flight and no
//     two writes meet in one register,
//   * MEM banks (one access per bank, tile and cycle; both banks for a data-addressed
//     GATHER/SCATTER whose region spans two banks),
// and no earlier than its dependencies (MEM buffers, MXM weight buffer and array) allow.
// Everything is in superlane-0 time: superlane k of every instruction follows k cycles later, so
// checking superlane 0 checks them all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tsp/compiler/graph.h"
#include "tsp/program.h"

namespace tsp::compiler {

struct ScheduleOptions {
  uint64_t max_search = 200'000;  // cycles tried past a cluster's earliest start before giving up
  bool check_iq_depth = true;      // fail when a queue needs more than IqDepth instructions
  uint32_t tries = 4;              // list-scheduling passes (see PlaceBest); the shortest wins
  uint32_t justify = 1;            // rounds of double justification after each pass (0: none)
};

struct QueueStats {
  uint32_t instructions = 0;  // words emitted (NOP and REPEAT included)
  uint32_t unit_ops = 0;      // unit instructions dispatched (REPEAT re-issues included)
  uint64_t busy_cycles = 0;   // issue slots its instructions take (FEXP ..: the even offsets)
};

struct ScheduleResult {
  Program program;
  uint64_t predicted_cycles = 0;
  uint32_t clusters = 0;
  std::vector<QueueStats> queues;
  std::vector<uint32_t> node_queue;  // per graph node: the queue it dispatches from (VXM: the ALU chosen)
};

// Schedules and emits. False with a message naming the node / cluster when the graph cannot be
// placed (inconsistent rigid timing, a dependency cycle, an operand on both sides of its
// producer) or a queue exceeds IqDepth.
bool Schedule(Graph &g, const ScheduleOptions &opt, ScheduleResult *out, std::string *error);

// Lower bounds on the cycles of a scheduled graph (docs/performance.md).
//  * resource: the busiest unit. Each MEM slice, SXM and MXM queue is one unit (its instructions'
//    occupancy summed); the VXM ALUs are interchangeable, so the VXM bound is their summed occupancy
//    divided by the number of ALUs; the stream registers of each direction can hold
//    positions x streams values per cycle.
//  * dependency: the longest chain of latencies with unlimited units: every value edge as
//    "consumer >= producer + latency + hops", every buffer / MXM-state dependency with its delta,
//    plus the last event of the final node.
struct Bounds {
  uint64_t resource = 0;
  std::string resource_unit;  // which unit sets it
  uint64_t dependency = 0;
  std::vector<std::pair<std::string, uint64_t>> units;  // every unit's busy cycles (VXM: per ALU)
  std::vector<uint32_t> critical_path;  // nodes of one longest dependency chain, first to last
  std::vector<int64_t> critical_times;  // their earliest cycles with unlimited units
};
Bounds ComputeBounds(const Graph &g);

// Text of one node for messages ("mem.w3 read 17 -> v12 @ 405").
std::string DescribeNode(const Graph &g, uint32_t node);

}  // namespace tsp::compiler
