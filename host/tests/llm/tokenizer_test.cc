// Tokenizer on hand-made vocabularies: parsing errors, encode rules (dummy prefix, UTF-8 code points,
// byte fallback, merge order and ties), decode rules and the safe-print rule.
#include "tsp/llm/tokenizer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace tsp::llm {
namespace {

#define EXPECT_HAS(msg, text) EXPECT_NE((msg).find(text), std::string::npos) << "message: " << (msg)

// The llama2.c layout: <unk>, BOS, EOS, 256 byte tokens, then merges and characters.
enum : int {
  kAb = 259,   // "ab"    score 5
  kBc,         // "bc"    score 5 (ties with "ab": the leftmost pair merges first)
  kAbc,        // "abc"   score 1
  kSpace,      // " "     score -100
  kA,          // "a"     score -100
  kB,          // "b"     score -100
  kC,          // "c"     score -100
  kSpaceA,     // " a"    score 3
  kEAcute,     // "é"     score -100
  kEmoji,      // U+1F600 (4 bytes) score -100
  kCc,         // "cc"    score -1e10: never merged (a merge must score above -1e10)
  kShortByte,  // "<0x7"  decodes to byte 7, like llama2.c's sscanf("<0x%02hhX>")
  kNulPiece,   // "x\0y"  a C string "x"
  kDupA,       // "a"     duplicate of kA: the lowest id wins
  kVocab
};

std::vector<std::string> Pieces() {
  std::vector<std::string> p = {"<unk>", "\n<s>\n", "\n</s>\n"};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    p.push_back(buf);
  }
  for (const char *s :
       {"ab", "bc", "abc", " ", "a", "b", "c", " a", "\xc3\xa9", "\xf0\x9f\x98\x80", "cc", "<0x7"})
    p.push_back(s);
  p.push_back(std::string("x\0y", 3));
  p.push_back("a");
  return p;
}

std::vector<float> Scores() {
  std::vector<float> s(kVocab, 0.0f);
  s[kAb] = 5;
  s[kBc] = 5;
  s[kAbc] = 1;
  s[kSpaceA] = 3;
  for (int id : {kSpace, kA, kB, kC, kEAcute, kEmoji, kShortByte, kNulPiece, kDupA}) s[id] = -100;
  s[kCc] = -1e10f;
  return s;
}

Tokenizer Make() {
  const std::vector<uint8_t> b = SerializeTokenizer(6, Pieces(), Scores());
  Tokenizer t;
  std::string error;
  EXPECT_TRUE(t.Parse(b.data(), b.size(), kVocab, "tok", &error)) << error;
  return t;
}

std::string Err(const std::vector<uint8_t> &b, int vocab) {
  Tokenizer t = Make();
  std::string error;
  EXPECT_FALSE(t.Parse(b.data(), b.size(), vocab, "tok.bin", &error)) << "image unexpectedly parsed";
  EXPECT_EQ(t.vocab_size(), kVocab) << "tokenizer modified on failure";
  EXPECT_EQ(error.rfind("tok.bin: ", 0), 0u) << error;
  return error;
}

using V = std::vector<int>;

TEST(Tokenizer, ParsesWhatItSerializes) {
  const Tokenizer t = Make();
  ASSERT_EQ(t.vocab_size(), kVocab);
  EXPECT_EQ(t.max_token_length(), 6);
  const std::vector<std::string> p = Pieces();
  const std::vector<float> s = Scores();
  for (int i = 0; i < kVocab; ++i) {
    EXPECT_EQ(t.piece(i), p[static_cast<size_t>(i)]);
    EXPECT_EQ(t.score(i), s[static_cast<size_t>(i)]);
  }
  EXPECT_EQ(t.Lookup("ab"), kAb);
  EXPECT_EQ(t.Lookup("zz"), -1);
  EXPECT_EQ(t.Lookup("a"), kA);         // duplicates: the lowest id
  EXPECT_EQ(t.Lookup("x"), kNulPiece);  // pieces compare as C strings
}

TEST(Tokenizer, BosDummyPrefixEos) {
  const Tokenizer t = Make();
  EXPECT_EQ(t.Encode("", true, false), V({kBosToken}));  // no dummy prefix for empty text
  EXPECT_EQ(t.Encode("", false, false), V({}));
  EXPECT_EQ(t.Encode("", true, true), V({kBosToken, kEosToken}));
  EXPECT_EQ(t.Encode("b", false, true), V({kSpace, kB, kEosToken}));
}

