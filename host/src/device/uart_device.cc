// The `uart:PATH[@BAUD][,timeout_ms=N][,retries=N]` device: the host map over a serial port (or a
// pseudo-terminal) with the framed protocol of tsp/host_link.h (docs/host-link.md).
//
// Every map access is one transaction: a new SEQ, the request frame, then the reply is awaited
// with poll() and a deadline (timeout_ms plus twice the frame's transfer time at BAUD). A timeout,
// a NACK or a reply failing its CRC sends the same frame again, at most `retries` times; replies
// with another SEQ (late replies to earlier attempts) are skipped. After the last retry, or when
// the other end closes the link, tsp::link::LinkError is thrown naming the request, the address,
// the SEQ and what was seen. No read or write waits without a deadline.
#include "device/uart_device.h"

#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "tsp/host_link.h"

namespace tsp {

namespace {

using Clock = std::chrono::steady_clock;
using namespace link;

bool BaudConstant(uint32_t baud, speed_t *out) {
  static const struct {
    uint32_t baud;
    speed_t speed;
  } kBauds[] = {{9600, B9600},       {19200, B19200},     {38400, B38400},     {57600, B57600},
                {115200, B115200},   {230400, B230400},   {460800, B460800},   {500000, B500000},
                {921600, B921600},   {1000000, B1000000}, {1500000, B1500000}, {2000000, B2000000},
                {3000000, B3000000}, {4000000, B4000000}};
  for (const auto &b : kBauds) {
    if (b.baud == baud) {
      *out = b.speed;
      return true;
    }
  }
  return false;
}

const char *CmdName(uint8_t cmd) {
  switch (cmd) {
    case kCmdSync:
      return "SYNC";
    case kCmdRead:
      return "READ";
    case kCmdWrite:
      return "WRITE";
    default:
      return "?";
  }
}

class UartDevice final : public Device {
 public:
  UartDevice(int fd, std::string path, uint32_t baud, uint32_t timeout_ms, uint32_t retries)
      : fd_(fd), path_(std::move(path)), baud_(baud), timeout_ms_(timeout_ms), retries_(retries) {}
  ~UartDevice() override {
    if (fd_ >= 0) ::close(fd_);
  }

  // SYNC, then ID and the geometry fingerprint. Throws LinkError.
  bool Init(std::string *error) {
    const auto sync = Transact(kCmdSync, {}, 4, 0, 0);
    if (Get16(sync.data()) != kProtocolVersion) {
      *error = fmt::format("uart {}: the device speaks host-link protocol version {}, this host {}", path_,
                           Get16(sync.data()), kProtocolVersion);
      return false;
    }
    max_burst_ = std::min<uint32_t>(kMaxBurstWords, Get16(sync.data() + 2));
    if (max_burst_ == 0) max_burst_ = 1;
    const uint32_t id = BusRead32(isa::kCsrId);
    if (id != isa::kTspId) {
      *error = fmt::format("uart {}: ID reads 0x{:08x}, not 0x{:08x} ('TSP1')", path_, id, isa::kTspId);
      return false;
    }
    uint32_t geom[2];
    ReadWords(isa::kCsrGeom, geom, 2);
    const uint64_t fp = uint64_t{geom[0]} | uint64_t{geom[1]} << 32;
    for (const auto &c : isa::kConfigs) {
      if (isa::Fingerprint(c) == fp) geom_.emplace(c);
    }
    if (!geom_) {
      *error = fmt::format(
          "uart {}: geometry fingerprint 0x{:016x} matches no configuration in isa/tsp_isa.json", path_, fp);
      return false;
    }
    return true;
  }

  const Geometry &geometry() const override { return *geom_; }
  std::string name() const override { return "uart"; }
  std::string Describe() const override {
    return fmt::format("UART host link {} @{} baud, {} ({})", path_, baud_, geometry().params().name,
                       geometry().Describe());
  }
  const LinkStats &stats() const { return stats_; }

 protected:
  uint32_t BusRead32(uint32_t addr) override {
    uint32_t v = 0;
    ReadWords(addr, &v, 1);
    return v;
  }
  void BusWrite32(uint32_t addr, uint32_t data) override { WriteWords(addr, &data, 1); }

