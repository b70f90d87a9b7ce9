// Locating the stories260K model files (docs/llm.md "Model location").
#include "tsp/llm/model_dir.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdlib>

#include "tsp/llm/sha256.h"

#ifndef TSP_SOURCE_DIR
#error "TSP_SOURCE_DIR must be defined (CMakeLists.txt)"
#endif

namespace tsp::llm {
namespace {

bool IsDir(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string HowToProvide() {
  return fmt::format(
      "provide the stories260K model: set TSP_MODEL_DIR to a directory holding {0} and {1}, or run "
      "scripts/model_dir.sh (downloads both from Hugging Face karpathy/tinyllamas, stories260K/{0} and "
      "stories260K/{1}, into {2}/models/stories260K)",
      kModelCheckpointFile, kModelTokenizerFile, SourceDir());
}

}  // namespace

std::string SourceDir() { return TSP_SOURCE_DIR; }

bool CheckModelDir(const std::string &dir, std::string *error) {
  const std::pair<const char *, const char *> files[] = {{kModelCheckpointFile, kModelCheckpointSha256},
                                                         {kModelTokenizerFile, kModelTokenizerSha256}};
  for (const auto &[name, want] : files) {
    const std::string path = dir + "/" + name;
    std::string got, msg;
    if (!Sha256File(path, &got, &msg)) {
      if (error) *error = msg;
      return false;
    }
    if (got != want) {
      if (error)
        *error = fmt::format("{}: sha256 {} differs from the published {} (wrong or corrupt file)", path, got,
                             want);
      return false;
    }
  }
  return true;
}

std::string FindModelDir(std::string *error) {
  std::string msg;
  const char *env = std::getenv("TSP_MODEL_DIR");
  if (env && *env) {
    if (!CheckModelDir(env, &msg)) {
      if (error) *error = fmt::format("TSP_MODEL_DIR={}: {}", env, msg);
      return "";
    }
    return env;
  }
  for (const std::string &dir :
       {SourceDir() + "/models/stories260K", SourceDir() + "/../shared/models/stories260K"}) {
    if (!IsDir(dir)) continue;
    if (!CheckModelDir(dir, &msg)) {
      if (error) *error = fmt::format("{} (found in {}; {})", msg, dir, HowToProvide());
      return "";
    }
    return dir;
  }
  if (error) *error = fmt::format("model files not found: TSP_MODEL_DIR is not set; {}", HowToProvide());
  return "";
}

}  // namespace tsp::llm
