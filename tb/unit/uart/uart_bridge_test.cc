// The RTL UART bridge (rtl/board/tsp_uart_bridge.sv) against its specification, the C++ bridge model
// tsp::link::UartBridgeModel (docs/host-link.md):
//   * byte for byte: the same request streams (good frames, retries, every NACK, bad CRCs,
//     garbage, lost bytes, oversize LEN, escapes) into the Verilated bridge and into the model,
//     each over its own `ref:small` device: identical reply bytes and identical device state;
//   * the whole path: the real host driver (`uart:` device) on one side of a pseudo-terminal, the
//     Verilated bridge on the other, serial bits on its rx / tx pins (ClksPerBit = 4), its host bus
//     wired to the Verilated small core (`rtl:small`): the Device conformance suite, generated
//     programs against a direct `ref` device, faults injected in both directions, a disconnect.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "Vtsp_uart_bridge.h"
#include "device/device_suite.h"
#include "device/pty_link.h"
#include "device/uart_device.h"
#include "bus_target.h"
#include "same_run.h"
#include "tsp/device.h"
#include "tsp/host_link.h"
#include "tsp/progen.h"
#include "tsp/selftest.h"
#include "verilated.h"

namespace tsp::test {
namespace {

using ::testing::HasSubstr;
using namespace tsp::link;
using Clock = std::chrono::steady_clock;
using tb::ExpectSameRun;

constexpr unsigned kClksPerBit = TSP_UART_CLKS_PER_BIT;  // the Verilated parameter (CMakeLists.txt)

// ---------------------------------------------------------------------------------------------
// The Verilated bridge with serial lines driven and sampled bit by bit, its host bus served by a
// tsp::Device through tb::BusTarget (the `rtl` core clocked as bus_target.h says): the serial bits
// cost the small bridge model, not the whole core.
// ---------------------------------------------------------------------------------------------
class RtlBridge {
 public:
  explicit RtlBridge(std::unique_ptr<Device> target) : bus_(std::move(target)) {
    ctx_ = std::make_unique<VerilatedContext>();
    ctx_->randReset(2);
    ctx_->randSeed(5);
    ctx_->assertOn(true);
    ctx_->fatalOnError(false);
    top_ = std::make_unique<Vtsp_uart_bridge>(ctx_.get(), "bridge");
    top_->rx_i = 1;
    top_->host_req_ready_i = 1;
    top_->host_rsp_valid_i = 0;
    top_->rst_ni = 0;
    for (int i = 0; i < 4; ++i) Edge();
    top_->rst_ni = 1;
    top_->eval();
  }
  ~RtlBridge() { top_->final(); }

  Device &target() { return bus_.device(); }
  bool assertion_failed() const { return ctx_->gotError(); }
  uint64_t clocks() const { return clocks_; }
  uint64_t frames() const { return frames_; }
  uint64_t nacks() const { return nacks_; }
  uint64_t accesses() const { return bus_.accesses(); }

  void Feed(const uint8_t *p, size_t n) { rxq_.insert(rxq_.end(), p, p + n); }
  // Work left: bytes to send in, a character on either line, a request in the bridge, or a
  // character sent in less than two character times ago (the bridge's receiver still holds it
  // before busy_o rises).
  bool Busy() const {
    return !rxq_.empty() || ser_bits_ != 0 || linger_ != 0 || top_->busy_o || des_state_ != 0 ||
           bus_.rsp_valid();
  }
  // Clocks until idle or max_clocks; the reply bytes completed meanwhile go to *out.
  void Run(uint64_t max_clocks, std::vector<uint8_t> *out) {
    for (uint64_t i = 0; i < max_clocks && Busy(); ++i) Step(out);
  }
  // Clocks until idle and then a further `quiet` clocks with nothing on the lines.
  std::vector<uint8_t> Transfer(const std::vector<uint8_t> &in, uint64_t quiet = 40 * kClksPerBit) {
    std::vector<uint8_t> out;
    Feed(in.data(), in.size());
    for (uint64_t idle = 0; idle < quiet;) {
      const bool busy = Busy();
      Step(&out);
      idle = busy ? 0 : idle + 1;
    }
    return out;
  }

 private:
  void Edge() {
    top_->clk_i = 1;
    top_->eval();
    top_->clk_i = 0;
    top_->eval();
  }

