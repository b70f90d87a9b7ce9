// Devices: one interface for every transport of the TSP host map (docs/architecture.md §6).
//
// A Device is a TSP behind the one 32-bit CSR / IQ / MEM map of isa/tsp_isa.json ("csr"). Backends
// differ only in transport: `ref` implements the map on top of the cycle-exact tsp::Model, `rtl`
// drives the Verilated core through its host bus (tb/common/rtl_device.h), `uart:PATH[@BAUD]` a
// board (or the bridge model) over a serial line (tsp/host_link.h, docs/host-link.md), `axi:PATH` a
// Zynq board's AXI4-Lite slave through a memory-mapped window (tsp/mmio.h). The driver code here
// (LoadProgram, Start, Run) is written once against Read32/Write32, so the same program loads and runs the
// same way on every backend.
//
//   std::string err;
//   auto dev = tsp::OpenDevice("rtl:small", &err);          // or "ref", "ref:small", "rtl"
//   if (!dev || !dev->LoadProgram(program, &err)) ...       // fingerprint checked first
//   auto r = dev->Run(1'000'000);                           // CTRL.START, wait for DONE
//   auto r2 = dev->Run(1'000'000);                          // again, without reloading
//
// Programs stay loaded across runs: START restarts every queue at cycle 0 and keeps MEM, so a
// program can be loaded once and run many times; MEM written between runs is seen by the next one.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tsp/geometry.h"
#include "tsp/program.h"

namespace tsp {

// STATUS bits (docs/isa-tables.md, "Host CSR map").
inline constexpr uint32_t kStatusBusy = 1u << 0;
inline constexpr uint32_t kStatusDone = 1u << 1;
inline constexpr uint32_t kStatusError = 1u << 2;
// CTRL bits.
inline constexpr uint32_t kCtrlStart = 1u << 0;
inline constexpr uint32_t kCtrlClear = 1u << 1;

// Host address of word i (low half; +4 high half) of queue q, and of MEM lane bytes.
inline uint32_t IqAddress(uint32_t queue, uint32_t index) {
  return isa::kRegionIqBase + queue * isa::kIqStride + index * 8u;
}
inline uint32_t MemAddress(const Geometry &g, uint32_t slice, uint32_t addr, uint32_t lane) {
  return static_cast<uint32_t>(isa::kRegionMemBase + g.MemByteAddress(slice, addr, lane));
}

// "IllegalOpcode|EmptyRead" for ERROR bits, "none" for 0.
std::string ErrorBitNames(uint32_t bits);

class Device {
 public:
  struct RunResult {
    bool ok = false;      // DONE and ERROR == 0
    bool done = false;    // STATUS.DONE seen (false: not done within max_cycles, stopped with CTRL.CLEAR)
    uint64_t cycles = 0;  // CYCLE_HI:CYCLE_LO after the run
    uint32_t error_bits = 0;              // ERROR after the run
    std::string message;                  // empty when ok, otherwise what went wrong
    std::vector<std::string> details;     // transport diagnostics (ref: every schedule error)
    double wall_seconds = 0;              // from CTRL.START to the end of the run
    uint64_t clocks = 0;                  // transport clocks spent in the run (see clocks())
  };

  virtual ~Device();
  Device(const Device &) = delete;
  Device &operator=(const Device &) = delete;

  // Geometry of the device, read from the GEOM / GEOM_HI CSRs when it was opened.
  virtual const Geometry &geometry() const = 0;
  // Backend name: "ref", "rtl".
  virtual std::string name() const = 0;
  // One line for humans: "reference model (tsp::Model), default (S=4 VL=64 ...)".
  virtual std::string Describe() const;

  // ---- the shared host map (counted in host_bytes_*) ----
  uint32_t Read32(uint32_t addr);
  void Write32(uint32_t addr, uint32_t data);
  uint32_t Status() { return Read32(isa::kCsrStatus); }

  // Whole MEM words (VL bytes each) of one slice, starting at word `addr`: `bytes` must be a
  // multiple of VL and the words must lie inside the slice. False (and *error) otherwise; nothing
  // is written then. Backends may move the words another way than through Read32/Write32 (ref:
  // directly into the model; rtl: a simulation-only backdoor, counted in backdoor_bytes_*), always
  // with the same effect on MEM as the 32-bit map, including ignoring MEM while the core is busy.
  bool WriteMemWords(uint32_t slice, uint32_t addr, const uint8_t *data, size_t bytes, std::string *error);
  bool ReadMemWords(uint32_t slice, uint32_t addr, uint8_t *data, size_t bytes, std::string *error);
  // One word (VL bytes); empty when the slice or address is out of range.
  std::vector<uint8_t> ReadMemWord(uint32_t slice, uint32_t addr);

