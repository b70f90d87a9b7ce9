// Token sampling exactly as llama2.c `run` (commit 350e04fe) does it, in fp32 (docs/llm.md).
#pragma once

#include <cstdint>
#include <vector>

namespace tsp::llm {

// xorshift* generator: s ^= s >> 12; s ^= s << 25; s ^= s >> 27; return (s * 0x2545F4914F6CDD1D) >> 32.
uint32_t RandomU32(uint64_t *state);
// (RandomU32 >> 8) / 16777216.0f, in [0, 1).
float RandomF32(uint64_t *state);

// Index of the first maximum.
int SampleArgmax(const float *x, int n);
// In place: subtract the max, expf, sum in index order, divide.
void Softmax(float *x, int n);
// First i with coin < cdf (fp32 running sum), else n - 1.
int SampleMult(const float *probs, int n, float coin);

struct ProbIndex {
  float prob;
  int index;
};
// Nucleus sampling: keep probs >= (1 - topp) / (n - 1), stable-sort them by probability
// descending, cut after the first element whose running sum exceeds topp, then sample with
// r = coin * (sum of the kept ones). `scratch` avoids an allocation per call (may be null).
// If nothing is kept (n == 1, or NaN probabilities) returns n - 1 (llama2.c reads out of bounds).
int SampleTopp(const float *probs, int n, float topp, float coin, std::vector<ProbIndex> *scratch);

class Sampler {
 public:
  Sampler(int vocab_size, float temperature, float topp, uint64_t seed);

  // temperature == 0: argmax, no random number drawn. Otherwise logits /= temperature, softmax
  // (in place: `logits` holds probabilities afterwards), one coin, then multinomial when
  // topp <= 0 or topp >= 1, else nucleus.
  int Sample(float *logits);

  bool greedy() const { return temperature_ == 0.0f; }
  uint64_t rng_state() const { return rng_state_; }

 private:
  int vocab_size_;
  float temperature_;
  float topp_;
  uint64_t rng_state_;
  std::vector<ProbIndex> scratch_;
};

}  // namespace tsp::llm