  // MEM words and instruction words are contiguous in the map: bursts.
  void DoWriteMemWords(uint32_t slice, uint32_t addr, const uint8_t *data, size_t words) override {
    const uint32_t vl = geometry().vl();
    std::vector<uint32_t> v(words * vl / 4);
    for (size_t i = 0; i < v.size(); ++i) v[i] = Get32(data + 4 * i);
    WriteWords(MemAddress(geometry(), slice, addr, 0), v.data(), v.size());
    CountHost(words * vl, 0);
  }
  void DoReadMemWords(uint32_t slice, uint32_t addr, uint8_t *data, size_t words) override {
    const uint32_t vl = geometry().vl();
    std::vector<uint32_t> v(words * vl / 4);
    ReadWords(MemAddress(geometry(), slice, addr, 0), v.data(), v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      for (int b = 0; b < 4; ++b) data[4 * i + b] = static_cast<uint8_t>(v[i] >> (8 * b));
    }
    CountHost(0, words * vl);
  }
  void DoWriteQueueWords(uint32_t queue, const uint64_t *words, size_t n) override {
    std::vector<uint32_t> v(2 * n);
    for (size_t i = 0; i < n; ++i) {
      v[2 * i] = static_cast<uint32_t>(words[i]);
      v[2 * i + 1] = static_cast<uint32_t>(words[i] >> 32);
    }
    WriteWords(IqAddress(queue, 0), v.data(), v.size());
    CountHost(8 * n, 0);
  }

  // STATUS, ERROR, (0x1C), CYCLE_LO, CYCLE_HI in one READ per poll. A cycle counter that stops
  // moving while BUSY for many polls ends the wait (the driver then stops the run with CLEAR).
  void WaitDone(uint64_t max_cycles, std::vector<std::string> *details) override {
    static_assert(isa::kCsrCycleHi - isa::kCsrStatus == 16, "STATUS..CYCLE_HI are 5 words");
    uint64_t last = ~uint64_t{0};
    uint32_t still = 0;
    while (true) {
      uint32_t w[5];
      ReadWords(isa::kCsrStatus, w, 5);
      if ((w[0] & kStatusDone) || !(w[0] & kStatusBusy)) return;
      const uint64_t c = uint64_t{w[3]} | uint64_t{w[4]} << 32;
      if (c >= max_cycles) return;
      still = c == last ? still + 1 : 0;
      last = c;
      if (still >= 1000) {
        details->push_back(fmt::format("uart {}: BUSY with CYCLE stuck at {} for {} polls", path_, c, still));
        return;
      }
    }
  }

 private:
  static uint32_t Get16(const uint8_t *p) { return uint32_t{p[0]} | uint32_t{p[1]} << 8; }
  static uint32_t Get32(const uint8_t *p) {
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  }
  static void Put32(std::vector<uint8_t> *v, uint32_t x) {
    for (int i = 0; i < 4; ++i) v->push_back(static_cast<uint8_t>(x >> (8 * i)));
  }
  static std::vector<uint8_t> AddrCount(uint32_t addr, size_t count) {
    std::vector<uint8_t> p;
    Put32(&p, addr);
    p.push_back(static_cast<uint8_t>(count));
    p.push_back(static_cast<uint8_t>(count >> 8));
    return p;
  }

  void ReadWords(uint32_t addr, uint32_t *out, size_t n) {
    for (size_t done = 0; done < n;) {
      const size_t k = std::min<size_t>(n - done, max_burst_);
      const uint32_t a = static_cast<uint32_t>(addr + 4 * done);
      const auto r = Transact(kCmdRead, AddrCount(a, k), 4 * k, a, k);
      for (size_t i = 0; i < k; ++i) out[done + i] = Get32(r.data() + 4 * i);
      done += k;
    }
  }
  void WriteWords(uint32_t addr, const uint32_t *in, size_t n) {
    for (size_t done = 0; done < n;) {
      const size_t k = std::min<size_t>(n - done, max_burst_);
      const uint32_t a = static_cast<uint32_t>(addr + 4 * done);
      auto p = AddrCount(a, k);
      for (size_t i = 0; i < k; ++i) Put32(&p, in[done + i]);
      Transact(kCmdWrite, p, 0, a, k);
      done += k;
    }
  }

