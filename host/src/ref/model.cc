#include "tsp/model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "tsp/numerics.h"
#include "tsp/vxm.h"

namespace tsp {

namespace {

using isa::Opcode;

constexpr uint32_t kLanes = isa::kLanesPerSuperlane;
// Future-event ring: must exceed the largest distance between an operand read and its last
// effect (TRANS: 15 more reads + latency 17 + 15 columns).
constexpr uint32_t kRing = 64;

uint32_t DTypeBits(uint32_t dtype) { return isa::kDTypeBytes[dtype & 3u] * 8u; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Internal state
// ---------------------------------------------------------------------------------------------
struct Model::Impl {
  struct StreamWriteEv {
    uint8_t dir;
    uint8_t stream;
    uint16_t position;
    uint16_t superlane;
    uint16_t queue;
    Word16 bytes;
  };
  struct BankWriteEv {
    uint16_t slice, superlane, queue;
    uint32_t addr;
    Word16 bytes;
  };
  struct GatherEv {  // bank read of a GATHER, then a stream write
    uint16_t slice, superlane, queue, position;
    uint32_t addr;
    uint8_t dir, stream;
  };
  struct Events {
    std::vector<StreamWriteEv> stream_writes;
    std::vector<BankWriteEv> bank_writes;
    std::vector<GatherEv> gathers;
    void clear() {
      stream_writes.clear();
      bank_writes.clear();
      gathers.clear();
    }
    bool empty() const { return stream_writes.empty() && bank_writes.empty() && gathers.empty(); }
  };

  // An instruction in flight through the superlanes of its slice.
  struct Flight {
    Instr in;
    uint32_t queue;
    uint64_t t0;
    uint32_t index;          // effective MEM address / LW row (REPEAT stride applied)
    uint64_t last_cycle;     // last operand-read cycle
    std::vector<uint8_t> a;  // cross-superlane ops: gathered operand (VL * width bytes)
    std::vector<uint8_t> map;
    std::array<int32_t, isa::kMxmRows> partial{};
  };

  struct QueueState {
    uint32_t pc = 0;
    QueueStatus status = QueueStatus::kRunning;
    uint64_t next_dispatch = 0;
    uint64_t busy_until = 0;  // unit occupancy
    // The occupancy running until busy_until is an interleaving instruction's (FEXP ..) dispatched
    // at busy_from: the unit takes instructions without interleave at its odd offsets.
    bool busy_interleave = false;
    uint64_t busy_from = 0;
    // REPEAT
    Instr rep_instr;
    bool has_prev = false;
    uint64_t prev_t0 = 0;
    uint32_t prev_index = 0;
    uint32_t rep_total = 0, rep_done = 0, rep_d = 0;
    int32_t rep_stride = 0;
    uint64_t rep_next = 0;
    // SYNC
    uint64_t sync_since = 0;
    bool released = false;
    uint64_t release_at = 0;
    uint64_t dispatched = 0;
    bool dispatched_this_cycle = false;
    uint64_t last_word = 0;
  };

  struct MxmState {
    std::vector<uint8_t> buffer;  // [row][VL]
    std::vector<uint8_t> active;  // [row][VL]
  };

  explicit Impl(const Geometry &g) : geom(g) {
    const uint32_t S = g.superlanes();
    streams.assign(2ull * g.streams() * g.num_positions() * S, StreamSlot{});
    mem.assign(uint64_t{g.num_mem_slices()} * g.mem_words() * g.vl(), 0);
    queues.resize(g.num_queues());
    programs.resize(g.num_queues());
    for (auto &m : mxm) {
      m.buffer.assign(isa::kMxmRows * g.vl(), 0);
      m.active.assign(isa::kMxmRows * g.vl(), 0);
    }
    stream_written.assign(streams.size(), 0);
    bank_access.assign(uint64_t{g.num_mem_slices()} * S * isa::kNumBanks, 0);
  }

  size_t SlotIndex(uint32_t d, uint32_t s, uint32_t p, uint32_t k) const {
    return ((size_t{d} * geom.streams() + s) * geom.num_positions() + p) * geom.superlanes() + k;
  }

  const Geometry &geom;
  std::vector<StreamSlot> streams;  // [dir][stream][position][superlane]
  std::vector<uint8_t> stream_written;
  std::vector<uint8_t> mem;         // [slice][addr][VL]
  std::vector<uint8_t> bank_access; // [slice][superlane][bank] this cycle
  std::vector<QueueState> queues;
  std::vector<std::vector<Instr>> programs;
  std::vector<Flight> flights;
  std::array<Events, kRing> ring;
  std::array<MxmState, 2> mxm;
  std::vector<uint64_t> notify_cycles;
};

// ---------------------------------------------------------------------------------------------
// Construction, host interface
// ---------------------------------------------------------------------------------------------
Model::Model(const Geometry &geom) : geom_(geom), impl_(std::make_unique<Impl>(geom_)) {}
Model::~Model() = default;

const char *RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kDone:
      return "done";
    case RunStatus::kTimeout:
      return "timeout";
    case RunStatus::kDeadlock:
      return "deadlock";
  }
  return "?";
}

bool Model::LoadProgram(const Program &p, std::string *error) {
  if (isa::Fingerprint(p.geometry) != geom_.fingerprint()) {
    *error = fmt::format("program built for {} but the model is {}", Geometry(p.geometry).Describe(),
                         geom_.Describe());
    return false;
  }
  if (p.queues.size() != geom_.num_queues()) {
    *error = fmt::format("program has {} queues, geometry has {}", p.queues.size(), geom_.num_queues());
    return false;
  }
  for (uint32_t q = 0; q < geom_.num_queues(); ++q) {
    if (p.queues[q].size() > geom_.iq_depth()) {
      *error = fmt::format("queue {}: {} instructions exceed the queue depth {}", geom_.queue(q).name,
                           p.queues[q].size(), geom_.iq_depth());
      return false;
    }
    impl_->programs[q].clear();
    for (size_t i = 0; i < p.queues[q].size(); ++i) {
      Instr in;
      std::string err;
      if (!Decode(p.queues[q][i], &in, &err, &geom_)) {
        *error = fmt::format("queue {} instruction {}: {}", geom_.queue(q).name, i, err);
        return false;
      }
      const auto unit = in.info().unit;
      const auto kind = geom_.queue(q).kind;
      const bool ok = unit == isa::Unit::kIcu || (unit == isa::Unit::kMem && kind == SliceKind::kMem) ||
                      (unit == isa::Unit::kVxm && kind == SliceKind::kVxm) ||
                      (unit == isa::Unit::kSxm && kind == SliceKind::kSxm) ||
                      (unit == isa::Unit::kMxm && kind == SliceKind::kMxm);
      if (!ok) {
        *error = fmt::format("queue {} instruction {}: {} cannot run in this queue", geom_.queue(q).name, i,
                             in.info().mnemonic);
        return false;
      }
      if (in.op == Opcode::kRepeat &&
          (i == 0 || isa::Info(impl_->programs[q].back().op).unit == isa::Unit::kIcu)) {
        *error = fmt::format("queue {} instruction {}: REPEAT must follow a non-ICU instruction",
                             geom_.queue(q).name, i);
        return false;
      }
      impl_->programs[q].push_back(in);
    }
  }
  for (const auto &img : p.mem) {
    if (img.slice >= geom_.num_mem_slices() || img.data.size() % geom_.vl() != 0 ||
        img.addr + img.data.size() / geom_.vl() > geom_.mem_words()) {
      *error = fmt::format("MEM image for slice {} at word {} ({} bytes) does not fit the geometry", img.slice,
                           img.addr, img.data.size());
      return false;
    }
    for (size_t w = 0; w < img.data.size() / geom_.vl(); ++w) {
      WriteMem(img.slice, static_cast<uint32_t>(img.addr + w),
               std::vector<uint8_t>(img.data.begin() + static_cast<long>(w * geom_.vl()),
                                    img.data.begin() + static_cast<long>((w + 1) * geom_.vl())));
    }
  }
  return true;
}

void Model::WriteMem(uint32_t slice, uint32_t addr, const std::vector<uint8_t> &v) {
  const uint64_t base = geom_.MemByteAddress(slice, addr, 0);
  std::copy(v.begin(), v.begin() + std::min<size_t>(v.size(), geom_.vl()), impl_->mem.begin() + static_cast<long>(base));
}

std::vector<uint8_t> Model::ReadMem(uint32_t slice, uint32_t addr) const {
  const uint64_t base = geom_.MemByteAddress(slice, addr, 0);
  return std::vector<uint8_t>(impl_->mem.begin() + static_cast<long>(base),
                              impl_->mem.begin() + static_cast<long>(base + geom_.vl()));
}

uint8_t Model::ReadMemByte(uint64_t a) const { return a < impl_->mem.size() ? impl_->mem[a] : 0; }
void Model::WriteMemByte(uint64_t a, uint8_t v) {
  if (a < impl_->mem.size()) impl_->mem[a] = v;
}

void Model::Start() {
  auto &I = *impl_;
  cycle_ = 0;
  errors_.clear();
  error_bits_ = 0;
  mem_writes_.clear();
  std::fill(I.streams.begin(), I.streams.end(), StreamSlot{});
  for (auto &q : I.queues) q = Impl::QueueState{};
  for (uint32_t q = 0; q < geom_.num_queues(); ++q) {
    if (I.programs[q].empty()) I.queues[q].status = QueueStatus::kDone;
  }
  I.flights.clear();
  for (auto &e : I.ring) e.clear();
  for (auto &m : I.mxm) {
    std::fill(m.buffer.begin(), m.buffer.end(), 0);
    std::fill(m.active.begin(), m.active.end(), 0);
  }
}

const StreamSlot &Model::Stream(Dir d, uint32_t s, uint32_t p, uint32_t k) const {
  return impl_->streams[impl_->SlotIndex(static_cast<uint32_t>(d), s, p, k)];
}

QueueView Model::Queue(uint32_t q) const {
  const auto &s = impl_->queues[q];
  return {s.pc, s.status, s.next_dispatch, s.dispatched, s.dispatched_this_cycle, s.last_word};
}

bool Model::done() const {
  const auto &I = *impl_;
  for (const auto &q : I.queues) {
    if (q.status != QueueStatus::kDone) return false;
  }
  if (!I.flights.empty()) return false;
  for (const auto &e : I.ring) {
    if (!e.empty()) return false;
  }
  return true;
}

RunResult Model::Run(uint64_t max_cycles) {
  while (!done()) {
    if (cycle_ >= max_cycles) {
      return {RunStatus::kTimeout, cycle_, fmt::format("not done after {} cycles", max_cycles)};
    }
    // Deadlock: every unfinished queue is parked on SYNC, no release pending, nothing in flight.
    bool all_parked = true;
    uint32_t parked = 0;
    for (const auto &q : impl_->queues) {
      if (q.status == QueueStatus::kSync && !q.released) {
        ++parked;
      } else if (q.status != QueueStatus::kDone) {
        all_parked = false;
      }
    }
    if (all_parked && parked > 0) {
      return {RunStatus::kDeadlock, cycle_, "every unfinished queue waits on SYNC and no queue can NOTIFY"};
    }
    Step();
  }
  return {RunStatus::kDone, cycle_, ""};
}

// ---------------------------------------------------------------------------------------------
// One cycle
// ---------------------------------------------------------------------------------------------
struct ModelAccess {
  using Impl = Model::Impl;

