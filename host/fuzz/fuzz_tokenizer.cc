// libFuzzer target for the llama2.c tokenizer loader, encoder and decoder (docs/llm.md).
// The input is a tokenizer file. Its token count is found by walking the records; the image is
// parsed with that vocab_size and with one more and one fewer (truncation and trailing-byte paths).
// Whatever parses encodes a fixed string and the first bytes of the input, and decodes every token:
// no crash, every id in range, every piece a valid C string.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "tsp/llm/tokenizer.h"

namespace {

constexpr size_t kMaxInput = size_t{1} << 16;

[[noreturn]] void Die(const char *what, const std::string &detail = {}) {
  std::fprintf(stderr, "fuzz_tokenizer: %s %s\n", what, detail.c_str());
  std::abort();
}

int32_t GetI32(const uint8_t *p) {
  const uint32_t v = uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
  int32_t out;
  std::memcpy(&out, &v, sizeof out);
  return out;
}

// Number of complete, plausible token records in the image.
int CountTokens(const uint8_t *data, size_t size) {
  int count = 0;
  size_t off = 4;
  while (size >= off + 8) {
    const int32_t len = GetI32(data + off + 4);
    if (len <= 0 || static_cast<size_t>(len) > size - off - 8) break;
    off += 8 + static_cast<size_t>(len);
    ++count;
  }
  return count;
}

void Exercise(const tsp::llm::Tokenizer &t, std::string_view extra) {
  const int n = t.vocab_size();
  for (std::string_view text :
       {std::string_view("Once upon a time, Lily saw a big \xc3\xa9 \xf0\x9f\x98\x80 dog!\n"),
        std::string_view(""), extra}) {
    for (int flags = 0; flags < 4; ++flags) {
      const std::vector<int> ids = t.Encode(text, flags & 1, flags & 2);
      for (int id : ids) {
        if (id < 0 || id >= n) Die("encoded id out of range:", std::to_string(id));
      }
      for (size_t i = 1; i < ids.size(); ++i) (void)tsp::llm::IsSafePiece(t.Decode(ids[i - 1], ids[i]));
    }
  }
  size_t total = 0;
  for (int id = -1; id <= n; ++id) {
    for (int prev : {tsp::llm::kBosToken, 0}) {
      const char *piece = t.Decode(prev, id);
      if (piece == nullptr) Die("null piece");
      total += std::strlen(piece);
      (void)tsp::llm::IsSafePiece(piece);
    }
  }
  if (total > 2 * static_cast<size_t>(n + 2) * static_cast<size_t>(t.max_token_length()))
    Die("piece too long");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > kMaxInput) return 0;
  const int count = size >= 4 ? CountTokens(data, size) : 0;
  const std::string_view extra(reinterpret_cast<const char *>(data), size < 64 ? size : 64);
  for (int vocab : {count - 1, count, count + 1}) {
    tsp::llm::Tokenizer t;
    std::string error;
    const bool ok = t.Parse(data, size, vocab, "fuzz", &error);
    if (ok != error.empty()) Die("ok flag and error message disagree:", error);
    if (ok && t.vocab_size() != vocab) Die("vocab size differs");
    if (ok) Exercise(t, extra);
  }
  return 0;
}
