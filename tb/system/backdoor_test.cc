// The simulation-only backdoor of the `rtl` device (rtl_device.h) has exactly the effect of the host
// bus: random MEM images written through the backdoor into one core and through the bus into
// another (same random initial state) leave the same MEM, compared word by word through bus reads
// and through backdoor reads; instruction words likewise; and programs loaded through the backdoor
// run in lockstep with the model, also again without reloading.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "rtl_env.h"
#include "tsp/progen.h"

namespace tsp::tb {
namespace {

// A MEM word through 32-bit bus reads only, whatever the device's bulk path is.
std::vector<uint8_t> BusWord(Device &d, uint32_t slice, uint32_t addr) {
  const Geometry &g = d.geometry();
  std::vector<uint8_t> v(g.vl());
  for (uint32_t l = 0; l < g.vl(); l += 4) {
    const uint32_t w = d.Read32(MemAddress(g, slice, addr, l));
    for (uint32_t b = 0; b < 4; ++b) v[l + b] = static_cast<uint8_t>(w >> (8 * b));
  }
  return v;
}

struct Image {
  uint32_t slice, addr;
  std::vector<uint8_t> data;
};

// Random images (later ones may overwrite earlier ones) plus the corners: first and last word of
// the first and last slice, and a run across the bank boundary.
std::vector<Image> RandomImages(const Geometry &g, uint32_t seed, size_t count, uint32_t max_words) {
  std::mt19937 rng(seed);
  auto below = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  auto bytes = [&](size_t n) {
    std::vector<uint8_t> v(n);
    for (auto &b : v) b = static_cast<uint8_t>(rng());
    return v;
  };
  const uint32_t last = g.num_mem_slices() - 1, W = g.words_per_bank();
  std::vector<Image> imgs = {{0, 0, bytes(g.vl())},
                             {last, g.mem_words() - 1, bytes(g.vl())},
                             {last, 0, bytes(g.vl())},
                             {0, g.mem_words() - 1, bytes(g.vl())},
                             {below(g.num_mem_slices()), W - 3, bytes(6 * size_t{g.vl()})}};
  for (size_t i = 0; i < count; ++i) {
    const uint32_t slice = below(g.num_mem_slices());
    const uint32_t words = 1 + below(max_words);
    const uint32_t addr = below(g.mem_words() - words + 1);
    imgs.push_back({slice, addr, bytes(size_t{words} * g.vl())});
  }
  return imgs;
}

class Backdoor : public ::testing::Test {
 protected:
  // Two cores with the same random initial state (seed): MEM garbage is identical in both.
  void SetUp() override {
    RtlOptions bd, bus;
    bd.rand_seed = bus.rand_seed = 7;
    bus.backdoor = false;
    backdoor_ = NewDevice(bd);
    bus_ = NewDevice(bus);
    ASSERT_TRUE(backdoor_->backdoor()) << backdoor_->backdoor_note();
    ASSERT_FALSE(bus_->backdoor());
  }
  std::unique_ptr<RtlDevice> backdoor_, bus_;
};

TEST_F(Backdoor, MemEqualsTheBusPath) {
  const Geometry &g = backdoor_->geometry();
  // Every bus access is a clock of the whole core: the default geometry (about 2k clocks/s) gets
  // fewer and shorter images than the small one.
  const bool small = g.params().name == std::string("small");
  const auto imgs = RandomImages(g, 1, small ? 60 : 8, small ? 24 : 6);
  std::map<std::pair<uint32_t, uint32_t>, std::vector<uint8_t>> expect;  // (slice, word) -> bytes
  uint64_t total = 0;
  std::string err;
  const uint64_t bus_w0 = bus_->host_bytes_written(), bd_w0 = backdoor_->host_bytes_written();
  for (const auto &img : imgs) {
    ASSERT_TRUE(backdoor_->WriteMemWords(img.slice, img.addr, img.data.data(), img.data.size(), &err)) << err;
    ASSERT_TRUE(bus_->WriteMemWords(img.slice, img.addr, img.data.data(), img.data.size(), &err)) << err;
    for (size_t w = 0; w < img.data.size() / g.vl(); ++w) {
      expect[{img.slice, static_cast<uint32_t>(img.addr + w)}] =
          std::vector<uint8_t>(img.data.begin() + static_cast<long>(w * g.vl()),
                               img.data.begin() + static_cast<long>((w + 1) * g.vl()));
    }
    total += img.data.size();
  }
  // The backdoor moved the words (no bus writes); the bus device moved them 32 bits at a time.
  EXPECT_EQ(backdoor_->backdoor_bytes_written(), total);
  EXPECT_EQ(backdoor_->host_bytes_written(), bd_w0);
  EXPECT_EQ(bus_->host_bytes_written() - bus_w0, total);
  EXPECT_EQ(bus_->backdoor_bytes_written(), 0u);

  // 1. Every written word and its neighbours through bus reads: both devices agree, and the
  //    written words hold the expected bytes.
  std::map<std::pair<uint32_t, uint32_t>, bool> check;
  for (const auto &[key, bytes] : expect) {
    check[key] = true;
    if (key.second > 0) check[{key.first, key.second - 1}] = false;
    if (key.second + 1 < g.mem_words()) check[{key.first, key.second + 1}] = false;
  }
  size_t bus_compared = 0;
  for (const auto &[key, written] : check) {
    const auto a = BusWord(*backdoor_, key.first, key.second);
    const auto b = BusWord(*bus_, key.first, key.second);
    ASSERT_EQ(a, b) << "bus reads differ at slice " << key.first << " word " << key.second;
    if (written) {
      ASSERT_EQ(a, expect[key]) << "slice " << key.first << " word " << key.second;
    }
    ++bus_compared;
  }
  EXPECT_GT(bus_compared, expect.size());

  // 2. All of MEM through backdoor reads of both devices: identical everywhere (the same garbage
  //    where nothing was written), so the backdoor wrote exactly the image words.
  bus_->set_backdoor(true);
  ASSERT_TRUE(bus_->backdoor());
  const uint32_t n = g.mem_words();
  std::vector<uint8_t> a(size_t{n} * g.vl()), b(a.size());
  for (uint32_t s = 0; s < g.num_mem_slices(); ++s) {
    ASSERT_TRUE(backdoor_->ReadMemWords(s, 0, a.data(), a.size(), &err)) << err;
    ASSERT_TRUE(bus_->ReadMemWords(s, 0, b.data(), b.size(), &err)) << err;
    for (uint32_t w = 0; w < n; ++w) {
      ASSERT_TRUE(std::equal(a.begin() + static_cast<long>(size_t{w} * g.vl()),
                             a.begin() + static_cast<long>(size_t{w + 1} * g.vl()),
                             b.begin() + static_cast<long>(size_t{w} * g.vl())))
          << "backdoor reads differ at slice " << s << " word " << w;
    }
  }
  std::printf("[backdoor] %zu image bytes; %zu words compared through the bus, %u through the backdoor\n",
              static_cast<size_t>(total), bus_compared, g.num_mem_slices() * n);
}

// Instruction words through the backdoor read back over the bus (HostBus.* and the Device suite
// check bus-written ones).
TEST_F(Backdoor, InstructionWordsReadBackOverTheBus) {
  const Geometry &g = backdoor_->geometry();
  const auto gp = GenerateProgram(g, 3);
  std::string err;
  ASSERT_TRUE(backdoor_->LoadQueues(gp.program, &err)) << err;
  size_t words = 0;
  for (uint32_t q = 0; q < g.num_queues(); ++q) {
    const auto &iq = gp.program.queues[q];
    ASSERT_EQ(backdoor_->Read32(isa::kCsrQlen + 4 * q), iq.size());
    for (uint32_t i = 0; i < iq.size(); ++i) {
      for (uint32_t half = 0; half < 2; ++half) {
        const uint32_t a = IqAddress(q, i) + 4 * half;
        const uint32_t want = static_cast<uint32_t>(iq[i] >> (32 * half));
        ASSERT_EQ(backdoor_->Read32(a), want) << g.queue(q).name << " word " << i;
      }
      ++words;
    }
  }
  EXPECT_EQ(backdoor_->backdoor_bytes_written(), 8 * words);
  EXPECT_GT(words, 100u);
}

// A program whose MEM images and instructions went in through the backdoor runs in lockstep with
// the model; so does the same program loaded over the bus, and a second run without reloading.
TEST_F(Backdoor, LockstepAfterBackdoorLoad) {
  const Geometry &g = backdoor_->geometry();
  for (uint64_t seed : {5u}) {
    const auto gp = GenerateProgram(g, seed);
    uint64_t image_bytes = 0;
    for (const auto &img : gp.program.mem) image_bytes += img.data.size();
    ASSERT_GT(image_bytes, 0u);
    LockstepOptions opt;
    opt.name = fmt::format("backdoor_{}_seed{}", g.params().name, seed);
    opt.fail_dir = std::filesystem::absolute("lockstep-failures").string();
    const uint64_t bd0 = backdoor_->backdoor_bytes_written();
    const auto r = RunLockstep(*backdoor_, gp.program, opt);
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << r.message;
    EXPECT_GE(backdoor_->backdoor_bytes_written() - bd0, image_bytes);
    const auto rb = RunLockstep(*bus_, gp.program, opt);
    ASSERT_TRUE(rb.ok) << "seed " << seed << " over the bus: " << rb.message;
    std::printf(
        "[backdoor] MEM read-back after the run: %llu words, %.3f s through the backdoor, %.3f s over the "
        "bus\n",
        static_cast<unsigned long long>(rb.readback_words), r.readback_seconds, rb.readback_seconds);
    EXPECT_EQ(rb.readback_words, r.readback_words);
    EXPECT_EQ(rb.rtl_cycles, r.rtl_cycles);
    EXPECT_LT(r.load_clocks, rb.load_clocks) << "the backdoor load should take fewer clocks";
    LockstepOptions again = opt;
    again.load = false;
    const auto r2 = RunLockstep(*backdoor_, gp.program, again);
    ASSERT_TRUE(r2.ok) << "seed " << seed << " run again without reloading: " << r2.message;
    EXPECT_EQ(r2.rtl_cycles, r.rtl_cycles);
  }
}

TEST(BackdoorOption, SpecTurnsItOff) {
  std::string err;
  const std::string spec = std::string(TSP_RTL_CONFIG_SPEC) + ",backdoor=off,seed=3";
  auto d = OpenDevice(spec, &err);
  ASSERT_NE(d, nullptr) << err;
  auto *rtl = dynamic_cast<RtlDevice *>(d.get());
  ASSERT_NE(rtl, nullptr);
  EXPECT_FALSE(rtl->backdoor());
  EXPECT_THAT(rtl->Describe(), ::testing::HasSubstr("through the host bus"));
  EXPECT_EQ(OpenDevice(std::string(TSP_RTL_CONFIG_SPEC) + ",backdoor=maybe", &err), nullptr);
  EXPECT_THAT(err, ::testing::HasSubstr("backdoor 'maybe': expected on or off"));
  EXPECT_EQ(OpenDevice(std::string(TSP_RTL_CONFIG_SPEC) + ",colour=red", &err), nullptr);
  EXPECT_THAT(err, ::testing::HasSubstr("unknown option 'colour'"));
  EXPECT_EQ(OpenDevice("rtl:huge", &err), nullptr);
  EXPECT_THAT(err, ::testing::HasSubstr("rtl: unknown geometry 'huge'"));
}

}  // namespace
}  // namespace tsp::tb
