// Where the stories260K model files are (docs/llm.md "Model location"). They are never committed.
#pragma once

#include <string>

namespace tsp::llm {

inline constexpr const char *kModelCheckpointFile = "stories260K.bin";
inline constexpr const char *kModelTokenizerFile = "tok512.bin";
inline constexpr const char *kModelCheckpointSha256 =
    "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696";
inline constexpr const char *kModelTokenizerSha256 =
    "037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312";

// Checks that `dir` holds both files with the published sha256 digests.
bool CheckModelDir(const std::string &dir, std::string *error);

// The model directory: $TSP_MODEL_DIR if set and non-empty (it must pass CheckModelDir); else
// <source>/models/stories260K (where scripts/model_dir.sh downloads to) if it exists; else
// <source>/../shared/models/stories260K if it exists (the CI machine's layout). Returns "" with an
// explanation of how to provide the files in *error otherwise, or if the files found are wrong.
std::string FindModelDir(std::string *error);

// The repository's source directory this library was built from.
std::string SourceDir();

}  // namespace tsp::llm
