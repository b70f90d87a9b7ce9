// llama2.c tokenizer files (tokenizer.bin, tok512.bin) and its encode/decode rules (docs/llm.md).
//
// File: int32 max_token_length, then for each of vocab_size tokens (the count comes from the
// checkpoint): float32 score, int32 length, `length` raw bytes.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tsp::llm {

inline constexpr int kUnkToken = 0;
inline constexpr int kBosToken = 1;
inline constexpr int kEosToken = 2;
inline constexpr int kByteTokenOffset = 3;  // byte b is token b + 3
// A max_token_length above this is rejected as absurd.
inline constexpr int32_t kMaxTokenLengthLimit = 1 << 16;

class Tokenizer {
 public:
  // Parses a tokenizer image holding exactly `vocab_size` tokens (at least 3: <unk>, BOS, EOS).
  // Errors (prefixed with `name`): truncated (which token, at which byte), max_token_length not in
  // 1..kMaxTokenLengthLimit, a token length not in 1..max_token_length, trailing bytes (the file
  // holds more tokens than the model). `*this` is untouched on failure.
  bool Parse(const uint8_t *data, size_t size, int vocab_size, const std::string &name, std::string *error);
  bool Load(const std::string &path, int vocab_size, std::string *error);

  int vocab_size() const { return static_cast<int>(pieces_.size()); }
  int max_token_length() const { return max_token_length_; }
  const std::string &piece(int id) const { return pieces_[static_cast<size_t>(id)]; }
  float score(int id) const { return scores_[static_cast<size_t>(id)]; }

  // Token id of the exact piece (compared as a C string, i.e. up to its first NUL), or -1.
  // With duplicate pieces the lowest id wins.
  int Lookup(std::string_view piece) const;

  // llama2.c encode(): text is read up to its first NUL byte. Optional BOS; a dummy-prefix " "
  // token when the text is non-empty; one token per UTF-8 code point (at most 4 bytes), else one
  // byte token per byte; then repeatedly merge the leftmost adjacent pair whose concatenation has
  // the highest score (strictly above -1e10); optional EOS.
  std::vector<int> Encode(std::string_view text, bool bos, bool eos) const;

  // llama2.c decode(): the piece of `token`, without its leading space after BOS; a `<0xXX>`
  // piece becomes that raw byte. Never null; "" for an out-of-range token or the byte 0x00.
  const char *Decode(int prev_token, int token) const;

 private:
  int max_token_length_ = 0;
  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::unordered_map<std::string, int> lookup_;  // C-string view of a piece -> lowest id
};

// The "safe print" rule of llama2.c: nothing for an empty piece or a single byte that is neither
// printable nor whitespace (C locale); otherwise the piece as a C string.
bool IsSafePiece(const char *piece);
void SafePrint(std::FILE *out, const char *piece);

// Builds a tokenizer image (for tests and fuzz seeds).
std::vector<uint8_t> SerializeTokenizer(int32_t max_token_length, const std::vector<std::string> &pieces,
                                        const std::vector<float> &scores);

}  // namespace tsp::llm
