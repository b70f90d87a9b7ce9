// The framed byte protocol of the serial host link (docs/host-link.md) and its device side.
//
// One request / response protocol carries the 32-bit CSR / IQ / MEM host map (docs/architecture.md
// §6) over any byte stream (UART, a pseudo-terminal in the tests):
//
//   frame   = SOF  stuffed( LEN:u16  SEQ:u8  CMD:u8  PAYLOAD[LEN]  CRC:u32 )      little endian
//   SOF     = 0x7E, never inside a frame: 0x7E and 0x7D in the body are sent as 0x7D, byte ^ 0x20
//   CRC     = CRC-32 (tsp::Crc32, zlib's) over LEN..PAYLOAD, before stuffing
//   request = SYNC (0x00, no payload), READ (0x01: ADDR:u32 COUNT:u16), WRITE (0x02: ADDR:u32
//             COUNT:u16 DATA[4*COUNT]); COUNT words at ADDR, ADDR+4, ...; 1 <= COUNT <= 256
//   reply   = ACK (CMD | 0x80, READ: the words, SYNC: VERSION:u16 MAX_COUNT:u16, WRITE: nothing) or
//             NACK (0xFF: CMD:u8 CODE:u8), always echoing SEQ
//
// A receiver resynchronises at every SOF (a frame in progress is abandoned); a frame whose CRC
// fails is answered with NACK BadCrc and never executed. The device keeps the SEQ and CRC of the
// last executed request and its reply: a request with the same SEQ and CRC (the host's retry
// after a lost reply) is answered with the stored reply and not executed again, so no write is
// applied twice. The host uses a new SEQ for every new request and retries (same bytes, same
// SEQ) on a timeout, a NACK, or a reply that fails its CRC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tsp {

class Device;

namespace link {

inline constexpr uint8_t kSof = 0x7E;
inline constexpr uint8_t kEsc = 0x7D;
inline constexpr uint8_t kEscXor = 0x20;
inline constexpr uint16_t kProtocolVersion = 1;
inline constexpr uint32_t kMaxBurstWords = 256;
inline constexpr size_t kMaxPayload = 6 + 4 * kMaxBurstWords;  // a WRITE of kMaxBurstWords words

enum Cmd : uint8_t {
  kCmdSync = 0x00,
  kCmdRead = 0x01,
  kCmdWrite = 0x02,
  kAckBit = 0x80,  // ACK of CMD = CMD | kAckBit
  kCmdNack = 0xFF,
};

enum NackCode : uint8_t {
  kNackBadCrc = 1,      // the frame arrived whole but failed its CRC (its SEQ may be wrong too)
  kNackBadCommand = 2,  // unknown CMD
  kNackBadLength = 3,   // LEN does not fit CMD (READ: 6; WRITE: 6 + 4*COUNT; SYNC: 0)
  kNackBadCount = 4,    // COUNT 0 or above kMaxBurstWords
};
const char *NackName(uint8_t code);

struct Frame {
  uint8_t seq = 0;
  uint8_t cmd = 0;
  uint32_t crc = 0;  // as received
  std::vector<uint8_t> payload;
};

// SOF + stuffed body of one frame.
std::vector<uint8_t> EncodeFrame(uint8_t seq, uint8_t cmd, const uint8_t *payload, size_t n);
inline std::vector<uint8_t> EncodeFrame(uint8_t seq, uint8_t cmd, const std::vector<uint8_t> &payload) {
  return EncodeFrame(seq, cmd, payload.data(), payload.size());
}

// Byte-wise receiver of frames, both directions. States (one byte each, after unstuffing):
//   HUNT -SOF-> LEN0 -> LEN1 -> SEQ -> CMD -> PAYLOAD x LEN -> CRC0..CRC3 -> (frame) HUNT
// Any SOF restarts at LEN0 (the frame in progress is counted as aborted); in HUNT every other byte
// is discarded; LEN above kMaxPayload goes back to HUNT. 0x7D marks the next byte as XOR 0x20.
class FrameDecoder {
 public:
  enum class Event { kNone, kFrame, kBadCrc };
  // kFrame: frame() is a frame with a good CRC. kBadCrc: a whole frame failed its CRC; frame()
  // holds what arrived (SEQ and CMD unreliable).
  Event Push(uint8_t byte);
  const Frame &frame() const { return frame_; }
  void Reset();

