// Other llama2.c shapes: random-weight checkpoints compiled for the default geometry and run on the
// cycle-exact model, logits compared with the fp32 reference at several positions; shapes the
// lowering cannot place and models that do not fit MEM are refused with a message that says why.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "tsp/compiler/llama.h"
#include "tsp/llm/checkpoint.h"
#include "tsp/llm/reference.h"
#include "tsp/model.h"
#include "compiler/host_io.h"

namespace tsp::compiler {
namespace {

struct Shape {
  const char *name;
  llm::Config c;
};

llm::Config Cfg(int dim, int hidden, int layers, int heads, int kv, int vocab, bool shared) {
  llm::Config c;
  c.dim = dim;
  c.hidden_dim = hidden;
  c.n_layers = layers;
  c.n_heads = heads;
  c.n_kv_heads = kv;
  c.vocab_size = vocab;
  c.seq_len = 64;
  c.shared_classifier = shared;
  return c;
}

float Logit(const Model &m, const HostIo &io, const Geometry &g, uint32_t tok) {
  uint32_t bits = 0;
  for (uint32_t p = 0; p < 4; ++p)
    bits |= uint32_t{m.ReadMemByte(g.MemByteAddress(io.logit_slices[p], io.logit_addr + tok / g.vl(), tok % g.vl()))} << (8 * p);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

class Shapes : public ::testing::TestWithParam<Shape> {};

TEST_P(Shapes, LogitsMatchReference) {
  const Shape &sh = GetParam();
  const llm::Checkpoint ck = llm::RandomCheckpoint(sh.c, 1234);
  const Geometry g = Geometry::Default();
  isa::GeometryParams gp = g.params();
  gp.iq_depth = 16384;  // TEMPORARY until VXM chaining shrinks the queues
  const Geometry geo(gp);
  LlamaOptions opt;
  opt.positions = 64;
  CompiledModel cm;
  std::string err;
  ASSERT_TRUE(CompileLlama(ck, geo, opt, &cm, &err)) << err;
  Model m(geo);
  ASSERT_TRUE(m.LoadProgram(cm.program, &err)) << err;
  llm::Reference ref(ck);
  int token = 1;
  for (int pos = 0; pos < 5; ++pos) {
    WriteTokenPos(m, geo, cm.io, token, pos);
    m.Start();
    const RunResult rr = m.Run(10'000'000);
    ASSERT_EQ(rr.status, RunStatus::kDone) << rr.message;
    ASSERT_TRUE(m.errors().empty()) << m.errors()[0].message;
    ASSERT_EQ(m.cycle(), cm.predicted_cycles);
    const auto &logits = ref.Forward(token, pos);
    float maxerr = 0, maxabs = 0;
    for (int t = 0; t < sh.c.vocab_size; ++t) {
      maxerr = std::max(maxerr, std::fabs(Logit(m, cm.io, geo, static_cast<uint32_t>(t)) - logits[t]));
      maxabs = std::max(maxabs, std::fabs(logits[t]));
    }
    // 16-bit weights and activations: errors of the order of 1e-4 relative.
    EXPECT_LT(maxerr, 2e-3f * std::max(1.0f, maxabs)) << sh.name << " pos " << pos;
    token = (token * 7 + 3) % sh.c.vocab_size;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Compiler, Shapes,
    ::testing::Values(Shape{"dim40_kv_eq_heads", Cfg(40, 100, 2, 5, 5, 300, true)},
                      Shape{"dim48_gqa3_separate_classifier", Cfg(48, 72, 2, 6, 2, 200, false)},
                      Shape{"dim64_mha8_vocab130", Cfg(64, 96, 1, 8, 8, 130, true)},
                      Shape{"dim32_mqa", Cfg(32, 64, 2, 4, 1, 96, false)}),
    [](const ::testing::TestParamInfo<Shape> &pi) { return std::string(pi.param.name); });

TEST(Shapes, RefusesWhatDoesNotFit) {
  // A stories15M-shaped model: dim 288 is more than one vector and the weights need ~30 MB.
  llm::Config c = Cfg(288, 768, 6, 6, 6, 32000, true);
  c.seq_len = 256;
  llm::Checkpoint ck;
  ck.config = c;  // weights are never read: the compiler refuses first
  CompiledModel cm;
  std::string err;
  EXPECT_FALSE(CompileLlama(ck, Geometry::Default(), LlamaOptions{}, &cm, &err));
  EXPECT_NE(err.find("bytes"), std::string::npos) << err;
  EXPECT_NE(err.find("1048576"), std::string::npos) << err;
  // stories260K's shape on the small geometry: 16 KB of MEM.
  llm::Config s = Cfg(64, 172, 5, 8, 4, 512, true);
  s.seq_len = 512;
  ck.config = s;
  EXPECT_FALSE(CompileLlama(ck, *Geometry::FromName("small"), LlamaOptions{}, &cm, &err));
  EXPECT_NE(err.find("16384"), std::string::npos) << err;
  // head_size 16 (the attention layout needs 8).
  ck.config = Cfg(64, 128, 1, 4, 4, 64, true);
  EXPECT_FALSE(CompileLlama(ck, Geometry::Default(), LlamaOptions{}, &cm, &err));
  EXPECT_NE(err.find("head_size"), std::string::npos) << err;
}

}  // namespace
}  // namespace tsp::compiler
