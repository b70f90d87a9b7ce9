// tsp_board_leds against its documented behaviour (rtl/board/tsp_board_leds.sv header), one binary
// per assignment (TSP_STATUS_LEDS = the StatusLeds parameter), HeartbeatBits = 4, StretchBits = 3.
//
// Expected values, after the clock edge e (edges counted from 1 after reset is released; the
// inputs of edge e are the ones applied before it):
//   heartbeat  bit HeartbeatBits-1 of e (period 2^HeartbeatBits edges);
//   stretched  1 iff the input was high at one of the edges e-(2^StretchBits-2) .. e (on from the
//              edge that samples it, off 2^StretchBits-1 edges after the last one);
//   link:   led[3] = busy_i as applied now (not registered), led[1] frame, led[2] nack stretched;
//   status: led[1] running (status_i[0]) stretched, led[2] / led[3] = status_i[1] / [2] of edge e
//           (registered: the inputs already applied for edge e+1 do not show).
#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "Vtsp_board_leds.h"
#include "harness.h"

namespace tsp::tb {
namespace {

constexpr unsigned kHeartbeatBits = 4;
constexpr unsigned kStretch = (1u << 3) - 1;  // edges a stretched LED stays on, the sampling one included

struct In {
  bool frame = false, nack = false, busy = false;
  unsigned status = 0;
};

// A stretched LED: on iff the input was high at one of the last kStretch edges.
class Window {
 public:
  bool Push(bool v) {
    hist_.push_back(v);
    if (hist_.size() > kStretch) hist_.pop_front();
    for (bool b : hist_)
      if (b) return true;
    return false;
  }

 private:
  std::deque<bool> hist_;
};

// Random inputs: pulses of random length separated by random gaps, so that a pulse sometimes comes
// back before the stretch has run out and sometimes after.
class Source {
 public:
  explicit Source(std::mt19937 &rng) : rng_(rng) {}
  bool Next() {
    if (left_ == 0) {
      high_ = !high_;
      left_ = high_ ? 1 + rng_() % 3 : 1 + rng_() % 14;
    }
    --left_;
    return high_;
  }

 private:
  std::mt19937 &rng_;
  bool high_ = true;
  unsigned left_ = 0;
};

TEST(BoardLeds, FollowTheDocumentedBehaviour) {
  for (unsigned seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    Harness<Vtsp_board_leds> h;
    h->frame_i = 0;
    h->nack_i = 0;
    h->busy_i = 0;
    h->status_i = 0;
    h.Reset();
    EXPECT_EQ(h->led_o, 0u) << "after reset";
    Source frame(rng), nack(rng), run(rng);
    Window w_frame, w_nack, w_run;
    auto draw = [&]() {
      In in;
      in.frame = frame.Next();
      in.nack = nack.Next();
      in.busy = rng() % 2;
      in.status = (rng() % 4 << 1) | run.Next();
      return in;
    };
    auto apply = [&](const In &in) {
      h->frame_i = in.frame;
      h->nack_i = in.nack;
      h->busy_i = in.busy;
      h->status_i = in.status;
      h->eval();
    };
    // Edge e samples `in`; then the inputs of edge e+1 are applied before the LEDs are read, so a
    // registered LED must still show edge e's value and an unregistered one (busy) the new input.
    In in = draw();
    apply(in);
    for (unsigned e = 1; e <= 3000; ++e) {
      h.Tick();
      const bool lf = w_frame.Push(in.frame), ln = w_nack.Push(in.nack), lr = w_run.Push(in.status & 1u);
      const In next = draw();
      apply(next);
      unsigned want = (e >> (kHeartbeatBits - 1)) & 1u;
#if TSP_STATUS_LEDS
      want |= unsigned{lr} << 1 | ((in.status >> 1) & 1u) << 2 | ((in.status >> 2) & 1u) << 3;
      (void)lf, (void)ln;
#else
      want |= unsigned{lf} << 1 | unsigned{ln} << 2 | unsigned{next.busy} << 3;
      (void)lr;
#endif
      ASSERT_EQ(unsigned{h->led_o}, want) << "after edge " << e;
      in = next;
    }
  }
}

}  // namespace
}  // namespace tsp::tb
