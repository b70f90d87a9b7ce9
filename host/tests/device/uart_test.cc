// The serial host link (tsp/host_link.h, docs/host-link.md) without hardware: frames and the
// bridge model byte by byte, then the `uart:` device over a pseudo-terminal whose other end is a
// thread running UartBridgeModel over a `ref` device (free-running, ",free=N"):
//   * the Device conformance suite (device_suite.h) as "uart" / "uart:small" (instantiated in
//     device_test.cc, which holds the suite's definitions; in this binary those specs mean "a pty with the
//     bridge model on ref:CONFIG behind it"; paths still open ports);
//   * real programs (examples/demo.tasm, generated ones) against a direct `ref` device;
//   * fault injection in the bridge thread, both directions (dropped, corrupted, duplicated and
//     inserted bytes) with every read compared against a direct `ref` device; a disconnect in
//     the middle of a transfer; a mute link; throughput.
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "device/uart_device.h"
#include "tsp/assembler.h"
#include "tsp/device.h"
#include "tsp/host_link.h"
#include "tsp/model.h"
#include "tsp/progen.h"
#include "device/pty_link.h"

namespace tsp::test {
namespace {

using ::testing::HasSubstr;
using namespace tsp::link;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// A pseudo-terminal with the bridge model on its master side, in a thread, optionally faulty.
// ---------------------------------------------------------------------------------------------
class PtyBridge : public PtyLink {
 public:
  PtyBridge(const std::string &ref_spec, FaultConfig faults = {}) : PtyLink(faults) {
    std::string err;
    target_ = OpenDevice(ref_spec, &err);
    if (!target_) throw std::runtime_error(err);
    bridge_ = std::make_unique<UartBridgeModel>(*target_);
    Start();
  }
  ~PtyBridge() override { Stop(); }

  // The device behind the bridge; touch it only while the host has no request outstanding.
  Device &target() { return *target_; }
  const UartBridgeModel &bridge() const { return *bridge_; }

 private:
  void Exchange(const std::vector<uint8_t> &in, std::vector<uint8_t> *out) override {
    bridge_->Receive(in.data(), in.size(), out);
  }

