// The fp32 golden model: llama2.c's forward pass in its exact operation order (docs/llm.md).
// Plain C++, independent of every TSP library.
#pragma once

#include <vector>

#include "tsp/llm/checkpoint.h"

namespace tsp::llm {

class Reference {
 public:
  // Keeps a reference to `ckpt`, which must outlive this object.
  explicit Reference(const Checkpoint &ckpt);
  explicit Reference(Checkpoint &&) = delete;

  // Runs `token` at position `pos` (positions 0..pos-1 must have been run before, in order) and
  // returns the vocab_size logits. Throws std::out_of_range unless 0 <= token < vocab_size and
  // 0 <= pos < seq_len.
  const std::vector<float> &Forward(int token, int pos);
  // Same, copying the logits to `logits` (vocab_size floats).
  void ForwardInto(int token, int pos, float *logits);

  const Config &config() const { return c_; }
  const std::vector<float> &logits() const { return logits_; }

 private:
  const Checkpoint &ckpt_;
  Config c_;
  std::vector<float> x_, xb_, xb2_, hb_, hb2_, q_, att_, logits_;
  std::vector<float> key_cache_, value_cache_;  // [L][seq_len][kv_dim]
};

// Building blocks, exposed for tests and for other backends' comparisons.
// out[i] = weight[i] * (x[i] / sqrt(mean(x^2) + 1e-5)); out may alias x.
void RmsNorm(float *out, const float *x, const float *weight, int size);
// out[i] = sum_j w[i*n + j] * in[j], sequential fp32 sum over j; out [d], w [d][n].
void MatMul(float *out, const float *in, const float *w, int n, int d);

}  // namespace tsp::llm