  static void Error(Model &m, uint32_t bit, const std::string &where, const std::string &msg) {
    m.error_bits_ |= bit;
    m.errors_.push_back({m.cycle_, bit, where, fmt::format("cycle {}: {}: {}", m.cycle_, where, msg)});
  }

  // Read one stream register (as seen by a slice at `pos` reading stream field `sf`) for tile k:
  // the upstream neighbour's register, or with `local` (VXM aloc / bloc) the one at `pos` itself.
  static Word16 ReadStream(Model &m, uint32_t q, uint32_t pos, uint32_t sf, uint32_t k, bool local = false) {
    auto &I = *m.impl_;
    const uint32_t d = static_cast<uint32_t>(StreamDir(sf));
    const uint32_t s = StreamIndex(sf);
    const int64_t src = local ? int64_t{pos} : d == 0 ? int64_t{pos} - 1 : int64_t{pos} + 1;
    if (src < 0 || src >= static_cast<int64_t>(m.geom_.num_positions())) {
      Error(m, isa::kErrEmptyRead, m.geom_.queue(q).name,
            fmt::format("reads stream {} superlane {} from beyond the chip edge", StreamName(sf), k));
      return Word16{};
    }
    const auto &slot = I.streams[I.SlotIndex(d, s, static_cast<uint32_t>(src), k)];
    if (!slot.valid) {
      Error(m, isa::kErrEmptyRead, m.geom_.queue(q).name,
            fmt::format("reads stream {}{} superlane {} at {}{} but no value is there", local ? "@" : "",
                        StreamName(sf), k, m.geom_.PositionName(static_cast<uint32_t>(src)),
                        local ? " (in place)" : ""));
    }
    return slot.bytes;
  }

