// The stories260K forward step compiled for the default geometry, run on the cycle-exact model.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <algorithm>
#include <array>
#include <map>
#include <tuple>
#include <cstring>

#include "tsp/compiler/interp.h"
#include "tsp/compiler/sched.h"
#include "tsp/compiler/llama.h"
#include "tsp/llm/checkpoint.h"
#include "tsp/llm/model_dir.h"
#include "tsp/llm/generate.h"
#include "tsp/llm/reference.h"
#include "tsp/llm/tokenizer.h"
#include "tsp/instr.h"
#include "tsp/model.h"
#include "tsp/program.h"
#include "tsp/progen.h"
#include "compiler/host_io.h"
#include "model_util.h"

namespace tsp::compiler {
namespace {

// Experiments: TSP_LLAMA_CHAIN=1, TSP_LLAMA_LW=2|4, TSP_LLAMA_INTA=1 switch the co-design features.
void ApplyEnv(LlamaOptions *opt) {
  if (const char *v = std::getenv("TSP_LLAMA_CHAIN")) opt->vxm_chain = std::string(v) == "1";
  if (const char *v = std::getenv("TSP_LLAMA_LW")) opt->lw_rows = static_cast<uint32_t>(std::atoi(v));
  if (const char *v = std::getenv("TSP_LLAMA_INTA")) opt->fp_int_a = std::string(v) == "1";
  if (const char *v = std::getenv("TSP_LLAMA_MXMS")) opt->mxm_scores = std::string(v) == "1";
  if (const char *v = std::getenv("TSP_LLAMA_MXMV")) opt->mxm_values = std::string(v) == "1";
  if (const char *v = std::getenv("TSP_SCHED_TRIES")) opt->sched.tries = static_cast<uint32_t>(std::atoi(v));
}

float LogitOf(const Model &m, const HostIo &io, const Geometry &g, uint32_t tok) {
  const uint32_t o = tok / g.vl(), l = tok % g.vl();
  uint32_t bits = 0;
  for (uint32_t p = 0; p < 4; ++p)
    bits |= uint32_t{m.ReadMemByte(g.MemByteAddress(io.logit_slices[p], io.logit_addr + o, l))} << (8 * p);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Every geometry of the spec: stories260K compiles where MEM can hold it (and the program runs on
// the model without a schedule error in the predicted number of cycles), else a clear refusal that
// gives the bytes needed against the bytes available.
TEST(Llama, EveryGeometryInTheSpec) {
  TSP_NEED_MODEL();
  const llm::Checkpoint &ck = testutil::Model260K().ck;
  for (const auto &gp : isa::kConfigs) {
    const Geometry g(gp);
    LlamaOptions opt;
    opt.positions = 64;
    CompiledModel cm;
    std::string err;
    const bool ok = CompileLlama(ck, g, opt, &cm, &err);
    if (g.mem_bytes() >= 1'000'000 || std::string(gp.name) == "board") {
      ASSERT_TRUE(ok) << std::string(gp.name) << ": " << err;
      std::string report;
      uint64_t cycles = 0;
      EXPECT_TRUE(CheckOnModel(g, cm.program, &report, &cycles, 10'000'000)) << std::string(gp.name) << ": " << report;
      EXPECT_EQ(cycles, cm.predicted_cycles) << std::string(gp.name);
      // The board geometry exists to hold this model (isa/tsp_isa.json).
      std::printf("%s: %lu cycles per token, MEM %lu of %lu bytes\n", std::string(gp.name).c_str(), (unsigned long)cm.predicted_cycles,
                  (unsigned long)cm.mem_bytes_used, (unsigned long)g.mem_bytes());
    } else {
      EXPECT_FALSE(ok) << std::string(gp.name);
      EXPECT_NE(err.find("does not fit the MEM"), std::string::npos) << err;
      EXPECT_NE(err.find(std::to_string(g.mem_bytes()) + " bytes"), std::string::npos) << err;
      std::printf("%s: refused: %s\n", std::string(gp.name).c_str(), err.c_str());
    }
  }
}

// The KV cache capacity of a program set: the capacity, not the attention length, decides whether
// the model fits (the error names the capacity), and programs of one capacity keep the KV caches and
// the weights at the same addresses.
TEST(Llama, KvCapacityIsPlannedAndShared) {
  TSP_NEED_MODEL();
  const llm::Checkpoint &ck = testutil::Model260K().ck;
  const Geometry g = *Geometry::FromName("default");
  LlamaOptions opt;
  opt.positions = 64;
  opt.kv_positions = 4096;
  CompiledModel cm;
  std::string err;
  EXPECT_FALSE(CompileLlama(ck, g, opt, &cm, &err));
  EXPECT_NE(err.find("KV cache for 4096 positions"), std::string::npos) << err;
  CompiledModel a, b;
  opt.kv_positions = 128;
  ASSERT_TRUE(CompileLlama(ck, g, opt, &a, &err)) << err;
  opt.positions = 128;
  opt.kv_positions = 0;  // the capacity defaults to the positions
  ASSERT_TRUE(CompileLlama(ck, g, opt, &b, &err)) << err;
  EXPECT_EQ(a.positions, 64u);
  EXPECT_EQ(a.kv_positions, 128u);
  EXPECT_EQ(b.kv_positions, 128u);
  auto same = [](const std::vector<MemRegion> &x, const std::vector<MemRegion> &y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i].slice != y[i].slice || x[i].addr != y[i].addr || x[i].words != y[i].words) return false;
    return true;
  };
  EXPECT_FALSE(a.kv_regions.empty());
  EXPECT_TRUE(same(a.kv_regions, b.kv_regions));
  EXPECT_FALSE(a.read_only_regions.empty());
  EXPECT_TRUE(same(a.read_only_regions, b.read_only_regions));
}

// Double justification (ScheduleOptions::justify) moves clusters later, then earlier, each never past
// where it was: the schedule can only get shorter, and must stay valid: the model runs it in exactly
// the predicted cycles without a schedule error, and its logits equal, bit for bit, those of the
// same graph scheduled without justification (a broken dependency would change them) at three
// positions. One list-scheduling pass, so the two programs differ only by the justification.
TEST(Llama, JustificationNeverLengthensTheSchedule) {
  TSP_NEED_MODEL();
  const llm::Checkpoint &ck = testutil::Model260K().ck;
  const Geometry g = Geometry::Default();
  uint64_t len[2] = {0, 0};
  std::vector<float> logits[2];
  for (uint32_t j = 0; j < 2; ++j) {
    LlamaOptions opt;
    opt.positions = 256;
    opt.sched.tries = 1;
    opt.sched.justify = j;
    CompiledModel cm;
    std::string err;
    ASSERT_TRUE(CompileLlama(ck, g, opt, &cm, &err)) << err;
    len[j] = cm.predicted_cycles;
    Model m(g);
    ASSERT_TRUE(m.LoadProgram(cm.program, &err)) << err;
    const int tokens[3] = {1, 403, 261};
    for (int pos = 0; pos < 3; ++pos) {
      WriteTokenPos(m, g, cm.io, tokens[pos], pos);
      m.Start();
      const RunResult rr = m.Run(10'000'000);
      ASSERT_EQ(rr.status, RunStatus::kDone) << rr.message;
      for (size_t i = 0; i < m.errors().size() && i < 5; ++i) ADD_FAILURE() << m.errors()[i].message;
      EXPECT_EQ(m.cycle(), cm.predicted_cycles);
      for (int t = 0; t < ck.config.vocab_size; ++t) logits[j].push_back(LogitOf(m, cm.io, g, static_cast<uint32_t>(t)));
    }
  }
  std::printf("one list-scheduling pass, 256 positions: %lu cycles, justified %lu\n", (unsigned long)len[0],
              (unsigned long)len[1]);
  EXPECT_LE(len[1], len[0]);
  ASSERT_EQ(logits[0].size(), logits[1].size());
  EXPECT_EQ(std::memcmp(logits[0].data(), logits[1].data(), logits[0].size() * sizeof(float)), 0);
}

TEST(Llama, FirstTokenOnModel) {
  TSP_NEED_MODEL();
  const llm::Checkpoint &ck = testutil::Model260K().ck;
  const Geometry g = Geometry::Default();
  LlamaOptions opt;
  opt.positions = std::getenv("TSP_LLAMA_N") ? static_cast<uint32_t>(std::atoi(std::getenv("TSP_LLAMA_N"))) : 64;
  ApplyEnv(&opt);
  opt.keep_graph = true;
  CompiledModel cm;
  std::string err;
  ASSERT_TRUE(CompileLlama(ck, g, opt, &cm, &err)) << err;
  std::printf("predicted cycles %lu, nodes %u, spills %u, MEM %lu bytes, resource bound %lu (%s), dependency bound %lu\n",
              static_cast<unsigned long>(cm.predicted_cycles), cm.graph_nodes, cm.spills,
              static_cast<unsigned long>(cm.mem_bytes_used), static_cast<unsigned long>(cm.bounds.resource),
              cm.bounds.resource_unit.c_str(), static_cast<unsigned long>(cm.bounds.dependency));
  {
    std::string q;
    for (uint32_t i = 0; i < g.num_queues(); ++i) q += fmt::format(" {}:{}", g.queue(i).name, cm.sched.queues[i].instructions);
    std::printf("instructions per queue:%s\n", q.c_str());
    std::map<std::string, std::array<uint64_t, 4>> per;  // tag -> mem, vxm, sxm, mxm ops
    for (const auto &op : cm.ops) {
      const auto u = isa::Info(static_cast<isa::Opcode>(op.opcode)).unit;
      std::string t = cm.tags[op.tag];
      if (t.size() > 3 && t[0] == 'L' && t[2] == ' ') t = t.substr(3);
      per[t][u == isa::Unit::kMem ? 0 : u == isa::Unit::kVxm ? 1 : u == isa::Unit::kSxm ? 2 : 3]++;
    }
    std::map<std::string, std::pair<int64_t, int64_t>> span;
    for (const auto &op : cm.ops) {
      auto &sp = span[cm.tags[op.tag]];
      if (sp.second == 0) sp = {op.time, op.time};
      sp.first = std::min(sp.first, op.time);
      sp.second = std::max(sp.second, op.time);
    }
    if (std::getenv("TSP_LLAMA_CRIT")) {
      // Where the longest dependency chain spends its cycles (critical path, by phase).
      const Graph &gr = *cm.graph;
      std::map<std::string, int64_t> crit;
      int64_t prev = -1;
      std::string prev_tag;
      for (size_t i = 0; i < cm.bounds.critical_path.size(); ++i) {
        const uint32_t n = cm.bounds.critical_path[i];
        std::string t = gr.tags[gr.nodes[n].tag];
        if (t.size() > 3 && t[0] == 'L' && t[2] == ' ') t = t.substr(3);
        const int64_t tn = cm.bounds.critical_times[i];
        if (std::getenv("TSP_LLAMA_CRITPATH") && t.find(std::getenv("TSP_LLAMA_CRITPATH")) != std::string::npos)
          std::printf("    %6ld %s\n", (long)tn, DescribeNode(gr, n).c_str());
        crit[t] += prev < 0 ? tn : tn - prev;
        prev = tn;
        prev_tag = t;
      }
      for (const auto &[t, c] : crit) std::printf("  crit %-20s %ld cycles\n", t.c_str(), (long)c);
    }
    if (std::getenv("TSP_LLAMA_SPANS")) {
      std::vector<std::pair<int64_t, std::string>> order;
      for (const auto &[t, sp] : span) order.push_back({sp.first, t});
      std::sort(order.begin(), order.end());
      for (const auto &[st, t] : order) std::printf("  span %-22s %6ld .. %6ld (%ld)\n", t.c_str(), (long)st, (long)span[t].second, (long)(span[t].second - st));
    }
    if (const char *bw = std::getenv("TSP_LLAMA_BUSY")) {
      // Busy cycles per queue inside a window "from,to".
      long a = 0, b = 0;
      std::sscanf(bw, "%ld,%ld", &a, &b);
      std::map<uint32_t, long> busy;
      for (const auto &op : cm.ops) {
        if (op.time < a || op.time >= b) continue;
        busy[op.queue] += std::max<uint32_t>(1, op.occupancy);
      }
      for (const auto &[qq, c] : busy)
        std::printf("  busy %-8s %6ld of %ld\n", qq < g.num_queues() ? g.queue(qq).name.c_str() : "vxm", c, b - a);
    }
    for (const auto &[t, c] : per) std::printf("  %-16s mem %6lu vxm %6lu sxm %5lu mxm %5lu\n", t.c_str(), (unsigned long)c[0], (unsigned long)c[1], (unsigned long)c[2], (unsigned long)c[3]);
  }
  if (const char *qn = std::getenv("TSP_LLAMA_DUMPQ")) {
    const uint32_t q = *g.FindQueue(qn);
    for (uint64_t w : cm.program.queues[q]) {
      Instr in;
      std::string e;
      Decode(w, &in, &e);
      std::printf("  %s\n", Disassemble(in).c_str());
    }
  }
  if (const char *out = std::getenv("TSP_LLAMA_WRITE")) {
    std::string werr;
    WriteProgramFile(out, cm.program, &werr);
  }
  Model m(g);
  ASSERT_TRUE(m.LoadProgram(cm.program, &err)) << err;
  llm::Reference ref(ck);
  int token = 1;
  for (int pos = 0; pos < 3; ++pos) {
    WriteTokenPos(m, g, cm.io, token, pos);
    m.Start();
    const RunResult rr = m.Run(10'000'000);
    ASSERT_EQ(rr.status, RunStatus::kDone) << rr.message;
    for (size_t i = 0; i < m.errors().size() && i < 5; ++i) ADD_FAILURE() << m.errors()[i].message;
    EXPECT_EQ(m.cycle(), cm.predicted_cycles);
    const auto &logits = ref.Forward(token, pos);
    float maxerr = 0;
    int best = 0;
    for (int t = 0; t < ck.config.vocab_size; ++t) {
      maxerr = std::max(maxerr, std::fabs(LogitOf(m, cm.io, g, static_cast<uint32_t>(t)) - logits[t]));
      if (logits[t] > logits[best]) best = t;
    }
    uint32_t out = 0;
    for (uint32_t p = 0; p < 4; ++p) out |= uint32_t{m.ReadMemByte(g.MemByteAddress(cm.io.out_slices[p], cm.io.out_addr, 0))} << (8 * p);
    std::printf("pos %d token %d: TSP argmax %u, reference argmax %d, max logit error %g\n", pos, token, out, best, maxerr);
    EXPECT_LT(maxerr, 0.05f);
    EXPECT_EQ(static_cast<int>(out), best);
    token = best;
  }
}

}  // namespace
}  // namespace tsp::compiler

