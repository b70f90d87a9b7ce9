// Harness<V>: owns one Verilated model with a fresh VerilatedContext, drives clk_i / rst_ni, counts
// cycles, optionally traces to FST, and turns failed SVAs ($error) into test failures naming the
// cycle. Tracing: TSP_TRACE=1 writes traces/<Suite>_<Test>.fst (directory created as needed) when the
// testbench was Verilated with tracing (-DTSP_RTL_TRACE=ON); otherwise the test fails saying so.
#pragma once

#include <gtest/gtest.h>
#include <verilated.h>
#if VM_TRACE
#include <verilated_fst_c.h>
#endif

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace tsp::tb {

template <typename V>
class Harness {
 public:
  // rand_seed: the seed of Verilator's random initial state (randReset(2): every register and memory
  // bit random before reset); tests of reset behaviour construct several with different seeds.
  explicit Harness(int rand_seed = 1) : ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->fatalOnError(false);
    ctx_->randReset(2);
    ctx_->randSeed(rand_seed);
#if VM_TRACE
    ctx_->traceEverOn(true);
#endif
    top_ = std::make_unique<V>(ctx_.get(), "TOP");
    const char *env = std::getenv("TSP_TRACE");
#if !VM_TRACE
    if (env && std::string(env) == "1") {
      ADD_FAILURE() << "TSP_TRACE=1: this testbench was Verilated without tracing; configure the build with "
                       "-DTSP_RTL_TRACE=ON for waveforms";
    }
#else
    if (env && std::string(env) == "1") {
      const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
      std::string name = info ? std::string(info->test_suite_name()) + "_" + info->name() : "trace";
      for (auto &c : name) {
        if (c == '/') c = '_';
      }
      std::filesystem::create_directories("traces");
      trace_ = std::make_unique<VerilatedFstC>();
      top_->trace(trace_.get(), 99);
      trace_path_ = "traces/" + name + ".fst";
      trace_->open(trace_path_.c_str());
    }
#endif
    top_->clk_i = 0;
    top_->rst_ni = 1;
    top_->eval();
  }
  ~Harness() {
    if (trace_) trace_->close();
    Verilated::threadContextp(ctx_.get());
    top_->final();
    Verilated::threadContextp(nullptr);  // never leave the thread pointing at a freed context
  }

  V &dut() { return *top_; }
  // Assertions on/off (VerilatedContext::assertOn), e.g. around a deliberately broken schedule.
  void SetAssertions(bool on) { ctx_->assertOn(on); }
  V *operator->() { return top_.get(); }
  uint64_t cycle() const { return cycle_; }
  const std::string &trace_path() const { return trace_path_; }

  // Asynchronous reset held for `cycles` clock cycles.
  void Reset(int cycles = 2) {
    top_->rst_ni = 0;
    Eval();
    for (int i = 0; i < cycles; ++i) Tick();
    top_->rst_ni = 1;
    Eval();
  }

  // One full clock cycle: inputs set by the caller before Tick() are sampled at the rising edge.
  void Tick(int n = 1) {
    for (int i = 0; i < n; ++i) {
      top_->clk_i = 1;
      Eval();
      ctx_->timeInc(5);
      top_->clk_i = 0;
      Eval();
      ctx_->timeInc(5);
      ++cycle_;
      CheckAssertions();
    }
  }

  // Ticks until pred() holds; fails the test after max_cycles.
  bool RunUntil(const std::function<bool()> &pred, uint64_t max_cycles) {
    for (uint64_t i = 0; i < max_cycles; ++i) {
      if (pred()) return true;
      Tick();
    }
    ADD_FAILURE() << "condition not reached within " << max_cycles << " cycles (cycle " << cycle_ << ")";
    return false;
  }

  // Verilator's $error / $fatal flag the thread's current context, not the model's: make this
  // model's context current so that, with several harnesses alive in one process, a failed SVA is
  // reported by the harness whose design raised it.
  void Eval() {
    Verilated::threadContextp(ctx_.get());
    top_->eval();
    if (trace_) trace_->dump(ctx_->time());
  }

 private:
  void CheckAssertions() {
    if (ctx_->gotError() && !reported_) {
      reported_ = true;
      ADD_FAILURE() << "RTL assertion failed at cycle " << cycle_ << " (see the [ASSERT FAILED] line above)";
    }
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<V> top_;
#if VM_TRACE
  std::unique_ptr<VerilatedFstC> trace_;
#else
  struct NoTrace {
    void close() {}
    void dump(uint64_t) {}
  };
  std::unique_ptr<NoTrace> trace_;  // always null: no tracing in this build
#endif
  std::string trace_path_;
  uint64_t cycle_ = 0;
  bool reported_ = false;
};

}  // namespace tsp::tb