  void Step(std::vector<uint8_t> *out) {
    // rx line: the next bit of the character being sent (start, 8 data bits LSB first, stop).
    if (ser_bits_ == 0 && !rxq_.empty()) {
      ser_shift_ = 0x200u | uint32_t{rxq_.front()} << 1;
      rxq_.pop_front();
      ser_bits_ = 10;
      ser_cnt_ = kClksPerBit;
    }
    top_->rx_i = ser_bits_ ? (ser_shift_ & 1u) : 1u;
    top_->host_rsp_valid_i = bus_.rsp_valid();
    top_->host_rsp_rdata_i = bus_.rsp_data();
    top_->eval();
    const bool req = top_->host_req_valid_o;  // taken at this edge (ready is 1)
    const bool we = top_->host_req_we_o;
    const uint32_t addr = top_->host_req_addr_o, wdata = top_->host_req_wdata_o;
    Edge();
    ++clocks_;
    frames_ += top_->frame_o;
    nacks_ += top_->nack_o;
    bus_.AfterEdge(req, we, addr, wdata);
    if (linger_) --linger_;
    if (ser_bits_ && --ser_cnt_ == 0) {
      ser_shift_ >>= 1;
      --ser_bits_;
      ser_cnt_ = kClksPerBit;
      if (ser_bits_ == 0) linger_ = 20 * kClksPerBit;
    }
    // tx line, sampled in the middle of every bit.
    const unsigned tx = top_->tx_o;
    switch (des_state_) {
      case 0:
        if (!tx) {
          des_state_ = 1;
          des_cnt_ = kClksPerBit / 2;
          des_bits_ = 0;
        }
        break;
      default:
        if (--des_cnt_ == 0) {
          des_cnt_ = kClksPerBit;
          if (des_bits_ == 0) {
            ASSERT_EQ(tx, 0u) << "tx: start bit not low in its middle";
          } else if (des_bits_ <= 8) {
            des_byte_ = static_cast<uint8_t>(des_byte_ >> 1 | tx << 7);
          } else {
            EXPECT_EQ(tx, 1u) << "tx: stop bit not high";
            out->push_back(des_byte_);
            des_state_ = 0;
          }
          ++des_bits_;
        }
        break;
    }
  }