  [[noreturn]] void Fail(uint8_t cmd, uint32_t addr, size_t count, uint8_t seq, const std::string &what) {
    throw LinkError(fmt::format("uart {}: {} of {} word{} at 0x{:08x}, sequence {}: {}", path_, CmdName(cmd),
                                count, count == 1 ? "" : "s", addr, seq, what));
  }

  // One request; returns the ACK payload (expect_len bytes). Throws LinkError.
  std::vector<uint8_t> Transact(uint8_t cmd, const std::vector<uint8_t> &payload, size_t expect_len,
                                uint32_t addr, size_t count) {
    const uint8_t seq = seq_++;
    ++stats_.requests;
    const std::vector<uint8_t> frame = EncodeFrame(seq, cmd, payload);
    // Transfer time of request and reply at 10 bits per byte, stuffing at worst doubling them.
    const auto transfer = std::chrono::microseconds(uint64_t{2} * (frame.size() + 2 * expect_len + 16) * 10 *
                                                    1000000 / std::max<uint32_t>(baud_, 1));
    const auto timeout = std::chrono::milliseconds(timeout_ms_) + transfer;
    std::string seen = "nothing";
    for (uint32_t attempt = 0; attempt <= retries_; ++attempt) {
      if (attempt) ++stats_.retries;
      ++stats_.attempts;
      Send(frame, Clock::now() + timeout, cmd, addr, count, seq);
      const Clock::time_point deadline = Clock::now() + timeout;
      bool retry = false;
      while (!retry) {
        uint8_t buf[512];
        const size_t got = ReadSome(buf, sizeof buf, deadline, cmd, addr, count, seq);
        if (got == 0) {
          ++stats_.timeouts;
          seen = fmt::format("no complete reply within {} ms (last: {})",
                             std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count(), seen);
          break;
        }
        for (size_t i = 0; i < got && !retry; ++i) {
          const FrameDecoder::Event ev = rx_.Push(buf[i]);
          if (ev == FrameDecoder::Event::kNone) continue;
          const Frame &f = rx_.frame();
          if (ev == FrameDecoder::Event::kBadCrc) {
            ++stats_.bad_crc;
            seen = "a reply frame failing its CRC";
            retry = true;
          } else if (f.seq != seq) {
            ++stats_.stale;
          } else if (f.cmd == kCmdNack) {
            ++stats_.nacks;
            seen = fmt::format("NACK {}", f.payload.size() == 2 ? NackName(f.payload[1]) : "(malformed)");
            retry = true;
          } else if (f.cmd != (cmd | kAckBit) || f.payload.size() != expect_len) {
            ++stats_.bad_reply;
            seen = fmt::format("reply command 0x{:02x} with {} bytes (expected 0x{:02x} with {})", f.cmd,
                               f.payload.size(), cmd | kAckBit, expect_len);
            retry = true;
          } else {
            // Bytes after the reply can only be noise or late replies: dropped with the decoder state.
            rx_.Reset();
            return f.payload;
          }
        }
      }
    }
    Fail(cmd, addr, count, seq,
         fmt::format("no valid reply after {} attempts; last seen: {}", retries_ + 1, seen));
  }

  void Send(const std::vector<uint8_t> &frame, Clock::time_point deadline, uint8_t cmd, uint32_t addr,
            size_t count, uint8_t seq) {
    size_t off = 0;
    while (off < frame.size()) {
      const ssize_t w = ::write(fd_, frame.data() + off, frame.size() - off);
      if (w > 0) {
        off += static_cast<size_t>(w);
        stats_.bytes_sent += static_cast<uint64_t>(w);
        continue;
      }
      if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        Fail(cmd, addr, count, seq, fmt::format("the link is closed (write: {})", std::strerror(errno)));
      }
      pollfd p{fd_, POLLOUT, 0};
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) == 0) {
        Fail(cmd, addr, count, seq,
             fmt::format("could not send the request ({} of {} bytes sent)", off, frame.size()));
      }
      if (p.revents & (POLLHUP | POLLERR))
        Fail(cmd, addr, count, seq, "the link is closed (hang-up while sending)");
    }
  }

  // Up to n bytes, waiting until `deadline`; 0 on timeout. Throws when the link is closed.
  size_t ReadSome(uint8_t *buf, size_t n, Clock::time_point deadline, uint8_t cmd, uint32_t addr,
                  size_t count, uint8_t seq) {
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      pollfd p{fd_, POLLIN, 0};
      const int pr = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 0)));
      if (pr < 0 && errno == EINTR) continue;
      if (pr == 0) return 0;
      const ssize_t r = ::read(fd_, buf, n);
      if (r > 0) {
        stats_.bytes_received += static_cast<uint64_t>(r);
        return static_cast<size_t>(r);
      }
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        if (left <= 0) return 0;
        continue;
      }
      Fail(cmd, addr, count, seq,
           r == 0 ? std::string("the link is closed (end of file)")
                  : fmt::format("the link is closed (read: {})", std::strerror(errno)));
    }
  }

  int fd_ = -1;
  std::string path_;
  uint32_t baud_ = 115200, timeout_ms_ = 200, retries_ = 8;
  uint32_t max_burst_ = kMaxBurstWords;
  uint8_t seq_ = 0;
  std::optional<Geometry> geom_;
  FrameDecoder rx_;
  LinkStats stats_;
};

}  // namespace

