// tsp-dis: disassembles a .tspb program into assembly text that tsp-asm turns back into the
// same program (docs/assembly.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "tsp/assembler.h"
#include "tsp/program.h"

int main(int argc, char **argv) {
  CLI::App app{"TSP disassembler: .tspb program -> .tasm source"};
  std::string input, output;
  app.add_option("input", input, "program file (.tspb)")->required();
  app.add_option("-o,--output", output, "output assembly file (default: standard output)");
  CLI11_PARSE(app, argc, argv);

  tsp::Program program;
  const tsp::LoadResult loaded = tsp::ReadProgramFile(input, &program);
  if (!loaded.ok) {
    fmt::print(stderr, "tsp-dis: error: {}\n", loaded.error);
    return 1;
  }
  const std::string text = tsp::DisassembleProgram(program);
  if (output.empty()) {
    fmt::print("{}", text);
    std::fflush(stdout);
    return std::ferror(stdout) ? 1 : 0;
  }
  std::ofstream out(output, std::ios::binary);
  if (!out) {
    fmt::print(stderr, "tsp-dis: error: cannot create '{}': {}\n", output, std::strerror(errno));
    return 1;
  }
  out << text;
  out.flush();
  if (!out) {
    fmt::print(stderr, "tsp-dis: error: cannot write '{}': {}\n", output, std::strerror(errno));
    return 1;
  }
  return 0;
}
