// llama2.c version-0 checkpoints: parse, validate, serialize, random weights (docs/llm.md).
#include "tsp/llm/checkpoint.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace tsp::llm {
namespace {

int32_t GetI32(const uint8_t *p) {
  const uint32_t v = uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
  int32_t out;
  std::memcpy(&out, &v, sizeof out);
  return out;
}

float GetF32(const uint8_t *p) {
  const uint32_t v = uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
  float out;
  std::memcpy(&out, &v, sizeof out);
  return out;
}

void PutU32(std::vector<uint8_t> *b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutI32(std::vector<uint8_t> *b, int32_t v) {
  uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  PutU32(b, u);
}
void PutF32(std::vector<uint8_t> *b, float v) {
  uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  PutU32(b, u);
}

// One tensor of the file, in file order.
struct Tensor {
  const char *name;
  std::string shape;                            // "[5][64][64]"
  uint64_t count = 0;                           // floats
  std::vector<float> Weights::*dest = nullptr;  // null: skipped (legacy RoPE tables)
};

// A tensor's shape: up to 3 dimensions.
struct Dims {
  int rank;
  int64_t d[3];
};

bool Product(const Dims &dims, uint64_t *out) {
  uint64_t p = 1;
  for (int i = 0; i < dims.rank; ++i) {
    if (__builtin_mul_overflow(p, static_cast<uint64_t>(dims.d[i]), &p)) return false;
  }
  *out = p;
  return true;
}

std::string Shape(const Dims &dims) {
  std::string s;
  for (int i = 0; i < dims.rank; ++i) s += fmt::format("[{}]", dims.d[i]);
  return s;
}

// The file's tensors for a valid config; false if an element count or the total overflows.
bool Layout(const Config &c, std::vector<Tensor> *tensors, uint64_t *file_bytes, std::string *error) {
  const int64_t dim = c.dim, hidden = c.hidden_dim, layers = c.n_layers, vocab = c.vocab_size,
                kv = c.kv_dim(), half = c.head_size() / 2, seq = c.seq_len;
  struct Spec {
    const char *name;
    Dims dims;
    std::vector<float> Weights::*dest;
  };
  const Spec specs[] = {
      {"token_embedding", {2, {vocab, dim}}, &Weights::token_embedding},
      {"rms_att", {2, {layers, dim}}, &Weights::rms_att},
      {"wq", {3, {layers, dim, dim}}, &Weights::wq},
      {"wk", {3, {layers, kv, dim}}, &Weights::wk},
      {"wv", {3, {layers, kv, dim}}, &Weights::wv},
      {"wo", {3, {layers, dim, dim}}, &Weights::wo},
      {"rms_ffn", {2, {layers, dim}}, &Weights::rms_ffn},
      {"w1", {3, {layers, hidden, dim}}, &Weights::w1},
      {"w2", {3, {layers, dim, hidden}}, &Weights::w2},
      {"w3", {3, {layers, hidden, dim}}, &Weights::w3},
      {"rms_final", {1, {dim}}, &Weights::rms_final},
      {"freq_cis_real", {2, {seq, half}}, nullptr},
      {"freq_cis_imag", {2, {seq, half}}, nullptr},
      {"wcls", {2, {vocab, dim}}, &Weights::wcls},
  };
  tensors->clear();
  uint64_t total = kCheckpointHeaderBytes;
  for (const Spec &s : specs) {
    if (s.dest == &Weights::wcls && c.shared_classifier) continue;
    Tensor t{s.name, Shape(s.dims), 0, s.dest};
    uint64_t bytes = 0;
    if (!Product(s.dims, &t.count) || __builtin_mul_overflow(t.count, uint64_t{4}, &bytes) ||
        __builtin_add_overflow(total, bytes, &total)) {
      *error = fmt::format("the size of tensor {} {} overflows 64 bits ({})", t.name, t.shape, ToString(c));
      return false;
    }
    tensors->push_back(std::move(t));
  }
  *file_bytes = total;
  return true;
}

// splitmix64, for RandomCheckpoint (portable, unlike <random>'s distributions).
struct SplitMix {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi).
  float Uniform(float lo, float hi) {
    const float u = static_cast<float>(Next() >> 40) / 16777216.0f;
    return lo + (hi - lo) * u;
  }
};

}  // namespace

std::string ToString(const Config &c) {
  return fmt::format(
      "dim {}, hidden_dim {}, n_layers {}, n_heads {}, n_kv_heads {}, vocab_size {} ({} classifier), "
      "seq_len {}",
      c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size,
      c.shared_classifier ? "shared" : "separate", c.seq_len);
}