  std::unique_ptr<Device> target_;
  std::unique_ptr<UartBridgeModel> bridge_;
};

// Bridges behind the "uart[:CONFIG]" devices of the conformance suite; destroyed after the
// suite's devices (those live in a function-local static created later).
std::vector<std::unique_ptr<PtyBridge>> g_suite_bridges;

const bool kUartSchemeForTests = [] {
  RegisterDeviceFactory("uart", [](const std::string &args, std::string *error) -> std::unique_ptr<Device> {
    if (args.find('/') != std::string::npos) return OpenUartDevice(args, error);
    auto b =
        std::make_unique<PtyBridge>("ref:" + (args.empty() ? std::string("default") : args) + ",free=1000");
    auto d = OpenUartDevice(b->path() + "@3000000,timeout_ms=200,retries=10", error);
    g_suite_bridges.push_back(std::move(b));
    return d;
  });
  return true;
}();

std::unique_ptr<Device> OpenOn(const PtyBridge &b, const std::string &opts) {
  std::string err;
  auto d = OpenUartDevice(b.path() + opts, &err);
  if (!d) ADD_FAILURE() << err;
  return d;
}

std::unique_ptr<Device> OpenRef(const std::string &spec) {
  std::string err;
  auto d = OpenDevice(spec, &err);
  if (!d) ADD_FAILURE() << err;
  return d;
}

std::vector<uint8_t> Bytes(size_t n, uint64_t seed) {
  std::mt19937_64 r(seed);
  std::vector<uint8_t> v(n);
  for (auto &b : v) b = static_cast<uint8_t>(r());
  return v;
}

// ---------------------------------------------------------------------------------------------
// Frames and the bridge model, byte by byte
// ---------------------------------------------------------------------------------------------
TEST(HostLinkFrames, RoundTripWithStuffing) {
  const std::vector<uint8_t> payload = {kSof, kEsc, 0x00, kSof, 0x5E, 0x5D, kEsc, 0xFF};
  const auto bytes = EncodeFrame(0x7E, kCmdWrite, payload);  // SEQ is SOF too
  EXPECT_EQ(bytes[0], kSof);
  EXPECT_EQ(std::count(bytes.begin(), bytes.end(), kSof), 1) << "SOF inside the frame";
  FrameDecoder d;
  std::vector<FrameDecoder::Event> ev;
  for (uint8_t b : bytes) ev.push_back(d.Push(b));
  EXPECT_EQ(ev.back(), FrameDecoder::Event::kFrame);
  EXPECT_EQ(d.frame().seq, 0x7E);
  EXPECT_EQ(d.frame().cmd, kCmdWrite);
  EXPECT_EQ(d.frame().payload, payload);
}

TEST(HostLinkFrames, ResynchronisesAtTheNextStart) {
  const auto a = EncodeFrame(1, kCmdRead, Bytes(6, 1));
  const auto b = EncodeFrame(2, kCmdRead, Bytes(6, 2));
  FrameDecoder d;
  int frames = 0, bad = 0;
  auto feed = [&](const std::vector<uint8_t> &v) {
    for (uint8_t x : v) {
      const auto e = d.Push(x);
      frames += e == FrameDecoder::Event::kFrame;
      bad += e == FrameDecoder::Event::kBadCrc;
    }
  };
  feed({0x01, 0x02, 0x7D, 0x55});                       // garbage before
  std::vector<uint8_t> lost(a.begin(), a.begin() + 5);  // a lost byte: the frame never completes ...
  lost.insert(lost.end(), a.begin() + 6, a.end());
  feed(lost);
  feed(b);  // ... and is abandoned at b's SOF
  EXPECT_EQ(frames, 1);
  EXPECT_EQ(d.frame().seq, 2);
  auto corrupt = a;
  corrupt[7] ^= 0x10;
  feed(corrupt);
  EXPECT_EQ(bad, 1);
  auto huge = EncodeFrame(3, kCmdRead, Bytes(6, 3));
  huge[2] = 0x7C;  // LEN high byte: far above kMaxPayload, back to HUNT at once
  feed(huge);
  feed(a);
  EXPECT_EQ(frames, 2);
  EXPECT_EQ(d.stats().aborted, 1u);
  EXPECT_EQ(d.stats().oversize, 1u);
  EXPECT_GT(d.stats().discarded, 0u);
}

std::vector<uint8_t> WriteReq(uint32_t addr, uint32_t value) {
  std::vector<uint8_t> p = {static_cast<uint8_t>(addr),
                            static_cast<uint8_t>(addr >> 8),
                            static_cast<uint8_t>(addr >> 16),
                            static_cast<uint8_t>(addr >> 24),
                            1,
                            0};
  for (int i = 0; i < 4; ++i) p.push_back(static_cast<uint8_t>(value >> (8 * i)));
  return p;
}

// A retried write (same SEQ, same bytes) gets the kept reply and is not applied again.
TEST(UartBridgeModel, DuplicateWriteIsReplayedNotReapplied) {
  auto dev = OpenRef("ref:small");
  UartBridgeModel bridge(*dev);
  const uint32_t addr = MemAddress(dev->geometry(), 1, 3, 4);
  const auto req = EncodeFrame(9, kCmdWrite, WriteReq(addr, 0x11111111u));
  std::vector<uint8_t> r1, r2, r3;
  bridge.Receive(req.data(), req.size(), &r1);
  EXPECT_EQ(dev->Read32(addr), 0x11111111u);
  dev->Write32(addr, 0x22222222u);  // changed since (by another request in real life)
  bridge.Receive(req.data(), req.size(), &r2);
  EXPECT_EQ(r2, r1) << "the retry is answered with the kept reply";
  EXPECT_EQ(dev->Read32(addr), 0x22222222u) << "the retried write was applied twice";
  EXPECT_EQ(bridge.stats().executed, 1u);
  EXPECT_EQ(bridge.stats().replayed, 1u);
  // Same SEQ with other bytes is a new request; so is anything after SYNC.
  const auto other = EncodeFrame(9, kCmdWrite, WriteReq(addr, 0x33333333u));
  bridge.Receive(other.data(), other.size(), &r3);
  EXPECT_EQ(dev->Read32(addr), 0x33333333u);
  FrameDecoder d;
  for (uint8_t b : r3) d.Push(b);
  EXPECT_EQ(d.frame().seq, 9);
  EXPECT_EQ(d.frame().cmd, kCmdWrite | kAckBit);
}

TEST(UartBridgeModel, NacksAndCodes) {
  auto dev = OpenRef("ref:small");
  UartBridgeModel bridge(*dev);
  auto reply = [&](const std::vector<uint8_t> &req) {
    std::vector<uint8_t> out;
    bridge.Receive(req.data(), req.size(), &out);
    FrameDecoder d;
    Frame f;
    for (uint8_t b : out) {
      if (d.Push(b) == FrameDecoder::Event::kFrame) f = d.frame();
    }
    return f;
  };
  auto bad = EncodeFrame(4, kCmdRead, {0, 0, 0, 0, 1, 0});
  bad[6] ^= 1;
  Frame f = reply(bad);
  EXPECT_EQ(f.cmd, kCmdNack);
  ASSERT_EQ(f.payload.size(), 2u);
  EXPECT_EQ(f.payload[1], kNackBadCrc);
  EXPECT_EQ(reply(EncodeFrame(5, 0x33, {})).payload[1], kNackBadCommand);
  EXPECT_EQ(reply(EncodeFrame(6, kCmdRead, {0, 0, 0, 0, 0, 0})).payload[1], kNackBadCount);
  EXPECT_EQ(reply(EncodeFrame(7, kCmdRead, {0, 0, 0, 0, 1, 1})).payload[1], kNackBadCount);  // 257 words
  EXPECT_EQ(reply(EncodeFrame(8, kCmdWrite, {0, 0, 0, 0, 2, 0, 1, 2, 3, 4})).payload[1], kNackBadLength);
  f = reply(EncodeFrame(10, kCmdRead, {0, 0, 0, 0, 2, 0}));  // ID, VERSION
  EXPECT_EQ(f.cmd, kCmdRead | kAckBit);
  EXPECT_EQ(f.seq, 10);
  ASSERT_EQ(f.payload.size(), 8u);
  EXPECT_EQ(f.payload[0] | f.payload[1] << 8 | f.payload[2] << 16 | uint32_t{f.payload[3]} << 24,
            isa::kTspId);
  f = reply(EncodeFrame(11, kCmdSync, {}));
  EXPECT_EQ(f.cmd, kCmdSync | kAckBit);
  EXPECT_EQ(f.payload, (std::vector<uint8_t>{1, 0, 0, 1}));  // version 1, 256 words
}

// ---------------------------------------------------------------------------------------------
// The `uart:` device over a pty
// ---------------------------------------------------------------------------------------------
TEST(UartDevice, OpenErrors) {
  std::string err;
  EXPECT_EQ(OpenDevice("uart:/dev/null", &err), nullptr);
  EXPECT_THAT(err, HasSubstr("uart: /dev/null is not a terminal"));
  EXPECT_EQ(OpenDevice("uart:/nonexistent/tty", &err), nullptr);
  EXPECT_THAT(err, HasSubstr("cannot open /nonexistent/tty"));
  EXPECT_EQ(OpenDevice("uart:/dev/ttyX@12345", &err), nullptr);
  EXPECT_THAT(err, HasSubstr("unsupported baud rate 12345"));
  EXPECT_EQ(OpenDevice("uart:/dev/ttyX,speed=1", &err), nullptr);
  EXPECT_THAT(err, HasSubstr("unknown option 'speed=1'"));
  EXPECT_THAT(err, HasSubstr("uart:PATH[@BAUD]"));  // the list of what this binary has
  EXPECT_EQ(OpenDevice("ref:small,free=x", &err), nullptr);
  EXPECT_THAT(err, HasSubstr("free=x"));
}

TEST(UartDevice, GeometryFromTheGeomCsrs) {
  for (const char *config : {"default", "small"}) {
    PtyBridge b(std::string("ref:") + config);
    auto d = OpenOn(b, "@3000000");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->geometry().params().name, config);
    EXPECT_EQ(d->name(), "uart");
    EXPECT_THAT(d->Describe(), HasSubstr("UART host link " + b.path() + " @3000000 baud"));
  }
}

// A link that never answers: a clear error after the retries, in bounded time.
TEST(UartDevice, MuteLinkFailsWithClearError) {
  FaultConfig f;
  f.rate[kDrop] = 1.0;
  PtyBridge b("ref:small", f);
  const auto t0 = Clock::now();
  std::string err;
  EXPECT_EQ(OpenUartDevice(b.path() + "@3000000,timeout_ms=20,retries=2", &err), nullptr);
  EXPECT_THAT(err, HasSubstr("uart " + b.path() + ": SYNC of 0 words at 0x00000000, sequence 0"));
  EXPECT_THAT(err, HasSubstr("no valid reply after 3 attempts; last seen: no complete reply within"));
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 5.0);
}

