// tsp-asm: assembles a .tasm source file into a .tspb program (docs/assembly.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "tsp/assembler.h"
#include "tsp/geometry.h"
#include "tsp/program.h"

int main(int argc, char **argv) {
  CLI::App app{"TSP assembler: .tasm source -> .tspb program"};
  std::string input, output;
  bool print = false;
  app.add_option("input", input, "assembly source file (.tasm)")->required();
  app.add_option("-o,--output", output, "output program file (default: the input name with .tspb)");
  app.add_flag("--print", print, "list every encoded word with its queue, index and dispatch cycle");
  CLI11_PARSE(app, argc, argv);

  std::ifstream in(input, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "tsp-asm: error: cannot open '{}': {}\n", input, std::strerror(errno));
    return 1;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    fmt::print(stderr, "tsp-asm: error: cannot read '{}': {}\n", input, std::strerror(errno));
    return 1;
  }

  const tsp::AsmResult r = tsp::Assemble(text.str(), input);
  if (!r.ok) {
    fmt::print(stderr, "{}", r.error);
    fmt::print(stderr, "tsp-asm: {} error{}, no output written\n", r.errors.size(),
               r.errors.size() == 1 ? "" : "s");
    return 1;
  }

  if (output.empty()) {
    const std::string ext = ".tasm";
    output = input.size() > ext.size() && input.compare(input.size() - ext.size(), ext.size(), ext) == 0
                 ? input.substr(0, input.size() - ext.size()) + ".tspb"
                 : input + ".tspb";
  }

  const tsp::Geometry geom(r.program.geometry);
  if (print) {
    fmt::print("{:<8} {:>5} {:>7}  {:<18}  {:>5}  {}\n", "queue", "index", "cycle", "word", "line",
               "instruction");
    for (const auto &l : r.listing) {
      fmt::print("{:<8} {:>5} {:>7}  0x{:016x}  {:>5}  {}\n", geom.queue(l.queue).name, l.index,
                 l.cycle >= 0 ? fmt::format("{}", l.cycle) : std::string("?"), l.word, l.line, l.text);
    }
  }

  std::string error;
  if (!tsp::WriteProgramFile(output, r.program, &error)) {
    fmt::print(stderr, "tsp-asm: error: {}\n", error);
    return 1;
  }
  size_t words = 0, queues = 0, bytes = 0;
  for (const auto &q : r.program.queues) {
    words += q.size();
    queues += q.empty() ? 0 : 1;
  }
  for (const auto &m : r.program.mem) bytes += m.data.size();
  fmt::print("tsp-asm: wrote {} ({} geometry: {} instructions in {} queues, {} MEM images, {} bytes)\n",
             output, geom.params().name, words, queues, r.program.mem.size(), bytes);
  return 0;
}
