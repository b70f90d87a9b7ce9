// Stream registers of an SXM or VXM position (tsp_stream_regs_sxm: 4 write ports;
// tsp_stream_regs_vxm: 4 per VXM ALU; TSP_SREGS_GRP_VXM selects the top) against the rules of the
// fabric written out here (docs/rtl.md "Fabric"): per superlane k the slice gives Ports data ports,
// port p's word for stream position j = wr_data_i[p][k][j]; per stream register (k, d, s) a hit bit
// and a port number. A hit writes {valid, the selected port's word for position s mod 4} over the
// value moving on (a port number beyond Ports, which no slice produces, writes a zero word);
// clear_i empties every slot and wins over en_i; without en_i the registers hold; reset empties
// them. Every output bit is compared after every clock.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "bits.h"
#include "harness.h"
#include "rtl_geometry.h"
#include "sregs_plane.h"
#include "tsp/model.h"

#if TSP_SREGS_GRP_VXM
#include "Vtsp_stream_regs_vxm.h"
using Top = Vtsp_stream_regs_vxm;
#else
#include "Vtsp_stream_regs_sxm.h"
using Top = Vtsp_stream_regs_sxm;
#endif

namespace tsp::tb {
namespace {

using namespace sregs;  // NOLINT: the plane helpers (sregs_plane.h)
#if TSP_SREGS_GRP_VXM
const uint32_t kPorts = 4 * kGeom.vxm_alus();
#else
const uint32_t kPorts = 4;
#endif
uint32_t SelBits() {
  uint32_t b = 0;
  while ((1u << b) < kPorts) ++b;
  return b;
}
const uint32_t kSelW = SelBits();

using Word = std::array<uint32_t, 4>;
struct Writes {
  std::vector<Word> data;     // [(p * S + k) * 4 + j]
  std::vector<uint8_t> hit;   // [(k * 2 + d) * NS + s]
  std::vector<uint32_t> sel;  // same index
  Writes() : data(size_t{kPorts} * kS * 4), hit(size_t{kS} * 2 * kStreams), sel(hit.size()) {}
  static size_t Reg(uint32_t k, uint32_t d, uint32_t s) { return (size_t{k} * 2 + d) * kStreams + s; }
  static size_t Data(uint32_t p, uint32_t k, uint32_t j) { return (size_t{p} * kS + k) * 4 + j; }
};

// Bits [lsb, lsb + n) of a Verilated input, a scalar (CData .. QData) or a VlWide.
template <typename T>
void Put(T &sig, size_t lsb, uint32_t n, uint32_t v) {
  if constexpr (std::is_integral_v<T>) {
    const T mask = static_cast<T>((n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1) << lsb);
    sig = static_cast<T>((sig & ~mask) | ((static_cast<T>(v) << lsb) & mask));
  } else {
    SetBits(sig.data(), lsb, n, v);
  }
}

class SregsGrpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_->clear_i = 0;
    h_->en_i = 0;
    Drive(Plane(kStreams * kS), Plane(kStreams * kS), Writes());
    h_.Reset();
    model_[0].assign(kStreams * kS, Slot{});
    model_[1].assign(kStreams * kS, Slot{});
  }

  void Drive(const Plane &ein, const Plane &win, const Writes &wr) {
    PutPlane(h_->east_in_i.data(), ein);
    PutPlane(h_->west_in_i.data(), win);
    for (size_t i = 0; i < wr.hit.size(); ++i) {
      Put(h_->wr_hit_i, i, 1, wr.hit[i]);
      Put(h_->wr_sel_i, i * kSelW, kSelW, wr.sel[i]);
    }
    for (size_t i = 0; i < wr.data.size(); ++i)
      for (uint32_t j = 0; j < 4; ++j) SetBits(h_->wr_data_i.data(), i * 128 + 32 * j, 32, wr.data[i][j]);
  }