  tb::BusTarget bus_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vtsp_uart_bridge> top_;
  std::deque<uint8_t> rxq_;
  uint32_t ser_shift_ = 0;
  unsigned ser_bits_ = 0, ser_cnt_ = 0, linger_ = 0;
  unsigned des_state_ = 0, des_cnt_ = 0, des_bits_ = 0;
  uint8_t des_byte_ = 0;
  uint64_t clocks_ = 0, frames_ = 0, nacks_ = 0;
};

std::unique_ptr<Device> Open(const std::string &spec) {
  std::string err;
  auto d = OpenDevice(spec, &err);
  if (!d) throw std::runtime_error("OpenDevice(\"" + spec + "\"): " + err);
  return d;
}

// ---------------------------------------------------------------------------------------------
// Byte for byte against UartBridgeModel
// ---------------------------------------------------------------------------------------------
std::vector<uint8_t> Le(std::initializer_list<std::pair<uint32_t, int>> fields) {
  std::vector<uint8_t> v;
  for (auto [x, n] : fields)
    for (int i = 0; i < n; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
  return v;
}

// Request streams covering every path of the bridge: each entry is sent as one transfer; the RTL
// and the model must answer each with the same bytes.
std::vector<std::vector<uint8_t>> Scenario(const Geometry &g, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint8_t>> s;
  auto add = [&](std::vector<uint8_t> v) { s.push_back(std::move(v)); };
  const uint32_t mem = MemAddress(g, 1, 5, 0);
  add(EncodeFrame(0, kCmdSync, {}));
  add(EncodeFrame(1, kCmdRead, Le({{isa::kCsrId, 4}, {2, 2}})));
  // A WRITE of 256 words whose data is full of SOF / ESC bytes (stuffed both ways), read back.
  std::vector<uint8_t> w = Le({{mem, 4}, {256, 2}});
  for (int i = 0; i < 1024; ++i) w.push_back(i % 3 == 0 ? kSof : i % 3 == 1 ? kEsc : static_cast<uint8_t>(rng()));
  add(EncodeFrame(2, kCmdWrite, w));
  add(EncodeFrame(3, kCmdRead, Le({{mem, 4}, {256, 2}})));
  // The retry of a WRITE after its reply was lost: replayed, not re-applied (the model's device
  // and the RTL's device are compared at the end).
  const auto wr = EncodeFrame(4, kCmdWrite, Le({{mem + 8, 4}, {1, 2}, {0x11223344u, 4}}));
  add(wr);
  add(EncodeFrame(5, kCmdWrite, Le({{mem + 8, 4}, {1, 2}, {0x55667788u, 4}})));
  add(wr);  // SEQ 4 again, but not the last request: executed again
  add(wr);  // now the last: replayed
  add(EncodeFrame(6, kCmdRead, Le({{mem + 8, 4}, {1, 2}})));
  // Every NACK code; a remembered NACK replayed; SYNC forgets the kept reply.
  auto bad = EncodeFrame(7, kCmdRead, Le({{mem, 4}, {1, 2}}));
  bad[8] ^= 0x04;
  add(bad);
  add(EncodeFrame(8, 0x33, {}));
  add(EncodeFrame(8, 0x33, {}));
  add(EncodeFrame(9, kCmdRead, Le({{mem, 4}, {0, 2}})));
  add(EncodeFrame(10, kCmdRead, Le({{mem, 4}, {257, 2}})));
  add(EncodeFrame(11, kCmdWrite, Le({{mem, 4}, {2, 2}, {1, 4}})));
  add(EncodeFrame(12, kCmdRead, Le({{mem, 4}})));
  add(EncodeFrame(13, kCmdSync, {1}));
  add(EncodeFrame(14, kCmdRead, Le({{mem, 4}, {1, 2}, {0, 1}})));
  add(EncodeFrame(15, kCmdSync, {}));
  add(EncodeFrame(15, kCmdSync, {}));
  // Garbage before a frame, a frame cut short by the next SOF, a lost byte, an oversize LEN, an
  // escape before SOF.
  auto g1 = std::vector<uint8_t>{0x00, 0x7D, 0x55, 0xFF};
  auto f1 = EncodeFrame(16, kCmdRead, Le({{isa::kCsrGeom, 4}, {1, 2}}));
  g1.insert(g1.end(), f1.begin(), f1.end());
  add(g1);
  auto cut = EncodeFrame(17, kCmdRead, Le({{mem, 4}, {4, 2}}));
  cut.resize(7);
  auto f2 = EncodeFrame(18, kCmdRead, Le({{mem, 4}, {4, 2}}));
  cut.insert(cut.end(), f2.begin(), f2.end());
  add(cut);
  auto lost = EncodeFrame(19, kCmdRead, Le({{mem, 4}, {4, 2}}));
  lost.erase(lost.begin() + 6);
  add(lost);
  add(EncodeFrame(20, kCmdRead, Le({{mem, 4}, {3, 2}})));
  auto huge = EncodeFrame(21, kCmdRead, Le({{mem, 4}, {1, 2}}));
  huge[2] = 0x7C;
  add(huge);
  add({kSof, 0x06, kEsc, kSof, 0x06, 0x00, 0x16, kCmdRead});  // ESC then SOF: the SOF still starts a frame ...
  add(EncodeFrame(22, kCmdRead, Le({{mem, 4}, {1, 2}})));  // ... which this SOF abandons
  // Random MEM bursts and CSR reads, some SEQ values equal to SOF / ESC.
  for (int i = 0; i < 24; ++i) {
    const uint8_t seq = static_cast<uint8_t>(i % 5 == 0 ? kSof : i % 5 == 1 ? kEsc : 23 + i);
    const uint32_t n = 1 + static_cast<uint32_t>(rng() % 40);
    const uint32_t a = MemAddress(g, static_cast<uint32_t>(rng() % g.num_mem_slices()),
                                  static_cast<uint32_t>(rng() % (g.mem_words() - 4)), 0);
    if (rng() % 2) {
      std::vector<uint8_t> p = Le({{a, 4}, {n, 2}});
      for (uint32_t k = 0; k < 4 * n; ++k) p.push_back(static_cast<uint8_t>(rng()));
      add(EncodeFrame(seq, kCmdWrite, p));
    } else {
      add(EncodeFrame(seq, kCmdRead, Le({{a, 4}, {n, 2}})));
    }
  }
  return s;
}

TEST(UartBridgeRtl, RepliesLikeTheModelByteForByte) {
  RtlBridge rtl(Open("ref:small"));
  auto model_dev = Open("ref:small");
  UartBridgeModel model(*model_dev);
  const Geometry &g = model_dev->geometry();
  const auto scenario = Scenario(g, 3);
  size_t bytes = 0;
  for (size_t i = 0; i < scenario.size(); ++i) {
    std::vector<uint8_t> want;
    model.Receive(scenario[i].data(), scenario[i].size(), &want);
    const std::vector<uint8_t> got = rtl.Transfer(scenario[i]);
    ASSERT_EQ(got, want) << "transfer " << i << " (" << scenario[i].size() << " bytes in)";
    bytes += got.size();
  }
  EXPECT_FALSE(rtl.assertion_failed());
  // Same device state: every MEM word of both devices.
  for (uint32_t s = 0; s < g.num_mem_slices(); ++s) {
    std::vector<uint8_t> a(size_t{g.mem_words()} * g.vl()), b(a.size());
    std::string err;
    ASSERT_TRUE(rtl.target().ReadMemWords(s, 0, a.data(), a.size(), &err)) << err;
    ASSERT_TRUE(model_dev->ReadMemWords(s, 0, b.data(), b.size(), &err)) << err;
    EXPECT_EQ(a, b) << "slice " << s;
  }
  // The scenario reached what it was written for (counted by the model, mirrored by the RTL): the
  // replays of the retried WRITE and of the remembered BadCommand NACK; the NACKs BadCrc,
  // BadCommand, BadCount x2, BadLength x4 (WRITE data, short READ, SYNC with payload, long READ).
  EXPECT_EQ(model.stats().replayed, 2u);
  EXPECT_EQ(model.stats().nacks, 8u);
  EXPECT_EQ(rtl.nacks(), model.stats().nacks);
  EXPECT_EQ(rtl.accesses(), model.stats().words_read + model.stats().words_written);
  std::printf("RTL bridge: %zu transfers, %zu reply bytes identical to the model; %llu frames, %llu NACKs, "
              "%llu replayed, %llu bus accesses, %llu clocks\n",
              scenario.size(), bytes, static_cast<unsigned long long>(rtl.frames()),
              static_cast<unsigned long long>(rtl.nacks()),
              static_cast<unsigned long long>(model.stats().replayed),
              static_cast<unsigned long long>(rtl.accesses()), static_cast<unsigned long long>(rtl.clocks()));
}

// ---------------------------------------------------------------------------------------------
// The whole path over a pseudo-terminal
// ---------------------------------------------------------------------------------------------
class RtlPtyBridge : public PtyLink {
 public:
  RtlPtyBridge(const std::string &target_spec, FaultConfig faults = {})
      : PtyLink(faults), bridge_(Open(target_spec)) {
    Start();
  }
  ~RtlPtyBridge() override { Stop(); }
  const RtlBridge &bridge() const { return bridge_; }

 private:
  void Exchange(const std::vector<uint8_t> &in, std::vector<uint8_t> *out) override {
    bridge_.Feed(in.data(), in.size());
    bridge_.Run(20000, out);
  }
  bool Busy() const override { return bridge_.Busy(); }

  RtlBridge bridge_;
};

// The host's deadline is timeout_ms plus twice the transfer time at the stated baud rate; a
// simulated line is far slower than its nominal rate, so the tests state a slow one.
constexpr const char *kLinkOptions = "@9600,timeout_ms=3000,retries=10";

std::vector<std::unique_ptr<RtlPtyBridge>> g_suite_bridges;

// In this binary "uart:CONFIG" (no path) is the host driver over a pty to the Verilated bridge in
// front of rtl:CONFIG; a spec with a path still opens a real port.
const bool kScheme = [] {
  RegisterDeviceFactory("uart", [](const std::string &args, std::string *error) -> std::unique_ptr<Device> {
    if (args.find('/') != std::string::npos) return OpenUartDevice(args, error);
    auto b = std::make_unique<RtlPtyBridge>("rtl:" + (args.empty() ? std::string("small") : args));
    auto d = OpenUartDevice(b->path() + kLinkOptions, error);
    g_suite_bridges.push_back(std::move(b));
    return d;
  });
  return true;
}();

INSTANTIATE_TEST_SUITE_P(UartRtl, DeviceSuite, ::testing::Values("uart:small"), DeviceSpecName);

std::unique_ptr<Device> OpenOn(const PtyLink &b, const std::string &opts) {
  std::string err;
  auto d = OpenUartDevice(b.path() + opts, &err);
  if (!d) ADD_FAILURE() << err;
  return d;
}

TEST(UartRtlLink, RunsGeneratedProgramsOnTheCoreLikeRef) {
  RtlPtyBridge b("rtl:small");
  auto link = OpenOn(b, kLinkOptions);
  auto direct = Open("ref:small");
  ASSERT_TRUE(link && direct);
  EXPECT_THAT(link->Describe(), HasSubstr("UART host link"));
  EXPECT_EQ(link->geometry().params().name, "small");
  const auto t0 = Clock::now();
  for (uint64_t seed : {1, 2}) {
    const auto gp = GenerateProgram(direct->geometry(), seed);
    ExpectSameRun(*link, *direct, gp.program, "seed " + std::to_string(seed));
  }
  const LinkStats *s = GetLinkStats(*link);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->retries, 0u) << "a clean link needed retries";
  EXPECT_FALSE(b.bridge().assertion_failed());
  std::printf("2 programs through the RTL bridge to the RTL core: %llu requests, %llu bytes sent, %llu received, "
              "%llu bridge clocks, %.1f s\n",
              static_cast<unsigned long long>(s->requests), static_cast<unsigned long long>(s->bytes_sent),
              static_cast<unsigned long long>(s->bytes_received),
              static_cast<unsigned long long>(b.bridge().clocks()),
              std::chrono::duration<double>(Clock::now() - t0).count());
}

// Bytes dropped, corrupted, duplicated and inserted in both directions on the serial lines: every
// access succeeds with the right value (compared with a direct ref device) or the test fails.
TEST(UartRtlLink, SurvivesFaultsWithoutWrongData) {
  FaultConfig f;
  for (double &r : f.rate) r = 0.0003;
  f.seed = 20261205;
  RtlPtyBridge b("rtl:small", f);
  auto link = OpenOn(b, "@115200,timeout_ms=200,retries=30");
  auto direct = Open("ref:small");
  ASSERT_TRUE(link && direct);
  const Geometry &g = direct->geometry();
  std::mt19937_64 rng(11);
  auto pick = [&](uint64_t n) { return static_cast<uint32_t>(rng() % n); };
  uint64_t compared = 0;
  std::string err;
  const auto t0 = Clock::now();
  for (int it = 0; it < 120; ++it) {
    switch (pick(4)) {
      case 0: {  // a single MEM word
        const uint32_t a = MemAddress(g, pick(g.num_mem_slices()), pick(g.mem_words()), 4 * pick(g.vl() / 4));
        const uint32_t v = static_cast<uint32_t>(rng());
        link->Write32(a, v);
        direct->Write32(a, v);
        ASSERT_EQ(link->Read32(a), direct->Read32(a)) << "iteration " << it;
        ++compared;
        break;
      }
      case 1: {  // an instruction word and QLEN
        const uint32_t q = pick(g.num_queues()), a = IqAddress(q, pick(g.iq_depth())) + 4 * pick(2);
        const uint32_t v = static_cast<uint32_t>(rng()), qlen = pick(8);
        link->Write32(a, v);
        direct->Write32(a, v);
        link->Write32(isa::kCsrQlen + 4 * q, qlen);
        direct->Write32(isa::kCsrQlen + 4 * q, qlen);
        ASSERT_EQ(link->Read32(a), direct->Read32(a)) << "iteration " << it;
        ASSERT_EQ(link->Read32(isa::kCsrQlen + 4 * q), qlen) << "iteration " << it;
        compared += 2;
        break;
      }
      case 2: {  // MEM bursts
        const uint32_t s = pick(g.num_mem_slices()), n = 1 + pick(8), w = pick(g.mem_words() - n);
        std::vector<uint8_t> data(size_t{n} * g.vl());
        for (auto &x : data) x = static_cast<uint8_t>(rng());
        ASSERT_TRUE(link->WriteMemWords(s, w, data.data(), data.size(), &err)) << err;
        ASSERT_TRUE(direct->WriteMemWords(s, w, data.data(), data.size(), &err)) << err;
        std::vector<uint8_t> x(data.size()), y(data.size());
        ASSERT_TRUE(link->ReadMemWords(s, w, x.data(), x.size(), &err)) << err;
        ASSERT_TRUE(direct->ReadMemWords(s, w, y.data(), y.size(), &err)) << err;
        ASSERT_EQ(x, y) << "iteration " << it;
        compared += x.size() / 4;
        break;
      }
      default:
        if (it % 40 == 3) {  // now and then a whole program on the core
          const auto gp = GenerateProgram(g, 200 + static_cast<uint64_t>(it));
          ExpectSameRun(*link, *direct, gp.program, "iteration " + std::to_string(it));
          if (HasFatalFailure()) return;
        } else {
          ASSERT_EQ(link->Read32(isa::kCsrId), isa::kTspId) << "iteration " << it;
          ++compared;
        }
        break;
    }
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const LinkStats &s = *GetLinkStats(*link);
  std::printf("RTL bridge fault injection (seed %llu, %.1f s, %llu words compared, %llu requests, %llu bytes "
              "sent, %llu received, %llu bridge clocks):\n",
              static_cast<unsigned long long>(f.seed), secs, static_cast<unsigned long long>(compared),
              static_cast<unsigned long long>(s.requests), static_cast<unsigned long long>(s.bytes_sent),
              static_cast<unsigned long long>(s.bytes_received),
              static_cast<unsigned long long>(b.bridge().clocks()));
  for (int k = 0; k < kNumFaults; ++k) {
    std::printf("  %-10s host->device %4llu  device->host %4llu  (all survived)\n", kFaultNames[k],
                static_cast<unsigned long long>(b.injected(kToDevice, static_cast<Fault>(k))),
                static_cast<unsigned long long>(b.injected(kToHost, static_cast<Fault>(k))));
  }
  std::printf("  host: %llu retries, %llu timeouts, %llu NACKs, %llu bad-CRC replies, %llu stale replies; "
              "bridge: %llu frames, %llu NACKs\n",
              static_cast<unsigned long long>(s.retries), static_cast<unsigned long long>(s.timeouts),
              static_cast<unsigned long long>(s.nacks), static_cast<unsigned long long>(s.bad_crc),
              static_cast<unsigned long long>(s.stale), static_cast<unsigned long long>(b.bridge().frames()),
              static_cast<unsigned long long>(b.bridge().nacks()));
  for (int k = 0; k < kNumFaults; ++k) {
    EXPECT_GT(b.injected(kToDevice, static_cast<Fault>(k)), 0u) << kFaultNames[k] << " host->device";
    EXPECT_GT(b.injected(kToHost, static_cast<Fault>(k)), 0u) << kFaultNames[k] << " device->host";
  }
  EXPECT_GT(s.retries, 0u);
  EXPECT_GT(b.bridge().nacks(), 0u);
  EXPECT_FALSE(b.bridge().assertion_failed());
}

// The far end goes away in the middle of a burst: a clear error at once, not a hang.
TEST(UartRtlLink, DisconnectMidTransferIsAClearError) {
  FaultConfig f;
  f.disconnect_after = 1500;
  RtlPtyBridge b("rtl:small", f);
  auto link = OpenOn(b, "@9600,timeout_ms=300,retries=3");
  ASSERT_NE(link, nullptr);
  const Geometry &g = link->geometry();
  std::vector<uint8_t> data(size_t{g.mem_words()} * g.vl(), 0x5A);
  const auto t0 = Clock::now();
  std::string err;
  try {
    for (uint32_t s = 0; s < g.num_mem_slices(); ++s) link->WriteMemWords(s, 0, data.data(), data.size(), &err);
    ADD_FAILURE() << "no error after the link was closed";
  } catch (const LinkError &e) {
    EXPECT_THAT(e.what(), HasSubstr("uart " + b.path() + ": WRITE of"));
    EXPECT_THAT(e.what(), HasSubstr("the link is closed"));
  }
  EXPECT_TRUE(b.disconnected());
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 30.0);
}

// The bring-up self-test (tsp-selftest) on the RTL core, directly and through the UART link.
TEST(UartRtlLink, SelfTestPassesOnTheCoreDirectAndThroughTheLink) {
  SelfTestOptions opt;
  opt.random_programs = 3;
  auto direct = Open("rtl:small");
  const SelfTestReport a = RunSelfTest(*direct, opt);
  EXPECT_TRUE(a.ok()) << a.Table();
  RtlPtyBridge b("rtl:small");
  auto link = OpenOn(b, kLinkOptions);
  ASSERT_NE(link, nullptr);
  const auto t0 = Clock::now();
  const SelfTestReport r = RunSelfTest(*link, opt);
  EXPECT_TRUE(r.ok()) << r.Table();
  EXPECT_EQ(r.steps.size(), 7u);
  EXPECT_FALSE(b.bridge().assertion_failed());
  std::printf("tsp-selftest through the RTL UART bridge (%.1f s):\n%s", std::chrono::duration<double>(Clock::now() - t0).count(),
              r.Table().c_str());
}

}  // namespace
}  // namespace tsp::test
