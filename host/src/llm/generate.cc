// The generation loop of llama2.c `run` (generate mode) over a pluggable Backend (docs/llm.md).
#include "tsp/llm/generate.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

#include "tsp/llm/sampler.h"

namespace tsp::llm {

bool ReferenceBackend::Forward(int token, int pos, std::vector<float> *logits, int *argmax,
                               std::string *error) {
  const Config &c = ref_.config();
  if (token < 0 || token >= c.vocab_size || pos < 0 || pos >= c.seq_len) {
    if (error)
      *error = fmt::format("reference backend: token {} at position {} is outside vocab_size {} / seq_len {}",
                           token, pos, c.vocab_size, c.seq_len);
    return false;
  }
  const std::vector<float> &out = ref_.Forward(token, pos);
  if (logits) {
    *logits = out;
  } else if (argmax) {
    *argmax = SampleArgmax(out.data(), c.vocab_size);
  }
  return true;
}

RunOptions ResolveRunOptions(const RunOptions &in, int seq_len, unsigned long long now) {
  RunOptions o = in;
  if (o.seed == 0) o.seed = static_cast<unsigned int>(now);
  if (o.temperature < 0.0f) o.temperature = 0.0f;
  if (o.topp < 0.0f || 1.0f < o.topp) o.topp = 0.9f;
  if (o.steps < 0) o.steps = 0;
  if (o.steps == 0 || o.steps > seq_len) o.steps = seq_len;
  return o;
}

RunOptions ResolveRunOptions(const RunOptions &in, int seq_len) {
  return ResolveRunOptions(in, seq_len, static_cast<unsigned long long>(std::time(nullptr)));
}

int Generate(Backend &backend, const Tokenizer &tokenizer, const Config &config, const RunOptions &options,
             std::FILE *out, GenerateStats *stats, std::string *error) {
  using Clock = std::chrono::steady_clock;
  auto fail = [&](const std::string &msg) {
    if (error) *error = msg;
    return 1;
  };
  if (options.steps < 0 || options.steps > config.seq_len)
    return fail(fmt::format("steps {} outside 0..seq_len {} (resolve the options first)", options.steps,
                            config.seq_len));
  if (tokenizer.vocab_size() != config.vocab_size)
    return fail(
        fmt::format("the tokenizer has {} tokens, the model {}", tokenizer.vocab_size(), config.vocab_size));

  const std::vector<int> prompt = tokenizer.Encode(options.prompt, /*bos=*/true, /*eos=*/false);
  Sampler sampler(config.vocab_size, options.temperature, options.topp, options.seed);
  const bool greedy = sampler.greedy();
  std::vector<float> logits;

  GenerateStats st;
  st.prompt_tokens = static_cast<int>(prompt.size());
  Clock::time_point start;
  bool started = false;
  int token = prompt[0];
  int pos = 0;
  while (pos < options.steps) {
    int next = 0;
    std::string msg;
    if (pos + 1 < static_cast<int>(prompt.size())) {
      // Forced prompt token: the pass only fills the KV cache; no random number is drawn.
      int ignored = 0;
      if (!backend.Forward(token, pos, nullptr, &ignored, &msg)) return fail(msg);
      next = prompt[static_cast<size_t>(pos) + 1];
    } else if (greedy) {
      if (!backend.Forward(token, pos, nullptr, &next, &msg)) return fail(msg);
    } else {
      if (!backend.Forward(token, pos, &logits, nullptr, &msg)) return fail(msg);
      if (logits.size() != static_cast<size_t>(config.vocab_size))
        return fail(fmt::format("backend returned {} logits at position {}, expected vocab_size {}",
                                logits.size(), pos, config.vocab_size));
      next = sampler.Sample(logits.data());
    }
    if (next < 0 || next >= config.vocab_size)
      return fail(fmt::format("backend produced token {} at position {}, outside 0..{}", next, pos,
                              config.vocab_size - 1));
    ++pos;
    if (next == kBosToken) break;
    SafePrint(out, tokenizer.Decode(token, next));
    std::fflush(out);
    token = next;
    if (!started) {
      start = Clock::now();
      started = true;
    }
  }
  std::fputs("\n", out);
  std::fflush(out);

  st.positions = pos;
  st.timed_tokens = pos > 0 ? pos - 1 : 0;
  if (started) st.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (stats) *stats = st;
  return 0;
}

}  // namespace tsp::llm
