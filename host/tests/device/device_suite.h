// Conformance suite of the Device interface (tsp/device.h), parameterized over a device spec.
// Instantiated for "ref" and "ref:small" in host/tests/device (test_device) and for the Verilated
// cores in tb/system (test_rtl_system[_small]): the same checks hold on every transport.
//
//   INSTANTIATE_TEST_SUITE_P(Ref, DeviceSuite, ::testing::Values("ref", "ref:small"));
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ref/builder.h"
#include "tsp/device.h"
#include "tsp/model.h"

namespace tsp::test {

class DeviceSuite : public ::testing::TestWithParam<std::string> {
 protected:
  // One device per spec for the whole binary (building a Verilated core is not free); every test
  // must cope with whatever the previous one left behind, as a driver must.
  Device &dev() {
    static std::map<std::string, std::unique_ptr<Device>> devices;
    auto &d = devices[GetParam()];
    if (!d) {
      std::string err;
      d = OpenDevice(GetParam(), &err);
      if (!d) throw std::runtime_error("OpenDevice(\"" + GetParam() + "\"): " + err);
    }
    return *d;
  }
  const Geometry &g() { return dev().geometry(); }

  static std::vector<uint8_t> Pattern(size_t n, uint32_t seed) {
    std::vector<uint8_t> v(n);
    uint32_t x = seed * 2654435761u + 1;
    for (auto &b : v) {
      x = x * 1103515245u + 12345u;
      b = static_cast<uint8_t>(x >> 16);
    }
    return v;
  }

