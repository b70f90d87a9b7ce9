// FindModelDir / CheckModelDir with TSP_MODEL_DIR pointing at missing, wrong and (if present) real files.
#include "tsp/llm/model_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace tsp::llm {
namespace {

#define EXPECT_HAS(msg, text) EXPECT_NE((msg).find(text), std::string::npos) << "message: " << (msg)

// Sets TSP_MODEL_DIR for one test and restores the previous value.
class ModelDirEnv : public testing::Test {
 protected:
  void SetUp() override {
    const char *v = std::getenv("TSP_MODEL_DIR");
    had_ = v != nullptr;
    if (had_) old_ = v;
  }
  void TearDown() override {
    if (had_) {
      setenv("TSP_MODEL_DIR", old_.c_str(), 1);
    } else {
      unsetenv("TSP_MODEL_DIR");
    }
  }
  static std::string MakeDir(const std::string &name) {
    const std::string dir = testing::TempDir() + "/" + name;
    mkdir(dir.c_str(), 0755);
    return dir;
  }
  static void WriteFile(const std::string &path, const std::string &text) {
    std::FILE *f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
  bool had_ = false;
  std::string old_;
};

TEST_F(ModelDirEnv, MissingFilesAreNamed) {
  const std::string dir = MakeDir("model_dir_empty");
  setenv("TSP_MODEL_DIR", dir.c_str(), 1);
  std::string error;
  EXPECT_EQ(FindModelDir(&error), "");
  EXPECT_HAS(error, "TSP_MODEL_DIR=" + dir);
  EXPECT_HAS(error, dir + "/stories260K.bin: cannot open");
}

TEST_F(ModelDirEnv, WrongContentsFailTheChecksum) {
  const std::string dir = MakeDir("model_dir_wrong");
  WriteFile(dir + "/stories260K.bin", "not a model");
  WriteFile(dir + "/tok512.bin", "not a tokenizer");
  setenv("TSP_MODEL_DIR", dir.c_str(), 1);
  std::string error;
  EXPECT_EQ(FindModelDir(&error), "");
  EXPECT_HAS(error, dir + "/stories260K.bin: sha256 ");
  EXPECT_HAS(error, "differs from the published " + std::string(kModelCheckpointSha256));
  EXPECT_FALSE(CheckModelDir(dir, &error));
}

TEST_F(ModelDirEnv, UnsetExplainsHowToProvideTheModel) {
  unsetenv("TSP_MODEL_DIR");
  std::string error;
  const std::string dir = FindModelDir(&error);
  if (dir.empty()) {
    EXPECT_HAS(error, "TSP_MODEL_DIR");
    EXPECT_HAS(error, "scripts/model_dir.sh");
    EXPECT_HAS(error, "karpathy/tinyllamas");
  } else {
    // Found in the source tree (downloaded before) or beside it (the CI layout): it passed the checksums.
    EXPECT_TRUE(CheckModelDir(dir, &error)) << error;
    EXPECT_EQ(dir.rfind(SourceDir(), 0), 0u) << dir;
  }
}

TEST_F(ModelDirEnv, RealModelDirectoryIsAccepted) {
  std::string error;
  const std::string dir = FindModelDir(&error);
  if (dir.empty()) GTEST_SKIP() << "stories260K not available: " << error;
  setenv("TSP_MODEL_DIR", dir.c_str(), 1);
  EXPECT_EQ(FindModelDir(&error), dir) << error;
  EXPECT_TRUE(CheckModelDir(dir, &error)) << error;
}

}  // namespace
}  // namespace tsp::llm