// Load and run real programs through the link; results and cycles as on a direct ref device.
void ExpectSameRun(Device &link, Device &direct, const Program &p, bool whole_mem, const std::string &what) {
  std::string err;
  ASSERT_TRUE(link.LoadProgram(p, &err)) << what << ": " << err;
  ASSERT_TRUE(direct.LoadProgram(p, &err)) << what << ": " << err;
  const auto a = link.Run(1'000'000), b = direct.Run(1'000'000);
  EXPECT_EQ(a.done, b.done) << what;
  EXPECT_EQ(a.cycles, b.cycles) << what;
  EXPECT_EQ(a.error_bits, b.error_bits) << what;
  const Geometry &g = direct.geometry();
  std::vector<std::array<uint32_t, 3>> blocks;  // (slice, first word, words) to compare
  if (whole_mem) {
    for (uint32_t s = 0; s < g.num_mem_slices(); ++s) blocks.push_back({s, 0, g.mem_words()});
  } else {
    for (const auto &img : p.mem)
      blocks.push_back({img.slice, img.addr, std::min<uint32_t>(16, g.mem_words() - img.addr)});
  }
  for (auto [s, w, n] : blocks) {
    std::vector<uint8_t> x(size_t{n} * g.vl()), y(x.size());
    ASSERT_TRUE(link.ReadMemWords(s, w, x.data(), x.size(), &err)) << err;
    ASSERT_TRUE(direct.ReadMemWords(s, w, y.data(), y.size(), &err)) << err;
    EXPECT_EQ(x, y) << what << ": slice " << s << " words " << w << "..";
  }
}