namespace tsp::compiler {
namespace {

float F32At(const std::vector<uint8_t> &vb, uint32_t vl, uint32_t lane) {
  uint32_t bits = 0;
  for (uint32_t p = 0; p < 4; ++p) bits |= uint32_t{vb[p * vl + lane]} << (8 * p);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

TEST(Llama, DebugInterpreter) {
  if (!std::getenv("TSP_LLAMA_DEBUG")) GTEST_SKIP();
  TSP_NEED_MODEL();
  const llm::Checkpoint &ck = testutil::Model260K().ck;
  isa::GeometryParams gp = isa::kConfigs[0];
  gp.iq_depth = 16384;
  const Geometry g(gp);
  LlamaOptions opt;
  opt.positions = 64;
  opt.keep_graph = true;
  CompiledModel cm;
  std::string err;
  ASSERT_TRUE(CompileLlama(ck, g, opt, &cm, &err)) << err;
  std::vector<uint8_t> mem(g.mem_bytes(), 0);
  for (const auto &im : cm.program.mem) {
    for (size_t i = 0; i < im.data.size(); ++i)
      mem[g.MemByteAddress(im.slice, im.addr + static_cast<uint32_t>(i / g.vl()), static_cast<uint32_t>(i % g.vl()))] = im.data[i];
  }
  const int token = 1, pos = 0;
  const uint32_t v[2] = {static_cast<uint32_t>(token), static_cast<uint32_t>(pos)};
  for (uint32_t p = 0; p < 2; ++p) {
    for (uint32_t lane = 0; lane < 2; ++lane)
      mem[g.MemByteAddress(cm.io.in_slices[p], cm.io.in_addr, lane)] = static_cast<uint8_t>(v[lane] >> (8 * p));
  }
  {
    std::string werr;
    WriteProgramFile("/tmp/llama_debug.tspb", cm.program, &werr);
    // Nodes of mxm.w up to cycle 345.
    const Graph &gg = *cm.graph;
    std::vector<uint32_t> ids;
    for (uint32_t n = 0; n < gg.nodes.size(); ++n) {
      if (gg.nodes[n].time <= 345 && gg.nodes[n].time >= 250 && (gg.nodes[n].queue == *g.FindQueue("mxm.w")))
        ids.push_back(n);
    }
    std::sort(ids.begin(), ids.end(), [&](uint32_t a, uint32_t b2) { return gg.nodes[a].time < gg.nodes[b2].time; });
    for (const Dep &d : gg.deps) {
      if (d.to == 9470 || d.to == 9466 || d.from == 9470) std::printf("dep %s -> %s delta %d\n", DescribeNode(gg, d.from).c_str(), DescribeNode(gg, d.to).c_str(), d.delta);
    }
    for (uint32_t n : ids) {
      const Node &nd = gg.nodes[n];
      std::printf("  %s", DescribeNode(gg, n).c_str());
      for (const auto &op : nd.ops) {
        const Value &ov = gg.values[op.parts[0].value];
        std::printf("  <- %s stream %s%u", DescribeNode(gg, ov.node).c_str(), ov.dir == Dir::kEast ? "E" : "W", ov.stream);
      }
      std::printf("\n");
    }
  }
  Interpreter in(*cm.graph, &mem);
  in.Run();
  // Print every value written to named buffers by tag, first lanes.
  const Graph &gr = *cm.graph;
  const char *want = std::getenv("TSP_LLAMA_DEBUG");
  for (uint32_t n = 0; n < gr.nodes.size(); ++n) {
    const Node &nd = gr.nodes[n];
    if (nd.in.op != isa::Opcode::kWrite || nd.access.empty()) continue;
    const Buffer &b = gr.buffers[nd.access[0].buf];
    if (b.name.find(want) == std::string::npos || b.slices[0] != g.queue(nd.queue).index + (nd.queue >= g.mem_slices_per_hemi() ? g.mem_slices_per_hemi() : 0)) continue;
    // Only plane 0's write: find the value of plane 0 and its siblings.
    const Operand &op = nd.ops[0];
    const Value &val = gr.values[op.parts[0].value];
    if (val.width != 4 || op.parts[0].byte != 0) continue;
    const auto &vb = in.ValueBytes(op.parts[0].value);
    std::printf("%s [%s] word %u:", b.name.c_str(), gr.tags[nd.tag].c_str(), nd.in.addr - b.addr);
    for (uint32_t l = 0; l < 8; ++l) std::printf(" %g", F32At(vb, g.vl(), l));
    std::printf(" ... lane48 %g\n", F32At(vb, g.vl(), 48));
  }
  {
    const int D = ck.config.dim, KVD = ck.config.kv_dim();
    std::vector<float> x(ck.w.token_embedding.begin() + D * token, ck.w.token_embedding.begin() + D * (token + 1));
    std::printf("ref emb:");
    for (int i = 0; i < 8; ++i) std::printf(" %g", x[i]);
    std::printf("\n");
    // Layer 0 at pos 0: att = v (one position), x += wo v.
    std::vector<float> xb(D), vv(KVD), att(D), o(D);
    llm::RmsNorm(xb.data(), x.data(), ck.w.rms_att.data(), D);
    llm::MatMul(vv.data(), xb.data(), ck.w.wv.data(), D, KVD);
    for (int h = 0; h < ck.config.n_heads; ++h)
      for (int i = 0; i < 8; ++i) att[h * 8 + i] = vv[(h / (ck.config.n_heads / ck.config.n_kv_heads)) * 8 + i];
    llm::MatMul(o.data(), att.data(), ck.w.wo.data(), D, D);
    std::printf("ref v:");
    for (int i = 0; i < 8; ++i) std::printf(" %g", vv[i]);
    std::printf("\nref x after L0 attention:");
    for (int i = 0; i < 8; ++i) std::printf(" %g", x[i] + o[i]);
    std::printf("\n");
  }
  {
    // Every MEM bank write of the model against the interpreter's value of the scheduled WRITE.
    std::vector<uint8_t> mem0(g.mem_bytes(), 0);
    Model m(g);
    ASSERT_TRUE(m.LoadProgram(cm.program, &err)) << err;
    WriteTokenPos(m, g, cm.io, token, pos);
    std::map<std::tuple<uint64_t, uint32_t, uint32_t>, uint32_t> expect;  // (cycle, slice, superlane) -> node
    for (uint32_t n = 0; n < gr.nodes.size(); ++n) {
      const Node &nd = gr.nodes[n];
      if (nd.in.op != isa::Opcode::kWrite) continue;
      for (uint32_t k = 0; k < g.superlanes(); ++k) expect[{static_cast<uint64_t>(nd.time + 1 + k), nd.queue, k}] = n;
    }
    int bad = 0;
    m.SetCycleHook([&](const Model &mm) {
      for (const auto &w : mm.mem_writes()) {
        auto it = expect.find({mm.cycle() - 1, w.slice, w.superlane});
        if (it == expect.end()) continue;
        const Node &nd = gr.nodes[it->second];
        const auto &vb = in.ValueBytes(nd.ops[0].parts[0].value);
        const uint32_t byte = nd.ops[0].parts[0].byte;
        for (uint32_t l = 0; l < 16; ++l) {
          if (vb[byte * g.vl() + w.superlane * 16 + l] != w.data[l] && bad < 10) {
            ++bad;
            std::printf("cycle %lu: %s superlane %u lane %u: model %02x interpreter %02x\n",
                        static_cast<unsigned long>(mm.cycle() - 1), DescribeNode(gr, it->second).c_str(), w.superlane, l,
                        w.data[l], vb[byte * g.vl() + w.superlane * 16 + l]);
            if (bad == 1) {
              // The producer chain.
              uint32_t pn = gr.values[nd.ops[0].parts[0].value].node;
              for (int depth = 0; depth < 4 && pn != kNone; ++depth) {
                const Node &pnode = gr.nodes[pn];
                std::printf("   producer: %s dst stream %s%u\n", DescribeNode(gr, pn).c_str(),
                            pnode.outs.empty() ? "-" : (gr.values[pnode.outs[0]].dir == Dir::kEast ? "E" : "W"),
                            pnode.outs.empty() ? 0 : gr.values[pnode.outs[0]].stream);
                for (const auto &op : pnode.ops) {
                  const Value &ov = gr.values[op.parts[0].value];
                  std::printf("      operand from %s (stream %s%u byte %u, width %u)\n", DescribeNode(gr, ov.node).c_str(),
                              ov.dir == Dir::kEast ? "E" : "W", ov.stream, op.parts[0].byte, op.width);
                }
                pn = pnode.ops.empty() ? kNone : gr.values[pnode.ops[0].parts[0].value].node;
              }
            }
            break;
          }
        }
      }
    });
    m.Start();
    m.Run(10'000'000);
    EXPECT_EQ(bad, 0);
  }
  llm::Reference ref(ck);
  const auto &logits = ref.Forward(token, pos);
  std::printf("reference logits:");
  for (int t = 0; t < 8; ++t) std::printf(" %g", logits[t]);
  std::printf("\n");
}

}  // namespace
}  // namespace tsp::compiler

namespace tsp::compiler {
namespace {

// A Backend on a tsp::Model of any geometry (the wide-IqDepth geometry while the queues are too long).
class ModelBackend : public llm::Backend {
 public:
  ModelBackend(const Geometry &g, const CompiledModel &cm) : g_(g), cm_(cm), m_(g) {
    std::string err;
    if (!m_.LoadProgram(cm.program, &err)) throw std::runtime_error(err);
  }
  bool Forward(int token, int pos, std::vector<float> *logits, int *argmax, std::string *error) override {
    WriteTokenPos(m_, g_, cm_.io, token, pos);
    m_.Start();
    const RunResult rr = m_.Run(10'000'000);
    if (rr.status != RunStatus::kDone || !m_.errors().empty() || m_.cycle() != cm_.predicted_cycles) {
      *error = "model run failed";
      return false;
    }
    if (argmax) {
      uint32_t out = 0;
      for (uint32_t p = 0; p < 4; ++p)
        out |= uint32_t{m_.ReadMemByte(g_.MemByteAddress(cm_.io.out_slices[p], cm_.io.out_addr, 0))} << (8 * p);
      *argmax = static_cast<int>(out);
    } else {
      logits->resize(cm_.io.vocab);
      for (uint32_t t = 0; t < cm_.io.vocab; ++t) (*logits)[t] = LogitOf(m_, cm_.io, g_, t);
    }
    return true;
  }

