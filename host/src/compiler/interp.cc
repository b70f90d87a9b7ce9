#include "tsp/compiler/interp.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <queue>
#include <stdexcept>

#include "tsp/numerics.h"
#include "tsp/vxm.h"

namespace tsp::compiler {

using isa::Opcode;

namespace {

constexpr uint32_t kLanes = isa::kLanesPerSuperlane;

uint32_t Mask(uint32_t bits) { return bits >= 32 ? 0xFFFFFFFFu : ((1u << bits) - 1u); }

// RSUM / RMAX: the fixed pairwise tree of the ISA (lanes 2i, 2i+1 first; an odd lane is carried).
// TODO(unify): the reference model has the same tree inline; one definition should serve both.
uint32_t ReduceLanes(const Instr &in, std::vector<uint32_t> v) {
  const bool is_f = in.dtype == static_cast<uint32_t>(isa::DType::kF32);
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
  return v[0];
}

}  // namespace

Interpreter::Interpreter(const Graph &g, std::vector<uint8_t> *mem) : g_(g), mem_(*mem) {
  const Geometry &geo = g.geom;
  if (mem_.size() != geo.mem_bytes()) throw std::logic_error("Interpreter: MEM image has the wrong size");
  vals_.resize(g.values.size());
  for (int s = 0; s < 2; ++s) {
    mxm_buf_[s].assign(size_t{isa::kMxmRows} * geo.vl(), 0);
    mxm_arr_[s].assign(size_t{isa::kMxmRows} * geo.vl(), 0);
  }
}

uint8_t *Interpreter::Word(uint32_t slice, uint32_t addr) {
  return &mem_[g_.geom.MemByteAddress(slice, addr % g_.geom.mem_words(), 0)];
}

uint32_t Interpreter::Lane(const Operand &op, uint32_t lane) const {
  const uint32_t vl = g_.geom.vl();
  uint32_t r = 0;
  for (uint32_t i = 0; i < op.width; ++i) {
    const auto &vb = vals_[op.parts[i].value];
    r |= uint32_t{vb[op.parts[i].byte * vl + lane]} << (8 * i);
  }
  return r;
}

void Interpreter::Run() {
  // Topological order over values and dependencies (operand READs are created after their
  // consumer node, so node index order is not program order); ties by node index.
  const size_t N = g_.nodes.size();
  std::vector<std::vector<uint32_t>> succ(N);
  std::vector<uint32_t> indeg(N, 0);
  for (const Value &v : g_.values) {
    for (const auto &u : v.uses) {
      succ[v.node].push_back(u.first);
      indeg[u.first]++;
    }
  }
  for (const Dep &d : g_.deps) {
    succ[d.from].push_back(d.to);
    indeg[d.to]++;
  }
  std::priority_queue<uint32_t, std::vector<uint32_t>, std::greater<uint32_t>> ready;
  for (uint32_t n = 0; n < N; ++n) {
    if (!indeg[n]) ready.push(n);
  }
  size_t done = 0;
  while (!ready.empty()) {
    const uint32_t n = ready.top();
    ready.pop();
    Eval(n);
    ++done;
    for (uint32_t s : succ[n]) {
      if (--indeg[s] == 0) ready.push(s);
    }
  }
  if (done != N) throw std::logic_error("Interpreter: the graph has a cycle");
}

void Interpreter::Eval(uint32_t ni) {
  const Node &n = g_.nodes[ni];
  const Geometry &geo = g_.geom;
  const uint32_t vl = geo.vl(), S = geo.superlanes();
  const Instr &in = n.in;
  auto out = [&](uint32_t j, uint32_t width) -> std::vector<uint8_t> & {
    auto &v = vals_[n.outs.at(j)];
    v.assign(size_t{width} * vl, 0);
    return v;
  };
  auto put = [&](std::vector<uint8_t> &v, uint32_t lane, uint32_t width, uint32_t x) {
    for (uint32_t b = 0; b < width; ++b) v[b * vl + lane] = static_cast<uint8_t>(x >> (8 * b));
  };
  switch (in.info().unit) {
    case isa::Unit::kMem: {
      const uint32_t slice = n.queue;
      if (in.op == Opcode::kRead) {
        auto &v = out(0, 1);
        std::memcpy(v.data(), Word(slice, in.addr), vl);
      } else if (in.op == Opcode::kWrite) {
        uint8_t *w = Word(slice, in.addr);
        for (uint32_t l = 0; l < vl; ++l) w[l] = static_cast<uint8_t>(Lane(n.ops[0], l));
      } else {
        const Operand &map = in.op == Opcode::kGather ? n.ops[0] : n.ops[1];
        if (in.op == Opcode::kGather) out(0, 1);
        for (uint32_t k = 0; k < S; ++k) {
          const uint32_t addr = Lane(map, k * kLanes) % geo.mem_words();
          uint8_t *w = Word(slice, addr) + k * kLanes;
          if (in.op == Opcode::kGather) {
            std::memcpy(&vals_[n.outs[0]][k * kLanes], w, kLanes);
          } else {
            for (uint32_t l = 0; l < kLanes; ++l) w[l] = static_cast<uint8_t>(Lane(n.ops[0], k * kLanes + l));
          }
        }
      }
      return;
    }
    case isa::Unit::kVxm: {
      const uint32_t dw = VxmDestWidth(in);
      auto &v = out(0, dw);
      const uint32_t bbits = 8 * isa::kDTypeBytes[in.op >= Opcode::kFadd ? 3u : (in.dtype & 3u)];
      for (uint32_t l = 0; l < vl; ++l) {
        const uint32_t a = Lane(n.ops[0], l);
        const uint32_t b = n.ops.size() > 1 ? Lane(n.ops[1], l) : (in.bimm ? (in.imm & Mask(bbits)) : 0u);
        put(v, l, dw, num::EvalVxmLane(in, a, b));
      }
      return;
    }
    case isa::Unit::kSxm: {
      const uint32_t w = GroupWidth(in.dtype);
      if (in.op == Opcode::kTrans) {
        // Column j of superlane k, lane i = row i, lane j of that superlane.
        for (uint32_t j = 0; j < 16; ++j) {
          auto &v = out(j, w);
          for (uint32_t k = 0; k < S; ++k) {
            for (uint32_t i = 0; i < 16; ++i) put(v, k * kLanes + i, w, Lane(n.ops[i], k * kLanes + j));
          }
        }
        return;
      }
      std::vector<uint32_t> a(vl), r(vl, 0);
      for (uint32_t l = 0; l < vl; ++l) a[l] = Lane(n.ops[0], l);
      switch (in.op) {
        case Opcode::kDist:
          for (uint32_t l = 0; l < vl; ++l) {
            const uint32_t m = Lane(n.ops[1], l);
            r[l] = (m & 0x80u) ? 0u : a[(l / kLanes) * kLanes + (m & 15u)];
          }
          break;
        case Opcode::kPerm:
          for (uint32_t l = 0; l < vl; ++l) {
            const uint32_t m = Lane(n.ops[1], l);
            r[l] = m == 0xFF ? 0u : a[m % vl];
          }
          break;
        case Opcode::kShup:
          for (uint32_t l = 0; l < vl; ++l) r[l] = l >= in.imm ? a[l - in.imm] : 0;
          break;
        case Opcode::kShdn:
          for (uint32_t l = 0; l < vl; ++l) r[l] = uint64_t{l} + in.imm < vl ? a[l + in.imm] : 0;
          break;
        case Opcode::kRsum:
        case Opcode::kRmax: {
          std::vector<uint32_t> x(a.begin(), a.end());
          for (auto &e : x) e &= Mask(8 * w);
          r.assign(vl, ReduceLanes(in, x));
          break;
        }
        default:
          throw std::logic_error("Interpreter: unknown SXM op");
      }
      auto &v = out(0, w);
      for (uint32_t l = 0; l < vl; ++l) put(v, l, w, r[l]);
      return;
    }
    case isa::Unit::kMxm: {
      const int s = geo.queue(n.queue).hemi == Hemi::kWest ? 0 : 1;
      if (in.op == Opcode::kLw) {
        // Rows imm .. imm + w - 1 from the w streams of the operand (ISA v2: w = 1, 2, 4 by dtype).
        const Operand &op = n.ops[0];
        for (uint32_t i = 0; i < op.width; ++i) {
          const auto &vb = vals_[op.parts[i].value];
          for (uint32_t l = 0; l < vl; ++l)
            mxm_buf_[s][((in.imm + i) % isa::kMxmRows) * vl + l] = vb[op.parts[i].byte * vl + l];
        }
      } else if (in.op == Opcode::kIw) {
        mxm_arr_[s] = mxm_buf_[s];
      } else {
        auto &v = out(0, 4);
        for (uint32_t r = 0; r < isa::kMxmRows; ++r) {
          int64_t sum = 0;
          for (uint32_t k = 0; k < S; ++k) {
            for (uint32_t j = 0; j < kLanes; ++j) {
              const uint8_t wb = mxm_arr_[s][r * vl + k * kLanes + j];
              const int32_t wv = in.wsigned ? static_cast<int8_t>(wb) : wb;
              const auto xb = static_cast<uint8_t>(Lane(n.ops[0], k * kLanes + j));
              const int32_t xv = in.asigned ? static_cast<int8_t>(xb) : xb;
              sum += int64_t{wv} * xv;
            }
            uint32_t o = static_cast<uint32_t>(sum);
            if (in.acc) o += Lane(n.ops[1], k * kLanes + r);
            put(v, k * kLanes + r, 4, o);
          }
        }
      }
      return;
    }
    default:
      throw std::logic_error("Interpreter: ICU op in a graph");
  }
}

}  // namespace tsp::compiler
