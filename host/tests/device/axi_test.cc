// The `axi:` device (device/axi_device.h) without a board: regular files stand in for /dev/uioN and
// /dev/mem (a sparse file as large as the host map, with ID and GEOM written where the bridge's CSRs
// would be), and a directory of our own stands in for /sys/class/uio. What this shows: where each
// host-map address lands in the mapping (base, offset=, the UIO map's in-page offset), how the
// window's size is found and checked against the geometry, and the error message of every bad
// input. The driver against the RTL slave: tb/unit/axil (test_rtl_axil).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "device/axi_device.h"
#include "tsp/device.h"
#include "tsp/mmio.h"

namespace tsp::test {
namespace {

using ::testing::HasSubstr;

const Geometry &Small() {
  static const Geometry g(isa::kConfigs[1]);
  return g;
}

class AxiDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tsp_axi_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const auto &f : files_) ::unlink(f.c_str());
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) ::rmdir(it->c_str());
    ::rmdir(dir_.c_str());
  }

  // A sparse file of `size` bytes; at `at` the CSRs of a bridge with geometry `g` (ID, VERSION,
  // GEOM, GEOM_HI), unless g is null.
  std::string MakeFile(const std::string &name, uint64_t size, uint64_t at, const Geometry *g = &Small()) {
    const std::string path = dir_ + "/" + name;
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
    if (g) {
      const uint32_t csr[4] = {isa::kTspId, isa::kIsaVersion, static_cast<uint32_t>(g->fingerprint()),
                               static_cast<uint32_t>(g->fingerprint() >> 32)};
      EXPECT_EQ(::pwrite(fd, csr, sizeof csr, static_cast<off_t>(at)), static_cast<ssize_t>(sizeof csr));
    }
    ::close(fd);
    files_.push_back(path);
    return path;
  }
  uint32_t FileWord(const std::string &path, uint64_t at) {
    uint32_t v = 0;
    const int fd = ::open(path.c_str(), O_RDONLY);
    EXPECT_EQ(::pread(fd, &v, 4, static_cast<off_t>(at)), 4);
    ::close(fd);
    return v;
  }
  void PutFileWord(const std::string &path, uint64_t at, uint32_t v) {
    const int fd = ::open(path.c_str(), O_RDWR);
    EXPECT_EQ(::pwrite(fd, &v, 4, static_cast<off_t>(at)), 4);
    ::close(fd);
  }
  // SYSFS/uioN/maps/map0/{size,offset}, as the kernel writes them.
  std::string MakeSysfs(const std::string &uio, const std::string &size, const std::string &offset = "0x0") {
    const std::string root = dir_ + "/sys";
    for (const std::string &d :
         {root, root + "/" + uio, root + "/" + uio + "/maps", root + "/" + uio + "/maps/map0"}) {
      ::mkdir(d.c_str(), 0700);
      dirs_.push_back(d);
    }
    for (const auto &[name, text] : {std::pair{"size", size}, std::pair{"offset", offset}}) {
      const std::string f = root + "/" + uio + "/maps/map0/" + name;
      std::ofstream(f) << text << "\n";
      files_.push_back(f);
    }
    return root;
  }
  std::string OpenError(const std::string &args, const std::string &sysfs = "/nonexistent") {
    std::string err;
    auto d = OpenAxiDevice(args, sysfs, &err);
    EXPECT_EQ(d, nullptr) << args;
    EXPECT_THAT(err, HasSubstr("axi:" + args + ": ")) << "the message names the spec";
    return err;
  }

  std::string dir_;
  std::vector<std::string> files_, dirs_;
};

TEST(AxiHostMapSpan, EndOfMemForBothGeometries) {
  // MEM starts at 0x10000000: small = 4 slices x 128 words x 32 bytes, default = 1 MiB.
  EXPECT_EQ(HostMapSpan(Small()), 0x10004000u);
  EXPECT_EQ(HostMapSpan(Geometry(isa::kConfigs[0])), 0x10100000u);
}

