// Stream registers of one slice position (tsp_stream_regs as the Verilated top) against the rules
// of docs/architecture.md ("Streams"), written out here as a model of a few lines: every slot
// {valid, data} of each direction, stream and superlane moves on one position per clock (from
// east_in_i / west_in_i, the neighbour's register); a write of the slice at this position (its
// valid bit set) replaces the value moving on, whatever that value is; clear_i empties every slot
// (START), and wins over en_i; without en_i the registers hold; reset empties them.
//
// Every output bit is compared after every clock, with random traffic in which valid bits, the
// bits of invalid writes (which must be ignored), clears and holds all occur.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "Vtsp_stream_regs.h"
#include "bits.h"
#include "harness.h"
#include "rtl_geometry.h"
#include "tsp/model.h"

namespace tsp::tb {
namespace {

const Geometry kGeom = RtlGeometry();
const uint32_t kS = kGeom.superlanes();
const uint32_t kStreams = kGeom.streams();
constexpr uint32_t kSlotWords = 5;   // 32-bit words holding one slot

// One slot as five 32-bit words, bit 128 = valid.
struct Slot {
  uint32_t w[kSlotWords] = {};
  bool valid() const { return (w[4] & 1u) != 0; }
  bool operator==(const Slot &o) const {
    for (uint32_t i = 0; i < kSlotWords; ++i)
      if (w[i] != o.w[i]) return false;
    return true;
  }
};

std::string Hex(const Slot &s) {
  std::string out = s.valid() ? "V:" : "-:";
  char buf[9];
  for (int i = 3; i >= 0; --i) {
    std::snprintf(buf, sizeof buf, "%08x", s.w[i]);
    out += buf;
  }
  return out;
}

// One direction's register file at this position: [stream][superlane].
using Plane = std::vector<Slot>;
size_t Index(uint32_t stream, uint32_t k) { return size_t{stream} * kS + k; }

class SregsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sizeof(h_->east_in_i) * 8 >= size_t{kStreams} * kS * kSlotBits, true);
    h_->clear_i = 0;
    h_->en_i = 0;
    Drive(Plane(kStreams * kS), Plane(kStreams * kS), Plane(kStreams * kS), Plane(kStreams * kS));
    h_.Reset();
    model_east_.assign(kStreams * kS, Slot{});
    model_west_.assign(kStreams * kS, Slot{});
  }

  static void Put(uint32_t *port, const Plane &p) {
    for (uint32_t s = 0; s < kStreams; ++s)
      for (uint32_t k = 0; k < kS; ++k) {
        const size_t lsb = Index(s, k) * kSlotBits;
        const Slot &v = p[Index(s, k)];
        for (uint32_t i = 0; i < 4; ++i) SetBits(port, lsb + 32 * i, 32, v.w[i]);
        SetBits(port, lsb + 128, 1, v.w[4] & 1u);
      }
  }
  static Plane Get(const uint32_t *port) {
    Plane p(kStreams * kS);
    for (uint32_t s = 0; s < kStreams; ++s)
      for (uint32_t k = 0; k < kS; ++k) {
        const size_t lsb = Index(s, k) * kSlotBits;
        Slot &v = p[Index(s, k)];
        for (uint32_t i = 0; i < 4; ++i) v.w[i] = GetBits(port, lsb + 32 * i, 32);
        v.w[4] = GetBits(port, lsb + 128, 1);
      }
    return p;
  }

  void Drive(const Plane &ein, const Plane &win, const Plane &ewr, const Plane &wwr) {
    Put(h_->east_in_i.data(), ein);
    Put(h_->west_in_i.data(), win);
    Put(h_->east_wr_i.data(), ewr);
    Put(h_->west_wr_i.data(), wwr);
  }

  // One clock of the model and the RTL with the same inputs.
  void Step(const Plane &ein, const Plane &win, const Plane &ewr, const Plane &wwr, bool clear, bool en) {
    Drive(ein, win, ewr, wwr);
    h_->clear_i = clear;
    h_->en_i = en;
    h_.Tick();
    for (size_t i = 0; i < model_east_.size(); ++i) {
      if (clear) {
        model_east_[i] = Slot{};
        model_west_[i] = Slot{};
      } else if (en) {
        model_east_[i] = ewr[i].valid() ? ewr[i] : ein[i];
        model_west_[i] = wwr[i].valid() ? wwr[i] : win[i];
      }
    }
  }

  // Every slot of both outputs against the model; returns the number of differing slots.
  int Compare(const std::string &where) {
    int bad = 0;
    const Plane e = Get(h_->east_q_o.data()), w = Get(h_->west_q_o.data());
    for (uint32_t s = 0; s < kStreams; ++s)
      for (uint32_t k = 0; k < kS; ++k) {
        const size_t i = Index(s, k);
        if (!(e[i] == model_east_[i]) && bad++ < 4)
          ADD_FAILURE() << where << ": east stream " << s << " superlane " << k << ": got " << Hex(e[i])
                        << ", expected " << Hex(model_east_[i]);
        if (!(w[i] == model_west_[i]) && bad++ < 4)
          ADD_FAILURE() << where << ": west stream " << s << " superlane " << k << ": got " << Hex(w[i])
                        << ", expected " << Hex(model_west_[i]);
      }
    return bad;
  }

  Slot RandomSlot(std::mt19937 &rng, double p_valid) {
    Slot v;
    for (uint32_t i = 0; i < 4; ++i) v.w[i] = rng();
    v.w[4] = std::bernoulli_distribution(p_valid)(rng) ? 1u : 0u;
    return v;
  }
  Plane RandomPlane(std::mt19937 &rng, double p_valid) {
    Plane p(kStreams * kS);
    for (auto &v : p) v = RandomSlot(rng, p_valid);
    return p;
  }

  Harness<Vtsp_stream_regs> h_;
  Plane model_east_, model_west_;
};

