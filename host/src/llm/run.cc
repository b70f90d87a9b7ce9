// llama2.c `run`'s command line, extended with device options, and the whole generate-mode program
// (docs/llm.md "Command line").
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

#include "tsp/llm/generate.h"

namespace tsp::llm {
namespace {

// atoi / atof as glibc defines them (strtol / strtod, no error detection).
int AtoI(const char *s) { return static_cast<int>(std::strtol(s, nullptr, 10)); }
double AtoF(const char *s) { return std::strtod(s, nullptr); }

}  // namespace

bool ParseRunArgs(int argc, char **argv, RunArgs *args, std::string *usage_error) {
  auto fail = [&](const std::string &msg) {
    if (usage_error) *usage_error = msg;
    return false;
  };
  RunArgs a;
  if (argc < 2) return fail("missing <checkpoint>");
  a.checkpoint_path = argv[1];
  if (a.checkpoint_path.size() >= 2 && a.checkpoint_path[0] == '-')
    return fail(fmt::format("expected <checkpoint> first, got the option '{}'", a.checkpoint_path));

  for (int i = 2; i < argc;) {
    const std::string flag = argv[i];
    if (flag.rfind("--", 0) == 0) {
      // Long options (this project's extension), anywhere after the checkpoint.
      if (flag == "--stats") {
        a.stats = true;
        i += 1;
        continue;
      }
      if (flag == "--one-program") {
        a.one_program = true;
        i += 1;
        continue;
      }
      if (flag != "--device" && flag != "--mode" && flag != "--timeline" && flag != "--clock")
        return fail(fmt::format("unknown option '{}'", flag));
      if (i + 1 >= argc) return fail(fmt::format("option {} needs a value", flag));
      const std::string value = argv[i + 1];
      if (value.empty()) return fail(fmt::format("option {} needs a non-empty value", flag));
      if (flag == "--device") {
        a.device = value;
      } else if (flag == "--mode") {
        if (value != "exact" && value != "fast")
          return fail(fmt::format("--mode must be exact or fast, got '{}'", value));
        a.exec_mode = value;
      } else if (flag == "--clock") {
        char *end = nullptr;
        const double mhz = std::strtod(value.c_str(), &end);
        if (end == value.c_str() || *end != '\0' || !(mhz > 0.0) || mhz > 1e6)
          return fail(fmt::format("--clock must be a clock in MHz (a positive number), got '{}'", value));
        a.clock_mhz = mhz;
      } else {
        a.timeline_path = value;
      }
      i += 2;
      continue;
    }
    // llama2.c's flags: exactly "-x" followed by a value (which may itself start with '-').
    if (i + 1 >= argc) return fail(fmt::format("flag '{}' needs a value", flag));
    if (flag.size() != 2 || flag[0] != '-')
      return fail(fmt::format("expected a flag of the form -x, got '{}'", flag));
    const char *value = argv[i + 1];
    switch (flag[1]) {
      case 't':
        a.options.temperature = static_cast<float>(AtoF(value));
        break;
      case 'p':
        a.options.topp = static_cast<float>(AtoF(value));
        break;
      case 's':
        a.options.seed = static_cast<unsigned long long>(AtoI(value));
        break;
      case 'n':
        a.options.steps = AtoI(value);
        break;
      case 'i':
        a.options.prompt = value;
        break;
      case 'z':
        a.tokenizer_path = value;
        break;
      case 'm':
        a.mode = value;
        break;
      case 'y':
        a.system_prompt = value;
        break;
      default:
        return fail(fmt::format("unknown flag '{}'", flag));
    }
    i += 2;
  }
  if (a.mode != "generate" && a.mode != "chat") return fail(fmt::format("unknown mode: {}", a.mode));
  *args = std::move(a);
  return true;
}

std::string RunUsage(const std::string &program) {
  return fmt::format(
      "Usage:   {0} <checkpoint> [options]\n"
      "Example: {0} model.bin -n 256 -i \"Once upon a time\"\n"
      "Options (each flag is followed by its value):\n"
      "  -t <float>  temperature in [0,inf], default 1.0 (0: greedy)\n"
      "  -p <float>  p value of top-p (nucleus) sampling in [0,1], default 0.9\n"
      "  -s <int>    random seed, default time(NULL)\n"
      "  -n <int>    number of steps to run, default 256; 0 = seq_len\n"
      "  -i <string> input prompt\n"
      "  -z <string> path to the tokenizer, default tokenizer.bin\n"
      "  -m <string> mode: generate|chat, default generate (chat is not supported)\n"
      "  -y <string> system prompt in chat mode\n"
      "Long options (anywhere after <checkpoint>):\n"
      "  --device <name>    backend running the forward pass, default ref (the fp32 reference)\n"
      "                     (tsp-run: cpu, or a device spec: ref[:CONFIG], rtl[:CONFIG], uart:PATH@BAUD,\n"
      "                     axi:/dev/uioN or axi:/dev/mem@BASE; docs/host-link.md)\n"
      "  --mode exact|fast  numerics of the device backend, default exact\n"
      "  --stats            print run statistics to stderr\n"
      "  --timeline <file>  write the device's execution timeline to <file>\n"
      "  --one-program      one program for all positions (default: a program per 64 positions, each\n"
      "                     position on the smallest that reaches it; docs/performance.md)\n"
      "  --clock <MHz>      clock of the TSP's tokens/s in --stats, default 150 (the board tops' MMCM;\n"
      "                     the RTL's estimated Fmax is about 115 MHz, docs/rtl.md \"Timing work\")\n",
      program);
}

std::unique_ptr<Backend> MakeReferenceBackend(const RunArgs &args, const Checkpoint &ckpt,
                                              std::string *error) {
  if (!args.device.empty() && args.device != "ref") {
    if (error) *error = fmt::format("unknown device '{}' (this program knows: ref)", args.device);
    return nullptr;
  }
  if (args.exec_mode != "exact") {
    if (error)
      *error = fmt::format("device ref computes in fp32 only: --mode {} is not available", args.exec_mode);
    return nullptr;
  }
  if (!args.timeline_path.empty()) {
    if (error) *error = "device ref has no timeline (--timeline needs a TSP device)";
    return nullptr;
  }
  return std::make_unique<ReferenceBackend>(ckpt);
}

int RunMain(int argc, char **argv, const BackendFactory &factory, std::FILE *out, std::FILE *err) {
  const std::string program = argc > 0 && argv[0] ? argv[0] : "run";
  RunArgs args;
  std::string error;
  if (!ParseRunArgs(argc, argv, &args, &error)) {
    std::fprintf(err, "%s\n%s", error.c_str(), RunUsage(program).c_str());
    return 1;
  }
  if (args.mode == "chat") {
    std::fputs("chat mode is not supported\n", err);
    return 1;
  }
  Checkpoint ckpt;
  if (!LoadCheckpoint(args.checkpoint_path, &ckpt, &error)) {
    std::fprintf(err, "%s\n", error.c_str());
    return 1;
  }
  const RunOptions options = ResolveRunOptions(args.options, ckpt.config.seq_len);
  Tokenizer tokenizer;
  if (!tokenizer.Load(args.tokenizer_path, ckpt.config.vocab_size, &error)) {
    std::fprintf(err, "%s\n", error.c_str());
    return 1;
  }
  std::unique_ptr<Backend> backend = factory ? factory(args, ckpt, &error) : nullptr;
  if (!backend) {
    std::fprintf(err, "%s\n", factory ? error.c_str() : "no backend factory");
    return 1;
  }
  GenerateStats stats;
  if (Generate(*backend, tokenizer, ckpt.config, options, out, &stats, &error) != 0) {
    std::fprintf(err, "%s\n", error.c_str());
    return 1;
  }
  if (stats.has_rate()) std::fprintf(err, "achieved tok/s: %f\n", stats.tokens_per_second());
  if (args.stats) {
    std::fprintf(err, "stats: %d prompt tokens, %d positions, %d timed tokens in %.6f s; seed %llu\n",
                 stats.prompt_tokens, stats.positions, stats.timed_tokens, stats.seconds, options.seed);
    const std::string report = backend->StatsReport();
    if (!report.empty()) std::fprintf(err, "%s%s", report.c_str(), report.back() == '\n' ? "" : "\n");
  }
  return 0;
}

}  // namespace tsp::llm
