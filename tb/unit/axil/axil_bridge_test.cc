// The AXI4-Lite slave (rtl/board/tsp_axil_bridge.sv) driven by a C++ AXI4-Lite master with random
// handshake timing (AW before W, W before AW, both together, VALID after idle cycles, READY of B / R
// late), its host bus wired to a tsp::Device: the Verilated small core (`rtl:small`) or `ref`. The
// SVA in the bridge check the AXI handshake rules on both sides (a failure fails the test).
//   * the Device conformance suite through the bridge ("axil:small" in this binary): the production
//     `axi:` driver (OpenMmioDevice, host/src/device/axi_device.cc) over an Mmio whose Read32 /
//     Write32 are AXI transactions, as the ARM's loads and stores through UIO or /dev/mem are;
//   * generated programs on the RTL core through that driver against a direct `ref:small`;
//   * the driver refusing a window that does not reach MEM (geometry read through the bridge);
//   * the self-test (tsp/selftest.h) through the driver, as on a board;
//   * a read and a write offered in the same cycle: the documented alternation;
//   * a partial write strobe: SLVERR, nothing written.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "Vtsp_axil_bridge.h"
#include "axil_master.h"
#include "bus_target.h"
#include "device/device_suite.h"
#include "same_run.h"
#include "tsp/device.h"
#include "tsp/mmio.h"
#include "tsp/progen.h"
#include "tsp/selftest.h"
#include "verilated.h"

namespace tsp::test {
namespace {

std::unique_ptr<Device> Open(const std::string &spec) {
  std::string err;
  auto d = OpenDevice(spec, &err);
  if (!d) throw std::runtime_error("OpenDevice(\"" + spec + "\"): " + err);
  return d;
}

// The bridge and its bus side (tb::BusTarget).
class AxilHarness {
 public:
  AxilHarness(std::unique_ptr<Device> target, uint64_t seed) : bus_(std::move(target)) {
    ctx_ = std::make_unique<VerilatedContext>();
    ctx_->randReset(2);
    ctx_->randSeed(3);
    ctx_->assertOn(true);
    ctx_->fatalOnError(false);
    top_ = std::make_unique<Vtsp_axil_bridge>(ctx_.get(), "axil");
    master_ = std::make_unique<tb::AxilMaster<Vtsp_axil_bridge>>(
        *top_, [this] { Clock(); }, seed);
    top_->rst_ni = 0;
    for (int i = 0; i < 3; ++i) Clock();
    top_->rst_ni = 1;
    top_->eval();
  }
  ~AxilHarness() { top_->final(); }

  Device &target() { return bus_.device(); }
  const Device &target() const { return bus_.device(); }
  Vtsp_axil_bridge &top() { return *top_; }
  bool assertion_failed() const { return ctx_->gotError(); }

  // One clock edge; the bus side sees the request as the bridge presents it before the edge.
  void Clock() {
    top_->host_req_ready_i = 1;
    top_->host_rsp_valid_i = bus_.rsp_valid();
    top_->host_rsp_rdata_i = bus_.rsp_data();
    top_->eval();
    const bool req = top_->rst_ni && top_->host_req_valid_o;
    const bool we = top_->host_req_we_o;
    const uint32_t addr = top_->host_req_addr_o, wdata = top_->host_req_wdata_o;
    top_->clk_i = 1;
    top_->eval();
    top_->clk_i = 0;
    top_->eval();
    bus_.AfterEdge(req, we, addr, wdata);
  }
  void Idle() { master_->Idle(); }
  unsigned Write(uint32_t addr, uint32_t data, unsigned strb = 0xF) {
    return master_->Write(addr, data, strb);
  }
  uint32_t Read(uint32_t addr, unsigned *resp = nullptr) { return master_->Read(addr, resp); }

 private:
  tb::BusTarget bus_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vtsp_axil_bridge> top_;
  std::unique_ptr<tb::AxilMaster<Vtsp_axil_bridge>> master_;
};

// The window of the ARM driver (tsp/mmio.h) made of AXI4-Lite transactions into the Verilated
// bridge: each Read32 / Write32 is what one 32-bit load / store through UIO or /dev/mem puts on the
// bus. The Device on top is the production `axi:` driver code (OpenMmioDevice); only the window
// differs. Every response must be OKAY and no assertion may fire (on the board an error response
// would be SIGBUS).
class AxilMmio : public Mmio {
 public:
  // window: bytes of the AXI address range the board gives the bridge (AddrBits 32 here).
  AxilMmio(const std::string &target_spec, uint64_t seed, uint64_t window = uint64_t{1} << 32)
      : h_(Open(target_spec), seed), window_(window) {}
  AxilHarness &harness() { return h_; }
  uint64_t reads() const { return reads_; }
  uint64_t writes() const { return writes_; }