TEST(Tokenizer, MergesHighestScoreLeftmostFirst) {
  const Tokenizer t = Make();
  // " a b c": " a"(3), "ab"(5), "bc"(5). "ab" wins the tie by position; then "abc"(1) beats nothing
  // else (" ab" is not in the vocabulary). Merging "bc" first would have given " a" + "bc".
  EXPECT_EQ(t.Encode("abc", true, false), V({kBosToken, kSpace, kAbc}));
  // " b c": only "bc".
  EXPECT_EQ(t.Encode("bc", true, false), V({kBosToken, kSpace, kBc}));
  // " a": the dummy prefix merges with the first character.
  EXPECT_EQ(t.Encode("a", true, false), V({kBosToken, kSpaceA}));
  // "cc" scores exactly -1e10: not a merge.
  EXPECT_EQ(t.Encode("cc", true, false), V({kBosToken, kSpace, kC, kC}));
}

TEST(Tokenizer, Utf8CodePointsAndByteFallback) {
  const Tokenizer t = Make();
  EXPECT_EQ(t.Encode("\xc3\xa9", true, false), V({kBosToken, kSpace, kEAcute}));
  // "ü" (C3 BC) is not in the vocabulary: one byte token per byte.
  EXPECT_EQ(t.Encode("\xc3\xbc", true, false), V({kBosToken, kSpace, 0xC3 + 3, 0xBC + 3}));
  // A code point is at most 4 bytes: a fifth continuation byte starts a new lookup.
  EXPECT_EQ(t.Encode("\xf0\x9f\x98\x80\x80", true, false), V({kBosToken, kSpace, kEmoji, 0x80 + 3}));
  // A stray continuation byte stands alone.
  EXPECT_EQ(t.Encode("\x80z", false, false), V({kSpace, 0x80 + 3, 'z' + 3}));
  // The text ends at its first NUL, as a C string does.
  EXPECT_EQ(t.Encode(std::string("b\0c", 3), true, false), V({kBosToken, kSpace, kB}));
}

TEST(Tokenizer, SmallVocabularyFallsBackToUnk) {
  // No byte tokens and no " ": the dummy prefix and unknown bytes become <unk> instead of ids past the
  // vocabulary (llama2.c would emit -1 and byte + 3).
  const std::vector<uint8_t> b = SerializeTokenizer(5, {"<unk>", "<s>", "</s>", "a"}, {0, 0, 0, 0});
  Tokenizer t;
  std::string error;
  ASSERT_TRUE(t.Parse(b.data(), b.size(), 4, "small", &error)) << error;
  EXPECT_EQ(t.Encode("ab", true, false), V({kBosToken, kUnkToken, 3, kUnkToken}));
}

TEST(Tokenizer, Decode) {
  const Tokenizer t = Make();
  EXPECT_STREQ(t.Decode(kBosToken, kSpaceA), "a");  // leading space stripped after BOS
  EXPECT_STREQ(t.Decode(kA, kSpaceA), " a");
  EXPECT_STREQ(t.Decode(kBosToken, kAb), "ab");
  EXPECT_STREQ(t.Decode(kA, 'A' + 3), "A");         // <0x41>
  EXPECT_STREQ(t.Decode(kA, 0xFF + 3), "\xff");     // <0xFF>
  EXPECT_STREQ(t.Decode(kA, 3), "");                // <0x00>: an empty C string
  EXPECT_STREQ(t.Decode(kBosToken, ' ' + 3), " ");  // a byte token is not a leading space
  EXPECT_STREQ(t.Decode(kA, kShortByte), "\x07");
  EXPECT_STREQ(t.Decode(kA, kNulPiece), "x");
  EXPECT_STREQ(t.Decode(kA, kBosToken), "\n<s>\n");
  EXPECT_STREQ(t.Decode(kA, -1), "");
  EXPECT_STREQ(t.Decode(kA, kVocab), "");
}

TEST(Tokenizer, RoundTripsPlainText) {
  const Tokenizer t = Make();
  for (const std::string text :
       {"abc", "a b  c", "\xc3\xa9t\xc3\xa9!", "cab\xc3\xbc\xf0\x9f\x98\x80", "\t\n"}) {
    const V ids = t.Encode(text, true, false);
    std::string back;
    for (size_t i = 1; i < ids.size(); ++i) back += t.Decode(ids[i - 1], ids[i]);
    EXPECT_EQ(back, text) << "ids: " << testing::PrintToString(ids);
  }
}

