// Llama-2 checkpoints in llama2.c's "version 0" export format (docs/llm.md).
//
// Layout, all little-endian: a header of 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
// vocab_size, seq_len; a negative vocab_size means a separate classifier follows), then fp32 tensors,
// row-major [out][in], per-layer tensors stacked on the layer axis, no padding:
//   token_embedding [vocab][dim], rms_att [L][dim], wq [L][dim][dim], wk [L][kv_dim][dim],
//   wv [L][kv_dim][dim], wo [L][dim][dim], rms_ffn [L][dim], w1 [L][hidden][dim],
//   w2 [L][dim][hidden], w3 [L][hidden][dim], rms_final [dim],
//   freq_cis_real [seq_len][head_size/2], freq_cis_imag [seq_len][head_size/2] (legacy, ignored),
//   wcls [vocab][dim] (only when vocab_size < 0 in the header).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tsp::llm {

// Any header field above this is rejected as absurd (no real model comes near it).
inline constexpr int32_t kMaxConfigField = int32_t{1} << 24;
inline constexpr size_t kCheckpointHeaderBytes = 7 * sizeof(int32_t);

struct Config {
  int32_t dim = 0;         // transformer width
  int32_t hidden_dim = 0;  // feed-forward width
  int32_t n_layers = 0;
  int32_t n_heads = 0;            // query heads
  int32_t n_kv_heads = 0;         // key/value heads (grouped-query attention when < n_heads)
  int32_t vocab_size = 0;         // always positive here; the sign in the file is `shared_classifier`
  int32_t seq_len = 0;            // maximum sequence length (KV cache size)
  bool shared_classifier = true;  // the classifier is the token-embedding matrix

  int head_size() const { return dim / n_heads; }
  int kv_dim() const { return head_size() * n_kv_heads; }
};

// fp32 tensors, row-major, shapes as in the file layout above.
struct Weights {
  std::vector<float> token_embedding;  // [vocab][dim]
  std::vector<float> rms_att;          // [L][dim]
  std::vector<float> wq;               // [L][dim][dim]
  std::vector<float> wk;               // [L][kv_dim][dim]
  std::vector<float> wv;               // [L][kv_dim][dim]
  std::vector<float> wo;               // [L][dim][dim]
  std::vector<float> rms_ffn;          // [L][dim]
  std::vector<float> w1;               // [L][hidden][dim]
  std::vector<float> w2;               // [L][dim][hidden]
  std::vector<float> w3;               // [L][hidden][dim]
  std::vector<float> rms_final;        // [dim]
  std::vector<float> wcls;             // [vocab][dim]; a copy of token_embedding when shared
};

struct Checkpoint {
  Config config;
  Weights w;
};

// "dim 64, hidden_dim 172, n_layers 5, n_heads 8, n_kv_heads 4, vocab_size 512 (shared classifier),
// seq_len 512".
std::string ToString(const Config &c);

// Checks every field (positive, at most kMaxConfigField), dim % n_heads == 0,
// n_heads % n_kv_heads == 0 and an even head_size. The message names the field and its value.
bool ValidateConfig(const Config &c, std::string *error);

// Exact file size the header implies (header, tensors, RoPE tables, separate classifier).
// Fails if the config is invalid or a size overflows 64 bits (the message names the tensor).
bool CheckpointFileBytes(const Config &c, uint64_t *bytes, std::string *error);

// Parses a whole checkpoint image. `name` (usually the path) starts every error message.
// Rejects a short header, invalid fields, sizes that overflow, a file shorter than the header
// implies (naming the tensor that is cut) and trailing bytes. Never allocates more than the image
// size before the image has been checked; `out` is untouched on failure.
bool ParseCheckpoint(const uint8_t *data, size_t size, const std::string &name, Checkpoint *out,
                     std::string *error);
bool LoadCheckpoint(const std::string &path, Checkpoint *out, std::string *error);

// Writes the version-0 format (RoPE tables as zeros; wcls only when !shared_classifier).
// Precondition: the weight vectors have the sizes the config implies.
std::vector<uint8_t> SerializeCheckpoint(const Checkpoint &ckpt);
bool WriteCheckpoint(const std::string &path, const Checkpoint &ckpt, std::string *error);

// Deterministic random weights for tests: matrices uniform(-a, a) with a = 1/sqrt(fan-in),
// the embedding uniform(-1, 1), RMS weights uniform(0.8, 1.2). Throws std::invalid_argument
// if the config is invalid.
Checkpoint RandomCheckpoint(const Config &c, uint64_t seed);

}  // namespace tsp::llm