  // Reads a stream group of `width` streams for tile k into lane-major raw values.
  static std::array<uint32_t, kLanes> ReadGroup(Model &m, uint32_t q, uint32_t pos, uint32_t sf,
                                                uint32_t width, uint32_t k, bool local = false) {
    std::array<uint32_t, kLanes> v{};
    for (uint32_t b = 0; b < width; ++b) {
      const Word16 w = ReadStream(m, q, pos, sf + b, k, local);
      for (uint32_t l = 0; l < kLanes; ++l) v[l] |= uint32_t{w[l]} << (8 * b);
    }
    return v;
  }

  static void ScheduleStream(Model &m, uint64_t at, uint32_t q, uint32_t pos, uint32_t sf, uint32_t k,
                             const Word16 &bytes) {
    auto &ev = m.impl_->ring[at % kRing];
    ev.stream_writes.push_back({static_cast<uint8_t>(StreamDir(sf)), static_cast<uint8_t>(StreamIndex(sf)),
                                static_cast<uint16_t>(pos), static_cast<uint16_t>(k), static_cast<uint16_t>(q),
                                bytes});
  }

  static void ScheduleGroup(Model &m, uint64_t at, uint32_t q, uint32_t pos, uint32_t sf, uint32_t width,
                            uint32_t k, const std::array<uint32_t, kLanes> &v) {
    for (uint32_t b = 0; b < width; ++b) {
      Word16 w{};
      for (uint32_t l = 0; l < kLanes; ++l) w[l] = static_cast<uint8_t>(v[l] >> (8 * b));
      ScheduleStream(m, at, q, pos, sf + b, k, w);
    }
  }

