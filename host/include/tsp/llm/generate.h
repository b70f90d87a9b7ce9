// Text generation as llama2.c `run` does it (generate mode), with pluggable forward-pass backends,
// and `run`'s command line (docs/llm.md).
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tsp/llm/checkpoint.h"
#include "tsp/llm/reference.h"
#include "tsp/llm/tokenizer.h"

namespace tsp::llm {

// A forward-pass implementation (the fp32 reference, the TSP device, ...).
class Backend {
 public:
  virtual ~Backend() = default;
  // Forward pass of `token` at `pos`; positions come in order 0, 1, 2, ... and each only once.
  // Exactly one of `logits` and `argmax` is non-null: if logits != nullptr fill vocab_size logits;
  // else (greedy, or a forced prompt position) set *argmax (first maximum). On failure return false
  // with a message in *error.
  virtual bool Forward(int token, int pos, std::vector<float> *logits, int *argmax, std::string *error) = 0;
  // Extra text for --stats (cycle counts, ...); empty when there is nothing to add.
  virtual std::string StatsReport() const { return {}; }
};

// The fp32 reference (Reference) as a backend. Keeps a reference to `ckpt`.
class ReferenceBackend : public Backend {
 public:
  explicit ReferenceBackend(const Checkpoint &ckpt) : ref_(ckpt) {}
  explicit ReferenceBackend(Checkpoint &&) = delete;
  bool Forward(int token, int pos, std::vector<float> *logits, int *argmax, std::string *error) override;

 private:
  Reference ref_;
};

// llama2.c's defaults. ResolveRunOptions applies its fix-ups.
struct RunOptions {
  float temperature = 1.0f;     // 0: greedy argmax
  float topp = 0.9f;            // nucleus threshold; <= 0 or >= 1: plain multinomial
  unsigned long long seed = 0;  // 0: time(NULL)
  int steps = 256;              // positions including the prompt; 0: seq_len
  std::string prompt;           // "" (llama2.c: no -i)
};

// seed == 0 -> (unsigned int)now; temperature < 0 -> 0; topp outside [0, 1] -> 0.9; steps < 0 -> 0;
// steps == 0 or > seq_len -> seq_len.
RunOptions ResolveRunOptions(const RunOptions &in, int seq_len, unsigned long long now);
RunOptions ResolveRunOptions(const RunOptions &in, int seq_len);  // now = time(NULL)

struct GenerateStats {
  int prompt_tokens = 0;  // BOS included
  int positions = 0;      // forward passes run (llama2.c's final pos)
  int timed_tokens = 0;   // positions - 1: the tokens after the first, which the timer covers
  double seconds = 0.0;   // wall time from the end of the first position to the end of the run
  // llama2.c prints "achieved tok/s: %f\n" to stderr only when positions > 1.
  bool has_rate() const { return positions > 1; }
  double tokens_per_second() const { return timed_tokens / seconds; }
};

// Generates like llama2.c generate(): encodes the prompt (BOS + text), forces the prompt tokens,
// then samples (greedy argmax through Backend::Forward(..., argmax) when temperature == 0, else
// logits + Sampler seeded with options.seed); stops after options.steps positions or when BOS is
// produced; prints every piece through SafePrint to `out` as it is produced (flushing after each),
// then "\n". Does not print the tok/s line (see GenerateStats). `options` must be resolved
// (0 <= steps <= seq_len). Returns 0, or 1 with *error set (backend failure, bad options).
int Generate(Backend &backend, const Tokenizer &tokenizer, const Config &config, const RunOptions &options,
             std::FILE *out, GenerateStats *stats, std::string *error = nullptr);

// `run` command line: <checkpoint> [-t f] [-p f] [-s int] [-n int] [-i str] [-z path]
// [-m generate|chat] [-y str], each flag exactly "-x value" (values parsed like atof/atoi), plus long
// options anywhere after the checkpoint: --device NAME, --mode exact|fast, --stats, --timeline FILE,
// --clock MHZ.
struct RunArgs {
  std::string checkpoint_path;
  std::string tokenizer_path = "tokenizer.bin";
  std::string mode = "generate";  // generate | chat (chat is refused by RunMain)
  std::string system_prompt;
  RunOptions options;               // as given, not resolved
  std::string device;               // --device; empty: the default (the fp32 reference)
  std::string exec_mode = "exact";  // --mode
  bool stats = false;               // --stats
  std::string timeline_path;        // --timeline
  double clock_mhz = 150.0;         // --clock: the clock of --stats' tokens/s (a TSP device)
  bool one_program = false;         // --one-program: no per-range program set (a TSP device)
};

// False with a one-line reason in *usage_error on any grammar error; the caller then prints the
// reason and RunUsage() to stderr and exits 1.
bool ParseRunArgs(int argc, char **argv, RunArgs *args, std::string *usage_error);
std::string RunUsage(const std::string &program);

// Creates the backend for --device / --mode / --timeline; null with *error on failure.
using BackendFactory =
    std::function<std::unique_ptr<Backend>(const RunArgs &args, const Checkpoint &ckpt, std::string *error)>;
// Knows only "ref" (also the empty name), --mode exact, no --timeline.
std::unique_ptr<Backend> MakeReferenceBackend(const RunArgs &args, const Checkpoint &ckpt,
                                              std::string *error);

// The whole `run` program in generate mode: parse, load checkpoint and tokenizer, resolve options,
// create the backend, generate to `out`, "achieved tok/s: %f\n" (and --stats) to `err`.
// Returns the exit status (0, or 1 after printing the error).
int RunMain(int argc, char **argv, const BackendFactory &factory, std::FILE *out, std::FILE *err);

}  // namespace tsp::llm