TEST(UartDevice, RunsTheDemoLikeRef) {
  std::ifstream in(std::string(TSP_SOURCE_DIR) + "/examples/demo.tasm");
  std::stringstream ss;
  ss << in.rdbuf();
  const AsmResult r = Assemble(ss.str(), "demo.tasm");
  ASSERT_TRUE(r.ok) << r.error;
  PtyBridge b("ref:default,free=1000");
  auto link = OpenOn(b, "@3000000");
  auto direct = OpenRef("ref");
  ASSERT_TRUE(link && direct);
  ExpectSameRun(*link, *direct, r.program, false, "demo");
  // The documented results: mem.w0 word 2 and mem.w1 word 3.
  const Geometry &g = direct->geometry();
  for (auto [q, w] : {std::pair{"mem.w0", 2u}, std::pair{"mem.w1", 3u}}) {
    const uint32_t slice = g.MemSliceId(Hemi::kWest, static_cast<uint32_t>(std::string(q).back() - '0'));
    EXPECT_EQ(link->ReadMemWord(slice, w), direct->ReadMemWord(slice, w)) << q;
  }
}

TEST(UartDevice, RunsGeneratedProgramsLikeRef) {
  PtyBridge b("ref:small,free=1000");
  auto link = OpenOn(b, "@3000000,timeout_ms=2000");  // long: a retry here means a real fault
  auto direct = OpenRef("ref:small");
  ASSERT_TRUE(link && direct);
  for (uint64_t seed : {1, 2, 3}) {
    const auto gp = GenerateProgram(direct->geometry(), seed);
    ExpectSameRun(*link, *direct, gp.program, true, "seed " + std::to_string(seed));
  }
  const LinkStats *s = GetLinkStats(*link);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->retries, 0u) << "a clean link needed retries";
  EXPECT_EQ(GetLinkStats(*direct), nullptr);
}

