// tsp_zynq_axil_top (rtl/board/tsp_zynq_axil_top.sv) as one Verilated model, small geometry: the
// AXI4-Lite slave, the 256 MiB window folded onto the host map, the reset synchroniser, the core
// and the LEDs, as the Zynq's ARM would see them behind M_AXI_HPM0_FPD. The host side maps each
// host-map address to its window offset by the table of docs/bringup.md §5 (written here
// independently of the RTL), and an AXI4-Lite master with random timing (tb/common/axil_master.h)
// performs the access:
//   * the Device conformance suite through the window ("zynq:small");
//   * generated programs against `ref:small`, with the done / error LEDs after each run;
//   * the window layout itself: CSR at offset 0, MEM at 0x0800_0000, IQ at 0x0010_0000.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "Vtsp_zynq_axil_top.h"
#include "axil_master.h"
#include "device/device_suite.h"
#include "same_run.h"
#include "tsp/device.h"
#include "tsp/geometry.h"
#include "tsp/isa_gen.h"
#include "tsp/progen.h"
#include "verilated.h"

namespace tsp::test {
namespace {

constexpr uint32_t kMemWindow = 0x0800'0000u;  // window offset of host address RegionMemBase

// docs/bringup.md §5: CSR and IQ at their host addresses, MEM folded down to 0x0800_0000.
uint32_t WindowOffset(uint32_t host) {
  if (host >= isa::kRegionMemBase) return kMemWindow + (host - isa::kRegionMemBase);
  if (host < kMemWindow) return host;
  throw std::runtime_error("host address outside the window's layout");
}

class ZynqHarness {
 public:
  ZynqHarness(uint64_t seed, bool assertions) : ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->randReset(2);
    ctx_->randSeed(5);
    ctx_->assertOn(assertions);
    ctx_->fatalOnError(false);
    top_ = std::make_unique<Vtsp_zynq_axil_top>(ctx_.get(), "zynq");
    master_ = std::make_unique<tb::AxilMaster<Vtsp_zynq_axil_top>>(
        *top_, [this] { Clock(); }, seed);
    top_->clk_i = 0;
    top_->rst_ni = 0;
    top_->eval();
    for (int i = 0; i < 3; ++i) Clock();
    top_->rst_ni = 1;
    top_->eval();
    for (int i = 0; i < 2; ++i) Clock();  // the reset synchroniser releases after two clocks
  }
  ~ZynqHarness() { top_->final(); }

  void Clock() {
    top_->clk_i = 1;
    top_->eval();
    top_->clk_i = 0;
    top_->eval();
    ++clocks_;
  }
  tb::AxilMaster<Vtsp_zynq_axil_top> &axi() { return *master_; }
  Vtsp_zynq_axil_top &top() { return *top_; }
  bool assertion_failed() const { return ctx_->gotError(); }
  uint64_t clocks() const { return clocks_; }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vtsp_zynq_axil_top> top_;
  std::unique_ptr<tb::AxilMaster<Vtsp_zynq_axil_top>> master_;
  uint64_t clocks_ = 0;
};

// The host map through the window: what the ARM-side driver would do through UIO. With
// assertions off for the Device suite: its deliberately broken programs fire the core's
// schedule-error SVA (as on the `rtl` device, which switches them off for such programs); the
// bridge's handshake SVA are on in the ZynqAxil tests below and in test_rtl_axil.
class ZynqDevice : public Device {
 public:
  explicit ZynqDevice(bool assertions) : h_(11, assertions), geom_(*Geometry::FromName("small")) {
    const uint64_t fp = BusRead32(isa::kCsrGeom) | uint64_t{BusRead32(isa::kCsrGeomHi)} << 32;
    if (fp != geom_.fingerprint())
      throw std::runtime_error("GEOM through the window is not the small geometry's");
  }
  const Geometry &geometry() const override { return geom_; }
  std::string name() const override { return "zynq"; }
  std::string Describe() const override {
    return "Verilated tsp_zynq_axil_top (AXI window), " + geom_.Describe();
  }
  uint64_t clocks() const override { return h_.clocks(); }
  ZynqHarness &harness() { return h_; }