  static void BankAccess(Model &m, uint32_t q, uint32_t slice, uint32_t k, uint32_t addr) {
    auto &I = *m.impl_;
    const uint32_t bank = addr / m.geom_.words_per_bank();
    auto &cnt = I.bank_access[(uint64_t{slice} * m.geom_.superlanes() + k) * isa::kNumBanks + bank];
    if (++cnt == 2) {
      Error(m, isa::kErrBankConflict, m.geom_.queue(q).name,
            fmt::format("second access to bank {} of superlane {} in one cycle (address {})", bank, k, addr));
    }
  }

  static Word16 MemWord(Model &m, uint32_t slice, uint32_t addr, uint32_t k) {
    Word16 w{};
    const uint64_t base = m.geom_.MemByteAddress(slice, addr, k * kLanes);
    std::memcpy(w.data(), &m.impl_->mem[base], kLanes);
    return w;
  }

  static uint32_t SliceOf(const Model &m, uint32_t q) {
    const auto &qi = m.geom_.queue(q);
    return m.geom_.MemSliceId(qi.hemi, qi.index);
  }

  static uint32_t CheckAddr(Model &m, uint32_t q, uint32_t addr) {
    if (addr >= m.geom_.mem_words()) {
      Error(m, isa::kErrBadField, m.geom_.queue(q).name,
            fmt::format("MEM address {} is beyond {} words; wrapped", addr, m.geom_.mem_words()));
      addr %= m.geom_.mem_words();
    }
    return addr;
  }

  // ---- VXM lane arithmetic ----
  static uint32_t Mask(uint32_t bits) { return bits >= 32 ? 0xFFFFFFFFu : ((1u << bits) - 1u); }

