// The fp32 golden forward pass: llama2.c's forward() operation for operation (docs/llm.md).
// Every sum is a sequential fp32 sum in index order; the math functions are the fp32 libm ones
// (sqrtf, powf, cosf, sinf, expf) that run.c calls.
#include "tsp/llm/reference.h"

#include <fmt/format.h>
#include <math.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace tsp::llm {

void RmsNorm(float *out, const float *x, const float *weight, int size) {
  float ss = 0.0f;
  for (int j = 0; j < size; ++j) ss += x[j] * x[j];
  ss /= static_cast<float>(size);
  ss += 1e-5f;
  ss = 1.0f / sqrtf(ss);
  for (int j = 0; j < size; ++j) out[j] = weight[j] * (ss * x[j]);
}

void MatMul(float *out, const float *in, const float *w, int n, int d) {
  for (int i = 0; i < d; ++i) {
    const float *row = w + static_cast<size_t>(i) * static_cast<size_t>(n);
    float val = 0.0f;
    for (int j = 0; j < n; ++j) val += row[j] * in[j];
    out[i] = val;
  }
}

namespace {

// llama2.c's softmax (the attention scores use it).
void SoftmaxInPlace(float *x, int size) {
  float max_val = x[0];
  for (int i = 1; i < size; ++i) max_val = x[i] > max_val ? x[i] : max_val;
  float sum = 0.0f;
  for (int i = 0; i < size; ++i) {
    x[i] = expf(x[i] - max_val);
    sum += x[i];
  }
  for (int i = 0; i < size; ++i) x[i] /= sum;
}

size_t Sz(int v) { return static_cast<size_t>(v); }

}  // namespace

Reference::Reference(const Checkpoint &ckpt) : ckpt_(ckpt), c_(ckpt.config) {
  const size_t dim = Sz(c_.dim), hidden = Sz(c_.hidden_dim);
  x_.resize(dim);
  xb_.resize(dim);
  xb2_.resize(dim);
  hb_.resize(hidden);
  hb2_.resize(hidden);
  q_.resize(dim);
  att_.resize(Sz(c_.n_heads) * Sz(c_.seq_len));
  logits_.resize(Sz(c_.vocab_size));
  const size_t cache = Sz(c_.n_layers) * Sz(c_.seq_len) * Sz(c_.kv_dim());
  key_cache_.resize(cache);
  value_cache_.resize(cache);
}

const std::vector<float> &Reference::Forward(int token, int pos) {
  if (token < 0 || token >= c_.vocab_size)
    throw std::out_of_range(
        fmt::format("Reference::Forward: token {} outside 0..{}", token, c_.vocab_size - 1));
  if (pos < 0 || pos >= c_.seq_len)
    throw std::out_of_range(
        fmt::format("Reference::Forward: position {} outside 0..{}", pos, c_.seq_len - 1));

  const Weights &w = ckpt_.w;
  const int dim = c_.dim;
  const int kv_dim = c_.kv_dim();
  const int kv_mul = c_.n_heads / c_.n_kv_heads;
  const int hidden_dim = c_.hidden_dim;
  const int head_size = c_.head_size();
  const size_t udim = Sz(dim), ukv = Sz(kv_dim), uhidden = Sz(hidden_dim);
  float *x = x_.data();

  std::memcpy(x, w.token_embedding.data() + Sz(token) * udim, udim * sizeof(float));

  for (size_t l = 0; l < Sz(c_.n_layers); ++l) {
    RmsNorm(xb_.data(), x, w.rms_att.data() + l * udim, dim);

    // Key and value of this position go straight into the cache.
    const size_t loff = l * Sz(c_.seq_len) * ukv;
    float *k = key_cache_.data() + loff + Sz(pos) * ukv;
    float *v = value_cache_.data() + loff + Sz(pos) * ukv;
    MatMul(q_.data(), xb_.data(), w.wq.data() + l * udim * udim, dim, dim);
    MatMul(k, xb_.data(), w.wk.data() + l * ukv * udim, dim, kv_dim);
    MatMul(v, xb_.data(), w.wv.data() + l * ukv * udim, dim, kv_dim);

    // RoPE: rotate the pairs (i, i+1) of q, and of k where i < kv_dim.
    for (int i = 0; i < dim; i += 2) {
      const int head_dim = i % head_size;
      const float freq = 1.0f / powf(10000.0f, static_cast<float>(head_dim) / static_cast<float>(head_size));
      const float val = static_cast<float>(pos) * freq;
      const float fcr = cosf(val);
      const float fci = sinf(val);
      const int rotn = i < kv_dim ? 2 : 1;
      for (int r = 0; r < rotn; ++r) {
        float *vec = r == 0 ? q_.data() : k;
        const float v0 = vec[i];
        const float v1 = vec[i + 1];
        vec[i] = v0 * fcr - v1 * fci;
        vec[i + 1] = v0 * fci + v1 * fcr;
      }
    }

    // Multi-head attention; query head h reads kv head h / kv_mul.
    for (int h = 0; h < c_.n_heads; ++h) {
      const float *q = q_.data() + Sz(h) * Sz(head_size);
      float *att = att_.data() + Sz(h) * Sz(c_.seq_len);
      const size_t head_off = Sz(h / kv_mul) * Sz(head_size);
      for (int t = 0; t <= pos; ++t) {
        const float *kt = key_cache_.data() + loff + Sz(t) * ukv + head_off;
        float score = 0.0f;
        for (int i = 0; i < head_size; ++i) score += q[i] * kt[i];
        score /= sqrtf(static_cast<float>(head_size));
        att[t] = score;
      }
      SoftmaxInPlace(att, pos + 1);
      float *xb = xb_.data() + Sz(h) * Sz(head_size);
      std::fill(xb, xb + head_size, 0.0f);
      for (int t = 0; t <= pos; ++t) {
        const float *vt = value_cache_.data() + loff + Sz(t) * ukv + head_off;
        const float a = att[t];
        for (int i = 0; i < head_size; ++i) xb[i] += a * vt[i];
      }
    }

    MatMul(xb2_.data(), xb_.data(), w.wo.data() + l * udim * udim, dim, dim);
    for (int i = 0; i < dim; ++i) x[i] += xb2_[Sz(i)];

    // Feed-forward: w2 · (silu(w1 · xb) * (w3 · xb)).
    RmsNorm(xb_.data(), x, w.rms_ffn.data() + l * udim, dim);
    MatMul(hb_.data(), xb_.data(), w.w1.data() + l * uhidden * udim, dim, hidden_dim);
    MatMul(hb2_.data(), xb_.data(), w.w3.data() + l * uhidden * udim, dim, hidden_dim);
    for (size_t i = 0; i < uhidden; ++i) {
      float val = hb_[i];
      val *= (1.0f / (1.0f + expf(-val)));
      val *= hb2_[i];
      hb_[i] = val;
    }
    MatMul(xb_.data(), hb_.data(), w.w2.data() + l * udim * uhidden, hidden_dim, dim);
    for (int i = 0; i < dim; ++i) x[i] += xb_[Sz(i)];
  }

  RmsNorm(x, x, w.rms_final.data(), dim);
  MatMul(logits_.data(), x, w.wcls.data(), dim, c_.vocab_size);
  return logits_;
}

void Reference::ForwardInto(int token, int pos, float *logits) {
  const std::vector<float> &out = Forward(token, pos);
  std::copy(out.begin(), out.end(), logits);
}

}  // namespace tsp::llm