TEST_F(SregsTest, ResetEmptiesEverySlot) {
  // Harness: random initial state; SetUp reset it. Every slot must read all-zero (not only invalid).
  EXPECT_EQ(Compare("after reset"), 0);
  const Plane e = Get(h_->east_q_o.data());
  EXPECT_FALSE(e[Index(kStreams - 1, kS - 1)].valid());
}

TEST_F(SregsTest, ValuesMoveOnePositionPerClock) {
  std::mt19937 rng(11);
  const Plane none(kStreams * kS);
  const Plane ein = RandomPlane(rng, 1.0), win = RandomPlane(rng, 1.0);
  Step(ein, win, none, none, false, true);
  EXPECT_EQ(Compare("one clock after a full plane arrived"), 0);
  // The next clock, the inputs are empty: the registers take the empty slots (no hold of old data).
  Step(none, none, none, none, false, true);
  EXPECT_EQ(Compare("one clock later, empty inputs"), 0);
  const Plane e = Get(h_->east_q_o.data());
  for (const Slot &v : e) EXPECT_FALSE(v.valid());
}

TEST_F(SregsTest, ValidWriteWinsInvalidWriteIsIgnored) {
  std::mt19937 rng(12);
  const Plane ein = RandomPlane(rng, 1.0), win = RandomPlane(rng, 1.0);
  Plane ewr = RandomPlane(rng, 0.0), wwr = RandomPlane(rng, 0.0);  // data bits set, valid clear
  ewr[Index(0, 0)].w[4] = 1;                                       // one valid write per direction,
  wwr[Index(kStreams - 1, kS - 1)].w[4] = 1;                       // at the two corners of the array
  Step(ein, win, ewr, wwr, false, true);
  EXPECT_EQ(Compare("writes at two corners"), 0);
  const Plane e = Get(h_->east_q_o.data()), w = Get(h_->west_q_o.data());
  EXPECT_TRUE(e[Index(0, 0)] == ewr[Index(0, 0)]);
  EXPECT_TRUE(e[Index(0, kS - 1)] == ein[Index(0, kS - 1)]);
  EXPECT_TRUE(w[Index(kStreams - 1, kS - 1)] == wwr[Index(kStreams - 1, kS - 1)]);
  EXPECT_TRUE(w[Index(0, 0)] == win[Index(0, 0)]);
}

TEST_F(SregsTest, HoldWithoutEnableClearWinsOverEnable) {
  std::mt19937 rng(13);
  const Plane none(kStreams * kS);
  Step(RandomPlane(rng, 1.0), RandomPlane(rng, 1.0), none, none, false, true);
  const Plane before = Get(h_->east_q_o.data());
  // en low: new inputs and valid writes are not taken.
  Step(RandomPlane(rng, 1.0), RandomPlane(rng, 1.0), RandomPlane(rng, 1.0), RandomPlane(rng, 1.0), false,
       false);
  EXPECT_EQ(Compare("en low"), 0);
  EXPECT_TRUE(Get(h_->east_q_o.data())[0] == before[0]);
  // clear with en high and valid writes: every slot empties.
  Step(RandomPlane(rng, 1.0), RandomPlane(rng, 1.0), RandomPlane(rng, 1.0), RandomPlane(rng, 1.0), true,
       true);
  EXPECT_EQ(Compare("clear with en"), 0);
  for (const Slot &v : Get(h_->west_q_o.data())) EXPECT_TRUE(v == Slot{});
  // clear with en low empties too.
  Step(RandomPlane(rng, 1.0), RandomPlane(rng, 1.0), none, none, false, true);
  Step(none, none, none, none, true, false);
  EXPECT_EQ(Compare("clear without en"), 0);
}

TEST_F(SregsTest, RandomTrafficEveryBitEveryClock) {
  std::mt19937 rng(14);
  int bad = 0, valid_out = 0, writes = 0;
  for (int t = 0; t < 3000 && bad == 0; ++t) {
    const double pv = (t / 500) % 2 ? 0.8 : 0.3;
    const Plane ewr = RandomPlane(rng, pv / 2), wwr = RandomPlane(rng, pv / 2);
    for (size_t i = 0; i < ewr.size(); ++i) writes += ewr[i].valid() + wwr[i].valid();
    const bool clear = std::bernoulli_distribution(0.01)(rng);
    const bool en = std::bernoulli_distribution(0.9)(rng);
    Step(RandomPlane(rng, pv), RandomPlane(rng, pv), ewr, wwr, clear, en);
    bad += Compare("clock " + std::to_string(t));
    for (const Slot &v : Get(h_->east_q_o.data())) valid_out += v.valid();
  }
  EXPECT_EQ(bad, 0);
  EXPECT_GT(valid_out, 1000);  // the traffic really carried data
  EXPECT_GT(writes, 1000);
}

// Reset in the middle of traffic (asynchronous, active low) empties every slot.
TEST_F(SregsTest, ResetDuringTraffic) {
  std::mt19937 rng(15);
  for (int t = 0; t < 5; ++t)
    Step(RandomPlane(rng, 1.0), RandomPlane(rng, 1.0), RandomPlane(rng, 0.5), RandomPlane(rng, 0.5), false,
         true);
  h_.Reset(1);
  model_east_.assign(kStreams * kS, Slot{});
  model_west_.assign(kStreams * kS, Slot{});
  EXPECT_EQ(Compare("after reset in traffic"), 0);
}

}  // namespace
}  // namespace tsp::tb
