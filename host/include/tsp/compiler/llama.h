// Compiles a llama2.c transformer (tsp::llm::Checkpoint) into one TSP program that runs a whole
// forward step: embedding lookup by token id, every layer (rmsnorm, q/k/v, RoPE, KV-cache write at
// the current position, masked attention over the compiled number of positions, output projection,
// SwiGLU feed-forward, residuals), the final norm, the classifier and the greedy argmax. Every
// weight, table and the KV cache live in on-chip MEM (the program's MEM images); the host writes
// only the token id and the position (host_io) and reads back the next token or the logits.
//
// Numerics (docs/compiler.md): exact mode keeps 16-bit weights (per-row scale), activations
// quantised to 16 bits per vector, a 16-bit KV cache with one scale per position and row, and fp32
// everywhere else; a 16x16-bit product is four int8 MXM passes (hi/lo planes, the two MXMs work
// on the two weight planes of the same 16 rows) combined exactly in int32/fp32 on the VXM. Fast
// mode keeps 8-bit weights.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tsp/compiler/graph.h"
#include "tsp/compiler/sched.h"
#include "tsp/geometry.h"
#include "tsp/llm/checkpoint.h"
#include "tsp/program.h"

namespace tsp::compiler {

enum class Precision : uint8_t { kExact, kFast };

struct LlamaOptions {
  Precision precision = Precision::kExact;
  // Attention length compiled into the program (positions 0 .. positions-1 can be generated);
  // rounded up to a multiple of 64. 0: the checkpoint's seq_len.
  uint32_t positions = 0;
  // KV cache capacity in positions (rounded up like positions; 0: positions). The programs of one
  // set (the runner's per-range programs, positions 64, 128, .. up to the capacity) are compiled
  // with the same capacity, so that their KV caches, their scales and the weights after them sit
  // at the same MEM addresses: the host switches programs without touching the cache.
  uint32_t kv_positions = 0;
  // ISA v2 features (docs/performance.md "Co-design"); false / 1 compile for the v1 subset.
  bool vxm_chain = true;   // VXM ops read the VXM's previous result in place
  uint32_t lw_rows = 4;    // weight rows per LW (1, 2, 4)
  bool fp_int_a = true;    // FMUL with an integer operand a for the K / V rows (VXM attention paths)
  bool mxm_scores = true;  // attention scores on the MXMs (K rows as weights); else on the VXM
  bool mxm_values = true;  // attention values on the MXMs (V cache transposed); else on the VXM
  bool keep_graph = false;  // keep the scheduled graph in CompiledModel::graph (debugging, interpreter)
  ScheduleOptions sched;
};

// Where the host writes the inputs and reads the results (MEM word addresses of the program).
struct HostIo {
  std::array<uint32_t, 2> in_slices{};  // i16 word: lane 0 = token id, lane 1 = position
  uint32_t in_addr = 0;
  std::array<uint32_t, 4> out_slices{};  // i32 word: lane 0 = argmax token
  uint32_t out_addr = 0;
  std::array<uint32_t, 4> logit_slices{};  // fp32: word logit_addr + o, lane l = logit of token 64*o + l
  uint32_t logit_addr = 0;
  uint32_t logit_words = 0;
  uint32_t vocab = 0;
};

// A MEM region (words addr .. addr + words - 1 of one slice).
struct MemRegion {
  uint32_t slice = 0, addr = 0, words = 0;
};

struct MemUse {
  std::string what;
  uint64_t bytes = 0;
};

struct CompiledModel {
  Program program;  // instruction queues + MEM images (weights, tables, zeroed caches)
  HostIo io;
  uint32_t positions = 0;
  uint32_t kv_positions = 0;         // KV cache capacity (LlamaOptions::kv_positions, rounded)
  std::vector<MemRegion> kv_regions;  // the KV caches and their scales: state kept across tokens
  std::vector<MemRegion> read_only_regions;  // weights and their scales: never written by the program
  uint64_t predicted_cycles = 0;
  ScheduleResult sched;
  Bounds bounds;
  std::vector<MemUse> mem_use;  // MEM budget by category
  uint64_t mem_bytes_used = 0;
  uint32_t graph_nodes = 0, spills = 0;
  std::vector<std::string> tags;  // phase names (Graph::tags)
  // Per node: (time, queue, opcode, tag) for the timeline and the bound analysis.
  struct Op {
    int64_t time;
    uint32_t queue;
    uint8_t opcode;
    uint16_t tag;
    uint32_t occupancy;
    uint32_t latency;
  };
  std::vector<Op> ops;
  std::shared_ptr<Graph> graph;  // with LlamaOptions::keep_graph
};

// Compiles the checkpoint for geometry `g`. False with a message when the model cannot run on it:
// a shape outside what the lowering supports (named), or MEM too small (bytes needed by category
// against bytes available), or a schedule that does not fit the instruction queues.
bool CompileLlama(const llm::Checkpoint &ck, const Geometry &g, const LlamaOptions &opt, CompiledModel *out,
                  std::string *error);

}  // namespace tsp::compiler
