// Stream registers of a MEM position (tsp_stream_regs_mem as the Verilated top) against the same
// rules as sregs_test.cc, with the MEM slice's writes given as two write ports per superlane
// (docs/rtl.md "Fabric"): port p = {valid, stream field (bit 4 = west, 3:0 = index), 128-bit data},
// port 0 = READ, port 1 = GATHER. Written out here: a valid port whose field names stream register
// (d, s) writes it, port 1 over port 0, a write over the value moving on; an index beyond the
// geometry writes nothing; clear_i empties every slot and wins over en_i; without en_i the
// registers hold; reset empties them. Every output bit is compared after every clock.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "Vtsp_stream_regs_mem.h"
#include "bits.h"
#include "harness.h"
#include "rtl_geometry.h"
#include "sregs_plane.h"
#include "tsp/model.h"

namespace tsp::tb {
namespace {

using namespace sregs;  // NOLINT: the plane helpers (sregs_plane.h)


struct Port {
  bool valid = false;
  uint32_t field = 0;  // 5-bit stream field
  std::array<uint32_t, 4> data{};
};
using Ports = std::vector<std::array<Port, 2>>;  // [superlane][port]


class SregsMemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_->clear_i = 0;
    h_->en_i = 0;
    Drive(Plane(kStreams * kS), Plane(kStreams * kS), Ports(kS));
    h_.Reset();
    model_[0].assign(kStreams * kS, Slot{});
    model_[1].assign(kStreams * kS, Slot{});
  }

  void Drive(const Plane &ein, const Plane &win, const Ports &ports) {
    PutPlane(h_->east_in_i.data(), ein);
    PutPlane(h_->west_in_i.data(), win);
    uint64_t valid = 0, fields = 0;
    for (uint32_t k = 0; k < kS; ++k)
      for (uint32_t p = 0; p < 2; ++p) {
        const size_t i = size_t{k} * 2 + p;
        const Port &q = ports[k][p];
        valid |= uint64_t{q.valid} << i;
        fields |= uint64_t{q.field & 31u} << (5 * i);
        for (uint32_t j = 0; j < 4; ++j) SetBits(h_->wr_data_i.data(), i * 128 + 32 * j, 32, q.data[j]);
      }
    h_->wr_valid_i = static_cast<std::remove_reference_t<decltype(h_->wr_valid_i)>>(valid);
    h_->wr_s_i = static_cast<std::remove_reference_t<decltype(h_->wr_s_i)>>(fields);
  }

  void Step(const Plane &ein, const Plane &win, const Ports &ports, bool clear, bool en) {
    Drive(ein, win, ports);
    h_->clear_i = clear;
    h_->en_i = en;
    h_.Tick();
    for (uint32_t d = 0; d < 2; ++d)
      for (uint32_t s = 0; s < kStreams; ++s)
        for (uint32_t k = 0; k < kS; ++k) {
          Slot &m = model_[d][Index(s, k)];
          if (clear) {
            m = Slot{};
            continue;
          }
          if (!en) continue;
          m = (d == 0 ? ein : win)[Index(s, k)];
          for (uint32_t p = 0; p < 2; ++p) {  // port 1 last: it wins
            const Port &q = ports[k][p];
            if (q.valid && q.field == (d << 4 | s)) {
              for (uint32_t j = 0; j < 4; ++j) m.w[j] = q.data[j];
              m.w[4] = 1;
            }
          }
        }
  }

  int Compare(const std::string &where) {
    int bad = 0;
    const Plane got[2] = {GetPlane(h_->east_q_o.data()), GetPlane(h_->west_q_o.data())};
    for (uint32_t d = 0; d < 2; ++d)
      for (uint32_t s = 0; s < kStreams; ++s)
        for (uint32_t k = 0; k < kS; ++k) {
          const size_t i = Index(s, k);
          if (!(got[d][i] == model_[d][i]) && bad++ < 4)
            ADD_FAILURE() << where << ": " << (d ? "west" : "east") << " stream " << s << " superlane " << k
                          << ": got " << Hex(got[d][i]) << ", expected " << Hex(model_[d][i]);
        }
    return bad;
  }