  uint32_t Read32(uint32_t offset) override {
    ++reads_;
    unsigned resp = 0;
    const uint32_t v = h_.Read(offset, &resp);
    EXPECT_EQ(resp, 0u) << "RRESP of 0x" << std::hex << offset;
    EXPECT_FALSE(h_.assertion_failed())
        << "an AXI / bus assertion fired (read of 0x" << std::hex << offset << ")";
    return v;
  }
  void Write32(uint32_t offset, uint32_t value) override {
    ++writes_;
    EXPECT_EQ(h_.Write(offset, value), 0u) << "BRESP of 0x" << std::hex << offset;
    EXPECT_FALSE(h_.assertion_failed())
        << "an AXI / bus assertion fired (write of 0x" << std::hex << offset << ")";
  }
  uint64_t size() const override { return window_; }
  std::string Describe() const override {
    return fmt::format("Verilated tsp_axil_bridge, 0x{:x} bytes, to {}", window_, h_.target().Describe());
  }

 private:
  AxilHarness h_;
  uint64_t window_;
  uint64_t reads_ = 0, writes_ = 0;
};

// The production driver over the bridge; *mmio (owned by the device) for the test's checks.
std::unique_ptr<Device> OpenAxil(const std::string &target_spec, AxilMmio **mmio, uint64_t seed = 7) {
  auto m = std::make_unique<AxilMmio>(target_spec, seed);
  if (mmio) *mmio = m.get();
  std::string err;
  auto d = OpenMmioDevice(std::move(m), "axil", "axil:" + target_spec, &err);
  if (!d) throw std::runtime_error(err);
  return d;
}

const bool kScheme = [] {
  RegisterDeviceFactory("axil", [](const std::string &args, std::string *) -> std::unique_ptr<Device> {
    return OpenAxil("rtl:" + (args.empty() ? std::string("small") : args), nullptr);
  });
  return true;
}();

INSTANTIATE_TEST_SUITE_P(Axil, DeviceSuite, ::testing::Values("axil:small"), DeviceSpecName);

TEST(AxilBridge, RunsGeneratedProgramsOnTheCoreLikeRef) {
  AxilMmio *mmio = nullptr;
  auto dev = OpenAxil("rtl:small", &mmio);
  Device &link = *dev;
  auto direct = Open("ref:small");
  const Geometry &g = direct->geometry();
  for (uint64_t seed : {1, 2, 3})
    tb::ExpectSameRun(link, *direct, GenerateProgram(g, seed).program, "seed " + std::to_string(seed));
  EXPECT_FALSE(mmio->harness().assertion_failed());
  EXPECT_EQ(MmioSkippedAccesses(link), 0u);
  std::printf("[ axil ] 3 programs through the axi driver on the RTL core: %llu AXI reads, %llu AXI writes\n",
              static_cast<unsigned long long>(mmio->reads()),
              static_cast<unsigned long long>(mmio->writes()));
}

// What docs/bringup.md §2b runs first on a board: tsp-selftest through the axi driver (registers,
// the whole MEM march, one program per unit, random programs against the model), here on the RTL.
TEST(AxilBridge, SelfTestPassesThroughTheDriver) {
  AxilMmio *mmio = nullptr;
  auto dev = OpenAxil("rtl:small", &mmio, 11);
  SelfTestOptions opt;
  opt.random_programs = 3;
  const auto t0 = std::chrono::steady_clock::now();
  const SelfTestReport r = RunSelfTest(*dev, opt);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(r.ok()) << r.Table();
  EXPECT_EQ(r.steps.size(), 7u);
  EXPECT_FALSE(mmio->harness().assertion_failed());
  EXPECT_EQ(MmioSkippedAccesses(*dev), 0u);
  std::printf(
      "[ axil ] self-test through the axi driver on the RTL core: %s in %.1f s, %llu AXI reads, %llu "
      "AXI writes\n",
      r.ok() ? "PASS" : "FAIL", s, static_cast<unsigned long long>(mmio->reads()),
      static_cast<unsigned long long>(mmio->writes()));
}

// A board that gives the bridge only 256 MiB (AXI addresses 0..0x0FFFFFFF) cannot reach MEM: the
// driver reads ID and GEOM through the bridge and refuses the window before touching anything else.
TEST(AxilBridge, DriverRefusesAWindowThatDoesNotReachMem) {
  std::string err;
  EXPECT_EQ(
      OpenMmioDevice(std::make_unique<AxilMmio>("rtl:small", 5, 0x10000000u), "axil", "axil:small", &err),
      nullptr);
  EXPECT_THAT(err,
              ::testing::HasSubstr("axil:small: the window is 0x10000000 bytes (Verilated tsp_axil_bridge, "
                                   "0x10000000 bytes, to RTL (Verilator), small"));
  EXPECT_THAT(err, ::testing::HasSubstr("but geometry 'small' needs 0x10004000"));
}

// A read and a write offered in the same cycle: after a read (and after reset) the write goes
// first, after a write the read goes first.
TEST(AxilBridge, ReadAndWriteTogetherAlternate) {
  AxilHarness h(Open("ref:small"), 1);
  auto &t = h.top();
  const uint32_t a = MemAddress(h.target().geometry(), 0, 3, 8);
  auto together = [&](uint32_t v, uint32_t *read) {
    t.s_awaddr_i = a;
    t.s_araddr_i = a;
    t.s_wdata_i = v;
    t.s_wstrb_i = 0xF;
    bool aw = false, w = false, ar = false, b = false, r = false;
    std::vector<char> order;
    for (int c = 0; c < 50 && !(b && r); ++c) {
      t.s_awvalid_i = !aw;
      t.s_wvalid_i = !w;
      t.s_arvalid_i = !ar;
      t.s_bready_i = 1;
      t.s_rready_i = 1;
      t.eval();
      const bool aw_hs = t.s_awvalid_i && t.s_awready_o, w_hs = t.s_wvalid_i && t.s_wready_o;
      const bool ar_hs = t.s_arvalid_i && t.s_arready_o;
      const bool b_hs = t.s_bvalid_o, r_hs = t.s_rvalid_o;
      if (r_hs) *read = t.s_rdata_o;
      h.Clock();
      aw |= aw_hs;
      w |= w_hs;
      ar |= ar_hs;
      if (b_hs) order.push_back('W'), b = true;
      if (r_hs) order.push_back('R'), r = true;
    }
    h.Idle();
    return std::string(order.begin(), order.end());
  };
  h.Write(a, 0x11111111u);  // the last transaction is now a write
  uint32_t v = 0;
  EXPECT_EQ(together(0x22222222u, &v), "RW");
  EXPECT_EQ(v, 0x11111111u) << "the read went first: the old value";
  EXPECT_EQ(h.Read(a), 0x22222222u);  // the last transaction is now a read
  EXPECT_EQ(together(0x33333333u, &v), "WR");
  EXPECT_EQ(v, 0x33333333u) << "the write went first: the new value";
  EXPECT_EQ(h.Read(a), 0x33333333u);
  EXPECT_FALSE(h.assertion_failed());
}

TEST(AxilBridge, PartialWriteStrobeIsSlvErrAndNotWritten) {
  AxilHarness h(Open("ref:small"), 2);
  const uint32_t a = MemAddress(h.target().geometry(), 1, 5, 4);
  EXPECT_EQ(h.Write(a, 0xAABBCCDDu), 0u);
  for (unsigned strb : {0x0u, 0x1u, 0x3u, 0x7u, 0xEu, 0x8u}) {
    EXPECT_EQ(h.Write(a, 0x12345678u, strb), 2u) << "WSTRB " << strb;
    EXPECT_EQ(h.Read(a), 0xAABBCCDDu) << "WSTRB " << strb;
  }
  unsigned resp = 9;
  EXPECT_EQ(h.Read(isa::kCsrId, &resp), isa::kTspId);
  EXPECT_EQ(resp, 0u);
  EXPECT_FALSE(h.assertion_failed());
}

}  // namespace
}  // namespace tsp::test