// Bytes dropped, corrupted, duplicated and inserted in both directions: every access either
// succeeds with the right value (compared against a direct ref device) or the test fails.
TEST(UartDevice, SurvivesFaultsWithoutWrongData) {
  FaultConfig f;
  for (double &r : f.rate) r = 0.0003;
  f.seed = 20240611;
  PtyBridge b("ref:small,free=1000", f);
  auto link = OpenOn(b, "@3000000,timeout_ms=30,retries=20");
  auto direct = OpenRef("ref:small");
  ASSERT_TRUE(link && direct);
  const Geometry &g = direct->geometry();
  std::mt19937_64 rng(7);
  auto pick = [&](uint64_t n) { return static_cast<uint32_t>(rng() % n); };
  uint64_t compared = 0;
  std::string err;
  const auto t0 = Clock::now();
  for (int it = 0; it < 300; ++it) {
    switch (pick(6)) {
      case 0: {  // a single MEM word, written and read back
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
        const uint32_t v = static_cast<uint32_t>(rng());
        link->Write32(a, v);
        direct->Write32(a, v);
        const uint32_t qlen = pick(8);
        link->Write32(isa::kCsrQlen + 4 * q, qlen);
        direct->Write32(isa::kCsrQlen + 4 * q, qlen);
        ASSERT_EQ(link->Read32(a), direct->Read32(a)) << "iteration " << it;
        ASSERT_EQ(link->Read32(isa::kCsrQlen + 4 * q), direct->Read32(isa::kCsrQlen + 4 * q))
            << "iteration " << it;
        compared += 2;
        break;
      }
      case 2:
      case 3: {  // MEM bursts
        const uint32_t s = pick(g.num_mem_slices()), n = 1 + pick(4), w = pick(g.mem_words() - n);
        const auto data = Bytes(size_t{n} * g.vl(), rng());
        ASSERT_TRUE(link->WriteMemWords(s, w, data.data(), data.size(), &err)) << err;
        ASSERT_TRUE(direct->WriteMemWords(s, w, data.data(), data.size(), &err)) << err;
        const uint32_t rs = pick(g.num_mem_slices()), rn = 1 + pick(4), rw = pick(g.mem_words() - rn);
        std::vector<uint8_t> x(size_t{rn} * g.vl()), y(x.size());
        ASSERT_TRUE(link->ReadMemWords(rs, rw, x.data(), x.size(), &err)) << err;
        ASSERT_TRUE(direct->ReadMemWords(rs, rw, y.data(), y.size(), &err)) << err;
        ASSERT_EQ(x, y) << "iteration " << it;
        compared += x.size() / 4;
        break;
      }
      case 4: {  // CSRs
        uint32_t v[2] = {link->Read32(isa::kCsrId), link->Read32(isa::kCsrGeom)};
        ASSERT_EQ(v[0], isa::kTspId);
        ASSERT_EQ(v[1], static_cast<uint32_t>(g.fingerprint()));
        compared += 2;
        break;
      }
      default:
        if (it % 7 == 0) {  // now and then a whole program
          const auto gp = GenerateProgram(g, 100 + static_cast<uint64_t>(it));
          ExpectSameRun(*link, *direct, gp.program, false, "iteration " + std::to_string(it));
          if (HasFatalFailure()) return;
        }
        break;
    }
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const LinkStats &s = *GetLinkStats(*link);
  std::printf(
      "fault injection (seed %llu, %.2f s, %llu words compared, %llu requests, %llu bytes sent, %llu "
      "received):\n",
      static_cast<unsigned long long>(f.seed), secs, static_cast<unsigned long long>(compared),
      static_cast<unsigned long long>(s.requests), static_cast<unsigned long long>(s.bytes_sent),
      static_cast<unsigned long long>(s.bytes_received));
  for (int k = 0; k < kNumFaults; ++k) {
    std::printf("  %-10s host->device %4llu  device->host %4llu  (all survived)\n", kFaultNames[k],
                static_cast<unsigned long long>(b.injected(kToDevice, static_cast<Fault>(k))),
                static_cast<unsigned long long>(b.injected(kToHost, static_cast<Fault>(k))));
  }
  std::printf("  host: %llu retries, %llu timeouts, %llu NACKs, %llu bad-CRC replies, %llu stale replies\n",
              static_cast<unsigned long long>(s.retries), static_cast<unsigned long long>(s.timeouts),
              static_cast<unsigned long long>(s.nacks), static_cast<unsigned long long>(s.bad_crc),
              static_cast<unsigned long long>(s.stale));
  std::printf("  bridge: %llu executed, %llu replayed (duplicates not re-applied), %llu NACKs\n",
              static_cast<unsigned long long>(b.bridge().stats().executed),
              static_cast<unsigned long long>(b.bridge().stats().replayed),
              static_cast<unsigned long long>(b.bridge().stats().nacks));
  for (int k = 0; k < kNumFaults; ++k) {
    EXPECT_GT(b.injected(kToDevice, static_cast<Fault>(k)), 0u) << kFaultNames[k] << " host->device";
    EXPECT_GT(b.injected(kToHost, static_cast<Fault>(k)), 0u) << kFaultNames[k] << " device->host";
  }
  EXPECT_GT(s.retries, 0u);
  EXPECT_GT(b.bridge().stats().replayed, 0u)
      << "no retry after a lost reply: the duplicate rule was not exercised";
}

// The far end goes away in the middle of a burst: a clear error at once, not a hang.
TEST(UartDevice, DisconnectMidTransferIsAClearError) {
  FaultConfig f;
  f.disconnect_after = 3000;
  PtyBridge b("ref:small,free=1000", f);
  auto link = OpenOn(b, "@3000000,timeout_ms=200,retries=5");
  ASSERT_NE(link, nullptr);
  const Geometry &g = link->geometry();
  const auto data = Bytes(size_t{64} * g.vl(), 5);  // 512 words: two bursts of about 1 KiB
  const auto t0 = Clock::now();
  std::string err;
  try {
    link->WriteMemWords(0, 0, data.data(), data.size(), &err);
    link->WriteMemWords(1, 0, data.data(), data.size(), &err);
    ADD_FAILURE() << "no error after the link was closed";
  } catch (const LinkError &e) {
    EXPECT_THAT(e.what(), HasSubstr("uart " + b.path() + ": WRITE of 256 words at 0x"));
    EXPECT_THAT(e.what(), HasSubstr("the link is closed"));
    std::printf("disconnect: %s\n", e.what());
  }
  EXPECT_TRUE(b.disconnected());
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 5.0);
}

