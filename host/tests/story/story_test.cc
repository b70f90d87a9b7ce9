// stories260K generating text on the cycle-exact reference model ("ref" device, default geometry),
// through the model runner (compile once, load once, 8 bytes in and 4 bytes out per token), against
// the plain fp32 forward pass (tsp::llm::Reference) and llama2.c's published greedy sample.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "model_util.h"
#include "tsp/llm/generate.h"
#include "tsp/runner.h"

namespace tsp {
namespace {

using testutil::Model260K;

// Fast mode against fp32, measured (FastModeDivergenceIsPinned).
constexpr size_t kFastFirstDifferentByte = 175;  // of 566
constexpr int kFastAgreeingPositions = 61;
constexpr float kFastMaxLogitError = 0.3206949f;

// llm::Generate into a string.
std::string Generate(llm::Backend &b, const llm::RunOptions &ro0, std::string *err) {
  const auto &m = Model260K();
  const llm::RunOptions ro = llm::ResolveRunOptions(ro0, m.ck.config.seq_len, 1);
  char *buf = nullptr;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  llm::GenerateStats st;
  const int rc = llm::Generate(b, m.tok, m.ck.config, ro, f, &st, err);
  std::fclose(f);
  std::string s(buf, n);
  std::free(buf);
  if (rc != 0) return "<error: " + *err + ">";
  return s;
}

size_t FirstDifference(const std::string &a, const std::string &b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

// range > 0: the program set of tsp-run (a program per `range` positions, runner.h).
std::unique_ptr<TspBackend> Compile(compiler::Precision p, uint32_t positions, uint32_t range = 0) {
  std::string err;
  auto dev = OpenDevice("ref", &err);
  EXPECT_TRUE(dev) << err;
  if (!dev) return nullptr;
  compiler::LlamaOptions opt;
  opt.precision = p;
  opt.positions = positions;
  auto b = TspBackend::Create(Model260K().ck, std::move(dev), opt, &err, range);
  EXPECT_TRUE(b) << err;
  return b;
}

// Positions 0..n-1 fed the fp32 reference's greedy tokens (teacher forcing, past the BOS that would
// end a story): the number of positions whose on-chip argmax equals fp32's (each checked).
int TeacherForced(TspBackend &tsp, int n) {
  const auto &m = Model260K();
  llm::Reference ref(m.ck);
  int token = 1, agree = 0;
  for (int pos = 0; pos < n; ++pos) {
    int got = -1;
    std::string err;
    EXPECT_TRUE(tsp.Forward(token, pos, nullptr, &got, &err)) << err;
    const auto &want = ref.Forward(token, pos);
    int best = 0;
    for (int t = 1; t < m.ck.config.vocab_size; ++t)
      if (want[t] > want[best]) best = t;
    EXPECT_EQ(got, best) << "position " << pos;
    agree += got == best;
    token = best;
  }
  return agree;
}

// Exact mode, greedy, 256 steps: six prompts identical to the fp32 reference, and the empty prompt
// identical to llama2.c's published sample, on tsp-run's program set (64, 128, 192 and 256
// positions; every story starts again on the 64-position program). Every step takes its program's
// predicted number of cycles.
TEST(Story, ExactGreedyMatchesReferenceOver256Steps) {
  TSP_NEED_MODEL();
  const auto &m = Model260K();
  auto tsp = Compile(compiler::Precision::kExact, 256, TspBackend::kRangePositions);
  ASSERT_TRUE(tsp);
  ASSERT_EQ(tsp->programs().size(), 4u);
  llm::ReferenceBackend cpu(m.ck);
  const std::vector<std::string> prompts = {"", "Once upon a time", "The little dog", "Lily and Ben went to the park",
                                            "One day, a girl named Sue", "The sun was hot and"};
  for (const std::string &p : prompts) {
    llm::RunOptions ro;
    ro.temperature = 0;
    ro.steps = 256;
    ro.prompt = p;
    std::string e1, e2;
    const std::string a = Generate(*tsp, ro, &e1), b = Generate(cpu, ro, &e2);
    EXPECT_EQ(a, b) << "prompt \"" << p << "\": first difference at byte " << FirstDifference(a, b);
    if (p.empty()) {
      std::ifstream f(m.dir + "/sample-empty-prompt-256.txt", std::ios::binary);
      ASSERT_TRUE(f) << "missing " << m.dir << "/sample-empty-prompt-256.txt";
      std::stringstream ss;
      ss << f.rdbuf();
      EXPECT_EQ(a, ss.str()) << "published sample: first difference at byte " << FirstDifference(a, ss.str());
    }
  }
  const RunnerStats &s = tsp->stats();
  EXPECT_EQ(s.mismatches, 0u);
  EXPECT_EQ(s.total_cycles, s.predicted_total);
  EXPECT_EQ(s.min_cycles, tsp->programs().front().predicted_cycles);
  EXPECT_LE(s.max_cycles, tsp->programs().back().predicted_cycles);
  EXPECT_GT(s.switches, 0u);
  // Per token the host writes the token and the position (two 32-bit words) and the start CSR, and
  // reads one 4-byte word per byte plane of the argmax plus the status polls of Wait.
  EXPECT_EQ(s.host_bytes_written, 12u * s.steps);
  EXPECT_GE(s.host_bytes_read, 16u * s.steps);
  EXPECT_LE(s.host_bytes_read, 64u * s.steps);
  std::printf("%s", tsp->StatsReport().c_str());
}

// The program set keeps the KV cache across its switches: teacher-forced positions 0..191 on the
// programs for 64, 128 and 192 positions (one KV cache capacity, so one cache layout) give the fp32
// reference's argmax at every position; each step takes its own program's predicted cycles, the
// smaller programs fewer; going back to position 0 switches back.
TEST(Story, ProgramSetKeepsTheCacheAcrossSwitches) {
  TSP_NEED_MODEL();
  auto tsp = Compile(compiler::Precision::kExact, 192, 64);
  ASSERT_TRUE(tsp);
  const auto &set = tsp->programs();
  ASSERT_EQ(set.size(), 3u);
  for (size_t k = 0; k < set.size(); ++k) {
    EXPECT_EQ(set[k].positions, 64u * (k + 1));
    EXPECT_EQ(set[k].kv_positions, 192u);
    EXPECT_FALSE(set[k].kv_regions.empty());
    if (k > 0) {
      EXPECT_LT(set[k - 1].predicted_cycles, set[k].predicted_cycles);
    }
  }
  EXPECT_EQ(tsp->ProgramFor(0), 0u);
  EXPECT_EQ(tsp->ProgramFor(63), 0u);
  EXPECT_EQ(tsp->ProgramFor(64), 1u);
  EXPECT_EQ(tsp->ProgramFor(191), 2u);
  EXPECT_EQ(TeacherForced(*tsp, 192), 192);
  uint64_t want_cycles = 0;
  for (int pos = 0; pos < 192; ++pos) want_cycles += set[static_cast<size_t>(pos / 64)].predicted_cycles;
  const RunnerStats &s = tsp->stats();
  EXPECT_EQ(s.switches, 2u);
  EXPECT_EQ(s.mismatches, 0u);
  EXPECT_EQ(s.total_cycles, want_cycles);
  EXPECT_EQ(s.predicted_total, want_cycles);
  EXPECT_EQ(s.host_bytes_written, 12u * s.steps);  // the switches' traffic is counted apart
  EXPECT_GT(s.switch_bytes_written, 0u);
  // The switches leave the weights alone (the same words in every program): their MEM writes are a
  // small part of a program's MEM; what they skip was never written: the read-only words hold their
  // image.
  EXPECT_GT(s.switch_mem_bytes, 0u);
  EXPECT_LT(s.switch_mem_bytes, 2 * set[0].mem_bytes_used / 8);
  uint64_t queue_bytes = 0;
  for (size_t k = 1; k < set.size(); ++k)
    for (const auto &q : set[k].program.queues) queue_bytes += 8 * q.size();
  EXPECT_GE(s.switch_bytes_written - s.switch_mem_bytes, queue_bytes);
  const uint32_t vl = tsp->device().geometry().vl();
  size_t checked = 0;
  for (const MemImage &img : set[2].program.mem) {
    for (uint32_t w = 0; w < img.data.size() / vl; ++w) {
      bool ro = false;
      for (const auto &r : set[2].read_only_regions)
        ro = ro || (r.slice == img.slice && img.addr + w >= r.addr && img.addr + w < r.addr + r.words);
      if (!ro) continue;
      std::vector<uint8_t> got(vl);
      std::string e;
      ASSERT_TRUE(tsp->device().ReadMemWords(img.slice, img.addr + w, got.data(), vl, &e)) << e;
      ASSERT_EQ(0, std::memcmp(got.data(), img.data.data() + size_t{w} * vl, vl)) << "slice " << img.slice << " word " << img.addr + w;
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000u);
  std::string err;
  int got = -1;
  ASSERT_TRUE(tsp->Forward(1, 0, nullptr, &got, &err)) << err;
  EXPECT_EQ(tsp->stats().switches, 3u);
  EXPECT_FALSE(tsp->Forward(1, 192, nullptr, &got, &err));
  EXPECT_NE(err.find("position 192"), std::string::npos) << err;
  std::printf("%s", tsp->StatsReport().c_str());
}

// Fast mode (8-bit weights): where the greedy text first leaves the fp32 one, and the largest logit
// error over the steps before it. Deterministic, so pinned: a change of either is a numerics change
// that must be looked at (and the figures in docs/performance.md updated).
// A program of the set that does not compile is named in the error, with the geometry and the KV
// cache it was compiled for (the small geometry cannot hold the model: its first program fails).
TEST(Story, ProgramSetNamesTheProgramThatDoesNotCompile) {
  TSP_NEED_MODEL();
  std::string err;
  auto dev = OpenDevice("ref:small", &err);
  ASSERT_TRUE(dev) << err;
  compiler::LlamaOptions opt;
  opt.positions = 256;
  EXPECT_EQ(TspBackend::Create(Model260K().ck, std::move(dev), opt, &err, 64), nullptr);
  EXPECT_EQ(err.rfind("compiling the 64-position program for geometry small (KV cache for 256 positions): ", 0), 0u)
      << err;
  EXPECT_NE(err.find("does not fit the MEM of geometry small"), std::string::npos) << err;
}

TEST(Story, FastModeDivergenceIsPinned) {
  TSP_NEED_MODEL();
  const auto &m = Model260K();
  auto tsp = Compile(compiler::Precision::kFast, 256);
  ASSERT_TRUE(tsp);
  llm::ReferenceBackend cpu(m.ck);
  llm::RunOptions ro;
  ro.temperature = 0;
  ro.steps = 256;
  std::string e1, e2;
  const std::string a = Generate(*tsp, ro, &e1), b = Generate(cpu, ro, &e2);
  const size_t diff = FirstDifference(a, b);
  // Logits along the fp32 greedy path (the TSP fed the reference's tokens).
  llm::Reference ref(m.ck);
  int token = 1;
  float max_err = 0;
  int tokens_before_divergence = 0;
  for (int pos = 0; pos < 256; ++pos) {
    std::vector<float> lg;
    std::string err;
    ASSERT_TRUE(tsp->Forward(token, pos, &lg, nullptr, &err)) << err;
    const auto &want = ref.Forward(token, pos);
    int best = 0, tbest = 0;
    for (int t = 0; t < m.ck.config.vocab_size; ++t) {
      max_err = std::max(max_err, std::fabs(lg[t] - want[t]));
      if (want[t] > want[best]) best = t;
      if (lg[t] > lg[tbest]) tbest = t;
    }
    if (tbest == best && tokens_before_divergence == pos) tokens_before_divergence = pos + 1;
    token = best;
    if (token == 1) break;
  }
  std::printf("fast mode: text identical for %zu of %zu bytes; argmax identical for the first %d positions; "
              "largest logit error %.6f\n",
              diff, b.size(), tokens_before_divergence, max_err);
  EXPECT_EQ(diff, kFastFirstDifferentByte);
  EXPECT_EQ(tokens_before_divergence, kFastAgreeingPositions);
  EXPECT_NEAR(max_err, kFastMaxLogitError, 1e-6);
}

// Sampling (-t 0.8 -s 42, top-p 0.9): the same sampler and RNG as llama2.c on the TSP's logits.
TEST(Story, SampledRunMatchesReference) {
  TSP_NEED_MODEL();
  const auto &m = Model260K();
  auto tsp = Compile(compiler::Precision::kExact, 256);
  ASSERT_TRUE(tsp);
  llm::ReferenceBackend cpu(m.ck);
  llm::RunOptions ro;
  ro.temperature = 0.8f;
  ro.topp = 0.9f;
  ro.seed = 42;
  ro.steps = 256;
  std::string e1, e2;
  const std::string a = Generate(*tsp, ro, &e1), b = Generate(cpu, ro, &e2);
  EXPECT_EQ(a, b) << "first difference at byte " << FirstDifference(a, b);
  // Logits: the host reads vocab x 4 bytes per token (plus the status polls).
  EXPECT_GE(tsp->stats().host_bytes_read, 4u * m.ck.config.vocab_size * tsp->stats().steps);
  EXPECT_LE(tsp->stats().host_bytes_read, (4u * m.ck.config.vocab_size + 48u) * tsp->stats().steps);
}

// --timeline: a trace-event JSON with a track per queue (both VXM ALUs among them), one span per
// dispatched instruction on the queue that dispatches it, spans of one queue that never overlap
// (occupancy), and a phase track naming the forward pass's phases.
TEST(Story, TimelineHasEveryInstructionOnItsQueue) {
  TSP_NEED_MODEL();
  auto tsp = Compile(compiler::Precision::kExact, 64);
  ASSERT_TRUE(tsp);
  const std::string path = ::testing::TempDir() + "story_timeline.json";
  std::string err;
  ASSERT_TRUE(tsp->WriteTimeline(path, &err)) << err;
  std::ifstream f(path);
  ASSERT_TRUE(f);
  const nlohmann::json j = nlohmann::json::parse(f);
  const Geometry &g = tsp->device().geometry();
  const compiler::CompiledModel &cm = tsp->compiled();
  const uint32_t nq = g.num_queues();
  std::map<uint32_t, std::string> track;
  // Tracks: the queues (tid q), the phases (nq), the VXM ALUs' special-function sequencers (nq + 1 + q).
  std::vector<std::vector<std::pair<int64_t, int64_t>>> spans(nq), seq_spans(nq);
  std::vector<std::string> phases;
  for (const auto &e : j.at("traceEvents")) {
    const auto tid = e.contains("tid") ? e.at("tid").get<uint64_t>() : ~uint64_t{0};
    if (e.at("ph") == "M" && e.at("name") == "thread_name") track[static_cast<uint32_t>(tid)] = e.at("args").at("name");
    if (e.at("ph") != "X") continue;
    if (tid == nq) {
      phases.push_back(e.at("name"));
      continue;
    }
    const std::pair<int64_t, int64_t> sp{e.at("ts").get<int64_t>(), e.at("ts").get<int64_t>() + e.at("dur").get<int64_t>()};
    if (tid > nq) {
      ASSERT_LT(tid, 2 * nq + 1) << e.dump();
      ASSERT_EQ(g.queue(static_cast<uint32_t>(tid - nq - 1)).kind, SliceKind::kVxm) << e.dump();
      const std::string mn = e.at("name");
      EXPECT_TRUE(std::any_of(isa::kOps.begin(), isa::kOps.end(),
                              [&](const isa::OpInfo &o) { return o.mnemonic == mn && o.interleave; }))
          << e.dump();
      seq_spans[tid - nq - 1].push_back(sp);
      continue;
    }
    spans[tid].push_back(sp);
  }
  size_t interleaving = 0, sequenced = 0;
  for (const auto &op : cm.ops) {
    if (isa::Info(static_cast<isa::Opcode>(op.opcode)).interleave) ++interleaving;
  }
  for (uint32_t q = 0; q < nq; ++q) {
    if (g.queue(q).kind == SliceKind::kVxm) {
      EXPECT_EQ(track[nq + 1 + q], g.queue(q).name + " sequencer");
    }
    std::sort(seq_spans[q].begin(), seq_spans[q].end());
    for (size_t i = 1; i < seq_spans[q].size(); ++i)
      EXPECT_LE(seq_spans[q][i - 1].second, seq_spans[q][i].first) << g.queue(q).name << " sequencer span " << i;
    sequenced += seq_spans[q].size();
  }
  EXPECT_GT(interleaving, 0u);
  EXPECT_EQ(sequenced, interleaving);
  size_t total = 0;
  for (uint32_t q = 0; q < nq; ++q) {
    EXPECT_EQ(track[q], g.queue(q).name);
    EXPECT_EQ(spans[q].size(), cm.sched.queues[q].unit_ops) << g.queue(q).name;
    EXPECT_GT(spans[q].size(), 0u) << g.queue(q).name;  // every queue works in the forward step
    std::sort(spans[q].begin(), spans[q].end());
    for (size_t i = 1; i < spans[q].size(); ++i)
      EXPECT_LE(spans[q][i - 1].second, spans[q][i].first) << g.queue(q).name << " span " << i;
    total += spans[q].size();
  }
  EXPECT_EQ(total, cm.ops.size());
  EXPECT_EQ(track[nq], "phases");
  for (const char *ph : {"embedding", "L0 qkv", "L0 softmax", "L4 ffn", "classifier", "argmax"})
    EXPECT_NE(std::find(phases.begin(), phases.end(), ph), phases.end()) << ph;
}

// The whole context on the default geometry: the 512-position program (its busiest queue within
// IqDepth), fed the fp32 reference's greedy tokens at every position 0..511 (teacher forcing, past
// the BOS that would end a story): the on-chip argmax equals the fp32 one at every position, and
// every step takes the predicted number of cycles.
TEST(Story, EveryPositionOfTheContextMatchesReference) {
  TSP_NEED_MODEL();
  const auto &m = Model260K();
  const int n = m.ck.config.seq_len;
  auto tsp = Compile(compiler::Precision::kExact, static_cast<uint32_t>(n));
  ASSERT_TRUE(tsp);
  const int agree = TeacherForced(*tsp, n);
  const RunnerStats &s = tsp->stats();
  EXPECT_EQ(agree, n);
  EXPECT_EQ(s.steps, static_cast<uint64_t>(n));
  EXPECT_EQ(s.min_cycles, s.predicted_cycles);
  EXPECT_EQ(s.max_cycles, s.predicted_cycles);
  std::printf("%d of %d positions agree with fp32; %s", agree, n, tsp->StatsReport().c_str());
}

}  // namespace
}  // namespace tsp