TEST(Tokenizer, SafePrint) {
  EXPECT_FALSE(IsSafePiece(nullptr));
  EXPECT_FALSE(IsSafePiece(""));
  EXPECT_FALSE(IsSafePiece("\x07"));
  EXPECT_FALSE(IsSafePiece("\x7f"));
  EXPECT_FALSE(IsSafePiece("\x80"));  // C locale: a lone high byte is not printable
  for (const char *ok : {"a", " ", "\n", "\t", "\r", "\v", "\f", "~", "ab", "\xc3\xa9", "\x07\x07"})
    EXPECT_TRUE(IsSafePiece(ok)) << testing::PrintToString(std::string(ok));

  std::FILE *f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  for (const char *p : {"a", "\x01", "", "\n", "\xc3\xa9", "\x80"}) SafePrint(f, p);
  std::rewind(f);
  char buf[32] = {};
  const size_t n = std::fread(buf, 1, sizeof buf, f);
  std::fclose(f);
  EXPECT_EQ(std::string(buf, n), "a\n\xc3\xa9");
}

std::vector<uint8_t> I32(std::vector<uint8_t> b, int32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(static_cast<uint32_t>(v) >> (8 * i)));
  return b;
}

TEST(TokenizerErrors, HeaderAndCounts) {
  const std::vector<uint8_t> good = SerializeTokenizer(6, Pieces(), Scores());
  EXPECT_HAS(Err(good, 2), "vocab_size 2 from the checkpoint is too small");
  EXPECT_HAS(Err({1, 0}, kVocab), "truncated: 4 bytes needed for max_token_length, the file has 2 bytes");
  for (int32_t bad : {0, -1, kMaxTokenLengthLimit + 1}) {
    std::vector<uint8_t> b = good;
    const std::vector<uint8_t> head = I32({}, bad);
    std::copy(head.begin(), head.end(), b.begin());
    EXPECT_HAS(Err(b, kVocab), "max_token_length is " + std::to_string(bad));
  }
  // The file has kVocab tokens: a model with more tokens truncates, one with fewer leaves trailing bytes.
  EXPECT_HAS(Err(good, kVocab + 1),
             "truncated in token " + std::to_string(kVocab) + " of " + std::to_string(kVocab + 1));
  const std::string e = Err(good, kVocab - 1);
  EXPECT_HAS(e, "trailing bytes after token " + std::to_string(kVocab - 2));
  EXPECT_HAS(e, "vocab_size " + std::to_string(kVocab - 1));
}

TEST(TokenizerErrors, TokenLengthAndTruncation) {
  // max_token_length 6; token 0 "<unk>" (5 bytes) at byte 4, token 1 at byte 17.
  const std::vector<uint8_t> good = SerializeTokenizer(6, Pieces(), Scores());
  for (int32_t bad : {0, -5, 7}) {
    std::vector<uint8_t> b = good;
    const std::vector<uint8_t> len = I32({}, bad);
    std::copy(len.begin(), len.end(), b.begin() + 4 + 4);
    const std::string e = Err(b, kVocab);
    EXPECT_HAS(e, "token 0: length " + std::to_string(bad) + " at byte 8, expected 1..max_token_length 6");
  }
  // Cut inside token 1's score, then inside its bytes.
  std::string e = Err(std::vector<uint8_t>(good.begin(), good.begin() + 19), kVocab);
  EXPECT_HAS(e, "truncated in token 1 of");
  EXPECT_HAS(e, "at byte 17 need 8 bytes, the file has 19 bytes");
  e = Err(std::vector<uint8_t>(good.begin(), good.begin() + 27), kVocab);
  EXPECT_HAS(e, "truncated in token 1 of");
  EXPECT_HAS(e, "its 5 bytes at byte 25 end at byte 30, the file has 27 bytes");
}

TEST(TokenizerErrors, HugeVocabWithTinyFileIsCheap) {
  // A checkpoint claiming 16M tokens with a 3-token file: a truncation error, no big allocation.
  const std::vector<uint8_t> b = SerializeTokenizer(6, {"<unk>", "<s>", "</s>"}, {0, 0, 0});
  EXPECT_HAS(Err(b, 1 << 24), "truncated in token 3 of 16777216");
}

TEST(TokenizerErrors, MissingFileNamesThePath) {
  Tokenizer t;
  std::string error;
  EXPECT_FALSE(t.Load("/nonexistent/tok.bin", 512, &error));
  EXPECT_HAS(error, "/nonexistent/tok.bin: cannot open");
}

}  // namespace
}  // namespace tsp::llm
