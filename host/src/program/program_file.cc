// .tspb file helpers: ReadProgramFile / WriteProgramFile. Every error names the path.
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tsp/program.h"

namespace tsp {
namespace {

// Far above the largest valid program (32 MEM slices x 65536 words x 128 bytes plus queues).
constexpr size_t kMaxFileBytes = size_t{1} << 30;

struct FileCloser {
  FILE *f;
  ~FileCloser() {
    if (f) std::fclose(f);
  }
};

}  // namespace

LoadResult ReadProgramFile(const std::string &path, Program *out, const Geometry *expect) {
  errno = 0;
  FileCloser file{std::fopen(path.c_str(), "rb")};
  if (!file.f) return LoadResult{false, fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
  std::vector<uint8_t> bytes;
  uint8_t chunk[65536];
  for (;;) {
    const size_t n = std::fread(chunk, 1, sizeof chunk, file.f);
    bytes.insert(bytes.end(), chunk, chunk + n);
    if (bytes.size() > kMaxFileBytes)
      return LoadResult{
          false, fmt::format("{}: file is larger than {} bytes; not a TSP program", path, kMaxFileBytes)};
    if (n < sizeof chunk) break;
  }
  if (std::ferror(file.f))
    return LoadResult{false, fmt::format("{}: read error: {}", path, std::strerror(errno))};
  LoadResult r = ParseProgram(bytes.data(), bytes.size(), out, expect);
  if (!r.ok) r.error = path + ": " + r.error;
  return r;
}

bool WriteProgramFile(const std::string &path, const Program &p, std::string *error) {
  auto fail = [&](std::string msg) {
    if (error) *error = std::move(msg);
    return false;
  };
  const std::vector<uint8_t> bytes = SerializeProgram(p);
  // Never put a file on disk that the loader would refuse.
  if (LoadResult check = ParseProgram(bytes.data(), bytes.size(), nullptr); !check.ok)
    return fail(fmt::format("{}: refusing to write an invalid program: {}", path, check.error));
  errno = 0;
  FileCloser file{std::fopen(path.c_str(), "wb")};
  if (!file.f) return fail(fmt::format("{}: cannot open for writing: {}", path, std::strerror(errno)));
  if (std::fwrite(bytes.data(), 1, bytes.size(), file.f) != bytes.size())
    return fail(fmt::format("{}: write error: {}", path, std::strerror(errno)));
  FILE *f = file.f;
  file.f = nullptr;
  if (std::fclose(f) != 0)
    return fail(fmt::format("{}: write error on close: {}", path, std::strerror(errno)));
  if (error) error->clear();
  return true;
}

}  // namespace tsp
