// Lockstep of one Verilated slice (tsp_sxm / tsp_mxm, the slice port contract of docs/rtl.md)
// against the reference model tsp::Model running a whole program.
//
// Every run cycle c: the model executes Step() for cycle c; the slice gets the instruction its
// queue dispatched in that cycle on disp_i and the stream registers the model held during the
// cycle (V(c)) at its neighbours on east_i / west_i. The slice's writes, merged with the values
// arriving from upstream exactly as the fabric does, must equal the model's stream registers at
// the slice's position after the step (valid bit and, if valid, all 16 bytes), for every
// direction, stream and superlane. err_o must equal the model's EmptyRead / StreamCollision
// errors raised by this queue in that cycle (not UnitBusy: the ICU raises that one), and idle_o
// must be 1 exactly when no instruction dispatched so far still reads or writes in this cycle or
// later (computed here from the ISA latencies). Every write the slice makes is recorded (cycle,
// stream, superlane, bytes) so tests can also check results against plain C++.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <verilated.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness.h"
#include "ref/builder.h"
#include "tsp/instr.h"
#include "tsp/model.h"

namespace tsp::tb {

inline constexpr uint32_t kSlotBits = 129;  // tsp_pkg::slot_t: {valid, data[127:0]}

// Bit access to Verilator wide ports (little-endian 32-bit words).
template <size_t N>
void PutBits(VlWide<N> &w, uint32_t lsb, uint32_t nbits, uint64_t v) {
  for (uint32_t i = 0; i < nbits; ++i) {
    const uint32_t b = lsb + i;
    const uint32_t mask = 1u << (b % 32);
    if ((v >> i) & 1u) {
      w[b / 32] |= mask;
    } else {
      w[b / 32] &= ~mask;
    }
  }
}
template <size_t N>
uint64_t GetBits(const VlWide<N> &w, uint32_t lsb, uint32_t nbits) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < nbits; ++i) {
    const uint32_t b = lsb + i;
    v |= uint64_t{(w[b / 32] >> (b % 32)) & 1u} << i;
  }
  return v;
}

// streams_t / writes_t element [stream][superlane].
template <size_t N>
void PutSlot(VlWide<N> &w, uint32_t S, uint32_t stream, uint32_t k, const StreamSlot &s) {
  const uint32_t base = (stream * S + k) * kSlotBits;
  for (uint32_t l = 0; l < isa::kLanesPerSuperlane; ++l) PutBits(w, base + 8 * l, 8, s.valid ? s.bytes[l] : 0);
  PutBits(w, base + 128, 1, s.valid ? 1 : 0);
}
template <size_t N>
StreamSlot GetSlot(const VlWide<N> &w, uint32_t S, uint32_t stream, uint32_t k) {
  const uint32_t base = (stream * S + k) * kSlotBits;
  StreamSlot s;
  s.valid = GetBits(w, base + 128, 1) != 0;
  for (uint32_t l = 0; l < isa::kLanesPerSuperlane; ++l) s.bytes[l] = static_cast<uint8_t>(GetBits(w, base + 8 * l, 8));
  return s;
}

struct WriteRec {
  uint64_t cycle;
  uint32_t dir;  // 0 east-going, 1 west-going
  uint32_t stream;
  uint32_t superlane;
  Word16 bytes;
};

inline std::string Hex16(const Word16 &w) {
  std::string s;
  for (int l = 15; l >= 0; --l) s += fmt::format("{:02x}", w[static_cast<size_t>(l)]);
  return s;
}

template <typename V>
class SliceLockstep {
 public:
  SliceLockstep(const Geometry &g, const std::string &queue) : g_(g), name_(queue) {
    q_ = g.FindQueue(queue).value();
    pos_ = g.queue(q_).position;
  }