  // mem.w0 reads `src` onto E1 at cycle 0; mem.e0 writes it to `dst` at cycle 4 (two hops later).
  Program CopyProgram(uint32_t src, uint32_t dst, const std::vector<uint8_t> &data) {
    Builder b(g());
    b.Mem(g().MemSliceId(Hemi::kWest, 0), src, data);
    b.At("mem.w0", 0, Read(src, E(1)));
    b.At("mem.e0", 4, Write(dst, E(1)));
    return b.program();
  }
  uint64_t ModelCycles(const Program &p) {
    Model m(g());
    const auto r = LoadAndRun(m, p);
    EXPECT_EQ(r.status, RunStatus::kDone);
    return r.cycles;
  }
  // A program for the other geometry than this device's.
  Program ForeignProgram() {
    for (const auto &c : isa::kConfigs) {
      if (isa::Fingerprint(c) == g().fingerprint()) continue;
      Builder b{Geometry(c)};
      b.Add("mem.w0", Nop(1));
      return b.program();
    }
    ADD_FAILURE() << "only one geometry configured";
    return {};
  }
};

// Test name suffix for a spec: "rtl:small" -> "rtl_small".
inline std::string DeviceSpecName(const ::testing::TestParamInfo<std::string> &p) {
  std::string s = p.param;
  for (auto &c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

TEST_P(DeviceSuite, CsrMap) {
  Device &d = dev();
  EXPECT_EQ(d.Read32(isa::kCsrId), 0x54535031u);  // 'TSP1'
  EXPECT_EQ(d.Read32(isa::kCsrVersion), isa::kIsaVersion);
  EXPECT_EQ(d.Read32(isa::kCsrGeom), static_cast<uint32_t>(g().fingerprint()));
  EXPECT_EQ(d.Read32(isa::kCsrGeomHi), static_cast<uint32_t>(g().fingerprint() >> 32));
  EXPECT_EQ(d.Read32(isa::kCsrNumQueues), g().num_queues());
  EXPECT_EQ(d.Read32(isa::kCsrCtrl), 0u) << "CTRL is write-only";
  EXPECT_EQ(d.Read32(0x0FC), 0u) << "unmapped CSR offset";
  EXPECT_EQ(d.Status() & kStatusBusy, 0u);
  // QLEN: read back, clamped to the queue depth.
  const uint32_t last = g().num_queues() - 1;
  d.Write32(isa::kCsrQlen + 4 * last, 3);
  EXPECT_EQ(d.Read32(isa::kCsrQlen + 4 * last), 3u);
  d.Write32(isa::kCsrQlen, g().iq_depth() + 100);
  EXPECT_EQ(d.Read32(isa::kCsrQlen), g().iq_depth());
  // Instruction words read back (both halves), last word of the last queue.
  const uint32_t a = IqAddress(last, g().iq_depth() - 1);
  d.Write32(a, 0x89ABCDEFu);
  d.Write32(a + 4, 0x01234567u);
  EXPECT_EQ(d.Read32(a), 0x89ABCDEFu);
  EXPECT_EQ(d.Read32(a + 4), 0x01234567u);
  EXPECT_EQ(d.Read32(IqAddress(g().num_queues(), 0)), 0u) << "IQ of a queue that does not exist";
  d.Write32(isa::kCsrQlen + 4 * last, 0);
  d.Write32(isa::kCsrQlen, 0);
}

TEST_P(DeviceSuite, NameAndGeometry) {
  const std::string spec = GetParam().substr(0, GetParam().find(','));  // without options
  EXPECT_EQ(dev().name(), spec.substr(0, spec.find(':')));
  const std::string config = spec.find(':') == std::string::npos ? "default" : spec.substr(spec.find(':') + 1);
  EXPECT_EQ(g().params().name, config);
  EXPECT_THAT(dev().Describe(), ::testing::HasSubstr(g().Describe()));
}

TEST_P(DeviceSuite, MemThroughTheMap) {
  Device &d = dev();
  const uint32_t slices[] = {0, g().num_mem_slices() - 1};
  const uint32_t addrs[] = {0, g().words_per_bank() - 1, g().words_per_bank(), g().mem_words() - 1};
  uint32_t n = 0;
  for (uint32_t s : slices) {
    for (uint32_t a : addrs) {
      const auto data = Pattern(g().vl(), ++n);
      // 32-bit writes at the documented flat address, bulk read back.
      for (uint32_t l = 0; l < g().vl(); l += 4) {
        const uint32_t v = uint32_t{data[l]} | uint32_t{data[l + 1]} << 8 | uint32_t{data[l + 2]} << 16 |
                           uint32_t{data[l + 3]} << 24;
        d.Write32(isa::kRegionMemBase + (s * g().mem_words() + a) * g().vl() + l, v);
      }
      EXPECT_EQ(d.ReadMemWord(s, a), data) << "slice " << s << " word " << a;
      // Bulk write, 32-bit reads back.
      const auto data2 = Pattern(g().vl(), 1000 + n);
      std::string err;
      ASSERT_TRUE(d.WriteMemWords(s, a, data2.data(), data2.size(), &err)) << err;
      for (uint32_t l = 0; l < g().vl(); l += 4) {
        const uint32_t v = d.Read32(MemAddress(g(), s, a, l));
        for (uint32_t b = 0; b < 4; ++b) EXPECT_EQ(static_cast<uint8_t>(v >> (8 * b)), data2[l + b]);
      }
    }
  }
  // Several words at once.
  const auto block = Pattern(5 * g().vl(), 77);
  std::string err;
  ASSERT_TRUE(d.WriteMemWords(1, g().words_per_bank() - 2, block.data(), block.size(), &err)) << err;
  std::vector<uint8_t> back(block.size());
  ASSERT_TRUE(d.ReadMemWords(1, g().words_per_bank() - 2, back.data(), back.size(), &err)) << err;
  EXPECT_EQ(back, block);
}

TEST_P(DeviceSuite, MemWordsRejectBadArguments) {
  Device &d = dev();
  std::vector<uint8_t> buf(2 * g().vl());
  std::string err;
  EXPECT_FALSE(d.WriteMemWords(g().num_mem_slices(), 0, buf.data(), g().vl(), &err));
  EXPECT_THAT(err, ::testing::HasSubstr("does not exist"));
  EXPECT_FALSE(d.WriteMemWords(0, 0, buf.data(), g().vl() + 4, &err));
  EXPECT_THAT(err, ::testing::HasSubstr("not whole MEM words"));
  EXPECT_FALSE(d.ReadMemWords(0, g().mem_words() - 1, buf.data(), buf.size(), &err));
  EXPECT_THAT(err, ::testing::HasSubstr("outside the"));
  EXPECT_FALSE(d.WriteMemWords(0, 0, nullptr, g().vl(), &err));
  EXPECT_TRUE(d.ReadMemWord(0, g().mem_words()).empty());
}

TEST_P(DeviceSuite, LoadRejectsForeignGeometryNamingBoth) {
  const Program p = ForeignProgram();
  std::string err;
  EXPECT_FALSE(dev().LoadProgram(p, &err));
  EXPECT_THAT(err, ::testing::HasSubstr("program built for geometry '" + std::string(p.geometry.name) + "'"));
  EXPECT_THAT(err, ::testing::HasSubstr("device '" + dev().name() + "' has geometry '" +
                                        std::string(g().params().name) + "'"));
  EXPECT_FALSE(dev().LoadQueues(p, &err));
}

TEST_P(DeviceSuite, LoadRejectsTooDeepQueue) {
  Builder b(g());
  Program p = b.program();
  p.queues[2].assign(g().iq_depth() + 1, Encode(Nop(1)));
  std::string err;
  EXPECT_FALSE(dev().LoadProgram(p, &err));
  EXPECT_THAT(err, ::testing::HasSubstr(g().queue(2).name + ": " + std::to_string(g().iq_depth() + 1) +
                                        " instructions exceed the queue depth " + std::to_string(g().iq_depth())));
  p.queues.pop_back();
  EXPECT_FALSE(dev().LoadProgram(p, &err));
  EXPECT_THAT(err, ::testing::HasSubstr("instruction queues"));
}

TEST_P(DeviceSuite, LoadRejectsMemImageOutside) {
  // A rejected program must leave MEM alone: check a word that the first (good) image would hit.
  Device &d = dev();
  const auto before = Pattern(g().vl(), 5);
  std::string err;
  ASSERT_TRUE(d.WriteMemWords(0, 0, before.data(), before.size(), &err)) << err;
  Builder b(g());
  b.Mem(0, 0, Pattern(g().vl(), 6));
  b.Mem(0, g().mem_words() - 1, Pattern(2 * g().vl(), 7));  // runs past the last word
  EXPECT_FALSE(d.LoadProgram(b.program(), &err));
  EXPECT_THAT(err, ::testing::HasSubstr("MEM image 1 (slice 0, word " + std::to_string(g().mem_words() - 1)));
  EXPECT_THAT(err, ::testing::HasSubstr("outside the"));
  EXPECT_EQ(d.ReadMemWord(0, 0), before) << "a rejected program wrote MEM";
  Builder b2(g());
  b2.Mem(g().num_mem_slices(), 0, Pattern(g().vl(), 8));
  EXPECT_FALSE(d.LoadProgram(b2.program(), &err));
  EXPECT_THAT(err, ::testing::HasSubstr("slice " + std::to_string(g().num_mem_slices()) + " does not exist"));
  Program odd = Builder(g()).program();
  odd.mem.push_back(MemImage{0, 0, std::vector<uint8_t>(g().vl() + 1)});
  EXPECT_FALSE(d.LoadProgram(odd, &err));
  EXPECT_THAT(err, ::testing::HasSubstr("not whole MEM words"));
}

TEST_P(DeviceSuite, RunsAProgram) {
  Device &d = dev();
  const auto data = Pattern(g().vl(), 11);
  const Program p = CopyProgram(1, 6, data);
  std::string err;
  ASSERT_TRUE(d.LoadProgram(p, &err)) << err;
  const auto r = d.Run(100000);
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_TRUE(r.done);
  EXPECT_EQ(r.error_bits, 0u);
  EXPECT_EQ(r.cycles, ModelCycles(p));
  EXPECT_TRUE(r.message.empty()) << r.message;
  EXPECT_EQ(d.ReadMemWord(g().MemSliceId(Hemi::kEast, 0), 6), data);
  EXPECT_EQ(d.Status() & (kStatusBusy | kStatusDone), kStatusDone);
  EXPECT_EQ(d.Read32(isa::kCsrCycleLo), r.cycles);
}

// Load once, run several times; MEM written between runs is what the next run reads.
TEST_P(DeviceSuite, RerunWithoutReload) {
  Device &d = dev();
  const uint32_t w0 = g().MemSliceId(Hemi::kWest, 0), e0 = g().MemSliceId(Hemi::kEast, 0);
  const Program p = CopyProgram(2, 7, Pattern(g().vl(), 12));
  std::string err;
  ASSERT_TRUE(d.LoadProgram(p, &err)) << err;
  const uint64_t cycles = ModelCycles(p);
  for (uint32_t run = 0; run < 3; ++run) {
    const auto input = Pattern(g().vl(), 100 + run);
    ASSERT_TRUE(d.WriteMemWords(w0, 2, input.data(), input.size(), &err)) << err;
    const auto r = d.Run(100000);
    ASSERT_TRUE(r.ok) << "run " << run << ": " << r.message;
    EXPECT_EQ(r.cycles, cycles) << "run " << run;
    EXPECT_EQ(d.ReadMemWord(e0, 7), input) << "run " << run;
  }
}

// LoadQueues replaces the instructions and leaves MEM alone.
TEST_P(DeviceSuite, LoadQueuesKeepsMem) {
  Device &d = dev();
  const uint32_t w0 = g().MemSliceId(Hemi::kWest, 0), e0 = g().MemSliceId(Hemi::kEast, 0);
  const auto data = Pattern(g().vl(), 13);
  std::string err;
  ASSERT_TRUE(d.LoadProgram(CopyProgram(3, 8, data), &err)) << err;
  const auto other = Pattern(g().vl(), 14);
  ASSERT_TRUE(d.WriteMemWords(w0, 3, other.data(), other.size(), &err)) << err;
  ASSERT_TRUE(d.LoadQueues(CopyProgram(3, 9, data), &err)) << err;  // its MEM image is not written
  EXPECT_EQ(d.ReadMemWord(w0, 3), other);
  const auto r = d.Run(100000);
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(d.ReadMemWord(e0, 9), other);
}

TEST_P(DeviceSuite, TimeoutStopsTheRun) {
  Device &d = dev();
  Builder b(g());
  b.Add("mxm.e", Nop(1000000));
  b.Add("mxm.e", Op(isa::Opcode::kIw));
  std::string err;
  ASSERT_TRUE(d.LoadProgram(b.program(), &err)) << err;
  const auto r = d.Run(200);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.done);
  EXPECT_THAT(r.message, ::testing::HasSubstr("not done after 200 run cycles"));
  EXPECT_THAT(r.message, ::testing::HasSubstr("CTRL.CLEAR"));
  EXPECT_GE(r.cycles, 200u);
  EXPECT_EQ(d.Status() & (kStatusBusy | kStatusDone), 0u) << "still running after the timeout";
  // The device is usable again.
  const auto data = Pattern(g().vl(), 15);
  ASSERT_TRUE(d.LoadProgram(CopyProgram(1, 10, data), &err)) << err;
  const auto r2 = d.Run(100000);
  ASSERT_TRUE(r2.ok) << r2.message;
  EXPECT_EQ(d.ReadMemWord(g().MemSliceId(Hemi::kEast, 0), 10), data);
}

TEST_P(DeviceSuite, ErrorBitsReported) {
  Builder b(g());
  b.At("mem.w0", 2, Write(0, E(0)));  // nothing was ever written onto E0: EmptyRead
  std::string err;
  ASSERT_TRUE(dev().LoadProgram(b.program(), &err)) << err;
  Model m(g());
  LoadAndRun(m, b.program());
  const auto r = dev().Run(100000);
  EXPECT_TRUE(r.done);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_bits, uint32_t{isa::kErrEmptyRead});
  EXPECT_EQ(r.cycles, m.cycle());
  EXPECT_THAT(r.message, ::testing::HasSubstr("EmptyRead"));
  EXPECT_NE(dev().Status() & kStatusError, 0u);
}

TEST_P(DeviceSuite, CountsHostBytes) {
  Device &d = dev();
  const uint64_t w = d.host_bytes_written(), r = d.host_bytes_read();
  d.Write32(isa::kCsrQlen, 0);
  d.Read32(isa::kCsrId);
  d.Read32(isa::kCsrId);
  EXPECT_EQ(d.host_bytes_written() - w, 4u);
  EXPECT_EQ(d.host_bytes_read() - r, 8u);
}

}  // namespace tsp::test
