// llama2.c tokenizer: file parsing, BPE encode, decode, safe print (docs/llm.md).
#include "tsp/llm/tokenizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tsp::llm {
namespace {

uint32_t GetU32(const uint8_t *p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
int32_t GetI32(const uint8_t *p) {
  const uint32_t v = GetU32(p);
  int32_t out;
  std::memcpy(&out, &v, sizeof out);
  return out;
}
float GetF32(const uint8_t *p) {
  const uint32_t v = GetU32(p);
  float out;
  std::memcpy(&out, &v, sizeof out);
  return out;
}
void PutU32(std::vector<uint8_t> *b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// The piece as C code sees it: up to its first NUL.
std::string_view CView(const std::string &s) { return std::string_view(s.c_str()); }

// One-byte C strings for every byte value: kBytePieces + 2 * b is "b" ("" for b == 0).
struct BytePieces {
  char s[512];
  BytePieces() {
    for (int i = 0; i < 256; ++i) {
      s[2 * i] = static_cast<char>(static_cast<unsigned char>(i));
      s[2 * i + 1] = '\0';
    }
  }
};
const BytePieces kBytePieces;

int HexDigit(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

// llama2.c: sscanf(piece, "<0x%02hhX>", &byte) == 1, i.e. "<0x" then one or two hex digits
// (the closing '>' is not checked by the return value).
bool ParseByteToken(const char *piece, int *byte) {
  if (std::strncmp(piece, "<0x", 3) != 0) return false;
  const int hi = HexDigit(piece[3]);
  if (hi < 0) return false;
  const int lo = HexDigit(piece[4]);
  *byte = lo < 0 ? hi : hi * 16 + lo;
  return true;
}

bool IsPrintC(unsigned char b) { return b >= 0x20 && b <= 0x7E; }
bool IsSpaceC(unsigned char b) { return b == ' ' || (b >= '\t' && b <= '\r'); }

}  // namespace

bool Tokenizer::Parse(const uint8_t *data, size_t size, int vocab_size, const std::string &name,
                      std::string *error) {
  auto fail = [&](const std::string &msg) {
    if (error) *error = fmt::format("{}: {}", name, msg);
    return false;
  };
  if (vocab_size < 3)
    return fail(fmt::format("vocab_size {} from the checkpoint is too small (at least 3: <unk>, BOS, EOS)",
                            vocab_size));
  if (size < 4)
    return fail(fmt::format("truncated: 4 bytes needed for max_token_length, the file has {} bytes", size));
  const int32_t max_len = GetI32(data);
  if (max_len <= 0 || max_len > kMaxTokenLengthLimit)
    return fail(fmt::format("max_token_length is {}, expected 1..{}", max_len, kMaxTokenLengthLimit));

  std::vector<std::string> pieces;
  std::vector<float> scores;
  // Every token takes at least 9 bytes, so this reservation is bounded by the file size.
  const size_t reserve = std::min(static_cast<size_t>(vocab_size), size / 9);
  pieces.reserve(reserve);
  scores.reserve(reserve);
  size_t off = 4;
  for (int i = 0; i < vocab_size; ++i) {
    if (size - off < 8)
      return fail(fmt::format(
          "truncated in token {} of {}: its score and length at byte {} need 8 bytes, the file has {} bytes",
          i, vocab_size, off, size));
    const float score = GetF32(data + off);
    const int32_t len = GetI32(data + off + 4);
    if (len <= 0 || len > max_len)
      return fail(fmt::format("token {}: length {} at byte {}, expected 1..max_token_length {}", i, len,
                              off + 4, max_len));
    off += 8;
    if (size - off < static_cast<size_t>(len))
      return fail(fmt::format(
          "truncated in token {} of {}: its {} bytes at byte {} end at byte {}, the file has {} bytes", i,
          vocab_size, len, off, off + static_cast<size_t>(len), size));
    pieces.emplace_back(reinterpret_cast<const char *>(data + off), static_cast<size_t>(len));
    scores.push_back(score);
    off += static_cast<size_t>(len);
  }
  if (off != size)
    return fail(fmt::format(
        "{} trailing bytes after token {} (which ends at byte {}): the file holds more than the checkpoint's "
        "vocab_size {} tokens, or is not this model's tokenizer",
        size - off, vocab_size - 1, off, vocab_size));

  std::unordered_map<std::string, int> lookup;
  lookup.reserve(pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i)
    lookup.emplace(std::string(CView(pieces[i])), static_cast<int>(i));

  max_token_length_ = max_len;
  pieces_ = std::move(pieces);
  scores_ = std::move(scores);
  lookup_ = std::move(lookup);
  return true;
}

bool Tokenizer::Load(const std::string &path, int vocab_size, std::string *error) {
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
  return Parse(bytes.data(), bytes.size(), vocab_size, path, error);
}

int Tokenizer::Lookup(std::string_view piece) const {
  const auto it = lookup_.find(std::string(piece.substr(0, piece.find('\0'))));
  return it == lookup_.end() ? -1 : it->second;
}

std::vector<int> Tokenizer::Encode(std::string_view text, bool bos, bool eos) const {
  text = text.substr(0, text.find('\0'));
  // A byte without a token of its own: its byte token, or <unk> if the vocabulary is too small.
  auto byte_token = [&](unsigned char b) {
    const int id = b + kByteTokenOffset;
    return id < vocab_size() ? id : kUnkToken;
  };
  std::vector<int> tokens;
  tokens.reserve(text.size() + 3);
  if (bos) tokens.push_back(kBosToken);
  if (!text.empty()) {
    const int space = Lookup(" ");
    tokens.push_back(space >= 0 ? space : byte_token(' '));
  }

  // One token per UTF-8 code point (a lead byte and up to 3 continuation bytes), else its bytes.
  std::string buf;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) buf.clear();
    buf.push_back(static_cast<char>(c));
    if (i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80 && buf.size() < 4)
      continue;
    const int id = Lookup(buf);
    if (id >= 0) {
      tokens.push_back(id);
    } else {
      for (char b : buf) tokens.push_back(byte_token(static_cast<unsigned char>(b)));
    }
    buf.clear();
  }

  // Merge the best-scoring adjacent pair (the leftmost on ties) until no pair is in the vocabulary.
  std::string pair;
  for (;;) {
    float best_score = -1e10f;
    int best_id = -1;
    size_t best_idx = 0;
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      pair.assign(CView(pieces_[static_cast<size_t>(tokens[i])]));
      pair.append(CView(pieces_[static_cast<size_t>(tokens[i + 1])]));
      const int id = Lookup(pair);
      if (id != -1 && scores_[static_cast<size_t>(id)] > best_score) {
        best_score = scores_[static_cast<size_t>(id)];
        best_id = id;
        best_idx = i;
      }
    }
    if (best_id == -1) break;
    tokens[best_idx] = best_id;
    tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(best_idx) + 1);
  }
  if (eos) tokens.push_back(kEosToken);
  return tokens;
}