const link::LinkStats *link::GetLinkStats(const Device &dev) {
  const auto *u = dynamic_cast<const UartDevice *>(&dev);
  return u ? &u->stats() : nullptr;
}

std::unique_ptr<Device> OpenUartDevice(const std::string &args, std::string *error) {
  auto fail = [&](const std::string &msg) -> std::unique_ptr<Device> {
    if (error) *error = msg;
    return nullptr;
  };
  // PATH[@BAUD][,timeout_ms=N][,retries=N]
  const std::string target = args.substr(0, args.find(','));
  std::string path = target;
  uint32_t baud = 115200, timeout_ms = 200, retries = 8;
  auto number = [](const std::string &s, uint32_t *out) {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 9) return false;
    *out = static_cast<uint32_t>(std::strtoul(s.c_str(), nullptr, 10));
    return true;
  };
  if (const size_t at = target.rfind('@'); at != std::string::npos) {
    path = target.substr(0, at);
    if (!number(target.substr(at + 1), &baud))
      return fail(fmt::format("uart: bad baud rate '{}'", target.substr(at + 1)));
  }
  if (path.empty()) return fail("uart: no serial port given (uart:PATH[@BAUD][,timeout_ms=N][,retries=N])");
  for (size_t pos = args.find(','); pos != std::string::npos;) {
    const size_t next = args.find(',', pos + 1);
    const std::string opt =
        args.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    pos = next;
    const size_t eq = opt.find('=');
    const std::string key = opt.substr(0, eq), val = eq == std::string::npos ? "" : opt.substr(eq + 1);
    uint32_t *dst = key == "timeout_ms" ? &timeout_ms : key == "retries" ? &retries : nullptr;
    if (!dst) return fail(fmt::format("uart: unknown option '{}' (options: timeout_ms=N, retries=N)", opt));
    if (!number(val, dst)) return fail(fmt::format("uart: option '{}' needs a number", opt));
  }
  speed_t speed{};
  if (!BaudConstant(baud, &speed)) return fail(fmt::format("uart: unsupported baud rate {}", baud));

  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail(fmt::format("uart: cannot open {}: {}", path, std::strerror(errno)));
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) {
    const std::string e = std::strerror(errno);
    ::close(fd);
    return fail(fmt::format("uart: {} is not a terminal: {}", path, e));
  }
  ::cfmakeraw(&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cflag &= ~static_cast<tcflag_t>(CRTSCTS | CSTOPB | PARENB);
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  ::cfsetispeed(&tio, speed);
  ::cfsetospeed(&tio, speed);
  if (::tcsetattr(fd, TCSANOW, &tio) != 0) {
    const std::string e = std::strerror(errno);
    ::close(fd);
    return fail(fmt::format("uart: cannot set raw mode at {} baud on {}: {}", baud, path, e));
  }
  ::tcflush(fd, TCIOFLUSH);
  auto dev = std::make_unique<UartDevice>(fd, path, baud, timeout_ms, retries);
  try {
    std::string err;
    if (!dev->Init(&err)) return fail(err);
  } catch (const LinkError &e) {
    return fail(e.what());
  }
  return dev;
}

}  // namespace tsp
