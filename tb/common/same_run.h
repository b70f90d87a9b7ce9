// One program on a device under test and on a reference device (normally `ref`): cycles, DONE,
// ERROR and every MEM word must agree. Shared by the host-link tests (UART bridge, AXI4-Lite
// bridge, the Zynq top), which differ only in the transport behind the Device.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tsp/device.h"
#include "tsp/program.h"

namespace tsp::tb {

// Zeroes MEM on both devices first (the RTL's block RAM starts as garbage, and earlier tests leave
// data behind), loads p on both, runs it and compares. Returns the reference device's run, for
// checks of the caller's own (status LEDs, link statistics).
inline Device::RunResult ExpectSameRun(Device &dut, Device &ref, const Program &p, const std::string &what) {
  std::string err;
  const Geometry &g = ref.geometry();
  const std::vector<uint8_t> zero(size_t{g.mem_words()} * g.vl(), 0);
  for (uint32_t s = 0; s < g.num_mem_slices(); ++s) {
    EXPECT_TRUE(dut.WriteMemWords(s, 0, zero.data(), zero.size(), &err)) << what << ": " << err;
    EXPECT_TRUE(ref.WriteMemWords(s, 0, zero.data(), zero.size(), &err)) << what << ": " << err;
  }
  if (!dut.LoadProgram(p, &err)) {
    ADD_FAILURE() << what << ": load on " << dut.name() << ": " << err;
    return {};
  }
  if (!ref.LoadProgram(p, &err)) {
    ADD_FAILURE() << what << ": load on " << ref.name() << ": " << err;
    return {};
  }
  const auto a = dut.Run(1'000'000), b = ref.Run(1'000'000);
  EXPECT_TRUE(a.done) << what;
  EXPECT_EQ(a.done, b.done) << what;
  EXPECT_EQ(a.cycles, b.cycles) << what;
  EXPECT_EQ(a.error_bits, b.error_bits) << what;
  for (uint32_t s = 0; s < g.num_mem_slices(); ++s) {
    std::vector<uint8_t> x(zero.size()), y(zero.size());
    EXPECT_TRUE(dut.ReadMemWords(s, 0, x.data(), x.size(), &err)) << what << ": " << err;
    EXPECT_TRUE(ref.ReadMemWords(s, 0, y.data(), y.size(), &err)) << what << ": " << err;
    EXPECT_EQ(x, y) << what << ": slice " << s;
  }
  return b;
}

}  // namespace tsp::tb
