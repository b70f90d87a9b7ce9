// The `axi:PATH[@BASE][,offset=N][,size=N][,mem_at=N]` device and the Device over any Mmio window
// (tsp/mmio.h, docs/host-link.md §9).
//
// Address translation: tsp_axil_bridge passes the AXI address to the host bus unchanged (the
// board's interconnect strips the window's base), so host-map address A is byte A of the window.
// Every access is one naturally aligned 32-bit volatile load or store: a single AXI4-Lite
// transaction with WSTRB 0xF, never a partial write (which the bridge answers with SLVERR). Linux
// turns an error response (SLVERR / DECERR) into SIGBUS, or an asynchronous external abort for a
// posted write, which no user-space driver can recover from; this driver avoids what it can: it
// checks that the window covers the whole map of the geometry before the first access past the
// CSR page, and never issues an unaligned access or one outside the window.
#include "device/axi_device.h"

#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>

namespace tsp {

Mmio::~Mmio() = default;

uint64_t HostMapSpan(const Geometry &g) {
  const uint64_t iq_end =
      uint64_t{isa::kRegionIqBase} + uint64_t{g.num_queues() - 1} * isa::kIqStride + uint64_t{g.iq_depth()} * 8u;
  const uint64_t mem_end = uint64_t{isa::kRegionMemBase} + g.mem_bytes();
  return std::max({uint64_t{isa::kRegionCsrSize}, iq_end, mem_end});
}

namespace {

// ---------------------------------------------------------------------------------------------
// The Device over a window
// ---------------------------------------------------------------------------------------------
class MmioDevice final : public Device {
 public:
  MmioDevice(std::unique_ptr<Mmio> mmio, std::string name, const isa::GeometryParams &params)
      : mmio_(std::move(mmio)), name_(std::move(name)), geom_(params) {}

  const Geometry &geometry() const override { return geom_; }
  std::string name() const override { return name_; }
  std::string Describe() const override {
    return fmt::format("AXI4-Lite window {}, {} ({})", mmio_->Describe(), geom_.params().name,
                       geom_.Describe());
  }
  uint64_t skipped() const { return skipped_; }

 protected:
  uint32_t BusRead32(uint32_t addr) override {
    if (!Issuable(addr)) return 0;
    return mmio_->Read32(addr);
  }
  void BusWrite32(uint32_t addr, uint32_t data) override {
    if (Issuable(addr)) mmio_->Write32(addr, data);
  }

 private:
  bool Issuable(uint32_t addr) {
    if ((addr & 3u) == 0 && uint64_t{addr} + 4 <= mmio_->size()) return true;
    ++skipped_;
    return false;
  }

