// AxilMaster<V>: a C++ AXI4-Lite master with random handshake timing (AW before W, W before AW,
// both together, VALID after idle cycles, READY of B / R late) driving the s_* ports of a
// Verilated slave V (tsp_axil_bridge, tsp_zynq_axil_top: the same port names). The caller owns the
// model and gives the clock: clock() must advance it by one edge with the inputs as set.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <random>

namespace tsp::tb {

template <typename V>
class AxilMaster {
 public:
  AxilMaster(V &top, std::function<void()> clock, uint64_t seed)
      : top_(top), clock_(std::move(clock)), rng_(seed) {
    Idle();
  }

  unsigned Delay(unsigned max) { return static_cast<unsigned>(rng_() % (max + 1)); }

  void Idle() {
    top_.s_awvalid_i = 0;
    top_.s_wvalid_i = 0;
    top_.s_arvalid_i = 0;
    top_.s_bready_i = 0;
    top_.s_rready_i = 0;
  }

  // A write with random AW / W timing; returns BRESP.
  unsigned Write(uint32_t addr, uint32_t data, unsigned strb = 0xF) {
    unsigned t_aw = Delay(3), t_w = Delay(3), t_b = Delay(2);
    bool aw_done = false, w_done = false;
    top_.s_awaddr_i = addr;
    top_.s_awprot_i = 0;
    top_.s_wdata_i = data;
    top_.s_wstrb_i = strb;
    for (unsigned c = 0; c < 10000; ++c) {
      top_.s_awvalid_i = !aw_done && c >= t_aw;
      top_.s_wvalid_i = !w_done && c >= t_w;
      top_.s_bready_i = aw_done && w_done && c >= t_aw + t_w + t_b;
      top_.eval();
      const bool aw_hs = top_.s_awvalid_i && top_.s_awready_o;
      const bool w_hs = top_.s_wvalid_i && top_.s_wready_o;
      const bool b_hs = top_.s_bvalid_o && top_.s_bready_i;
      const unsigned resp = top_.s_bresp_o;
      clock_();
      aw_done |= aw_hs;
      w_done |= w_hs;
      if (b_hs) {
        Idle();
        return resp;
      }
    }
    ADD_FAILURE() << "AXI write of 0x" << std::hex << addr << " never completed";
    Idle();
    return 3;
  }

  uint32_t Read(uint32_t addr, unsigned *resp = nullptr) {
    unsigned t_ar = Delay(3), t_r = Delay(2);
    bool ar_done = false;
    top_.s_araddr_i = addr;
    top_.s_arprot_i = 0;
    for (unsigned c = 0; c < 10000; ++c) {
      top_.s_arvalid_i = !ar_done && c >= t_ar;
      top_.s_rready_i = ar_done && c >= t_ar + t_r;
      top_.eval();
      const bool ar_hs = top_.s_arvalid_i && top_.s_arready_o;
      const bool r_hs = top_.s_rvalid_o && top_.s_rready_i;
      const uint32_t data = top_.s_rdata_o;
      const unsigned r = top_.s_rresp_o;
      clock_();
      ar_done |= ar_hs;
      if (r_hs) {
        if (resp) *resp = r;
        Idle();
        return data;
      }
    }
    ADD_FAILURE() << "AXI read of 0x" << std::hex << addr << " never completed";
    Idle();
    return 0;
  }

 private:
  V &top_;
  std::function<void()> clock_;
  std::mt19937_64 rng_;
};

}  // namespace tsp::tb