  // ---- Per-tile execution of one flight at cycle c ----
  // Returns true when the flight has finished all its reads.
  static void TileStep(Model &m, Impl::Flight &f, uint64_t c) {
    auto &I = *m.impl_;
    const auto &g = m.geom_;
    const uint32_t S = g.superlanes();
    const uint32_t q = f.queue;
    const uint32_t pos = g.queue(q).position;
    const auto &info = f.in.info();
    const uint64_t rel = c - f.t0;
    const Instr &in = f.in;

    if (in.op == Opcode::kTrans) {
      // Tile k reads row i at t0+k+i, i = 0..15.
      for (uint32_t k = 0; k < S; ++k) {
        if (rel < k || rel > k + 15) continue;
        const uint32_t i = static_cast<uint32_t>(rel - k);
        const uint32_t w = GroupWidth(in.dtype);
        if (f.a.empty()) f.a.assign(size_t{16} * g.vl() * w, 0);
        for (uint32_t b = 0; b < w; ++b) {
          const Word16 row = ReadStream(m, q, pos, in.a + b, k);
          for (uint32_t l = 0; l < kLanes; ++l) f.a[(size_t{i} * g.vl() + k * kLanes + l) * w + b] = row[l];
        }
        if (i == 15) {
          for (uint32_t j = 0; j < 16; ++j) {
            for (uint32_t b = 0; b < w; ++b) {
              Word16 col{};
              for (uint32_t l = 0; l < kLanes; ++l) col[l] = f.a[(size_t{l} * g.vl() + k * kLanes + j) * w + b];
              ScheduleStream(m, f.t0 + k + info.latency + j, q, pos, in.dst + b, k, col);
            }
          }
        }
      }
      return;
    }

    if (rel >= S) return;
    const uint32_t k = static_cast<uint32_t>(rel);
    const uint64_t wcycle = c + info.latency;

    switch (info.unit) {
      case isa::Unit::kMem: {
        const uint32_t slice = SliceOf(m, q);
        switch (in.op) {
          case Opcode::kRead: {
            const uint32_t addr = CheckAddr(m, q, f.index);
            BankAccess(m, q, slice, k, addr);
            ScheduleStream(m, wcycle, q, pos, in.s, k, MemWord(m, slice, addr, k));
            break;
          }
          case Opcode::kWrite: {
            const uint32_t addr = CheckAddr(m, q, f.index);
            const Word16 v = ReadStream(m, q, pos, in.s, k);
            I.ring[(c + static_cast<uint64_t>(info.bank_offset)) % kRing].bank_writes.push_back(
                {static_cast<uint16_t>(slice), static_cast<uint16_t>(k), static_cast<uint16_t>(q), addr, v});
            break;
          }
          case Opcode::kGather:
          case Opcode::kScatter: {
            const Word16 lo = ReadStream(m, q, pos, in.m, k);
            const Word16 hi = ReadStream(m, q, pos, in.m + 1, k);
            const uint32_t addr = (uint32_t{lo[0]} | (uint32_t{hi[0]} << 8)) % g.mem_words();
            const uint64_t at = c + static_cast<uint64_t>(info.bank_offset);
            if (in.op == Opcode::kGather) {
              I.ring[at % kRing].gathers.push_back({static_cast<uint16_t>(slice), static_cast<uint16_t>(k),
                                                    static_cast<uint16_t>(q), static_cast<uint16_t>(pos), addr,
                                                    static_cast<uint8_t>(StreamDir(in.s)),
                                                    static_cast<uint8_t>(StreamIndex(in.s))});
            } else {
              const Word16 v = ReadStream(m, q, pos, in.s, k);
              I.ring[at % kRing].bank_writes.push_back(
                  {static_cast<uint16_t>(slice), static_cast<uint16_t>(k), static_cast<uint16_t>(q), addr, v});
            }
            break;
          }
          default:
            break;
        }
        break;
      }
      case isa::Unit::kVxm: {
        const auto a = ReadGroup(m, q, pos, in.a, VxmSourceWidth(in), k, in.aloc != 0);
        std::array<uint32_t, kLanes> b{};
        if (VxmUsesB(in.op)) {
          if (in.bimm) {
            const uint32_t bits = DTypeBits(in.op >= Opcode::kFadd ? 3u : in.dtype);
            b.fill(in.imm & Mask(bits));
          } else {
            b = ReadGroup(m, q, pos, in.b, VxmDestWidth(in), k, in.bloc != 0);
          }
        }
        std::array<uint32_t, kLanes> r{};
        for (uint32_t l = 0; l < kLanes; ++l) r[l] = num::EvalVxmLane(in, a[l], b[l]);
        ScheduleGroup(m, wcycle, q, pos, in.dst, VxmDestWidth(in), k, r);
        break;
      }
      case isa::Unit::kSxm: {
        const uint32_t w = GroupWidth(in.dtype);
        const uint32_t vl = g.vl();
        if (in.op == Opcode::kDist) {
          const auto a = ReadGroup(m, q, pos, in.a, w, k);
          const Word16 map = ReadStream(m, q, pos, in.b, k);
          std::array<uint32_t, kLanes> r{};
          for (uint32_t l = 0; l < kLanes; ++l) r[l] = (map[l] & 0x80u) ? 0u : a[map[l] & 15u];
          ScheduleGroup(m, wcycle, q, pos, in.dst, w, k, r);
          break;
        }
        // Cross-superlane ops: collect the whole vector, compute when the last superlane arrives.
        if (f.a.empty()) {
          f.a.assign(size_t{vl} * 4, 0);
          f.map.assign(vl, 0);
        }
        const auto a = ReadGroup(m, q, pos, in.a, w, k);
        for (uint32_t l = 0; l < kLanes; ++l) std::memcpy(&f.a[(k * kLanes + l) * 4], &a[l], 4);
        if (in.op == Opcode::kPerm) {
          const Word16 map = ReadStream(m, q, pos, in.b, k);
          for (uint32_t l = 0; l < kLanes; ++l) f.map[k * kLanes + l] = map[l];
        }
        if (k != S - 1) break;
        std::vector<uint32_t> in_v(vl), out(vl, 0);
        for (uint32_t l = 0; l < vl; ++l) std::memcpy(&in_v[l], &f.a[l * 4], 4);
        switch (in.op) {
          case Opcode::kShup:
            for (uint32_t l = 0; l < vl; ++l) out[l] = l >= in.imm ? in_v[l - in.imm] : 0;
            break;
          case Opcode::kShdn:
            for (uint32_t l = 0; l < vl; ++l) out[l] = uint64_t{l} + in.imm < vl ? in_v[l + in.imm] : 0;
            break;
          case Opcode::kPerm:
            for (uint32_t l = 0; l < vl; ++l) out[l] = f.map[l] == 0xFF ? 0 : in_v[f.map[l] % vl];
            break;
          case Opcode::kRsum:
          case Opcode::kRmax: {
            const bool is_f = in.dtype == static_cast<uint32_t>(isa::DType::kF32);
            std::vector<uint32_t> v = in_v;
            while (v.size() > 1) {
              std::vector<uint32_t> nv((v.size() + 1) / 2);
              for (size_t i = 0; i + 1 < v.size(); i += 2) {
                const uint32_t x = v[i], y = v[i + 1];
                if (in.op == Opcode::kRsum) {
                  nv[i / 2] = is_f ? num::FAdd(x, y) : x + y;
                } else {
                  nv[i / 2] = is_f ? num::FMax(x, y)
                                   : static_cast<uint32_t>(std::max(static_cast<int32_t>(x), static_cast<int32_t>(y)));
                }
              }
              if (v.size() % 2) nv.back() = v.back();
              v.swap(nv);
            }
            std::fill(out.begin(), out.end(), v[0]);
            break;
          }
          default:
            break;
        }
        for (uint32_t kk = 0; kk < S; ++kk) {
          std::array<uint32_t, kLanes> r{};
          for (uint32_t l = 0; l < kLanes; ++l) r[l] = out[kk * kLanes + l];
          ScheduleGroup(m, f.t0 + kk + info.latency, q, pos, in.dst, w, kk, r);
        }
        break;
      }
      case isa::Unit::kMxm: {
        auto &mx = I.mxm[g.queue(q).hemi == Hemi::kWest ? 0 : 1];
        const uint32_t vl = g.vl();
        if (in.op == Opcode::kLw) {
          // 1, 2 or 4 rows: stream a+i into row index+i (modulo 16 once a REPEAT stride moved it).
          for (uint32_t i = 0; i < GroupWidth(in.dtype); ++i) {
            const Word16 v = ReadStream(m, q, pos, in.a + i, k);
            const uint32_t row = (f.index + i) % isa::kMxmRows;
            std::memcpy(&mx.buffer[size_t{row} * vl + k * kLanes], v.data(), kLanes);
          }
        } else if (in.op == Opcode::kIw) {
          for (uint32_t r = 0; r < isa::kMxmRows; ++r) {
            std::memcpy(&mx.active[size_t{r} * vl + k * kLanes], &mx.buffer[size_t{r} * vl + k * kLanes], kLanes);
          }
        } else if (in.op == Opcode::kAbc) {
          const Word16 x = ReadStream(m, q, pos, in.a, k);
          std::array<uint32_t, kLanes> acc{};
          if (in.acc) acc = ReadGroup(m, q, pos, in.b, 4, k);
          std::array<uint32_t, kLanes> out{};
          for (uint32_t r = 0; r < isa::kMxmRows; ++r) {
            int64_t sum = f.partial[r];
            for (uint32_t j = 0; j < kLanes; ++j) {
              const uint8_t wb = mx.active[size_t{r} * vl + k * kLanes + j];
              const int32_t wv = in.wsigned ? static_cast<int8_t>(wb) : wb;
              const int32_t xv = in.asigned ? static_cast<int8_t>(x[j]) : x[j];
              sum += int64_t{wv} * xv;
            }
            f.partial[r] = static_cast<int32_t>(static_cast<uint32_t>(sum));
            out[r] = static_cast<uint32_t>(f.partial[r]) + acc[r];
          }
          ScheduleGroup(m, wcycle, q, pos, in.dst, 4, k, out);
        }
        break;
      }
      default:
        break;
    }
  }