TEST_F(AxiDeviceTest, HostAddressIsTheByteOffsetFromBase) {
  const uint64_t base = 0x3000;
  const std::string f = MakeFile("mem", base + 0x10004000u, base);
  std::string err;
  auto d = OpenDevice("axi:" + f + "@0x3000", &err);
  ASSERT_NE(d, nullptr) << err;
  EXPECT_EQ(d->name(), "axi");
  EXPECT_EQ(d->geometry().fingerprint(), Small().fingerprint());
  EXPECT_THAT(d->Describe(), HasSubstr(f + "@0x3000, 0x10004000 bytes (the file's size), small"));
  EXPECT_EQ(d->Read32(isa::kCsrId), isa::kTspId);
  // MEM slice 1, word 5, lanes 8..11 = 0x10000000 + (1 * 128 + 5) * 32 + 8.
  d->Write32(MemAddress(Small(), 1, 5, 8), 0xDEADBEEFu);
  EXPECT_EQ(FileWord(f, base + 0x10000000u + 133u * 32u + 8u), 0xDEADBEEFu);
  // Instruction 7 of queue 3, high half: 0x100000 + 3 * 0x20000 (the IQ stride) + 7 * 8 + 4.
  d->Write32(IqAddress(3, 7) + 4, 0x01234567u);
  EXPECT_EQ(FileWord(f, base + 0x160000u + 56u + 4u), 0x01234567u);
  PutFileWord(f, base + isa::kCsrQlen + 8, 0x55u);
  EXPECT_EQ(d->Read32(isa::kCsrQlen + 8), 0x55u);
  // The last word of MEM is the last word of the window.
  d->Write32(0x10003FFCu, 0xA5A5A5A5u);
  EXPECT_EQ(FileWord(f, base + 0x10003FFCu), 0xA5A5A5A5u);
  EXPECT_EQ(MmioSkippedAccesses(*d), 0u);
}

TEST_F(AxiDeviceTest, OffsetAddsToBase) {
  const std::string f = MakeFile("mem", 0x5000 + 0x10004000u, 0x5000);
  std::string err;
  auto d = OpenAxiDevice(f + "@0x1000,offset=0x4000,size=0x10004000", "/nonexistent", &err);
  ASSERT_NE(d, nullptr) << err;
  EXPECT_THAT(d->Describe(), HasSubstr(f + "@0x5000, 0x10004000 bytes (size=)"));
  d->Write32(isa::kCsrQlen, 9);
  EXPECT_EQ(FileWord(f, 0x5000 + isa::kCsrQlen), 9u);
  // Decimal works as well.
  EXPECT_NE(OpenAxiDevice(f + "@4096,offset=16384", "/nonexistent", &err), nullptr) << err;
}

TEST_F(AxiDeviceTest, UnalignedOrOutsideAccessesAreNotIssued) {
  const std::string f = MakeFile("mem", 0x10004000u, 0);
  std::string err;
  auto d = OpenAxiDevice(f + "@0", "/nonexistent", &err);
  ASSERT_NE(d, nullptr) << err;
  PutFileWord(f, 0x10000000u, 0x11223344u);
  EXPECT_EQ(d->Read32(0x10000002u), 0u) << "unaligned: not issued";
  d->Write32(0x10000001u, 0xFFFFFFFFu);
  EXPECT_EQ(FileWord(f, 0x10000000u), 0x11223344u);
  EXPECT_EQ(d->Read32(0x10004000u), 0u) << "past the window";
  d->Write32(0xFFFFFFFCu, 1);
  EXPECT_EQ(MmioSkippedAccesses(*d), 4u);
  EXPECT_EQ(d->Read32(0x10000000u), 0x11223344u);
  EXPECT_EQ(MmioSkippedAccesses(*d), 4u);
}

