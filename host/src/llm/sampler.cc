// llama2.c's sampler, fp32 throughout (docs/llm.md "Sampler").
#include "tsp/llm/sampler.h"

#include <math.h>

#include <algorithm>

namespace tsp::llm {

uint32_t RandomU32(uint64_t *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return static_cast<uint32_t>((*state * 0x2545F4914F6CDD1Dull) >> 32);
}

float RandomF32(uint64_t *state) { return static_cast<float>(RandomU32(state) >> 8) / 16777216.0f; }

int SampleArgmax(const float *x, int n) {
  int max_i = 0;
  float max_p = x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] > max_p) {
      max_i = i;
      max_p = x[i];
    }
  }
  return max_i;
}

void Softmax(float *x, int n) {
  float max_val = x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] > max_val) max_val = x[i];
  }
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) {
    x[i] = expf(x[i] - max_val);
    sum += x[i];
  }
  for (int i = 0; i < n; ++i) x[i] /= sum;
}

int SampleMult(const float *probs, int n, float coin) {
  float cdf = 0.0f;
  for (int i = 0; i < n; ++i) {
    cdf += probs[i];
    if (coin < cdf) return i;
  }
  return n - 1;
}

int SampleTopp(const float *probs, int n, float topp, float coin, std::vector<ProbIndex> *scratch) {
  std::vector<ProbIndex> local;
  std::vector<ProbIndex> &kept = scratch ? *scratch : local;
  kept.clear();
  // Values below the cutoff cannot be part of the nucleus: dropping them first keeps the sort short.
  const float cutoff = (1.0f - topp) / static_cast<float>(n - 1);
  for (int i = 0; i < n; ++i) {
    if (probs[i] >= cutoff) kept.push_back({probs[i], i});
  }
  if (kept.empty()) return n - 1;
  // glibc's qsort is a merge sort: equal probabilities keep index order, as with a stable sort.
  std::stable_sort(kept.begin(), kept.end(),
                   [](const ProbIndex &a, const ProbIndex &b) { return a.prob > b.prob; });

  float cumulative = 0.0f;
  size_t last = kept.size() - 1;
  for (size_t i = 0; i < kept.size(); ++i) {
    cumulative += kept[i].prob;
    if (cumulative > topp) {
      last = i;
      break;
    }
  }
  const float r = coin * cumulative;
  float cdf = 0.0f;
  for (size_t i = 0; i <= last; ++i) {
    cdf += kept[i].prob;
    if (r < cdf) return kept[i].index;
  }
  return kept[last].index;
}

Sampler::Sampler(int vocab_size, float temperature, float topp, uint64_t seed)
    : vocab_size_(vocab_size), temperature_(temperature), topp_(topp), rng_state_(seed) {}

int Sampler::Sample(float *logits) {
  if (temperature_ == 0.0f) return SampleArgmax(logits, vocab_size_);
  for (int i = 0; i < vocab_size_; ++i) logits[i] /= temperature_;
  Softmax(logits, vocab_size_);
  const float coin = RandomF32(&rng_state_);
  if (topp_ <= 0 || topp_ >= 1) return SampleMult(logits, vocab_size_, coin);
  return SampleTopp(logits, vocab_size_, topp_, coin, &scratch_);
}

}  // namespace tsp::llm
