// tsp-story-bench: stories260K speed, side by side in one run (make bench-story). Prints figures;
// asserts nothing about speed (machines are shared). The token counts are deterministic.
//   * the plain fp32 C++ forward pass (tsp::llm::Reference): tokens/s on this CPU;
//   * the cycle-exact reference model ("ref") and the Verilated default core ("rtl") running the
//     compiled forward step: simulated cycles/s and wall time per token (program and weights loaded
//     once: the rtl device uses its simulation-only backdoor, see README);
//   * the TSP itself: cycles per token (predicted = measured) and tokens/s at the stated clock.
//
//   tsp-story-bench [--model-dir D] [--positions 64] [--tokens 32] [--rtl-tokens 4]
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "tsp/llm/model_dir.h"
#include "tsp/llm/reference.h"
#include "tsp/runner.h"

namespace {
using Clock = std::chrono::steady_clock;

struct Figures {
  std::string what;
  int tokens = 0;
  double seconds = 0;
  uint64_t cycles = 0;
};

// Greedy tokens from BOS on a backend; returns false with *error on failure.
bool RunTokens(tsp::llm::Backend &b, int n, Figures *f, std::string *error) {
  int token = 1;
  const auto t0 = Clock::now();
  for (int pos = 0; pos < n; ++pos) {
    int next = 0;
    if (!b.Forward(token, pos, nullptr, &next, error)) return false;
    token = next;
  }
  f->tokens = n;
  f->seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return true;
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"tsp-story-bench: stories260K on the fp32 reference, the reference model and the RTL"};
  std::string dir;
  uint32_t positions = 64;
  int tokens = 32, rtl_tokens = 4;
  app.add_option("--model-dir", dir, "directory with stories260K.bin (default: TSP_MODEL_DIR, ...)");
  app.add_option("--positions", positions, "attention length compiled into the program");
  app.add_option("--tokens", tokens, "tokens on the fp32 reference and the reference model");
  app.add_option("--rtl-tokens", rtl_tokens, "tokens on the RTL");
  CLI11_PARSE(app, argc, argv);
  std::string err;
  if (dir.empty()) dir = tsp::llm::FindModelDir(&err);
  if (dir.empty()) {
    std::fprintf(stderr, "tsp-story-bench: %s\n", err.c_str());
    return 1;
  }
  tsp::llm::Checkpoint ck;
  if (!tsp::llm::LoadCheckpoint(dir + "/stories260K.bin", &ck, &err)) {
    std::fprintf(stderr, "tsp-story-bench: %s\n", err.c_str());
    return 1;
  }

  Figures cpu{"fp32 C++ reference (this CPU)"};
  {
    tsp::llm::ReferenceBackend b(ck);
    if (!RunTokens(b, tokens, &cpu, &err)) {
      std::fprintf(stderr, "tsp-story-bench: %s\n", err.c_str());
      return 1;
    }
  }
  std::vector<Figures> sims;
  uint64_t predicted = 0;
  tsp::compiler::Bounds bounds;
  for (const char *spec : {"ref", "rtl"}) {
    auto dev = tsp::OpenDevice(spec, &err);
    if (!dev) {
      std::fprintf(stderr, "tsp-story-bench: %s\n", err.c_str());
      return 1;
    }
    tsp::compiler::LlamaOptions opt;
    opt.positions = positions;
    auto b = tsp::TspBackend::Create(ck, std::move(dev), opt, &err);
    if (!b) {
      std::fprintf(stderr, "tsp-story-bench: %s\n", err.c_str());
      return 1;
    }
    predicted = b->compiled().predicted_cycles;
    bounds = b->compiled().bounds;
    Figures f{std::string(spec) == "ref" ? "reference model (ref)" : "Verilated RTL (rtl)"};
    const int n = std::string(spec) == "ref" ? tokens : rtl_tokens;
    if (!RunTokens(*b, n, &f, &err)) {
      std::fprintf(stderr, "tsp-story-bench: %s\n", err.c_str());
      return 1;
    }
    f.seconds = b->stats().device_seconds;  // the forward steps only (host work excluded)
    f.cycles = b->stats().total_cycles;
    if (b->stats().mismatches)
      std::fprintf(stderr, "tsp-story-bench: %lu steps differ from the prediction\n", (unsigned long)b->stats().mismatches);
    std::fprintf(stderr, "%s: load %.3f s (compile %.2f s)\n", spec, b->stats().load_seconds, b->stats().compile_seconds);
    sims.push_back(f);
  }
  const double clock = tsp::TspBackend::kClockHz;
  std::printf("stories260K, greedy, exact mode, program of %u positions: %lu cycles per token "
              "(resource bound %lu, dependency bound %lu)\n\n",
              positions, (unsigned long)predicted, (unsigned long)bounds.resource, (unsigned long)bounds.dependency);
  std::printf("| run | tokens | wall s per token | tokens/s | simulated cycles/s |\n|---|---:|---:|---:|---:|\n");
  std::printf("| %s | %d | %.6f | %.1f | - |\n", cpu.what.c_str(), cpu.tokens, cpu.seconds / cpu.tokens,
              cpu.tokens / cpu.seconds);
  for (const Figures &f : sims)
    std::printf("| %s | %d | %.3f | %.3f | %.0f |\n", f.what.c_str(), f.tokens, f.seconds / f.tokens, f.tokens / f.seconds,
                static_cast<double>(f.cycles) / f.seconds);
  std::printf("| TSP at %.0f MHz (cycle count) | - | %.6f | %.0f | - |\n", clock / 1e6, static_cast<double>(predicted) / clock,
              clock / static_cast<double>(predicted));
  return 0;
}