  static void Dispatch(Model &m, uint32_t q, const Instr &in, uint32_t index) {
    auto &I = *m.impl_;
    auto &qs = I.queues[q];
    const auto &info = in.info();
    const bool busy = m.cycle_ < qs.busy_until;
    // Inside an interleaving instruction's occupancy: an instruction without interleave at an odd
    // offset runs in the free slots and leaves the occupancy running (ISA version 5).
    const bool in_slot = busy && qs.busy_interleave && !info.interleave && (m.cycle_ - qs.busy_from) % 2 == 1;
    if (busy && !in_slot) {
      Error(m, isa::kErrUnitBusy, m.geom_.queue(q).name,
            fmt::format("{} dispatched while the unit is busy until cycle {}{}", info.mnemonic, qs.busy_until,
                        qs.busy_interleave && !info.interleave ? " (an even offset from the special function)" : ""));
    }
    if (!in_slot) {
      qs.busy_until = m.cycle_ + info.occupancy;
      qs.busy_interleave = info.interleave;
      qs.busy_from = m.cycle_;
    }
    Impl::Flight f;
    f.in = in;
    f.queue = q;
    f.t0 = m.cycle_;
    f.index = index;
    f.last_cycle = m.cycle_ + m.geom_.superlanes() - 1 + (in.op == Opcode::kTrans ? 15 : 0);
    I.flights.push_back(std::move(f));
    qs.dispatched++;
    qs.dispatched_this_cycle = true;
    Instr enc = in;
    if (in.op == Opcode::kRead || in.op == Opcode::kWrite) enc.addr = index;
    if (in.op == Opcode::kLw) enc.imm = index;
    qs.last_word = Encode(enc);
  }

