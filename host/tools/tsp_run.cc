// tsp-run: llama2.c's `run` on a TSP. Standard output is what `run` prints for the same flags;
// --device chooses the backend: ref (the cycle-exact model, default), rtl (the Verilated core, when
// this binary was built with the RTL), cpu (the fp32 reference). --stats goes to standard error.
//
//   tsp-run stories260K.bin -z tok512.bin -t 0 -n 64 [--device ref|rtl|cpu] [--mode exact|fast]
//           [--stats] [--timeline step.json]
#include <cstdio>

#include "tsp/llm/generate.h"
#include "tsp/runner.h"

int main(int argc, char **argv) {
  return tsp::llm::RunMain(
      argc, argv,
      [](const tsp::llm::RunArgs &args, const tsp::llm::Checkpoint &ckpt, std::string *error) {
        return tsp::MakeBackend(args, ckpt, error);
      },
      stdout, stderr);
}