// mem_at=N: the folded window of tsp_zynq_axil_top (docs/bringup.md §5): CSR and IQ at their own
// offsets, host-map MEM at N; the hole between N and MEM's host address holds nothing.
TEST_F(AxiDeviceTest, FoldedWindowPutsMemAtMemAt) {
  const uint64_t mem_at = 0x08000000;
  const std::string f = MakeFile("folded", mem_at + 0x4000u, 0);
  std::string err;
  auto d = OpenAxiDevice(f + "@0,mem_at=0x8000000", "/nonexistent", &err);
  ASSERT_NE(d, nullptr) << err;
  EXPECT_THAT(d->Describe(), HasSubstr("folded: MEM at window offset 0x8000000"));
  EXPECT_EQ(d->Read32(isa::kCsrId), isa::kTspId);
  d->Write32(MemAddress(Small(), 1, 5, 8), 0xDEADBEEFu);
  EXPECT_EQ(FileWord(f, mem_at + 133u * 32u + 8u), 0xDEADBEEFu);
  d->Write32(IqAddress(3, 7) + 4, 0x01234567u);
  EXPECT_EQ(FileWord(f, 0x160000u + 56u + 4u), 0x01234567u);  // 0x100000 + 3 * 0x20000 + 7 * 8 + 4
  d->Write32(0x10003FFCu, 0xA5A5A5A5u);  // the last MEM word is the last word of the file
  EXPECT_EQ(FileWord(f, mem_at + 0x3FFCu), 0xA5A5A5A5u);
  EXPECT_EQ(MmioSkippedAccesses(*d), 0u);
  // Without mem_at the same window is too small for the map.
  EXPECT_THAT(OpenError(f + "@0"), HasSubstr("0x10004000"));
  // mem_at below the end of the IQ region, unaligned, or at MEM itself: refused.
  for (const char *bad : {",mem_at=0x800000", ",mem_at=0x8000002", ",mem_at=0x10000000"})
    EXPECT_THAT(OpenError(f + "@0" + bad),
                HasSubstr("must be a multiple of 4 at or above the end of the IQ region 0x1000000"));
}

TEST_F(AxiDeviceTest, UioSizeFromSysfs) {
  const std::string f = MakeFile("uio7", 0x10006000u, 0x2000);
  const std::string sys = MakeSysfs("uio7", "0x0000000010006000");  // as the kernel prints it (%pa)
  std::string err;
  auto d = OpenAxiDevice(f + ",offset=0x2000", sys, &err);
  ASSERT_NE(d, nullptr) << err;
  EXPECT_THAT(d->Describe(),
              HasSubstr(f + " map0+0x2000, 0x10004000 bytes (from " + sys + "/uio7/maps/map0/size)"));
  d->Write32(MemAddress(Small(), 3, 127, 28), 0xCAFEF00Du);
  EXPECT_EQ(FileWord(f, 0x2000u + 0x10003FFCu), 0xCAFEF00Du);
  // size= inside the map.
  EXPECT_NE(OpenAxiDevice(f + ",offset=0x2000,size=0x10004000", sys, &err), nullptr) << err;
}

TEST_F(AxiDeviceTest, UioMapOffsetInsideThePage) {
  // A bridge at a physical address 0x100 into its page: the kernel reports maps/map0/offset.
  const std::string f = MakeFile("uio2", 0x10005000u, 0x100);
  const std::string sys = MakeSysfs("uio2", "0x10004000", "0x100");
  std::string err;
  auto d = OpenAxiDevice(f, sys, &err);
  ASSERT_NE(d, nullptr) << err;
  d->Write32(isa::kCsrQlen + 4, 3);
  EXPECT_EQ(FileWord(f, 0x100 + isa::kCsrQlen + 4), 3u);
}

