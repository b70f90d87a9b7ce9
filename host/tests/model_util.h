// The real stories260K model for tests: found through tsp::llm::FindModelDir (TSP_MODEL_DIR, ...).
// A missing model skips the test with the reason, unless TSP_REQUIRE_MODEL=1 (CI), which makes it a
// failure.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tsp/llm/checkpoint.h"
#include "tsp/llm/model_dir.h"
#include "tsp/llm/tokenizer.h"

namespace tsp::testutil {

inline bool RequireModel() {
  const char *v = std::getenv("TSP_REQUIRE_MODEL");
  return v && std::string(v) == "1";
}

struct Stories260K {
  bool ok = false;
  std::string error, dir;
  llm::Checkpoint ck;
  llm::Tokenizer tok;
};

// Loaded once per process.
inline const Stories260K &Model260K() {
  static const Stories260K m = [] {
    Stories260K r;
    r.dir = llm::FindModelDir(&r.error);
    if (r.dir.empty()) return r;
    if (!llm::LoadCheckpoint(r.dir + "/stories260K.bin", &r.ck, &r.error)) return r;
    if (!r.tok.Load(r.dir + "/tok512.bin", r.ck.config.vocab_size, &r.error)) return r;
    r.ok = true;
    return r;
  }();
  return m;
}

}  // namespace tsp::testutil

// In a TEST body: skips (or fails with TSP_REQUIRE_MODEL=1) when stories260K is not available.
#define TSP_NEED_MODEL()                                                                  \
  do {                                                                                    \
    if (!::tsp::testutil::Model260K().ok) {                                               \
      if (::tsp::testutil::RequireModel())                                                \
        FAIL() << "TSP_REQUIRE_MODEL=1 but " << ::tsp::testutil::Model260K().error;       \
      GTEST_SKIP() << "stories260K not available: " << ::tsp::testutil::Model260K().error; \
    }                                                                                     \
  } while (0)