bool ValidateConfig(const Config &c, std::string *error) {
  const std::pair<const char *, int32_t> fields[] = {
      {"dim", c.dim},         {"hidden_dim", c.hidden_dim}, {"n_layers", c.n_layers},
      {"n_heads", c.n_heads}, {"n_kv_heads", c.n_kv_heads}, {"vocab_size", c.vocab_size},
      {"seq_len", c.seq_len},
  };
  for (const auto &[name, value] : fields) {
    if (value <= 0) {
      *error = fmt::format("field {} is {}, expected a positive value", name, value);
      return false;
    }
    if (value > kMaxConfigField) {
      *error = fmt::format("field {} is {}, absurdly large (limit {})", name, value, kMaxConfigField);
      return false;
    }
  }
  if (c.dim % c.n_heads != 0) {
    *error = fmt::format("dim {} is not a multiple of n_heads {}", c.dim, c.n_heads);
    return false;
  }
  if (c.n_heads % c.n_kv_heads != 0) {
    *error = fmt::format("n_heads {} is not a multiple of n_kv_heads {}", c.n_heads, c.n_kv_heads);
    return false;
  }
  if (c.head_size() % 2 != 0) {
    *error = fmt::format("head_size = dim / n_heads = {} / {} = {} is odd (RoPE rotates pairs)", c.dim,
                         c.n_heads, c.head_size());
    return false;
  }
  return true;
}

bool CheckpointFileBytes(const Config &c, uint64_t *bytes, std::string *error) {
  if (!ValidateConfig(c, error)) return false;
  std::vector<Tensor> tensors;
  return Layout(c, &tensors, bytes, error);
}

bool ParseCheckpoint(const uint8_t *data, size_t size, const std::string &name, Checkpoint *out,
                     std::string *error) {
  auto fail = [&](const std::string &msg) {
    if (error) *error = fmt::format("{}: {}", name, msg);
    return false;
  };
  if (size < kCheckpointHeaderBytes)
    return fail(fmt::format("truncated header: {} bytes needed, the file has {} bytes",
                            kCheckpointHeaderBytes, size));
  Config c;
  c.dim = GetI32(data);
  c.hidden_dim = GetI32(data + 4);
  c.n_layers = GetI32(data + 8);
  c.n_heads = GetI32(data + 12);
  c.n_kv_heads = GetI32(data + 16);
  const int32_t raw_vocab = GetI32(data + 20);
  c.seq_len = GetI32(data + 24);
  if (raw_vocab == 0)
    return fail(
        "field vocab_size is 0, expected a non-zero value (positive: shared classifier, "
        "negative: separate classifier)");
  if (raw_vocab < -kMaxConfigField)
    return fail(fmt::format("field vocab_size is {}, absurdly large in magnitude (limit {})", raw_vocab,
                            kMaxConfigField));
  c.shared_classifier = raw_vocab > 0;
  c.vocab_size = raw_vocab > 0 ? raw_vocab : -raw_vocab;
  std::string msg;
  if (!ValidateConfig(c, &msg)) return fail(msg);

  std::vector<Tensor> tensors;
  uint64_t expected = 0;
  if (!Layout(c, &tensors, &expected, &msg)) return fail(msg);
  if (size < expected) {
    uint64_t off = kCheckpointHeaderBytes;
    for (const Tensor &t : tensors) {
      const uint64_t end = off + 4 * t.count;
      if (end > size) {
        return fail(fmt::format(
            "truncated: the header ({}) implies {} bytes, the file has {} bytes; tensor {} {} (bytes {}..{}) "
            "is cut",
            ToString(c), expected, size, t.name, t.shape, off, end));
      }
      off = end;
    }
  }
  if (size > expected)
    return fail(fmt::format("{} trailing bytes: the header ({}) implies {} bytes, the file has {} bytes",
                            size - expected, ToString(c), expected, size));

  // The image holds every tensor: allocations are bounded by its size.
  Checkpoint ckpt;
  ckpt.config = c;
  const uint8_t *p = data + kCheckpointHeaderBytes;
  for (const Tensor &t : tensors) {
    if (t.dest) {
      std::vector<float> &v = ckpt.w.*(t.dest);
      v.resize(static_cast<size_t>(t.count));
      for (size_t i = 0; i < v.size(); ++i) v[i] = GetF32(p + 4 * i);
    }
    p += 4 * t.count;
  }
  if (c.shared_classifier) ckpt.w.wcls = ckpt.w.token_embedding;
  *out = std::move(ckpt);
  return true;
}