TEST_F(AxiDeviceTest, WindowTooSmallForTheMap) {
  const std::string f = MakeFile("mem", 0x10003000u, 0);
  EXPECT_THAT(
      OpenError(f + "@0"),
      HasSubstr(
          "the window is 0x10003000 bytes (" + f +
          "@0x0, 0x10003000 bytes (the file's size)) but geometry 'small' needs 0x10004000 (the host map: "
          "CSR at 0x0, IQ from 0x100000, MEM 0x10000000..0x10003fff)"));
  const std::string g = MakeFile("mem2", 0x10004000u, 0);
  EXPECT_THAT(OpenError(g + "@0,size=0x10003ffc"), HasSubstr("the window is 0x10003ffc bytes"));
  EXPECT_THAT(OpenError(g + "@0,size=0x800"), HasSubstr("the window is 0x800 bytes (" + g +
                                                        "@0x0, 0x800 bytes (size=)), less than the CSR page "
                                                        "(0x1000 bytes)"));
  const std::string u = MakeFile("uio3", 0x10004000u, 0);
  const std::string sys = MakeSysfs("uio3", "0x1000");
  EXPECT_THAT(OpenError(u, sys),
              HasSubstr("the window is 0x1000 bytes (" + u + " map0+0x0, 0x1000 bytes (from " + sys +
                        "/uio3/maps/map0/size)) but geometry 'small' needs 0x10004000"));
  EXPECT_THAT(OpenError(u + ",offset=0x1000", sys),
              HasSubstr("offset 0x1000 + size (rest of the map) does not fit map0 of uio3 (0x1000 bytes, " +
                        sys + "/uio3/maps/map0/size)"));
  EXPECT_THAT(OpenError(u + ",size=0x2000", sys),
              HasSubstr("offset 0x0 + size 0x2000 does not fit map0 of uio3 (0x1000 bytes"));
  // A window past the end of a regular file would raise SIGBUS when touched: refused.
  EXPECT_THAT(
      OpenError(g + "@0x1000,size=0x10004000"),
      HasSubstr("the window 0x1000..0x10004fff extends past the end of " + g + " (0x10004000 bytes)"));
  EXPECT_THAT(
      OpenError(g + "@0x10004000"),
      HasSubstr("the window starts at 0x10004000, at or past the end of " + g + " (0x10004000 bytes)"));
}

TEST_F(AxiDeviceTest, UnalignedBase) {
  const std::string f = MakeFile("mem", 0x10008000u, 0);
  EXPECT_THAT(
      OpenError(f + "@0x3004"),
      HasSubstr("the window starts at 0x3004 (base 0x3004 + offset 0x0), not a multiple of the page size "
                "0x1000"));
  EXPECT_THAT(
      OpenError(f + "@0x1000,offset=0x10"),
      HasSubstr("the window starts at 0x1010 (base 0x1000 + offset 0x10), not a multiple of the page size"));
  const std::string u = MakeFile("uio4", 0x10008000u, 0);
  EXPECT_THAT(OpenError(u + ",offset=0x800", MakeSysfs("uio4", "0x10008000")),
              HasSubstr("the window starts at 0x800 (base 0x0 + offset 0x800)"));
}

TEST_F(AxiDeviceTest, BadSyntax) {
  EXPECT_THAT(
      OpenError(""),
      HasSubstr("axi:: no path given (expected axi:PATH[@BASE][,offset=N][,size=N][,mem_at=N]; PATH is "
                "/dev/uioN or /dev/mem)"));
  EXPECT_THAT(OpenError("@0x1000"), HasSubstr("no path given"));
  EXPECT_THAT(
      OpenError("/dev/mem@0xA000_0000"),
      HasSubstr("base address '0xA000_0000' is not a number (expected decimal or 0x hex, e.g. @0xA0000000)"));
  EXPECT_THAT(OpenError("/dev/mem@"), HasSubstr("base address '' is not a number"));
  EXPECT_THAT(OpenError("/dev/uio0,offset=4k"),
              HasSubstr("offset '4k' is not a number (expected offset=N, decimal or 0x hex)"));
  EXPECT_THAT(OpenError("/dev/uio0,size="), HasSubstr("size '' is not a number (expected size=N"));
  EXPECT_THAT(OpenError("/dev/uio0,size=0x"), HasSubstr("size '0x' is not a number"));
  EXPECT_THAT(OpenError("/dev/uio0,size=0x123456789abcdef01"),
              HasSubstr("size '0x123456789abcdef01' is not a number"));
  EXPECT_THAT(OpenError("/dev/uio0,size"), HasSubstr("size '' is not a number"));
  EXPECT_THAT(OpenError("/dev/uio0,size=0"), HasSubstr("size 0x0 must be a non-zero multiple of 4 bytes"));
  EXPECT_THAT(OpenError("/dev/uio0,size=0x1002"),
              HasSubstr("size 0x1002 must be a non-zero multiple of 4 bytes"));
  EXPECT_THAT(OpenError("/dev/uio0,size=0x100000004"), HasSubstr("at most 0x100000000"));
  EXPECT_THAT(OpenError("/dev/uio0,baud=9600"),
              HasSubstr("unknown option 'baud=9600' (options: offset=N, size=N, mem_at=N)"));
  EXPECT_THAT(
      OpenError("/dev/uio0@0x40000000"),
      HasSubstr("a UIO device maps the address its device-tree node gives; @0x40000000 is for /dev/mem"));
}