  // Runs the program to completion on both; returns false (and records failures) on mismatch.
  bool Run(const Program &p, uint64_t max_cycles = 4000) {
    Model m(g_);
    std::string err;
    if (!m.LoadProgram(p, &err)) {
      ADD_FAILURE() << "model refused the program: " << err;
      return false;
    }
    m.Start();
    Harness<V> h;
    ZeroInputs(h);
    h.Reset();
    writes_.clear();
    model_errors_.clear();
    dispatches_.clear();
    mismatches_ = 0;
    busy_until_ = -1;
    const uint32_t S = g_.superlanes(), NS = g_.streams(), P = g_.num_positions();
    size_t seen_errors = 0;
    uint64_t c = 0;
    for (; !m.done() && c < max_cycles; ++c) {
      // Inputs during run cycle c: the registers before the model's step c.
      for (uint32_t s = 0; s < NS; ++s) {
        for (uint32_t k = 0; k < S; ++k) {
          const StreamSlot east = pos_ == 0 ? StreamSlot{} : m.Stream(Dir::kEast, s, pos_ - 1, k);
          const StreamSlot west = pos_ + 1 >= P ? StreamSlot{} : m.Stream(Dir::kWest, s, pos_ + 1, k);
          PutSlot(h->east_i, S, s, k, east);
          PutSlot(h->west_i, S, s, k, west);
          in_[0][s][k] = east;
          in_[1][s][k] = west;
        }
      }
      m.Step();
      const QueueView qv = m.Queue(q_);
      h->disp_i[0] = static_cast<uint32_t>(qv.last_word);
      h->disp_i[1] = static_cast<uint32_t>(qv.last_word >> 32);
      h->disp_i[2] = qv.dispatched_this_cycle ? 1u : 0u;
      if (qv.dispatched_this_cycle) {
        Instr in;
        std::string derr;
        EXPECT_TRUE(Decode(qv.last_word, &in, &derr)) << derr;
        dispatches_.push_back({c, in});
        const int64_t end = static_cast<int64_t>(c + S - 1 + in.info().latency) +
                            (in.op == isa::Opcode::kTrans ? 15 : 0);
        busy_until_ = std::max(busy_until_, end);
      }
      h.Eval();
      Compare(h, m, c);
      // Error bits raised by this queue in this cycle.
      uint32_t want = 0;
      for (; seen_errors < m.errors().size(); ++seen_errors) {
        const auto &e = m.errors()[seen_errors];
        if (e.where == name_) {
          // UnitBusy is the ICU's error (tsp_icu), not the slice's: recorded, not compared.
          if (e.bit != isa::kErrUnitBusy) want |= e.bit;
          model_errors_.push_back(e);
        }
      }
      const uint32_t got = h->err_o;
      if (got != want) Mismatch(c, fmt::format("err_o = 0x{:x}, model raised 0x{:x}", got, want));
      const bool want_idle = static_cast<int64_t>(c) > busy_until_;
      if ((h->idle_o != 0) != want_idle) Mismatch(c, fmt::format("idle_o = {}, expected {}", h->idle_o, want_idle));
      h.Tick();
    }
    cycles_ = c;
    if (!m.done()) ADD_FAILURE() << "model not done after " << max_cycles << " cycles";
    return mismatches_ == 0;
  }

  const std::vector<WriteRec> &writes() const { return writes_; }
  const std::vector<ModelError> &model_errors() const { return model_errors_; }
  uint64_t cycles() const { return cycles_; }
  uint32_t position() const { return pos_; }

  // The vector (VL lanes, `w` bytes per lane) written at stream group `sf` whose superlane k is
  // written at first_cycle + k; missing writes are reported as failures.
  std::vector<uint32_t> Vector(uint32_t sf, uint32_t w, uint64_t first_cycle) const {
    std::vector<uint32_t> v(g_.vl(), 0);
    for (uint32_t k = 0; k < g_.superlanes(); ++k) {
      for (uint32_t b = 0; b < w; ++b) {
        const WriteRec *r = Find(first_cycle + k, StreamDirBit(sf), (sf & 15u) + b, k);
        if (!r) {
          ADD_FAILURE() << fmt::format("no write of stream {} superlane {} at cycle {}", (sf & 15u) + b, k,
                                       first_cycle + k);
          continue;
        }
        for (uint32_t l = 0; l < isa::kLanesPerSuperlane; ++l) {
          v[k * isa::kLanesPerSuperlane + l] |= uint32_t{r->bytes[l]} << (8 * b);
        }
      }
    }
    return v;
  }

  const WriteRec *Find(uint64_t cycle, uint32_t dir, uint32_t stream, uint32_t k) const {
    for (const auto &r : writes_) {
      if (r.cycle == cycle && r.dir == dir && r.stream == stream && r.superlane == k) return &r;
    }
    return nullptr;
  }
  size_t WritesAt(uint64_t cycle) const {
    return static_cast<size_t>(std::count_if(writes_.begin(), writes_.end(), [&](const WriteRec &r) { return r.cycle == cycle; }));
  }

  static uint32_t StreamDirBit(uint32_t sf) { return (sf >> 4) & 1u; }

 private:
  template <size_t N>
  static void Zero(VlWide<N> &w) {
    for (size_t i = 0; i < N; ++i) w.m_storage[i] = 0;
  }
  void ZeroInputs(Harness<V> &h) {
    Zero(h->east_i);
    Zero(h->west_i);
    Zero(h->disp_i);
  }