  struct Stats {
    uint64_t frames = 0, bad_crc = 0, aborted = 0, oversize = 0, discarded = 0;  // discarded: bytes in HUNT
  };
  const Stats &stats() const { return stats_; }

 private:
  enum class State { kHunt, kLen0, kLen1, kSeq, kCmd, kPayload, kCrc };
  void Begin();
  State state_ = State::kHunt;
  bool esc_ = false;
  uint16_t len_ = 0;
  uint32_t crc_in_ = 0;
  unsigned crc_bytes_ = 0;
  std::vector<uint8_t> body_;  // LEN..PAYLOAD, the CRC's input
  Frame frame_;
  Stats stats_;
};

// The device end of the link: consumes request bytes, executes each request on a tsp::Device with
// Read32 / Write32 and produces the reply bytes.
//
// This class is the specification of the RTL UART bridge (not yet written): its states are the
// RTL's, one byte at a time:
//   RX    FrameDecoder (HUNT, LEN0, LEN1, SEQ, CMD, PAYLOAD, CRC0..3); the request is held in a
//         kMaxPayload-byte buffer because nothing may be executed before its CRC is checked
//   CHECK bad CRC -> NACK BadCrc (not remembered); SEQ and CRC equal to the last executed
//         request -> REPLAY; bad CMD / LEN / COUNT -> NACK (remembered like an ACK); else EXEC
//   EXEC  COUNT host-map accesses at ADDR, ADDR+4, ... (one at a time, in order), reply built
//   TX    the reply frame, stuffed; SEQ, CRC and reply kept for REPLAY
//   REPLAY the kept reply again (no host-map access)
// SYNC always executes (it is idempotent) and forgets the kept reply, so a new host session cannot
// be answered with an old session's reply.
class UartBridgeModel {
 public:
  explicit UartBridgeModel(Device &dev) : dev_(dev) {}

  // Consumes received bytes and appends the reply bytes to *out.
  void Receive(const uint8_t *data, size_t n, std::vector<uint8_t> *out);

  struct Stats {
    uint64_t executed = 0;  // requests executed
    uint64_t replayed = 0;  // duplicates answered from the kept reply
    uint64_t nacks = 0;     // NACKs sent (BadCrc included)
    uint64_t bad_crc = 0;
    uint64_t words_read = 0, words_written = 0;
  };
  const Stats &stats() const { return stats_; }
  const FrameDecoder::Stats &rx_stats() const { return rx_.stats(); }

 private:
  void Handle(FrameDecoder::Event ev, std::vector<uint8_t> *out);
  // The reply payload; *reply_cmd: ACK (CMD | kAckBit) or kCmdNack.
  std::vector<uint8_t> Execute(const Frame &f, uint8_t *reply_cmd);

  Device &dev_;
  FrameDecoder rx_;
  bool have_last_ = false;
  uint8_t last_seq_ = 0;
  uint32_t last_crc_ = 0;
  std::vector<uint8_t> last_reply_;  // encoded
  Stats stats_;
};

// What a `uart:` device saw on its link (host side).
struct LinkStats {
  uint64_t requests = 0;  // transactions (each with its own SEQ)
  uint64_t attempts = 0;  // frames sent (requests + retries)
  uint64_t retries = 0;
  uint64_t timeouts = 0;   // attempts that ended without a usable reply in time
  uint64_t nacks = 0;      // NACKs received for the current SEQ
  uint64_t bad_crc = 0;    // reply frames that failed their CRC
  uint64_t stale = 0;      // good replies with another SEQ (late replies to earlier attempts)
  uint64_t bad_reply = 0;  // good replies of the wrong kind or length
  uint64_t bytes_sent = 0, bytes_received = 0;
};

// A transport failure after every retry, or a closed link: the message names the link, the
// request (command, address, word count), the sequence number and what was seen.
class LinkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Statistics of a `uart:` device; nullptr for other backends.
const LinkStats *GetLinkStats(const Device &dev);

}  // namespace link
}  // namespace tsp