  // Random ports; fields over all 32 values (indices beyond the geometry included), and in a
  // quarter of the superlanes both ports address one register.
  static Ports RandomPorts(std::mt19937 &rng, double p_valid) {
    Ports ports(kS);
    for (auto &pp : ports) {
      for (auto &q : pp) {
        q.valid = std::bernoulli_distribution(p_valid)(rng);
        q.field = rng() % 32u;
        for (auto &w : q.data) w = rng();
      }
      if (rng() % 4 == 0) pp[1].field = pp[0].field;
    }
    return ports;
  }

  Harness<Vtsp_stream_regs_mem> h_;
  Plane model_[2];
};

TEST_F(SregsMemTest, ResetEmptiesEverySlot) { EXPECT_EQ(Compare("after reset"), 0); }

TEST_F(SregsMemTest, GatherPortWinsOverReadPortAndTheValueMovingOn) {
  std::mt19937 rng(21);
  Ports ports(kS);
  ports[0][0] = {true, 16u | (kStreams - 1), {1, 2, 3, 4}};  // READ -> W<last>, superlane 0
  ports[0][1] = {true, 16u | (kStreams - 1), {5, 6, 7, 8}};  // GATHER -> the same register
  ports[kS - 1][0] = {true, 0, {9, 10, 11, 12}};             // READ -> E0 of the last superlane
  ports[kS - 1][1] = {false, 0, {13, 14, 15, 16}};           // invalid GATHER to it: ignored
  Step(RandomPlane(rng, 1.0), RandomPlane(rng, 1.0), ports, false, true);
  EXPECT_EQ(Compare("two ports"), 0);
  const Plane w = GetPlane(h_->west_q_o.data()), e = GetPlane(h_->east_q_o.data());
  EXPECT_EQ(w[Index(kStreams - 1, 0)].w[0], 5u);
  EXPECT_EQ(e[Index(0, kS - 1)].w[0], 9u);
}

TEST_F(SregsMemTest, IndexBeyondTheGeometryWritesNothing) {
  if (kStreams >= 16) GTEST_SKIP() << "every index names a stream in this geometry";
  std::mt19937 rng(22);
  const Plane ein = RandomPlane(rng, 1.0), win = RandomPlane(rng, 1.0);
  Ports ports(kS);
  for (auto &pp : ports) pp[0] = {true, kStreams, {1, 1, 1, 1}}, pp[1] = {true, 16u | 15u, {2, 2, 2, 2}};
  Step(ein, win, ports, false, true);
  EXPECT_EQ(Compare("out-of-range fields"), 0);
  EXPECT_TRUE(GetPlane(h_->east_q_o.data()) == ein);
  EXPECT_TRUE(GetPlane(h_->west_q_o.data()) == win);
}

TEST_F(SregsMemTest, RandomTrafficEveryBitEveryClock) {
  std::mt19937 rng(23);
  int bad = 0, port_writes = 0;
  for (int t = 0; t < 3000 && bad == 0; ++t) {
    const double pv = (t / 500) % 2 ? 0.9 : 0.4;
    const Ports ports = RandomPorts(rng, pv);
    for (const auto &pp : ports) port_writes += pp[0].valid + pp[1].valid;
    const bool clear = std::bernoulli_distribution(0.01)(rng);
    const bool en = std::bernoulli_distribution(0.9)(rng);
    Step(RandomPlane(rng, pv), RandomPlane(rng, pv), ports, clear, en);
    bad += Compare("clock " + std::to_string(t));
  }
  EXPECT_EQ(bad, 0);
  EXPECT_GT(port_writes, 1000);
}

TEST_F(SregsMemTest, ResetDuringTraffic) {
  std::mt19937 rng(24);
  for (int t = 0; t < 5; ++t) Step(RandomPlane(rng, 1.0), RandomPlane(rng, 1.0), RandomPorts(rng, 0.8), false, true);
  h_.Reset(1);
  model_[0].assign(kStreams * kS, Slot{});
  model_[1].assign(kStreams * kS, Slot{});
  EXPECT_EQ(Compare("after reset in traffic"), 0);
}

}  // namespace
}  // namespace tsp::tb