 protected:
  uint32_t BusRead32(uint32_t addr) override {
    unsigned resp = 0;
    const uint32_t v = h_.axi().Read(WindowOffset(addr), &resp);
    EXPECT_EQ(resp, 0u) << "RRESP of host address 0x" << std::hex << addr;
    EXPECT_FALSE(h_.assertion_failed()) << "an assertion fired (read of 0x" << std::hex << addr << ")";
    return v;
  }
  void BusWrite32(uint32_t addr, uint32_t data) override {
    EXPECT_EQ(h_.axi().Write(WindowOffset(addr), data), 0u) << "BRESP of host address 0x" << std::hex << addr;
    EXPECT_FALSE(h_.assertion_failed()) << "an assertion fired (write of 0x" << std::hex << addr << ")";
  }

 private:
  ZynqHarness h_;
  Geometry geom_;
};

const bool kScheme = [] {
  RegisterDeviceFactory("zynq", [](const std::string &, std::string *) -> std::unique_ptr<Device> {
    return std::make_unique<ZynqDevice>(false);
  });
  return true;
}();

INSTANTIATE_TEST_SUITE_P(Zynq, DeviceSuite, ::testing::Values("zynq:small"), DeviceSpecName);

std::unique_ptr<Device> Open(const std::string &spec) {
  std::string err;
  auto d = OpenDevice(spec, &err);
  if (!d) throw std::runtime_error("OpenDevice(\"" + spec + "\"): " + err);
  return d;
}

// Generated programs give ref's cycles, errors and MEM; after each run the LEDs show done
// (GPIO_LED_2) and error (GPIO_LED_3) as the run ended.
TEST(ZynqAxil, RunsGeneratedProgramsLikeRefWithTheStatusLeds) {
  ZynqDevice link(true);
  auto direct = Open("ref:small");
  const Geometry &g = direct->geometry();
  for (uint64_t seed : {1, 2, 3, 4}) {
    const auto b = tb::ExpectSameRun(link, *direct, GenerateProgram(g, seed).program, "seed " + std::to_string(seed));
    const unsigned led = link.harness().top().led_o;
    EXPECT_EQ((led >> 2) & 1u, 1u) << "done LED, seed " << seed;
    EXPECT_EQ((led >> 3) & 1u, b.error_bits != 0 ? 1u : 0u) << "error LED, seed " << seed;
  }
  EXPECT_FALSE(link.harness().assertion_failed());
}

// The layout at the AXI level, offsets written out: ID at 0, the first MEM word at 0x0800_0000
// (not at 0x1000_0000, which does not fit the 28-bit window), instruction words at 0x0010_0000.
TEST(ZynqAxil, WindowLayout) {
  ZynqHarness h(3, true);
  auto &axi = h.axi();
  EXPECT_EQ(axi.Read(0x0000'0000u + isa::kCsrId), isa::kTspId);
  EXPECT_EQ(axi.Write(0x0800'0000u, 0xA5A5'0001u), 0u);
  EXPECT_EQ(axi.Write(0x0800'0004u, 0xA5A5'0002u), 0u);
  EXPECT_EQ(axi.Write(0x0010'0000u, 0x1234'5678u), 0u);  // queue 0, instruction 0, low half
  EXPECT_EQ(axi.Read(0x0800'0000u), 0xA5A5'0001u);
  EXPECT_EQ(axi.Read(0x0800'0004u), 0xA5A5'0002u);
  EXPECT_EQ(axi.Read(0x0010'0000u), 0x1234'5678u);
  EXPECT_EQ(axi.Read(0x0000'0000u + isa::kCsrId), isa::kTspId) << "MEM writes did not land in the CSRs";
  EXPECT_EQ(h.top().led_o & 0xEu, 0u) << "no run yet: running, done, error LEDs dark";
  EXPECT_FALSE(h.assertion_failed());
}

}  // namespace
}  // namespace tsp::test
