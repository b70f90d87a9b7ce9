// tsp-selftest: the bring-up self-test (tsp/selftest.h, docs/bringup.md) on any device: registers,
// a march over every MEM word, one generated program per unit and N random programs, each compared
// with the reference model. Prints a table; exit status 0 all passed, 1 a step failed or the link
// failed, 2 bad command line or device.
//
//   tsp-selftest --device rtl:small
//   tsp-selftest --device uart:/dev/ttyUSB1@115200 --march-words 64 --programs 4
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <string>

#include "tsp/device.h"
#include "tsp/selftest.h"

int main(int argc, char **argv) {
  CLI::App app{"Bring-up self-test of a TSP device against the reference model"};
  std::string device = "ref";
  tsp::SelfTestOptions opt;
  std::string devices;
  for (const auto &s : tsp::AvailableDevices()) devices += (devices.empty() ? "" : ", ") + s;
  app.add_option("--device", device,
                 "device: " + devices +
                     " (uart: uart:PATH@BAUD; axi: axi:/dev/uioN or axi:/dev/mem@BASE; docs/host-link.md)");
  app.add_option("--programs", opt.random_programs, "random generated programs compared with the model");
  app.add_option("--seed", opt.seed, "first generator seed");
  app.add_option("--march-words", opt.march_words, "MEM words per slice in the march (0: all)");
  app.add_option("--max-cycles", opt.max_cycles, "run-cycle limit per program");
  CLI11_PARSE(app, argc, argv);

  std::string err;
  auto dev = tsp::OpenDevice(device, &err);
  if (!dev) {
    fmt::print(stderr, "tsp-selftest: {}\n", err);
    return 2;
  }
  fmt::print("tsp-selftest on {}\n", dev->Describe());
  try {
    const tsp::SelfTestReport r = tsp::RunSelfTest(*dev, opt);
    fmt::print("{}", r.Table());
    return r.ok() ? 0 : 1;
  } catch (const std::exception &e) {
    fmt::print(stderr, "tsp-selftest: {}\n", e.what());
    return 1;
  }
}