bool LoadCheckpoint(const std::string &path, Checkpoint *out, std::string *error) {
  errno = 0;
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    if (error) *error = fmt::format("{}: cannot open: {}", path, std::strerror(errno));
    return false;
  }
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  for (;;) {
    const size_t n = std::fread(chunk, 1, sizeof chunk, f);
    bytes.insert(bytes.end(), chunk, chunk + n);
    if (n < sizeof chunk) break;
  }
  const bool read_error = std::ferror(f) != 0;
  std::fclose(f);
  if (read_error) {
    if (error) *error = fmt::format("{}: read error: {}", path, std::strerror(errno));
    return false;
  }
  return ParseCheckpoint(bytes.data(), bytes.size(), path, out, error);
}

std::vector<uint8_t> SerializeCheckpoint(const Checkpoint &ckpt) {
  const Config &c = ckpt.config;
  const Weights &w = ckpt.w;
  std::vector<uint8_t> b;
  for (int32_t v : {c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads,
                    c.shared_classifier ? c.vocab_size : -c.vocab_size, c.seq_len})
    PutI32(&b, v);
  for (const std::vector<float> *t : {&w.token_embedding, &w.rms_att, &w.wq, &w.wk, &w.wv, &w.wo, &w.rms_ffn,
                                      &w.w1, &w.w2, &w.w3, &w.rms_final}) {
    for (float v : *t) PutF32(&b, v);
  }
  const size_t rope = static_cast<size_t>(c.seq_len) * static_cast<size_t>(c.head_size() / 2);
  b.insert(b.end(), 2 * rope * sizeof(float), uint8_t{0});
  if (!c.shared_classifier) {
    for (float v : w.wcls) PutF32(&b, v);
  }
  return b;
}

bool WriteCheckpoint(const std::string &path, const Checkpoint &ckpt, std::string *error) {
  const std::vector<uint8_t> bytes = SerializeCheckpoint(ckpt);
  errno = 0;
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) {
    if (error) *error = fmt::format("{}: cannot open for writing: {}", path, std::strerror(errno));
    return false;
  }
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) {
    if (error) *error = fmt::format("{}: write error: {}", path, std::strerror(errno));
    return false;
  }
  return true;
}

Checkpoint RandomCheckpoint(const Config &c, uint64_t seed) {
  std::string error;
  uint64_t bytes = 0;
  if (!CheckpointFileBytes(c, &bytes, &error)) throw std::invalid_argument("RandomCheckpoint: " + error);
  SplitMix rng{seed};
  const size_t dim = static_cast<size_t>(c.dim), hidden = static_cast<size_t>(c.hidden_dim),
               layers = static_cast<size_t>(c.n_layers), vocab = static_cast<size_t>(c.vocab_size),
               kv = static_cast<size_t>(c.kv_dim());
  auto fill = [&](std::vector<float> *v, size_t n, float lo, float hi) {
    v->resize(n);
    for (float &x : *v) x = rng.Uniform(lo, hi);
  };
  const float a_dim = 1.0f / std::sqrt(static_cast<float>(dim));
  const float a_hidden = 1.0f / std::sqrt(static_cast<float>(hidden));
  Checkpoint ckpt;
  ckpt.config = c;
  Weights &w = ckpt.w;
  fill(&w.token_embedding, vocab * dim, -1.0f, 1.0f);
  fill(&w.rms_att, layers * dim, 0.8f, 1.2f);
  fill(&w.wq, layers * dim * dim, -a_dim, a_dim);
  fill(&w.wk, layers * kv * dim, -a_dim, a_dim);
  fill(&w.wv, layers * kv * dim, -a_dim, a_dim);
  fill(&w.wo, layers * dim * dim, -a_dim, a_dim);
  fill(&w.rms_ffn, layers * dim, 0.8f, 1.2f);
  fill(&w.w1, layers * hidden * dim, -a_dim, a_dim);
  fill(&w.w2, layers * dim * hidden, -a_hidden, a_hidden);
  fill(&w.w3, layers * hidden * dim, -a_dim, a_dim);
  fill(&w.rms_final, dim, 0.8f, 1.2f);
  if (c.shared_classifier) {
    w.wcls = w.token_embedding;
  } else {
    fill(&w.wcls, vocab * dim, -a_dim, a_dim);
  }
  return ckpt;
}

}  // namespace tsp::llm