  std::unique_ptr<Mmio> mmio_;
  std::string name_;
  Geometry geom_;
  uint64_t skipped_ = 0;
};

// ID and GEOM / GEOM_HI from the first page of the window: the configuration of isa::kConfigs.
std::optional<isa::GeometryParams> ReadGeometry(Mmio &m, const std::string &spec, std::string *error) {
  if (m.size() < isa::kRegionCsrSize) {
    *error = fmt::format("{}: the window is 0x{:x} bytes ({}), less than the CSR page (0x{:x} bytes)", spec,
                         m.size(), m.Describe(), isa::kRegionCsrSize);
    return std::nullopt;
  }
  const uint32_t id = m.Read32(isa::kCsrId);
  if (id != isa::kTspId) {
    *error = fmt::format(
        "{}: ID (offset 0x{:x} of the window) reads 0x{:08x}, not 0x{:08x} ('TSP1'): the window does not "
        "start "
        "at the bridge (check the base address and offset=) or the bitstream is not loaded",
        spec, isa::kCsrId, id, isa::kTspId);
    return std::nullopt;
  }
  const uint64_t fp = uint64_t{m.Read32(isa::kCsrGeom)} | uint64_t{m.Read32(isa::kCsrGeomHi)} << 32;
  for (const auto &c : isa::kConfigs) {
    if (isa::Fingerprint(c) == fp) return c;
  }
  *error = fmt::format(
      "{}: geometry fingerprint 0x{:016x} (GEOM / GEOM_HI) matches no configuration in "
      "isa/tsp_isa.json",
      spec, fp);
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// The mmap'ed window
// ---------------------------------------------------------------------------------------------
class MmapWindow final : public Mmio {
 public:
  MmapWindow(void *map, size_t map_len, size_t skip, uint64_t size, std::string describe)
      : map_(map),
        map_len_(map_len),
        base_(static_cast<uint8_t *>(map) + skip),
        size_(size),
        describe_(std::move(describe)) {}
  ~MmapWindow() override { ::munmap(map_, map_len_); }

  // Volatile: exactly one 32-bit load or store per call, never merged, split or reordered by the
  // compiler (the mapping is uncached device memory on the board).
  uint32_t Read32(uint32_t offset) override {
    if ((offset & 3u) || uint64_t{offset} + 4 > size_) return 0;
    return *reinterpret_cast<const volatile uint32_t *>(base_ + offset);
  }
  void Write32(uint32_t offset, uint32_t value) override {
    if ((offset & 3u) || uint64_t{offset} + 4 > size_) return;
    *reinterpret_cast<volatile uint32_t *>(base_ + offset) = value;
  }
  uint64_t size() const override { return size_; }
  std::string Describe() const override { return describe_; }

 private:
  void *map_;
  size_t map_len_;
  uint8_t *base_;
  uint64_t size_;
  std::string describe_;
};

class FoldedWindow final : public Mmio {
 public:
  FoldedWindow(std::unique_ptr<Mmio> inner, uint32_t mem_at) : inner_(std::move(inner)), mem_at_(mem_at) {}
  uint32_t Read32(uint32_t offset) override {
    uint32_t at = 0;
    return Map(offset, &at) ? inner_->Read32(at) : 0;
  }
  void Write32(uint32_t offset, uint32_t value) override {
    uint32_t at = 0;
    if (Map(offset, &at)) inner_->Write32(at, value);
  }
  uint64_t size() const override {
    return inner_->size() > mem_at_ ? isa::kRegionMemBase + (inner_->size() - mem_at_) : inner_->size();
  }
  std::string Describe() const override {
    return fmt::format("{}, folded: MEM at window offset 0x{:x}", inner_->Describe(), mem_at_);
  }

 private:
  // Host-map offset -> window offset; false in the hole [mem_at, RegionMemBase).
  bool Map(uint32_t offset, uint32_t *at) const {
    if (offset >= isa::kRegionMemBase) {
      const uint64_t a = uint64_t{mem_at_} + (offset - isa::kRegionMemBase);
      if (a > 0xFFFFFFFCu) return false;
      *at = static_cast<uint32_t>(a);
      return true;
    }
    *at = offset;
    return offset < mem_at_;
  }
  std::unique_ptr<Mmio> inner_;
  uint32_t mem_at_;
};

const char kSyntax[] = "axi:PATH[@BASE][,offset=N][,size=N][,mem_at=N]";

// Decimal or 0x hex, the whole string, no overflow.
bool ParseNumber(const std::string &s, uint64_t *out) {
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  const std::string digits = hex ? s.substr(2) : s;
  if (digits.empty() || digits.size() > (hex ? 16u : 19u)) return false;
  if (digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") != std::string::npos)
    return false;
  *out = std::stoull(digits, nullptr, hex ? 16 : 10);
  return true;
}

// "uio3" -> true (a UIO device node, by its name).
bool IsUioName(const std::string &path, std::string *name) {
  const std::string base = path.substr(path.rfind('/') + 1);
  if (base.size() < 4 || base.compare(0, 3, "uio") != 0) return false;
  if (base.find_first_not_of("0123456789", 3) != std::string::npos) return false;
  *name = base;
  return true;
}

// A number from a sysfs attribute ("0x00010000\n"); false when unreadable.
bool ReadSysfsNumber(const std::string &file, uint64_t *out) {
  std::ifstream in(file);
  std::string s;
  if (!(in >> s)) return false;
  return ParseNumber(s, out);
}

std::string Hex(uint64_t v) { return fmt::format("0x{:x}", v); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------------------------
std::unique_ptr<Device> OpenMmioDevice(std::unique_ptr<Mmio> mmio, const std::string &name,
                                       const std::string &spec, std::string *error) {
  std::string err;
  const auto params = ReadGeometry(*mmio, spec, &err);
  if (params) {
    const Geometry g(*params);
    const uint64_t span = HostMapSpan(g);
    if (mmio->size() >= span) return std::make_unique<MmioDevice>(std::move(mmio), name, *params);
    err = fmt::format(
        "{}: the window is 0x{:x} bytes ({}) but geometry '{}' needs 0x{:x} (the host map: CSR at 0x{:x}, IQ "
        "from "
        "0x{:x}, MEM 0x{:x}..0x{:x}); give the bridge a larger address range or size=",
        spec, mmio->size(), mmio->Describe(), g.params().name, span, isa::kRegionCsrBase, isa::kRegionIqBase,
        isa::kRegionMemBase, uint64_t{isa::kRegionMemBase} + g.mem_bytes() - 1);
  }
  if (error) *error = err;
  return nullptr;
}

uint64_t MmioSkippedAccesses(const Device &dev) {
  const auto *m = dynamic_cast<const MmioDevice *>(&dev);
  return m ? m->skipped() : 0;
}

bool ParseAxiSpec(const std::string &args, AxiSpec *spec, std::string *error) {
  *spec = AxiSpec{};
  spec->text = "axi:" + args;
  auto fail = [&](const std::string &msg) {
    *error = fmt::format("{}: {}", spec->text, msg);
    return false;
  };
  const std::string target = args.substr(0, args.find(','));
  spec->path = target;
  if (const size_t at = target.rfind('@'); at != std::string::npos) {
    spec->path = target.substr(0, at);
    const std::string b = target.substr(at + 1);
    if (!ParseNumber(b, &spec->base))
      return fail(
          fmt::format("base address '{}' is not a number (expected decimal or 0x hex, e.g. @0xA0000000)", b));
    spec->has_base = true;
  }
  if (spec->path.empty())
    return fail(fmt::format("no path given (expected {}; PATH is /dev/uioN or /dev/mem)", kSyntax));
  for (size_t pos = args.find(','); pos != std::string::npos;) {
    const size_t next = args.find(',', pos + 1);
    const std::string opt =
        args.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    pos = next;
    const size_t eq = opt.find('=');
    const std::string key = opt.substr(0, eq), val = eq == std::string::npos ? "" : opt.substr(eq + 1);
    uint64_t *dst = key == "offset"   ? &spec->offset
                    : key == "size"   ? &spec->size
                    : key == "mem_at" ? &spec->mem_at
                                      : nullptr;
    if (!dst) return fail(fmt::format("unknown option '{}' (options: offset=N, size=N, mem_at=N)", opt));
    if (!ParseNumber(val, dst))
      return fail(fmt::format("{} '{}' is not a number (expected {}=N, decimal or 0x hex)", key, val, key));
    if (key == "size") spec->has_size = true;
    if (key == "mem_at") spec->has_mem_at = true;
  }
  constexpr uint64_t kIqEnd = uint64_t{isa::kRegionIqBase} + isa::kRegionIqSize;
  if (spec->has_mem_at &&
      (spec->mem_at % 4 != 0 || spec->mem_at < kIqEnd || spec->mem_at >= isa::kRegionMemBase))
    return fail(
        fmt::format("mem_at {} must be a multiple of 4 at or above the end of the IQ region {} and below "
                    "MEM's host address {} (a folded window, e.g. mem_at=0x8000000)",
                    Hex(spec->mem_at), Hex(kIqEnd), Hex(isa::kRegionMemBase)));
  if (spec->has_size && (spec->size == 0 || spec->size % 4 != 0 || spec->size > (uint64_t{1} << 32)))
    return fail(
        fmt::format("size {} must be a non-zero multiple of 4 bytes, at most 0x100000000", Hex(spec->size)));
  if (spec->base > (uint64_t{1} << 62) || spec->offset > (uint64_t{1} << 62))
    return fail(fmt::format("base {} / offset {} out of range", Hex(spec->base), Hex(spec->offset)));
  return true;
}

std::unique_ptr<Mmio> MapAxiWindow(const AxiSpec &spec, uint64_t default_size, const std::string &sysfs_uio,
                                   bool *defaulted, std::string *error) {
  auto fail = [&](const std::string &msg) -> std::unique_ptr<Mmio> {
    *error = fmt::format("{}: {}", spec.text, msg);
    return nullptr;
  };
  *defaulted = false;
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  std::string uio;
  const bool is_uio = IsUioName(spec.path, &uio);
  if (is_uio && spec.has_base) {
    return fail(
        fmt::format("a UIO device maps the address its device-tree node gives; @{} is for /dev/mem (use "
                    "offset=N for a window "
                    "inside map0)",
                    Hex(spec.base)));
  }
  const uint64_t start = spec.base + spec.offset;  // of the window in the file (UIO: in map0)
  if (start % page != 0) {
    return fail(
        fmt::format("the window starts at {} (base {} + offset {}), not a multiple of the page size {}",
                    Hex(start), Hex(spec.base), Hex(spec.offset), Hex(page)));
  }

  const int fd = ::open(spec.path.c_str(), O_RDWR | O_SYNC | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    std::string hint;
    if (e == EACCES || e == EPERM) {
      if (is_uio) hint = " (give the user read / write access to the UIO node, e.g. a udev rule)";
      if (spec.path == "/dev/mem") hint = " (/dev/mem needs root or CAP_SYS_RAWIO)";
    }
    return fail(fmt::format("cannot open {}: {}{}", spec.path, std::strerror(e), hint));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return fail(fmt::format("cannot stat {}: {}", spec.path, std::strerror(e)));
  }
  const bool regular = S_ISREG(st.st_mode);
  if (!regular && !S_ISCHR(st.st_mode)) {
    ::close(fd);
    return fail(
        fmt::format("{} is neither a device node (/dev/uioN, /dev/mem) nor a regular file", spec.path));
  }
  if (!is_uio && !regular && !spec.has_base) {
    ::close(fd);
    return fail(fmt::format("{} needs the physical base address of the bridge's window: {}@0xA0000000",
                            spec.path, spec.text));
  }

  // The window's size and where it came from.
  uint64_t size = 0, uio_skip = 0;
  std::string source;
  if (is_uio) {
    const std::string dir = sysfs_uio + "/" + uio + "/maps/map0/";
    uint64_t map_size = 0;
    if (ReadSysfsNumber(dir + "size", &map_size)) {
      ReadSysfsNumber(dir + "offset", &uio_skip);  // the map's start inside its first page (0 if absent)
      if (spec.offset >= map_size || (spec.has_size && spec.offset + spec.size > map_size)) {
        ::close(fd);
        return fail(fmt::format(
            "offset {} + size {} does not fit map0 of {} ({} bytes, {}size)", Hex(spec.offset),
            spec.has_size ? Hex(spec.size) : std::string("(rest of the map)"), uio, Hex(map_size), dir));
      }
      size = spec.has_size ? spec.size : map_size - spec.offset;
      source = spec.has_size ? "size=" : fmt::format("from {}size", dir);
    }
  }
  if (source.empty() && spec.has_size) {
    size = spec.size;
    source = "size=";
  }
  // UIO: map N is selected by the mmap offset N * page; map 0 starts at file offset 0.
  const uint64_t skip = is_uio ? uio_skip + start : 0;
  const uint64_t file_off = is_uio ? 0 : start;
  if (regular) {
    const uint64_t file_size = static_cast<uint64_t>(st.st_size), file_start = file_off + skip;
    if (source.empty()) {
      if (file_start >= file_size) {
        ::close(fd);
        return fail(fmt::format("the window starts at {}, at or past the end of {} ({} bytes)",
                                Hex(file_start), spec.path, Hex(file_size)));
      }
      size = std::min<uint64_t>(file_size - file_start, uint64_t{1} << 32) & ~uint64_t{3};
      source = "the file's size";
    } else if (file_start + size > file_size) {
      // Touching a page past the end of a file raises SIGBUS: refused here.
      ::close(fd);
      return fail(fmt::format("the window {}..{} extends past the end of {} ({} bytes)", Hex(file_start),
                              Hex(file_start + size - 1), spec.path, Hex(file_size)));
    }
  }
  if (source.empty()) {
    size = default_size;
    source = "no size given: the geometry's host map";
    *defaulted = true;
  }
  const uint64_t len = (skip + size + page - 1) / page * page;
  if (file_off > static_cast<uint64_t>(std::numeric_limits<off_t>::max()) || len > SIZE_MAX) {
    ::close(fd);
    return fail(
        fmt::format("offset {} / length {} do not fit this system's off_t / size_t (32-bit ARM: build "
                    "with -D_FILE_OFFSET_BITS=64)",
                    Hex(file_off), Hex(len)));
  }
  void *p = ::mmap(nullptr, static_cast<size_t>(len), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                   static_cast<off_t>(file_off));
  const int e = errno;
  ::close(fd);  // the mapping keeps its own reference
  if (p == MAP_FAILED) {
    return fail(fmt::format("mmap of {} bytes at offset {} of {} failed: {}", Hex(len), Hex(file_off),
                            spec.path, std::strerror(e)));
  }
  std::string where = is_uio ? fmt::format("{} map0+{}", spec.path, Hex(spec.offset))
                             : fmt::format("{}@{}", spec.path, Hex(start));
  return std::make_unique<MmapWindow>(p, static_cast<size_t>(len), static_cast<size_t>(skip), size,
                                      fmt::format("{}, {} bytes ({})", where, Hex(size), source));
}

std::unique_ptr<Device> OpenAxiDevice(const std::string &args, const std::string &sysfs_uio,
                                      std::string *error) {
  std::string err;
  AxiSpec spec;
  bool defaulted = false;
  std::unique_ptr<Mmio> window;
  if (ParseAxiSpec(args, &spec, &err))
    window = MapAxiWindow(spec, isa::kRegionCsrSize, sysfs_uio, &defaulted, &err);
  if (window && defaulted) {
    // Size unknown (/dev/mem without size=): the CSR page first, then what the geometry needs.
    const auto params = ReadGeometry(*window, spec.text, &err);
    window.reset();
    if (params) {
      // The window's own size: with mem_at, MEM's end is folded down to mem_at + MEM bytes.
      const uint64_t span = HostMapSpan(Geometry(*params));
      const uint64_t need = spec.has_mem_at ? spec.mem_at + (span - isa::kRegionMemBase) : span;
      window = MapAxiWindow(spec, need, sysfs_uio, &defaulted, &err);
    }
  }
  if (window && spec.has_mem_at)
    window = FoldMemWindow(std::move(window), static_cast<uint32_t>(spec.mem_at));
  if (window) return OpenMmioDevice(std::move(window), "axi", spec.text, error);
  if (error) *error = err;
  return nullptr;
}

std::unique_ptr<Device> OpenAxiDevice(const std::string &args, std::string *error) {
  return OpenAxiDevice(args, "/sys/class/uio", error);
}

std::unique_ptr<Mmio> FoldMemWindow(std::unique_ptr<Mmio> inner, uint32_t mem_at) {
  return std::make_unique<FoldedWindow>(std::move(inner), mem_at);
}

}  // namespace tsp
