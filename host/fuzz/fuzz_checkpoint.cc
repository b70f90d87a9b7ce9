// libFuzzer target for the llama2.c checkpoint loader (docs/llm.md).
// ParseCheckpoint must never crash or over-allocate on arbitrary bytes; the ok flag and the message
// must agree; whatever parses must serialize back to the same bytes (outside the legacy RoPE tables,
// which are written as zeros) and parse again identically; tiny models also run two forward positions.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tsp/llm/checkpoint.h"
#include "tsp/llm/generate.h"

namespace {

// Inputs above this are ignored (the loader itself only ever allocates about twice the input).
constexpr size_t kMaxInput = size_t{1} << 20;
// Forward passes only for models whose weights and KV cache are this small (in floats).
constexpr uint64_t kMaxForwardFloats = uint64_t{1} << 16;

[[noreturn]] void Die(const char *what, const std::string &detail = {}) {
  std::fprintf(stderr, "fuzz_checkpoint: %s %s\n", what, detail.c_str());
  std::abort();
}

void RunForward(const tsp::llm::Checkpoint &ckpt) {
  const tsp::llm::Config &c = ckpt.config;
  const uint64_t cache = 2ull * static_cast<uint64_t>(c.n_layers) * static_cast<uint64_t>(c.seq_len) *
                         static_cast<uint64_t>(c.kv_dim());
  const uint64_t att = static_cast<uint64_t>(c.n_heads) * static_cast<uint64_t>(c.seq_len);
  if (cache > kMaxForwardFloats || att > kMaxForwardFloats) return;
  tsp::llm::ReferenceBackend backend(ckpt);
  std::vector<float> logits;
  std::string error;
  int next = 0;
  for (int pos = 0; pos < 2 && pos < c.seq_len; ++pos) {
    const bool ok = pos == 0 ? backend.Forward(pos % c.vocab_size, pos, nullptr, &next, &error)
                             : backend.Forward(next, pos, &logits, nullptr, &error);
    if (!ok) Die("forward pass failed:", error);
    if (next < 0 || next >= c.vocab_size) Die("argmax out of range");
    if (pos == 1 && logits.size() != static_cast<size_t>(c.vocab_size)) Die("wrong logits size");
  }
  if (backend.Forward(0, c.seq_len, nullptr, &next, &error)) Die("position seq_len accepted");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > kMaxInput) return 0;
  tsp::llm::Checkpoint ckpt;
  std::string error;
  const bool ok = tsp::llm::ParseCheckpoint(data, size, "fuzz", &ckpt, &error);
  if (ok != error.empty()) Die("ok flag and error message disagree:", error);
  if (!ok) return 0;

  const std::vector<uint8_t> bytes = tsp::llm::SerializeCheckpoint(ckpt);
  if (bytes.size() != size) Die("serialized size differs from the input");
  const tsp::llm::Config &c = ckpt.config;
  const size_t rope = 2 * static_cast<size_t>(c.seq_len) * static_cast<size_t>(c.head_size() / 2) * 4;
  const size_t cls =
      c.shared_classifier ? 0 : static_cast<size_t>(c.vocab_size) * static_cast<size_t>(c.dim) * 4;
  const size_t rope_start = size - cls - rope;
  if (std::memcmp(bytes.data(), data, rope_start) != 0 ||
      std::memcmp(bytes.data() + rope_start + rope, data + rope_start + rope, cls) != 0)
    Die("serialized weights differ from the input");

  tsp::llm::Checkpoint back;
  if (!tsp::llm::ParseCheckpoint(bytes.data(), bytes.size(), "again", &back, &error))
    Die("re-serialized checkpoint does not parse:", error);
  if (tsp::llm::SerializeCheckpoint(back) != bytes) Die("serialization is not stable");
  if (tsp::llm::ToString(back.config) != tsp::llm::ToString(c)) Die("config changed");

  RunForward(ckpt);
  return 0;
}