  void Step(const Plane &ein, const Plane &win, const Writes &wr, bool clear, bool en) {
    Drive(ein, win, wr);
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
          const size_t r = Writes::Reg(k, d, s);
          if (wr.hit[r]) {
            const uint32_t p = wr.sel[r];
            const Word w = p < kPorts ? wr.data[Writes::Data(p, k, s % 4)] : Word{};
            for (uint32_t j = 0; j < 4; ++j) m.w[j] = w[j];
            m.w[4] = 1;
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

  // Random writes: every port number the select can carry (those beyond Ports included).
  static Writes RandomWrites(std::mt19937 &rng, double p_hit) {
    Writes wr;
    for (auto &w : wr.data)
      for (auto &x : w) x = rng();
    for (size_t i = 0; i < wr.hit.size(); ++i) {
      wr.hit[i] = std::bernoulli_distribution(p_hit)(rng) ? 1 : 0;
      wr.sel[i] = rng() % (1u << kSelW);
    }
    return wr;
  }

  Harness<Top> h_;
  Plane model_[2];
};

TEST_F(SregsGrpTest, ResetEmptiesEverySlot) { EXPECT_EQ(Compare("after reset"), 0); }

// Every port writes each stream position of its group: stream s takes the word of position s mod 4,
// of the port the select names, in both directions and in the first and last superlane.
TEST_F(SregsGrpTest, EachPortAndStreamPositionReachesItsRegister) {
  std::mt19937 rng(31);
  for (uint32_t p = 0; p < kPorts; ++p) {
    Writes wr;
    for (uint32_t k = 0; k < kS; ++k)
      for (uint32_t j = 0; j < 4; ++j)
        for (uint32_t q = 0; q < kPorts; ++q) wr.data[Writes::Data(q, k, j)] = {q * 16 + j, k, 0xA5u, q};
    for (uint32_t k : {0u, kS - 1})
      for (uint32_t d = 0; d < 2; ++d)
        for (uint32_t s = 0; s < kStreams; ++s) {
          wr.hit[Writes::Reg(k, d, s)] = 1;
          wr.sel[Writes::Reg(k, d, s)] = p;
        }
    Step(RandomPlane(rng, 0.5), RandomPlane(rng, 0.5), wr, false, true);
    ASSERT_EQ(Compare("port " + std::to_string(p)), 0);
    const Plane e = GetPlane(h_->east_q_o.data()), w = GetPlane(h_->west_q_o.data());
    for (uint32_t s = 0; s < kStreams; ++s) {
      EXPECT_EQ(e[Index(s, 0)].w[0], p * 16 + s % 4) << "port " << p << " stream " << s;
      EXPECT_EQ(w[Index(s, kS - 1)].w[3], p) << "port " << p << " stream " << s;
      EXPECT_TRUE(w[Index(s, kS - 1)].valid());
    }
  }
}

TEST_F(SregsGrpTest, NoHitPassesTheValueMovingOn) {
  std::mt19937 rng(32);
  const Plane ein = RandomPlane(rng, 0.7), win = RandomPlane(rng, 0.7);
  Writes wr = RandomWrites(rng, 0.0);
  Step(ein, win, wr, false, true);
  EXPECT_EQ(Compare("no hit"), 0);
  EXPECT_TRUE(GetPlane(h_->east_q_o.data()) == ein);
  EXPECT_TRUE(GetPlane(h_->west_q_o.data()) == win);
}

TEST_F(SregsGrpTest, RandomTrafficEveryBitEveryClock) {
  std::mt19937 rng(33);
  int bad = 0, hits = 0;
  for (int t = 0; t < 2000 && bad == 0; ++t) {
    const double ph = (t / 400) % 2 ? 0.6 : 0.15;
    const Writes wr = RandomWrites(rng, ph);
    for (uint8_t x : wr.hit) hits += x;
    const bool clear = std::bernoulli_distribution(0.01)(rng);
    const bool en = std::bernoulli_distribution(0.9)(rng);
    Step(RandomPlane(rng, ph), RandomPlane(rng, ph), wr, clear, en);
    bad += Compare("clock " + std::to_string(t));
  }
  EXPECT_EQ(bad, 0);
  EXPECT_GT(hits, 1000);
}

TEST_F(SregsGrpTest, ResetDuringTraffic) {
  std::mt19937 rng(34);
  for (int t = 0; t < 5; ++t)
    Step(RandomPlane(rng, 1.0), RandomPlane(rng, 1.0), RandomWrites(rng, 0.5), false, true);
  h_.Reset(1);
  model_[0].assign(kStreams * kS, Slot{});
  model_[1].assign(kStreams * kS, Slot{});
  EXPECT_EQ(Compare("after reset in traffic"), 0);
}

}  // namespace
}  // namespace tsp::tb
