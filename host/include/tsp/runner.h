// The model runner: a llama2.c checkpoint compiled for a TSP device and run as an llm::Backend.
//
// The program (every weight, table and the zeroed KV cache in its MEM images, the whole forward
// step in its instruction queues) is loaded once; per token the host writes 8 bytes (token id and
// position in lanes 0 and 1 of the input word's two byte planes), starts the run, and reads back
// either the argmax token (4 bytes) or the logits (vocab x 4 bytes). The device's cycle count is
// checked against the compiler's prediction at every step.
//
// A program compiled for P positions costs the same at every position (the masked positions are
// computed too). With range_positions = R the runner compiles a program set instead: P = R, 2R, ..
// up to the run's positions, all with the KV cache capacity of the largest, so that the caches sit
// at the same MEM addresses in all of them; position p runs on the smallest program that reaches
// it, and moving to another program rewrites the instruction queues and the MEM images except the
// KV caches (CompiledModel::kv_regions), once per range, never per token.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tsp/compiler/llama.h"
#include "tsp/device.h"
#include "tsp/llm/checkpoint.h"
#include "tsp/llm/generate.h"

namespace tsp {

struct RunnerStats {
  uint64_t steps = 0;
  uint64_t predicted_cycles = 0;  // per step of the program that ran the last step (or the first program)
  uint64_t predicted_total = 0;   // the predictions of every step run, summed
  uint64_t min_cycles = UINT64_MAX, max_cycles = 0, total_cycles = 0;
  uint64_t mismatches = 0;        // steps whose measured cycles differ from the prediction
  double device_seconds = 0;      // wall time inside Device::Run
  uint64_t host_bytes_written = 0, host_bytes_read = 0;  // per-token traffic, summed
  double load_seconds = 0, compile_seconds = 0;
  // Program changes of a set, their host traffic, and the part of it that is MEM (the rest: queues).
  uint64_t switches = 0, switch_bytes_written = 0, switch_mem_bytes = 0;
};

class TspBackend : public llm::Backend {
 public:
  // Compiles `ckpt` for the device's geometry and loads it. Null with *error on failure.
  // range_positions > 0: a program set (above), opt.positions being the largest program's.
  static std::unique_ptr<TspBackend> Create(const llm::Checkpoint &ckpt, std::unique_ptr<Device> device,
                                            const compiler::LlamaOptions &opt, std::string *error,
                                            uint32_t range_positions = 0);

  bool Forward(int token, int pos, std::vector<float> *logits, int *argmax, std::string *error) override;
  std::string StatsReport() const override;

  // The largest program (the only one without a set); programs(): the set, smallest first.
  const compiler::CompiledModel &compiled() const { return set_.back(); }
  const std::vector<compiler::CompiledModel> &programs() const { return set_; }
  // The program that runs position pos.
  size_t ProgramFor(int pos) const;
  const RunnerStats &stats() const { return stats_; }
  Device &device() { return *dev_; }
  // Writes a Chrome / Perfetto trace-event JSON of one forward step (a track per queue, a span per
  // instruction, the phases as a track of their own).
  bool WriteTimeline(const std::string &path, std::string *error) const;

  static constexpr uint32_t kRangePositions = 64;  // tsp-run's program set: a program per 64 positions
  static constexpr double kClockHz = 150e6;  // the default stated clock for tokens/s (the board tops' MMCM)
  void set_clock_hz(double hz) { clock_hz_ = hz; }  // tsp-run --clock

 private:
  TspBackend() = default;
  bool Switch(size_t k, std::string *error);
  std::unique_ptr<Device> dev_;
  std::vector<compiler::CompiledModel> set_;
  size_t cur_ = 0;  // the loaded program
  uint32_t range_ = 0;
  RunnerStats stats_;
  double clock_hz_ = kClockHz;
};

// Writes the compiled step as trace-event JSON (used by TspBackend::WriteTimeline, tsp-compile).
bool WriteTimelineJson(const compiler::CompiledModel &cm, const Geometry &g, const std::string &path,
                       std::string *error);

// The backend factory of tsp-run: "cpu" (the fp32 reference), "ref" (the cycle-exact model) and any
// other device spec OpenDevice knows in this binary ("rtl", ...).
std::unique_ptr<llm::Backend> MakeBackend(const llm::RunArgs &args, const llm::Checkpoint &ckpt, std::string *error);

}  // namespace tsp
