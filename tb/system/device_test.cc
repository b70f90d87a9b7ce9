// The Device conformance suite (host/tests/device/device_suite.h) on the Verilated core this binary
// links, with the MEM / instruction backdoor (default) and with the host bus only.
#include "device/device_suite.h"
#include "rtl_device.h"

namespace tsp::test {
namespace {

INSTANTIATE_TEST_SUITE_P(Rtl, DeviceSuite, ::testing::Values(TSP_RTL_SPEC, TSP_RTL_CONFIG_SPEC ",backdoor=off"),
                         DeviceSpecName);

}  // namespace
}  // namespace tsp::test
