// A pseudo-terminal whose master side is served by a thread: the device end of a serial host link
// (docs/host-link.md) for tests, with optional faults injected on the bytes in both directions.
// The host opens path() with the `uart:` device. Subclasses supply the device end: the bridge
// model (host/tests/device/uart_test.cc) or the Verilated RTL bridge (tb/unit/uart).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tsp::test {

enum Fault { kDrop, kCorrupt, kDuplicate, kInsert, kNumFaults };
inline const char *const kFaultNames[kNumFaults] = {"dropped", "corrupted", "duplicated", "inserted"};
enum Direction { kToDevice, kToHost };

struct FaultConfig {
  double rate[kNumFaults] = {0, 0, 0, 0};  // per byte, each direction
  uint64_t seed = 1;
  uint64_t disconnect_after = 0;  // close the master after this many received bytes (0: never)
};

class PtyLink {
 public:
  explicit PtyLink(FaultConfig faults = {}) : faults_(faults), rng_(faults.seed) {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0)
      throw std::runtime_error("posix_openpt/grantpt/unlockpt failed");
    char name[128];
    if (::ptsname_r(master_, name, sizeof name) != 0) throw std::runtime_error("ptsname_r failed");
    path_ = name;
    // Our own slave descriptor keeps the pty up (no hang-up) until the host opens it; raw, so that
    // nothing is echoed or translated before the host sets raw mode itself.
    keep_slave_ = ::open(name, O_RDWR | O_NOCTTY);
    termios tio{};
    ::tcgetattr(keep_slave_, &tio);
    ::cfmakeraw(&tio);
    ::tcsetattr(keep_slave_, TCSANOW, &tio);
    ::fcntl(master_, F_SETFL, ::fcntl(master_, F_GETFL) | O_NONBLOCK);
  }
  virtual ~PtyLink() {
    Stop();
    if (master_ >= 0) ::close(master_);
    ::close(keep_slave_);
  }
  PtyLink(const PtyLink &) = delete;
  PtyLink &operator=(const PtyLink &) = delete;

  const std::string &path() const { return path_; }
  uint64_t injected(Direction d, Fault f) const { return injected_[d][f]; }
  uint64_t injected(Fault f) const { return injected_[0][f] + injected_[1][f]; }
  bool disconnected() const { return disconnected_; }

 protected:
  // The subclass starts the thread at the end of its constructor and stops it first thing in its
  // destructor (the thread calls its virtual functions).
  void Start() { thread_ = std::thread([this] { Loop(); }); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // The device end: consumes the bytes that arrived (after fault injection; possibly none) and
  // appends the bytes to send back to *out.
  virtual void Exchange(const std::vector<uint8_t> &in, std::vector<uint8_t> *out) = 0;
  // True while the device end has work of its own: Exchange is called again at once instead of
  // after waiting for input.
  virtual bool Busy() const { return false; }

 private:
  void Inject(Direction d, const uint8_t *in, size_t n, std::vector<uint8_t> *out) {
    std::uniform_real_distribution<double> u(0, 1);
    for (size_t i = 0; i < n; ++i) {
      uint8_t b = in[i];
      double r = u(rng_);
      int f = 0;
      for (; f < kNumFaults && r >= faults_.rate[f]; ++f) r -= faults_.rate[f];
      switch (f) {
        case kDrop:
          break;
        case kCorrupt:
          out->push_back(static_cast<uint8_t>(b ^ (1 + rng_() % 255)));
          break;
        case kDuplicate:
          out->push_back(b);
          out->push_back(b);
          break;
        case kInsert:
          out->push_back(static_cast<uint8_t>(rng_()));
          out->push_back(b);
          break;
        default:
          out->push_back(b);
          continue;
      }
      ++injected_[d][f];
    }
  }

  void Loop() {
    std::vector<uint8_t> in, reply, out;
    uint8_t buf[4096];
    while (!stop_) {
      in.clear();
      reply.clear();
      out.clear();
      pollfd p{master_, POLLIN, 0};
      if (::poll(&p, 1, Busy() ? 0 : 5) > 0) {
        const ssize_t n = ::read(master_, buf, sizeof buf);
        if (n > 0) {
          received_ += static_cast<uint64_t>(n);
          if (faults_.disconnect_after && received_ >= faults_.disconnect_after) {
            disconnected_ = true;  // before the host can see the hang-up
            ::close(master_);      // in the middle of whatever request was arriving
            master_ = -1;
            return;
          }
          Inject(kToDevice, buf, static_cast<size_t>(n), &in);
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      }
      if (in.empty() && !Busy()) continue;
      Exchange(in, &reply);
      Inject(kToHost, reply.data(), reply.size(), &out);
      for (size_t off = 0; off < out.size() && !stop_;) {
        const ssize_t w = ::write(master_, out.data() + off, out.size() - off);
        if (w > 0) {
          off += static_cast<size_t>(w);
        } else {
          pollfd q{master_, POLLOUT, 0};
          ::poll(&q, 1, 5);
        }
      }
    }
  }

  FaultConfig faults_;
  std::mt19937_64 rng_;
  int master_ = -1, keep_slave_ = -1;
  std::string path_;
  std::thread thread_;
  std::atomic<bool> stop_{false}, disconnected_{false};
  std::atomic<uint64_t> injected_[2][kNumFaults] = {};
  uint64_t received_ = 0;
};

}  // namespace tsp::test
