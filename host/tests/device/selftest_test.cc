// The bring-up self-test (tsp/selftest.h): passes on the reference model of both geometries, and
// fails in the right step, naming the place, on devices with planted faults (a decorator over
// `ref:small` that corrupts the map: a stuck MEM bit, a wrong ID, a lost instruction word).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "tsp/device.h"
#include "tsp/selftest.h"

namespace tsp::test {
namespace {

using ::testing::HasSubstr;

const SelfTestStep &Step(const SelfTestReport &r, const std::string &name) {
  for (const auto &s : r.steps)
    if (s.name == name) return s;
  throw std::runtime_error("no step " + name);
}

TEST(SelfTest, PassesOnTheModel) {
  for (const char *spec : {"ref", "ref:small"}) {
    std::string err;
    auto dev = OpenDevice(spec, &err);
    ASSERT_NE(dev, nullptr) << err;
    const SelfTestReport r = RunSelfTest(*dev);
    EXPECT_TRUE(r.ok()) << spec << "\n" << r.Table();
    ASSERT_EQ(r.steps.size(), 7u);
    EXPECT_THAT(r.Table(), HasSubstr("selftest: PASS"));
    EXPECT_THAT(Step(r, "mem").detail, HasSubstr("both banks: 4 march elements, no error"));
    for (const char *u : {"unit.mem", "unit.vxm", "unit.sxm", "unit.mxm"})
      EXPECT_THAT(Step(r, u).detail, ::testing::Not(HasSubstr(": 0 jobs"))) << u;
  }
}

// A device that passes every access to `ref:small,free=1000` through a fault hook.
class FaultyDevice : public Device {
 public:
  using ReadHook = std::function<uint32_t(uint32_t addr, uint32_t v)>;
  using WriteHook = std::function<uint32_t(uint32_t addr, uint32_t v)>;
  FaultyDevice(ReadHook rd, WriteHook wr) : rd_(std::move(rd)), wr_(std::move(wr)) {
    std::string err;
    inner_ = OpenDevice("ref:small,free=1000", &err);
    if (!inner_) throw std::runtime_error(err);
  }
  const Geometry &geometry() const override { return inner_->geometry(); }
  std::string name() const override { return "faulty"; }

 protected:
  uint32_t BusRead32(uint32_t addr) override { return rd_(addr, inner_->Read32(addr)); }
  void BusWrite32(uint32_t addr, uint32_t data) override { inner_->Write32(addr, wr_(addr, data)); }

 private:
  ReadHook rd_;
  WriteHook wr_;
  std::unique_ptr<Device> inner_;
};

uint32_t Same(uint32_t, uint32_t v) { return v; }

TEST(SelfTest, StuckMemBitFailsTheMarchNamingSliceAndBank) {
  std::string err;
  auto probe = OpenDevice("ref:small", &err);
  const Geometry &g = probe->geometry();
  // Slice 2, word 100 (bank 1 of 64-word banks), lanes 8..11: bit 3 of lane 9 stuck at 1.
  const uint32_t bad = MemAddress(g, 2, 100, 8);
  FaultyDevice dev(Same, [bad](uint32_t a, uint32_t v) { return a == bad ? v | (1u << 11) : v; });
  const SelfTestReport r = RunSelfTest(dev);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(Step(r, "registers").ok);
  const SelfTestStep &m = Step(r, "mem");
  EXPECT_FALSE(m.ok);
  EXPECT_THAT(m.detail, HasSubstr("s2/b1:"));
  EXPECT_THAT(m.detail, HasSubstr("first: slice 2 word 100 (bank 1) lane 9"));
  EXPECT_THAT(r.Table(), HasSubstr("selftest: FAIL"));
}

TEST(SelfTest, WrongIdFailsTheRegisters) {
  FaultyDevice dev([](uint32_t a, uint32_t v) { return a == isa::kCsrId ? v ^ 1u : v; }, Same);
  const SelfTestReport r = RunSelfTest(dev);
  EXPECT_FALSE(Step(r, "registers").ok);
  EXPECT_THAT(Step(r, "registers").detail, HasSubstr("ID = 0x54535030, expected 0x54535031"));
  EXPECT_TRUE(Step(r, "mem").ok);
}

// Instruction words of queue 3 written with bit 0 of the high half lost: the programs that use that
// queue run differently from the model.
TEST(SelfTest, CorruptInstructionWordsFailThePrograms) {
  FaultyDevice dev(Same, [](uint32_t a, uint32_t v) {
    const bool q3_high = a >= IqAddress(3, 0) && a < IqAddress(4, 0) && (a & 4u);
    return q3_high ? v ^ 0x00010000u : v;
  });
  SelfTestOptions opt;
  opt.random_programs = 4;
  const SelfTestReport r = RunSelfTest(dev, opt);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(Step(r, "mem").ok);
  EXPECT_FALSE(Step(r, "registers").ok) << "the IQ end words of queue 3 read back wrong";
  int failed_programs = 0;
  for (const auto &s : r.steps) failed_programs += (s.name.rfind("unit.", 0) == 0 || s.name == "random") && !s.ok;
  EXPECT_GE(failed_programs, 1) << r.Table();
}

}  // namespace
}  // namespace tsp::test