const char *Tokenizer::Decode(int prev_token, int token) const {
  if (token < 0 || token >= vocab_size()) return "";
  const char *piece = pieces_[static_cast<size_t>(token)].c_str();
  if (prev_token == kBosToken && piece[0] == ' ') ++piece;
  int byte = 0;
  if (ParseByteToken(piece, &byte)) return kBytePieces.s + 2 * byte;
  return piece;
}

bool IsSafePiece(const char *piece) {
  if (piece == nullptr || piece[0] == '\0') return false;
  if (piece[1] == '\0') {
    const auto b = static_cast<unsigned char>(piece[0]);
    if (!(IsPrintC(b) || IsSpaceC(b))) return false;
  }
  return true;
}

void SafePrint(std::FILE *out, const char *piece) {
  if (IsSafePiece(piece)) std::fputs(piece, out);
}

std::vector<uint8_t> SerializeTokenizer(int32_t max_token_length, const std::vector<std::string> &pieces,
                                        const std::vector<float> &scores) {
  std::vector<uint8_t> b;
  auto put_i32 = [&](int32_t v) {
    uint32_t u;
    std::memcpy(&u, &v, sizeof u);
    PutU32(&b, u);
  };
  put_i32(max_token_length);
  for (size_t i = 0; i < pieces.size(); ++i) {
    uint32_t u;
    const float s = i < scores.size() ? scores[i] : 0.0f;
    std::memcpy(&u, &s, sizeof u);
    PutU32(&b, u);
    put_i32(static_cast<int32_t>(pieces[i].size()));
    b.insert(b.end(), pieces[i].begin(), pieces[i].end());
  }
  return b;
}

}  // namespace tsp::llm
