// SHA-256 against the FIPS 180-4 / NIST example vectors.
#include "tsp/llm/sha256.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace tsp::llm {
namespace {

std::string HexOf(const std::string &s) {
  return Sha256Hex(reinterpret_cast<const uint8_t *>(s.data()), s.size());
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(HexOf(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexOf("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(HexOf("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
                  "lmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(HexOf(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PaddingBoundaries) {
  // Lengths around the 55/56/64-byte padding boundaries must agree between a one-shot digest and a
  // file digest (read in chunks).
  for (size_t n : {55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 128u, 65537u}) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 7 + 1);
    const std::string path = testing::TempDir() + "/sha256_" + std::to_string(n);
    std::FILE *f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(s.data(), 1, s.size(), f), s.size());
    std::fclose(f);
    std::string hex, error;
    ASSERT_TRUE(Sha256File(path, &hex, &error)) << error;
    EXPECT_EQ(hex, HexOf(s)) << n;
    std::remove(path.c_str());
  }
}

TEST(Sha256, MissingFileNamesThePath) {
  std::string hex, error;
  EXPECT_FALSE(Sha256File("/nonexistent/dir/x.bin", &hex, &error));
  EXPECT_NE(error.find("/nonexistent/dir/x.bin"), std::string::npos) << error;
}

}  // namespace
}  // namespace tsp::llm