// Words per second through the pty (single accesses and 256-word bursts); printed, not asserted.
TEST(UartDevice, Throughput) {
  PtyBridge b("ref:small");
  auto link = OpenOn(b, "@3000000");
  ASSERT_NE(link, nullptr);
  const Geometry &g = link->geometry();
  auto t0 = Clock::now();
  const int singles = 2000;
  for (int i = 0; i < singles; ++i) link->Read32(MemAddress(g, 0, static_cast<uint32_t>(i % 64), 0));
  const double single = singles / std::chrono::duration<double>(Clock::now() - t0).count();
  const size_t bytes = size_t{g.mem_words()} * g.vl();
  const auto data = Bytes(bytes, 9);
  std::vector<uint8_t> back(bytes);
  std::string err;
  t0 = Clock::now();
  const int rounds = 8;
  for (int i = 0; i < rounds; ++i) {
    ASSERT_TRUE(
        link->WriteMemWords(static_cast<uint32_t>(i) % g.num_mem_slices(), 0, data.data(), bytes, &err));
    ASSERT_TRUE(
        link->ReadMemWords(static_cast<uint32_t>(i) % g.num_mem_slices(), 0, back.data(), bytes, &err));
    ASSERT_EQ(back, data);
  }
  const double burst = 2.0 * rounds * static_cast<double>(bytes) / 4 /
                       std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("pty throughput: single Read32 %.0f words/s; 256-word bursts %.0f words/s (%.2f MB/s)\n",
              single, burst, burst * 4 / 1e6);
  EXPECT_GT(burst, single);
}

}  // namespace
}  // namespace tsp::test