  void Compare(Harness<V> &h, const Model &m, uint64_t c) {
    const uint32_t S = g_.superlanes(), NS = g_.streams();
    for (uint32_t d = 0; d < 2; ++d) {
      for (uint32_t s = 0; s < NS; ++s) {
        for (uint32_t k = 0; k < S; ++k) {
          const StreamSlot wr = d == 0 ? GetSlot(h->east_wr_o, S, s, k) : GetSlot(h->west_wr_o, S, s, k);
          if (wr.valid) writes_.push_back({c, d, s, k, wr.bytes});
          const StreamSlot got = wr.valid ? wr : in_[d][s][k];
          const StreamSlot &want = m.Stream(d == 0 ? Dir::kEast : Dir::kWest, s, pos_, k);
          if (got.valid != want.valid || (want.valid && got.bytes != want.bytes)) {
            Mismatch(c, fmt::format("stream {}{} superlane {}: rtl {} {} (slice wrote: {}), model {} {}",
                                    d ? 'W' : 'E', s, k, got.valid, Hex16(got.bytes), wr.valid, want.valid,
                                    Hex16(want.bytes)));
          }
        }
      }
    }
  }

  void Mismatch(uint64_t c, const std::string &what) {
    if (++mismatches_ <= 12) {
      std::string recent;
      for (const auto &dsp : dispatches_) {
        if (dsp.first + 40 >= c) recent += fmt::format(" [{}: {}]", dsp.first, Disassemble(dsp.second));
      }
      ADD_FAILURE() << name_ << " cycle " << c << ": " << what << "\n  recent dispatches:" << recent;
    }
  }

  Geometry g_;
  std::string name_;
  uint32_t q_ = 0, pos_ = 0;
  StreamSlot in_[2][isa::kMaxStreamsPerDir][isa::kMaxSuperlanes];
  std::vector<WriteRec> writes_;
  std::vector<ModelError> model_errors_;
  std::vector<std::pair<uint64_t, Instr>> dispatches_;
  int64_t busy_until_ = -1;
  uint64_t mismatches_ = 0, cycles_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Program helpers: MEM slices feeding vectors to a slice.
// ---------------------------------------------------------------------------------------------

// Feeds `vectors` (VL bytes each) on stream `s` (index) so that the consumer at position `reader`
// reads vector i at superlane k in cycle T + i + k. The vectors come from MEM slice `mem_slice`
// (global id) at word addresses base.. via READ (+ REPEAT); the direction follows from the
// positions. Returns the stream field the reader must use.
inline uint32_t Feed(test::Builder &b, const Geometry &g, uint32_t mem_slice, uint32_t s, uint32_t reader,
                     uint64_t T, const std::vector<std::vector<uint8_t>> &vectors, uint32_t base = 0) {
  const Hemi h = mem_slice < g.mem_slices_per_hemi() ? Hemi::kWest : Hemi::kEast;
  const uint32_t m = mem_slice % g.mem_slices_per_hemi();
  const uint32_t q = g.MemPosition(h, m);
  const uint32_t dist = q > reader ? q - reader : reader - q;
  const uint32_t sf = StreamField(q > reader ? Dir::kWest : Dir::kEast, s);
  const uint64_t lat = isa::Info(isa::Opcode::kRead).latency;
  EXPECT_GE(T, lat + dist) << "feed starts too early";
  std::vector<uint8_t> img;
  for (const auto &v : vectors) img.insert(img.end(), v.begin(), v.end());
  b.Mem(mem_slice, base, img);
  const std::string qn = std::string("mem.") + (h == Hemi::kWest ? "w" : "e") + std::to_string(m);
  b.At(qn, T - lat - dist, test::Read(base, sf));
  if (vectors.size() > 1) b.Add(qn, test::Repeat(static_cast<uint32_t>(vectors.size() - 1), 1, 1));
  return sf;
}

// Global MEM slice ids ordered by distance from a reader at the given position (nearest first).
// Every MEM slice can feed any reader: its streams pass every position on their way.
inline std::vector<uint32_t> SlicesNear(const Geometry &g, uint32_t reader) {
  std::vector<std::pair<uint32_t, uint32_t>> d;
  for (uint32_t id = 0; id < g.num_mem_slices(); ++id) {
    const Hemi h = id < g.mem_slices_per_hemi() ? Hemi::kWest : Hemi::kEast;
    const uint32_t q = g.MemPosition(h, id % g.mem_slices_per_hemi());
    d.push_back({q > reader ? q - reader : reader - q, id});
  }
  std::sort(d.begin(), d.end());
  std::vector<uint32_t> r;
  for (const auto &x : d) r.push_back(x.second);
  return r;
}

// Splits lane values (w bytes each) into w byte planes of VL bytes.
inline std::vector<std::vector<uint8_t>> Planes(const std::vector<uint32_t> &v, uint32_t w) {
  std::vector<std::vector<uint8_t>> p(w, std::vector<uint8_t>(v.size()));
  for (size_t l = 0; l < v.size(); ++l) {
    for (uint32_t b = 0; b < w; ++b) p[b][l] = static_cast<uint8_t>(v[l] >> (8 * b));
  }
  return p;
}

}  // namespace tsp::tb
