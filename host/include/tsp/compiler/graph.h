// The compiler's program representation: a dataflow graph of TSP unit instructions.
//
// Every node is one unit instruction (MEM READ/WRITE/GATHER/SCATTER, a VXM, SXM or MXM op) on a
// known queue (VXM nodes: either ALU, chosen by the scheduler). Every value is one stream group
// written by one node (a MEM READ: one byte plane; a VXM fp32 op: four streams). An operand of a
// node names, per stream of its group, which value (and which byte of it) it reads. A value flows
// straight from its producer to its consumers through the stream registers, so a producer and its
// consumers are rigidly coupled in time by the TSP timing rule
//
//     consumer dispatch + read offset = producer dispatch + write offset + hops
//
// (hops = |consumer position - producer position|, or 1 for a VXM op reading the value the VXM
// wrote in the previous cycle at its own position). Nodes connected through values form a
// "cluster" that the scheduler places as one rigid unit. Everything else is ordered through MEM
// buffers and unit state (the MXM weight buffer and array): each node records the buffers it
// reads and writes, and the builder turns program order into dependency edges
// (read-after-write, write-after-read, write-after-write) with the exact minimum distances of
// the bank timing. The scheduler (sched.h) gives every node its cycle and every value its
// streams; the interpreter (interp.h) evaluates the graph functionally.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tsp/geometry.h"
#include "tsp/instr.h"

namespace tsp::compiler {

inline constexpr uint32_t kNone = 0xFFFFFFFFu;

// Words of MEM: `words` consecutive word addresses from `addr` in each of the slices that hold
// its byte planes (plane p in slices[p]). Unit state (MXM weight buffer/array) is a buffer with
// no planes, used only for ordering.
struct Buffer {
  std::string name;
  uint32_t planes = 1;
  std::array<uint32_t, 4> slices{};
  uint32_t addr = 0;
  uint32_t words = 1;
  bool state = false;  // unit state, not MEM
};

// One stream of an operand: byte `byte` of value `value`.
struct Part {
  uint32_t value = kNone;
  uint8_t byte = 0;
};

struct Operand {
  uint8_t width = 0;  // streams in the group (1, 2, 4)
  std::array<Part, 4> parts{};
  bool local = false;  // VXM chaining: read at the VXM's own position one cycle after the write
};

// A buffer access of a node at dispatch + offset (MEM: the bank cycle; unit state: dispatch).
struct Access {
  uint32_t buf = kNone;
  bool write = false;
  int32_t offset = 0;
};

struct Node {
  Instr in;                  // opcode and non-stream fields (READ/WRITE: absolute address)
  uint32_t queue = kNone;    // queue id; kNone for a VXM op (the scheduler picks an ALU)
  std::vector<Operand> ops;  // see OperandField(); TRANS: the 16 rows
  std::vector<uint32_t> outs;
  std::vector<Access> access;
  uint32_t region = kNone;   // GATHER/SCATTER: the buffer whose words the data address selects
  uint16_t tag = 0;          // phase label index (Graph::tags)
  // Set by the scheduler.
  int64_t time = -1;
  uint32_t cluster = kNone;
};

struct Value {
  uint32_t node = kNone;
  uint8_t out = 0;  // output index of the producer (TRANS: column)
  uint8_t width = 1;
  std::vector<std::pair<uint32_t, uint32_t>> uses;  // (node, operand index)
  // Set by the scheduler.
  Dir dir = Dir::kEast;
  uint8_t stream = 0;  // first stream of the group
};

// time(to) >= time(from) + delta.
struct Dep {
  uint32_t from, to;
  int32_t delta;
};

// Iterations of a loop: the scheduler places them as one rigid unit, iteration i exactly i * period
// cycles after iteration 0 (the smallest period >= min_period at which the iterations do not
// collide in a queue or bank and every dependency between them holds), so that each instruction
// of the body becomes one REPEAT run. anchors[i] = first node of iteration i; the iterations must
// be built by the same code (isomorphic).
struct Loop {
  std::vector<uint32_t> anchors;
  uint32_t min_period = 1;
  uint32_t period = 0;  // set by the scheduler
};

struct Graph {
  explicit Graph(const Geometry &g) : geom(g) { tags.push_back(""); }
  Geometry geom;
  std::vector<Buffer> buffers;
  std::vector<Node> nodes;
  std::vector<Value> values;
  std::vector<Dep> deps;
  std::vector<Loop> loops;
  std::vector<std::string> tags;

  uint32_t Position(const Node &n) const;           // floorplan position of the node's slice
  bool IsVxm(const Node &n) const { return n.in.info().unit == isa::Unit::kVxm; }
  // Cycles after dispatch at which operand `i` is read / output `j` is written (superlane 0).
  static int32_t ReadOffset(const Node &n, uint32_t i);
  static int32_t WriteOffset(const Node &n, uint32_t j);
};

// Which instruction field an operand / the outputs of a node use.
enum class Field : uint8_t { kA, kB, kM, kS, kDst };
Field OperandField(const Node &n, uint32_t i);
Field OutputField(const Node &n);

}  // namespace tsp::compiler