 private:
  Geometry g_;
  const CompiledModel &cm_;
  Model m_;
};

TEST(Llama, GenerateLongOnModel) {
  const char *steps_env = std::getenv("TSP_LLAMA_STEPS");
  if (!steps_env) GTEST_SKIP() << "set TSP_LLAMA_STEPS";
  TSP_NEED_MODEL();
  const llm::Checkpoint &ck = testutil::Model260K().ck;
  std::string err;
  const std::string dir = llm::FindModelDir(&err);
  llm::Tokenizer tok;
  ASSERT_TRUE(tok.Load(dir + "/tok512.bin", ck.config.vocab_size, &err)) << err;
  // An experiment (env-gated): long generations, other prompts and modes on the default geometry.
  const Geometry g(isa::kConfigs[0]);
  LlamaOptions opt;
  opt.positions = static_cast<uint32_t>(std::atoi(steps_env));
  ApplyEnv(&opt);
  if (std::getenv("TSP_LLAMA_FAST")) opt.precision = Precision::kFast;
  CompiledModel cm;
  ASSERT_TRUE(CompileLlama(ck, g, opt, &cm, &err)) << err;
  std::printf("compiled: %lu cycles per token\n", static_cast<unsigned long>(cm.predicted_cycles));
  ModelBackend tsp(g, cm);
  llm::ReferenceBackend cpu(ck);
  llm::RunOptions ro;
  ro.temperature = 0;
  ro.steps = static_cast<int>(opt.positions);
  ro.prompt = std::getenv("TSP_LLAMA_PROMPT") ? std::getenv("TSP_LLAMA_PROMPT") : "";
  ro = llm::ResolveRunOptions(ro, ck.config.seq_len);
  char *buf1 = nullptr, *buf2 = nullptr;
  size_t n1 = 0, n2 = 0;
  FILE *f1 = open_memstream(&buf1, &n1), *f2 = open_memstream(&buf2, &n2);
  llm::GenerateStats s1, s2;
  ASSERT_EQ(llm::Generate(tsp, tok, ck.config, ro, f1, &s1, &err), 0) << err;
  ASSERT_EQ(llm::Generate(cpu, tok, ck.config, ro, f2, &s2, &err), 0) << err;
  fclose(f1);
  fclose(f2);
  const std::string a(buf1, n1), b(buf2, n2);
  free(buf1);
  free(buf2);
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  std::printf("TSP:\n%s\nfp32:\n%s\nfirst difference at byte %zu of %zu\n", a.c_str(), b.c_str(), i, b.size());
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace tsp::compiler