  // ---- driver ----
  // Checks the program against the device before touching it: geometry fingerprint (the message
  // names both geometries), number of queues, queue depth, MEM images inside MEM. Then stops a
  // run still in progress (CTRL.CLEAR), writes the MEM images, every instruction word and QLEN of
  // every queue (zeros included, so nothing of an earlier program survives).
  bool LoadProgram(const Program &p, std::string *error);
  // The same without the MEM images: instructions and QLEN only, MEM untouched.
  bool LoadQueues(const Program &p, std::string *error);
  // CTRL.START (after CTRL.CLEAR if the core is still busy). Clocked backends return once the run
  // has begun (rtl: in run cycle 0).
  bool Start(std::string *error);
  // After Start(): waits until STATUS.DONE, at most max_cycles run cycles; on timeout stops the
  // run with CTRL.CLEAR. Reads CYCLE and ERROR.
  RunResult Wait(uint64_t max_cycles);
  // Start() + Wait().
  RunResult Run(uint64_t max_cycles);

  // ---- accounting ----
  // Transport clocks spent so far (rtl: Verilator clock cycles, loads included); 0 if n/a.
  virtual uint64_t clocks() const { return 0; }
  // Bytes moved over the host map (Read32/Write32, and MEM words a backend moved directly in the
  // map's place), and bytes moved through a simulation-only backdoor instead.
  uint64_t host_bytes_written() const { return host_written_; }
  uint64_t host_bytes_read() const { return host_read_; }
  uint64_t backdoor_bytes_written() const { return backdoor_written_; }
  uint64_t backdoor_bytes_read() const { return backdoor_read_; }

 protected:
  Device() = default;

  // The transport: one 32-bit access of the map (addresses and semantics: tsp_top / tsp_csr).
  virtual uint32_t BusRead32(uint32_t addr) = 0;
  virtual void BusWrite32(uint32_t addr, uint32_t data) = 0;
  // Bulk MEM words, arguments already checked. Default: 32-bit map accesses, lane order.
  virtual void DoWriteMemWords(uint32_t slice, uint32_t addr, const uint8_t *data, size_t words);
  virtual void DoReadMemWords(uint32_t slice, uint32_t addr, uint8_t *data, size_t words);
  // Instruction words 0..n-1 of queue q (QLEN is written separately). Default: two 32-bit map
  // writes per word, low half first.
  virtual void DoWriteQueueWords(uint32_t queue, const uint64_t *words, size_t n);
  // Called after CTRL.START was written. Clocked backends wait for the run to begin.
  virtual bool AfterStart(std::string *error);
  // Advances until STATUS.DONE or until the run has taken max_cycles cycles. Default: polls STATUS
  // and CYCLE through the map. Backends may add diagnostics to *details.
  virtual void WaitDone(uint64_t max_cycles, std::vector<std::string> *details);

  void CountHost(uint64_t written, uint64_t read) {
    host_written_ += written;
    host_read_ += read;
  }
  void CountBackdoor(uint64_t written, uint64_t read) {
    backdoor_written_ += written;
    backdoor_read_ += read;
  }

 private:
  bool CheckProgram(const Program &p, bool with_mem, std::string *error);
  bool StopIfBusy(std::string *error);
  void WriteQueues(const Program &p);
  bool CheckMemRange(uint32_t slice, uint32_t addr, const void *data, size_t bytes, std::string *error) const;

  uint64_t host_written_ = 0, host_read_ = 0, backdoor_written_ = 0, backdoor_read_ = 0;
  std::chrono::steady_clock::time_point start_time_{};  // of the last Start()
  uint64_t start_clocks_ = 0;
};

// ---- opening devices ----
// spec = SCHEME[:ARGS]. Built in: "ref" and "ref:CONFIG" (the reference model with a geometry of
// isa::kConfigs; "ref" is the default geometry; option ",free=N": see ref_device.h) and
// "uart:PATH[@BAUD][,timeout_ms=N][,retries=N]" (a serial host link, docs/host-link.md; its map
// accesses throw tsp::link::LinkError when the link fails) and "axi:PATH[@BASE][,offset=N][,size=N][,mem_at=N]"
// (the AXI4-Lite slave of a Zynq board through a UIO or /dev/mem window, tsp/mmio.h,
// docs/host-link.md §9). The Verilated cores register "rtl", "rtl:default"
// and "rtl:small" when they are linked (tb/common/rtl_device.h). An unknown spec fails with a
// message listing what this binary has.
std::unique_ptr<Device> OpenDevice(const std::string &spec, std::string *error);

using DeviceFactory = std::function<std::unique_ptr<Device>(const std::string &args, std::string *error)>;
// Registers the factory of one scheme ("rtl"); it receives everything after "SCHEME:" (or "").
void RegisterDeviceFactory(const std::string &scheme, DeviceFactory factory);
// Adds a spec to the list AvailableDevices() and OpenDevice's errors show.
void RegisterDeviceSpec(const std::string &spec);
// Every spec this binary can open, sorted ("ref", "ref:default", "ref:small", "rtl", ...).
std::vector<std::string> AvailableDevices();

}  // namespace tsp