  static uint32_t IndexOf(const Instr &in) {
    if (in.op == Opcode::kRead || in.op == Opcode::kWrite) return in.addr;
    if (in.op == Opcode::kLw) return in.imm;
    return 0;
  }

  static void Icu(Model &m, uint32_t q) {
    auto &I = *m.impl_;
    auto &qs = I.queues[q];
    const uint64_t t = m.cycle_;
    const auto &prog = I.programs[q];
    qs.dispatched_this_cycle = false;
    if (qs.status == QueueStatus::kDone) return;
    if (qs.status == QueueStatus::kSync) {
      if (!qs.released || t < qs.release_at) return;
      qs.status = QueueStatus::kRunning;
      qs.released = false;
      qs.next_dispatch = qs.release_at;
    }
    if (qs.status == QueueStatus::kRepeat) {
      if (t != qs.rep_next) return;
      qs.rep_done++;
      Dispatch(m, q, qs.rep_instr,
               static_cast<uint32_t>(static_cast<int64_t>(qs.prev_index) +
                                     static_cast<int64_t>(qs.rep_stride) * qs.rep_done));
      if (qs.rep_done == qs.rep_total) {
        qs.status = QueueStatus::kRunning;
        qs.next_dispatch = t + 1;
        if (qs.pc >= prog.size()) qs.status = QueueStatus::kDone;
      } else {
        qs.rep_next = t + qs.rep_d;
      }
      return;
    }
    if (t < qs.next_dispatch) return;
    if (qs.status == QueueStatus::kNop) qs.status = QueueStatus::kRunning;
    if (qs.pc >= prog.size()) {
      qs.status = QueueStatus::kDone;
      return;
    }
    const Instr &in = prog[qs.pc++];
    switch (in.op) {
      case Opcode::kNop:
        qs.next_dispatch = t + in.n;
        qs.status = QueueStatus::kNop;
        break;
      case Opcode::kRepeat:
        qs.rep_instr = prog[qs.pc - 2];
        qs.rep_total = in.n;
        qs.rep_done = 0;
        qs.rep_d = in.d;
        qs.rep_stride = in.stride;
        qs.rep_next = qs.prev_t0 + in.d;
        qs.status = QueueStatus::kRepeat;
        if (qs.rep_next <= t) {
          qs.rep_next = t;
          Icu(m, q);  // first re-issue happens this cycle (d == 1)
          qs.dispatched_this_cycle = true;
        }
        return;
      case Opcode::kSync:
        qs.status = QueueStatus::kSync;
        qs.sync_since = t;
        qs.released = false;
        return;
      case Opcode::kNotify:
        I.notify_cycles.push_back(t);
        qs.next_dispatch = t + 1;
        break;
      default:
        qs.prev_t0 = t;
        qs.prev_index = IndexOf(in);
        Dispatch(m, q, in, qs.prev_index);
        qs.next_dispatch = t + 1;
        break;
    }
    if (qs.pc >= prog.size() && qs.status == QueueStatus::kRunning) {
      // Done once the last instruction has been dispatched.
      qs.status = QueueStatus::kDone;
    }
  }
};

bool Model::Step() {
  if (done()) return false;
  auto &I = *impl_;
  const auto &g = geom_;
  using A = ModelAccess;
  mem_writes_.clear();
  std::fill(I.bank_access.begin(), I.bank_access.end(), 0);
  std::fill(I.stream_written.begin(), I.stream_written.end(), 0);

  // 1. Instruction dispatch.
  I.notify_cycles.clear();
  for (uint32_t q = 0; q < g.num_queues(); ++q) {
    auto &qs = I.queues[q];
    if (qs.status == QueueStatus::kNop && cycle_ >= qs.next_dispatch && qs.pc >= I.programs[q].size()) {
      qs.status = QueueStatus::kDone;
    }
    A::Icu(*this, q);
  }
  if (!I.notify_cycles.empty()) {
    for (auto &qs : I.queues) {
      if (qs.status == QueueStatus::kSync && !qs.released && qs.sync_since <= cycle_) {
        qs.released = true;
        qs.release_at = cycle_ + isa::kNotifyLatency;
      }
    }
  }
  // NOP tails finishing a queue.
  for (uint32_t q = 0; q < g.num_queues(); ++q) {
    auto &qs = I.queues[q];
    if (qs.status == QueueStatus::kNop && qs.pc >= I.programs[q].size() && cycle_ + 1 >= qs.next_dispatch) {
      qs.status = QueueStatus::kDone;
    }
  }

  // 2. Operand reads of every instruction in flight, at each superlane it has reached.
  for (auto &f : I.flights) A::TileStep(*this, f, cycle_);
  I.flights.erase(std::remove_if(I.flights.begin(), I.flights.end(),
                                 [&](const Impl::Flight &f) { return f.last_cycle <= cycle_; }),
                  I.flights.end());

  auto &ev = I.ring[cycle_ % kRing];
  // 3. Gather bank reads (read before this cycle's writes).
  for (const auto &gv : ev.gathers) {
    A::BankAccess(*this, gv.queue, gv.slice, gv.superlane, gv.addr);
    const Word16 v = A::MemWord(*this, gv.slice, gv.addr, gv.superlane);
    const auto &info = isa::Info(Opcode::kGather);
    A::ScheduleStream(*this, cycle_ + info.latency - static_cast<uint64_t>(info.bank_offset), gv.queue,
                      gv.position, StreamField(static_cast<Dir>(gv.dir), gv.stream), gv.superlane, v);
  }
  // 4. Bank writes.
  for (const auto &bw : ev.bank_writes) {
    A::BankAccess(*this, bw.queue, bw.slice, bw.superlane, bw.addr);
    const uint64_t base = g.MemByteAddress(bw.slice, bw.addr, bw.superlane * kLanes);
    std::memcpy(&I.mem[base], bw.bytes.data(), kLanes);
    mem_writes_.push_back({bw.slice, bw.superlane, bw.addr, bw.bytes});
  }
  // 5. Streams hop one position; this cycle's writes replace what arrives.
  const uint32_t P = g.num_positions(), S = g.superlanes();
  for (uint32_t s = 0; s < g.streams(); ++s) {
    StreamSlot *east = &I.streams[I.SlotIndex(0, s, 0, 0)];
    std::memmove(east + S, east, sizeof(StreamSlot) * S * (P - 1));
    for (uint32_t k = 0; k < S; ++k) east[k] = StreamSlot{};
    StreamSlot *west = &I.streams[I.SlotIndex(1, s, 0, 0)];
    std::memmove(west, west + S, sizeof(StreamSlot) * S * (P - 1));
    for (uint32_t k = 0; k < S; ++k) west[(P - 1) * S + k] = StreamSlot{};
  }
  for (const auto &sw : ev.stream_writes) {
    const size_t idx = I.SlotIndex(sw.dir, sw.stream, sw.position, sw.superlane);
    if (I.stream_written[idx]++) {
      A::Error(*this, isa::kErrStreamCollision, g.queue(sw.queue).name,
               fmt::format("second write to stream {}{} superlane {} at {} in one cycle", sw.dir ? 'W' : 'E',
                           sw.stream, sw.superlane, g.PositionName(sw.position)));
    }
    I.streams[idx].valid = true;
    I.streams[idx].bytes = sw.bytes;
  }
  ev.clear();
  ++cycle_;
  if (hook_) hook_(*this);
  return true;
}

}  // namespace tsp
