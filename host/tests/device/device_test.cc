// The Device layer on the reference model: the conformance suite (device_suite.h) for both
// geometries, and what only the registry and the `ref` backend can show.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "device/device_suite.h"
#include "tsp/device.h"

namespace tsp::test {
namespace {

using ::testing::HasSubstr;

INSTANTIATE_TEST_SUITE_P(Ref, DeviceSuite, ::testing::Values("ref", "ref:small"), DeviceSpecName);
// The UART host link over a pty with the bridge model on ref:CONFIG behind it: in this binary
// "uart[:CONFIG]" is registered by uart_test.cc.
INSTANTIATE_TEST_SUITE_P(Uart, DeviceSuite, ::testing::Values("uart", "uart:small"), DeviceSpecName);

TEST(OpenDevice, UnknownSpecListsWhatIsAvailable) {
  std::string err;
  EXPECT_EQ(OpenDevice("pcie:0", &err), nullptr);
  EXPECT_THAT(err, HasSubstr("unknown device 'pcie:0'"));
  EXPECT_THAT(err, HasSubstr("this binary has: axi:PATH[@BASE], ref, ref:board, ref:default, ref:small"));
  EXPECT_EQ(OpenDevice("", &err), nullptr);
  EXPECT_THAT(err, HasSubstr("unknown device ''"));
}

TEST(OpenDevice, UnknownGeometry) {
  std::string err;
  EXPECT_EQ(OpenDevice("ref:huge", &err), nullptr);
  EXPECT_THAT(err, HasSubstr("ref: unknown geometry 'huge' (configurations: default, small, board)"));
}

TEST(OpenDevice, RefGeometries) {
  std::string err;
  auto d = OpenDevice("ref", &err);
  ASSERT_NE(d, nullptr) << err;
  EXPECT_EQ(d->geometry().params().name, "default");
  auto s = OpenDevice("ref:small", &err);
  ASSERT_NE(s, nullptr) << err;
  EXPECT_EQ(s->geometry().params().name, "small");
  EXPECT_EQ(d->clocks(), 0u);
}

TEST(OpenDevice, RegisteredSchemes) {
  RegisterDeviceFactory("fake", [](const std::string &args, std::string *error) -> std::unique_ptr<Device> {
    if (args == "ok") return OpenDevice("ref:small", error);
    *error = "fake: args '" + args + "'";
    return nullptr;
  });
  RegisterDeviceSpec("fake:ok");
  std::string err;
  auto d = OpenDevice("fake:ok", &err);
  ASSERT_NE(d, nullptr) << err;
  EXPECT_EQ(d->geometry().params().name, "small");
  EXPECT_EQ(OpenDevice("fake:x", &err), nullptr);
  EXPECT_THAT(err, HasSubstr("fake: args 'x' (this binary has: axi:PATH[@BASE], fake:ok, ref"));
}

// Queues the model cannot decode end the run at START with IllegalOpcode and the reason.
TEST(RefDevice, UndecodableQueueEndsWithIllegalOpcode) {
  std::string err;
  auto d = OpenDevice("ref", &err);
  ASSERT_NE(d, nullptr) << err;
  Program p;
  p.geometry = d->geometry().params();
  p.queues.resize(d->geometry().num_queues());
  p.queues[*d->geometry().FindQueue("mem.w0")] = {0x7Full};  // undefined opcode
  ASSERT_TRUE(d->LoadProgram(p, &err)) << err;
  const auto r = d->Run(1000);
  EXPECT_TRUE(r.done);
  EXPECT_EQ(r.error_bits, uint32_t{isa::kErrIllegalOpcode});
  ASSERT_FALSE(r.details.empty());
  EXPECT_THAT(r.details[0], HasSubstr("cannot execute the loaded queues: queue mem.w0 instruction 0"));
}

// Schedule errors come with the model's messages.
TEST(RefDevice, ScheduleErrorDetails) {
  std::string err;
  auto d = OpenDevice("ref", &err);
  ASSERT_NE(d, nullptr) << err;
  Builder b(d->geometry());
  b.At("mem.w0", 2, Write(0, E(0)));
  ASSERT_TRUE(d->LoadProgram(b.program(), &err)) << err;
  const auto r = d->Run(1000);
  ASSERT_FALSE(r.details.empty());
  EXPECT_THAT(r.details[0], HasSubstr("mem.w0"));
}

// Bulk MEM words on `ref` go straight into the model but count as host-map bytes.
TEST(RefDevice, BulkMemCountsAsHostBytes) {
  std::string err;
  auto d = OpenDevice("ref:small", &err);
  ASSERT_NE(d, nullptr) << err;
  std::vector<uint8_t> v(3 * d->geometry().vl(), 7);
  ASSERT_TRUE(d->WriteMemWords(0, 0, v.data(), v.size(), &err)) << err;
  EXPECT_EQ(d->host_bytes_written(), v.size());
  EXPECT_EQ(d->backdoor_bytes_written(), 0u);
}

TEST(ErrorBitNames, Names) {
  EXPECT_EQ(ErrorBitNames(0), "none");
  EXPECT_EQ(ErrorBitNames(isa::kErrIllegalOpcode | isa::kErrEmptyRead), "IllegalOpcode|EmptyRead");
}

}  // namespace
}  // namespace tsp::test
