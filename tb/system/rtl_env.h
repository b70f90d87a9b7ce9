// Shared RTL device for the system tests.
//
// One Verilated core serves every test of the binary: building it is not free, and running many
// programs back to back on one device is itself a check (CTRL.START must fully restart the core,
// and MEM words a program did not load hold whatever the previous program left).
// TSP_TRACE=1 gives each test a fresh device writing traces/<Suite>_<Test>.fst instead.
// TSP_RTL_RAND_SEED=n (or "random") sets the random initial state of the shared device (and of
// the traced ones); its seed is printed when it is built (default 1).
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "lockstep.h"

namespace tsp::tb {

inline bool TraceRequested() {
  const char *env = std::getenv("TSP_TRACE");
  return env && std::string(env) == "1";
}

inline std::string CurrentTestName() {
  const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "_" + info->name() : "test";
  for (auto &c : name) {
    if (c == '/') c = '_';
  }
  return name;
}

// The core this binary links (tsp_rtl_default or tsp_rtl_small), as an `rtl` device.
inline std::unique_ptr<RtlDevice> NewDevice(const RtlOptions &opt = {}) {
  std::string err;
  auto d = OpenRtlDevice("", opt, &err);
  if (!d) throw std::runtime_error(err);
  return d;
}

// Default options with the random initial state seed of TSP_RTL_RAND_SEED (default `fallback`).
inline RtlOptions EnvOptions(uint32_t fallback = 1) {
  RtlOptions opt;
  std::string err;
  if (!RandSeedFromEnv(fallback, &opt.rand_seed, &err)) throw std::runtime_error(err);
  return opt;
}

inline RtlDevice &SharedDevice() {
  static std::unique_ptr<RtlDevice> device = [] {
    auto d = NewDevice(EnvOptions());
    std::printf("[rtl] shared device: random initial state seed %u (replay: %s=%u)\n", d->rand_seed(),
                kRandSeedEnv, d->rand_seed());
    return d;
  }();
  return *device;
}

class TestDevice {
 public:
  TestDevice() {
    if (TraceRequested()) {
      RtlOptions opt = EnvOptions();
      opt.trace_path = "traces/" + CurrentTestName() + ".fst";
      own_ = NewDevice(opt);
      std::printf("[trace] %s\n", opt.trace_path.c_str());
    }
  }
  RtlDevice &operator*() { return own_ ? *own_ : SharedDevice(); }
  RtlDevice *operator->() { return &**this; }

 private:
  std::unique_ptr<RtlDevice> own_;
};

}  // namespace tsp::tb
