// The serial host link protocol (tsp/host_link.h, docs/host-link.md): frame encoding, the frame
// receiver and the device-side bridge model that the RTL UART bridge will follow.
#include "tsp/host_link.h"

#include "tsp/device.h"
#include "tsp/program.h"

namespace tsp::link {

namespace {

void Put16(std::vector<uint8_t> *v, uint32_t x) {
  v->push_back(static_cast<uint8_t>(x));
  v->push_back(static_cast<uint8_t>(x >> 8));
}
void Put32(std::vector<uint8_t> *v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v->push_back(static_cast<uint8_t>(x >> (8 * i)));
}
uint32_t Get16(const uint8_t *p) { return uint32_t{p[0]} | uint32_t{p[1]} << 8; }
uint32_t Get32(const uint8_t *p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

void PutStuffed(std::vector<uint8_t> *out, uint8_t b) {
  if (b == kSof || b == kEsc) {
    out->push_back(kEsc);
    out->push_back(static_cast<uint8_t>(b ^ kEscXor));
  } else {
    out->push_back(b);
  }
}

}  // namespace

const char *NackName(uint8_t code) {
  switch (code) {
    case kNackBadCrc:
      return "BadCrc";
    case kNackBadCommand:
      return "BadCommand";
    case kNackBadLength:
      return "BadLength";
    case kNackBadCount:
      return "BadCount";
    default:
      return "unknown";
  }
}

std::vector<uint8_t> EncodeFrame(uint8_t seq, uint8_t cmd, const uint8_t *payload, size_t n) {
  std::vector<uint8_t> body;
  body.reserve(n + 8);
  Put16(&body, static_cast<uint32_t>(n));
  body.push_back(seq);
  body.push_back(cmd);
  body.insert(body.end(), payload, payload + n);
  Put32(&body, Crc32(body.data(), body.size()));
  std::vector<uint8_t> out;
  out.reserve(body.size() + body.size() / 16 + 2);
  out.push_back(kSof);
  for (uint8_t b : body) PutStuffed(&out, b);
  return out;
}

// ---------------------------------------------------------------------------------------------
// FrameDecoder
// ---------------------------------------------------------------------------------------------
void FrameDecoder::Reset() {
  state_ = State::kHunt;
  esc_ = false;
}

void FrameDecoder::Begin() {
  if (state_ != State::kHunt) ++stats_.aborted;
  state_ = State::kLen0;
  esc_ = false;
  body_.clear();
  crc_bytes_ = 0;
  crc_in_ = 0;
}

FrameDecoder::Event FrameDecoder::Push(uint8_t raw) {
  if (raw == kSof) {  // always a frame start, whatever came before
    Begin();
    return Event::kNone;
  }
  if (state_ == State::kHunt) {
    ++stats_.discarded;
    return Event::kNone;
  }
  if (raw == kEsc && !esc_) {
    esc_ = true;
    return Event::kNone;
  }
  const uint8_t b = esc_ ? static_cast<uint8_t>(raw ^ kEscXor) : raw;
  esc_ = false;
  switch (state_) {
    case State::kHunt:
      break;
    case State::kLen0:
      body_.push_back(b);
      len_ = b;
      state_ = State::kLen1;
      break;
    case State::kLen1:
      body_.push_back(b);
      len_ = static_cast<uint16_t>(len_ | b << 8);
      if (len_ > kMaxPayload) {
        ++stats_.oversize;
        state_ = State::kHunt;
      } else {
        state_ = State::kSeq;
      }
      break;
    case State::kSeq:
      body_.push_back(b);
      state_ = State::kCmd;
      break;
    case State::kCmd:
      body_.push_back(b);
      state_ = len_ ? State::kPayload : State::kCrc;
      break;
    case State::kPayload:
      body_.push_back(b);
      if (body_.size() == size_t{len_} + 4) state_ = State::kCrc;
      break;
    case State::kCrc:
      crc_in_ |= uint32_t{b} << (8 * crc_bytes_);
      if (++crc_bytes_ == 4) {
        state_ = State::kHunt;
        frame_.seq = body_[2];
        frame_.cmd = body_[3];
        frame_.crc = crc_in_;
        frame_.payload.assign(body_.begin() + 4, body_.end());
        if (Crc32(body_.data(), body_.size()) != crc_in_) {
          ++stats_.bad_crc;
          return Event::kBadCrc;
        }
        ++stats_.frames;
        return Event::kFrame;
      }
      break;
  }
  return Event::kNone;
}

// ---------------------------------------------------------------------------------------------
// UartBridgeModel
// ---------------------------------------------------------------------------------------------
void UartBridgeModel::Receive(const uint8_t *data, size_t n, std::vector<uint8_t> *out) {
  for (size_t i = 0; i < n; ++i) {
    const FrameDecoder::Event ev = rx_.Push(data[i]);
    if (ev != FrameDecoder::Event::kNone) Handle(ev, out);
  }
}

void UartBridgeModel::Handle(FrameDecoder::Event ev, std::vector<uint8_t> *out) {
  const Frame &f = rx_.frame();
  // CHECK
  if (ev == FrameDecoder::Event::kBadCrc) {
    ++stats_.bad_crc;
    ++stats_.nacks;
    const uint8_t nack[2] = {f.cmd, kNackBadCrc};
    const auto reply = EncodeFrame(f.seq, kCmdNack, nack, 2);
    out->insert(out->end(), reply.begin(), reply.end());
    return;
  }
  if (f.cmd != kCmdSync && have_last_ && f.seq == last_seq_ && f.crc == last_crc_) {  // REPLAY
    ++stats_.replayed;
    out->insert(out->end(), last_reply_.begin(), last_reply_.end());
    return;
  }
  // EXEC, TX
  uint8_t cmd = 0;
  const std::vector<uint8_t> payload = Execute(f, &cmd);
  last_reply_ = EncodeFrame(f.seq, cmd, payload);
  have_last_ = f.cmd != kCmdSync;
  last_seq_ = f.seq;
  last_crc_ = f.crc;
  out->insert(out->end(), last_reply_.begin(), last_reply_.end());
}

std::vector<uint8_t> UartBridgeModel::Execute(const Frame &f, uint8_t *reply_cmd) {
  *reply_cmd = static_cast<uint8_t>(f.cmd | kAckBit);
  auto nack = [&](uint8_t code) {
    *reply_cmd = kCmdNack;
    ++stats_.nacks;
    return std::vector<uint8_t>{f.cmd, code};
  };
  const size_t n = f.payload.size();
  const uint8_t *p = f.payload.data();
  std::vector<uint8_t> reply;
  switch (f.cmd) {
    case kCmdSync:
      if (n != 0) return nack(kNackBadLength);
      ++stats_.executed;
      Put16(&reply, kProtocolVersion);
      Put16(&reply, kMaxBurstWords);
      return reply;
    case kCmdRead:
    case kCmdWrite: {
      if (n < 6) return nack(kNackBadLength);
      const uint32_t addr = Get32(p);
      const uint32_t count = Get16(p + 4);
      if (count == 0 || count > kMaxBurstWords) return nack(kNackBadCount);
      if (n != (f.cmd == kCmdRead ? 6u : 6u + 4u * count)) return nack(kNackBadLength);
      ++stats_.executed;
      for (uint32_t i = 0; i < count; ++i) {
        const uint32_t a = addr + 4 * i;
        if (f.cmd == kCmdRead) {
          Put32(&reply, dev_.Read32(a));
          ++stats_.words_read;
        } else {
          dev_.Write32(a, Get32(p + 6 + 4 * i));
          ++stats_.words_written;
        }
      }
      return reply;
    }
    default:
      return nack(kNackBadCommand);
  }
}

}  // namespace tsp::link