TEST_F(AxiDeviceTest, FilesThatCannotBeMapped) {
  EXPECT_THAT(OpenError(dir_ + "/uio9"),
              HasSubstr("cannot open " + dir_ + "/uio9: No such file or directory"));
  EXPECT_THAT(OpenError("/nonexistent/mem@0x1000"), HasSubstr("cannot open /nonexistent/mem: No such file"));
  EXPECT_THAT(OpenError(dir_ + "@0"), HasSubstr("cannot open " + dir_ + ": Is a directory"));
  EXPECT_THAT(OpenError("/dev/null"), HasSubstr("/dev/null needs the physical base address of the bridge's "
                                                "window: axi:/dev/null@0xA0000000"));
  EXPECT_THAT(OpenError("/dev/null@0x0"),
              HasSubstr("mmap of 0x1000 bytes at offset 0x0 of /dev/null failed: "));
  // A character device without size=: the CSR page is mapped first (here /dev/zero: ID reads 0).
  EXPECT_THAT(
      OpenError("/dev/zero@0x0"),
      HasSubstr("ID (offset 0x0 of the window) reads 0x00000000, not 0x54535031 ('TSP1'): the window does "
                "not start at the bridge (check the base address and offset=)"));
  const std::string f = MakeFile("mem", 0x10004000u, 0, nullptr);
  EXPECT_THAT(OpenError(f + "@0x0"), HasSubstr("reads 0x00000000, not 0x54535031"));
  PutFileWord(f, 0, isa::kTspId);
  PutFileWord(f, 8, 0x12345678u);
  EXPECT_THAT(OpenError(f + "@0x0"),
              HasSubstr("geometry fingerprint 0x0000000012345678 (GEOM / GEOM_HI) matches no "
                        "configuration in isa/tsp_isa.json"));
}

TEST_F(AxiDeviceTest, NoPermission) {
  const std::string f = MakeFile("uio5", 0x10004000u, 0);
  ASSERT_EQ(::chmod(f.c_str(), 0), 0);
  // In a child process without root's privileges (the test may run as root, which ignores modes).
  EXPECT_EXIT(
      {
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
        std::string err;
        auto d = OpenAxiDevice(f, "/nonexistent", &err);
        std::fprintf(stderr, "%s\n", err.c_str());
        ::_exit(d ? 1 : 0);
      },
      ::testing::ExitedWithCode(0),
      "axi:" + f + ": cannot open " + f +
          ": Permission denied \\(give the user read / write access to the UIO node, e.g. a udev rule\\)");
}

TEST_F(AxiDeviceTest, OpenDeviceListsAxiAndPassesErrorsOn) {
  std::string err;
  EXPECT_EQ(OpenDevice("axi:/nonexistent/uio0", &err), nullptr);
  EXPECT_THAT(err,
              HasSubstr("axi:/nonexistent/uio0: cannot open /nonexistent/uio0: No such file or directory "
                        "(this binary has: axi:PATH[@BASE], ref"));
}

}  // namespace
}  // namespace tsp::test
