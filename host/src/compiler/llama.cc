// Lowering of a llama2.c forward step to a compiler::Graph (see tsp/compiler/llama.h and
// docs/compiler.md for the data layouts).
#include "tsp/compiler/llama.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <stdexcept>

#include "tsp/compiler/builder.h"

namespace tsp::compiler {

using isa::DType;
using isa::Opcode;

namespace {

constexpr uint32_t kLanes = isa::kLanesPerSuperlane;
constexpr float kBig = 1e30f;

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

uint32_t CeilDiv(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

// ------------------------------------------------------------------------------------------------
// MEM planner: word addresses per slice, bump allocation, bytes by category.
// ------------------------------------------------------------------------------------------------
class Planner {
 public:
  explicit Planner(const Geometry &g) : g_(g), top_(g.num_mem_slices(), 0), used_(g.num_mem_slices()) {
    for (auto &u : used_) u.assign(g.mem_words(), false);
  }

  // `words` at one address common to `slices` (the lowest such address with all of them free, so
  // that gaps left by bank alignment are filled later); inside one bank if `one_bank`.
  uint32_t Alloc(const std::string &category, const std::vector<uint32_t> &slices, uint32_t words, bool one_bank) {
    const uint32_t W = g_.words_per_bank();
    const uint64_t bytes = uint64_t{words} * slices.size() * g_.vl();
    use_[category] += bytes;
    const uint32_t total = g_.mem_words();
    uint32_t addr = 0;
    bool found = false;
    while (addr + words <= total) {
      if (one_bank && words <= W && addr / W != (addr + words - 1) / W) {
        addr = (addr / W + 1) * W;
        continue;
      }
      uint32_t clash = UINT32_MAX;  // last used word in the window
      for (uint32_t s : slices) {
        for (uint32_t a = addr + words; a-- > addr;) {
          if (used_[s][a]) {
            clash = clash == UINT32_MAX ? a : std::max(clash, a);
            break;
          }
        }
      }
      if (clash == UINT32_MAX) {
        found = true;
        break;
      }
      addr = clash + 1;
    }
    if (!found) {
      if (!failed_) {
        first_failure_ = fmt::format("{} ({} words on slices", category, words);
        for (uint32_t s : slices) first_failure_ += fmt::format(" {}", s);
        first_failure_ += "; free words per slice:";
        for (uint32_t s = 0; s < top_.size(); ++s) first_failure_ += fmt::format(" {}", total - top_[s]);
        first_failure_ += ")";
      }
      failed_ = true;
      return 0;
    }
    for (uint32_t s : slices) {
      for (uint32_t a = addr; a < addr + words; ++a) used_[s][a] = true;
      top_[s] += words;
      // Weights and their scales: never written by the program.
      if (category == "weights" || category == "scales") read_only_.push_back({s, addr, words});
    }
    return addr;
  }
  const std::vector<MemRegion> &read_only() const { return read_only_; }
  uint32_t Top(const std::vector<uint32_t> &slices) const {
    uint32_t t = 0;
    for (uint32_t s : slices) t = std::max(t, top_[s]);
    return t;
  }
  // The slice (of `candidates`) with the most free words.
  uint32_t Emptiest(const std::vector<uint32_t> &candidates) const {
    uint32_t best = candidates[0];
    for (uint32_t s : candidates) {
      if (top_[s] < top_[best]) best = s;
    }
    return best;
  }
  bool failed() const { return failed_; }
  std::string Waste() const {
    std::string r;
    for (const auto &[k, v] : waste_) r += fmt::format(" {} {} words", k, v);
    return r;
  }
  const std::string &first_failure() const { return first_failure_; }
  uint64_t used() const {
    uint64_t t = 0;
    for (const auto &[k, v] : use_) t += v;
    return t;
  }
  const std::map<std::string, uint64_t> &use() const { return use_; }

 private:
  const Geometry &g_;
  std::vector<uint32_t> top_;  // words in use per slice
  std::vector<std::vector<bool>> used_;
  std::map<std::string, uint64_t> use_, waste_;
  std::vector<MemRegion> read_only_;
  bool failed_ = false;
  std::string first_failure_;
};

// A weight tensor in MEM: per 16-row block and 64-column chunk, 16 words per plane.
struct WTensor {
  uint32_t rows = 0, cols = 0, nb = 0, nc = 0;
  uint32_t planes = 2;  // 2: hi (west, signed) + lo (east, unsigned); 1: int8 (fast mode)
  std::vector<uint32_t> hi, lo;       // buffer per (b * nc + c)
  std::vector<uint32_t> hi_w, lo_w;   // first word of the block's rows in that buffer
  uint32_t rowscale = kNone;          // fp32 buffer, ceil(rows / VL) words
  std::vector<Hemi> side;             // fast mode: the MXM of each block
  uint32_t lw_rows = 1;               // rows per word of the row buffers (planes of hi[k], lo[k])
};

class Lowering {
 public:
  Lowering(const llm::Checkpoint &ck, const Geometry &g, const LlamaOptions &opt, Graph *graph)
      : ck_(ck), cfg_(ck.config), g_(g), opt_(opt), b_(graph, BuilderOptions{opt.vxm_chain}), plan_(g) {
    VL_ = g.vl();
    S_ = g.superlanes();
    M_ = g.mem_slices_per_hemi();
  }

  bool Run(CompiledModel *out, std::string *error);

 private:
  // ---- shapes ----
  bool CheckShape(std::string *error);

  // ---- MEM images ----
  void SetWord(uint32_t slice, uint32_t addr, const std::vector<uint8_t> &bytes) { image_[{slice, addr}] = bytes; }
  void SetF32(uint32_t buf, uint32_t word, const std::vector<float> &v);  // v.size() <= VL (rest 0)
  void SetI16(uint32_t buf, uint32_t word, const std::vector<int32_t> &v);
  void SetBytes(uint32_t buf, uint32_t word, const std::vector<uint8_t> &v);
  void Zero(uint32_t buf);
  void KeepAcrossTokens(uint32_t buf);  // a region of CompiledModel::kv_regions

  // ---- allocation ----
  std::vector<uint32_t> Group(int g) const;  // fp32 slice groups: 0 = W0..3, 1 = W4..7, 2 = E0..3, 3 = E4..7
  uint32_t F32Buf(const std::string &cat, const std::string &name, int group, uint32_t words);
  uint32_t I16Buf(const std::string &cat, const std::string &name, bool west, uint32_t words, bool one_bank = false);
  uint32_t ByteBuf(const std::string &cat, const std::string &name, uint32_t slice, uint32_t words,
                   bool one_bank = false);
  // Stores a value in the next temporary whose slices do not produce any of its planes.
  Vec Keep(const Vec &v) {
    if (opt_.vxm_chain && !v.is_mem() && std::getenv("TSP_NOKEEP")) return v;
    return KeepIn(v, tmp_f32_, &next_tmp_f32_);
  }
  Vec KeepI16(const Vec &v) { return KeepIn(v, tmp_i16_, &next_tmp_i16_); }
  // An address vector for GATHER/SCATTER on `target`: in the other hemisphere (the VXM's side of
  // the target slices), where one READ can serve a SCATTER's planes and separate READs of a
  // GATHER's planes fall in different cycles.
  bool IsWest(uint32_t buf) { return b_.graph().buffers[buf].slices[0] < M_; }
  Vec KeepAddr(const Vec &v, uint32_t target) {
    return IsWest(target) ? KeepIn(v, tmp_i16_e_, &next_tmp_i16_e_) : KeepIn(v, tmp_i16_w_, &next_tmp_i16_w_);
  }
  Vec KeepFixedAddr(const Vec &v, uint32_t target, const std::string &name) {
    const uint32_t t = I16Buf("activations", name, !IsWest(target), 1);
    b_.Write(v, t);
    return b_.Mem(t);
  }
  Vec KeepIn(const Vec &v, const std::vector<uint32_t> &ring, uint32_t *next) {
    const Graph &gr = b_.graph();
    std::vector<uint32_t> avoid;
    if (v.is_mem()) {
      for (uint32_t p = 0; p < gr.buffers[v.buf].planes; ++p) avoid.push_back(gr.geom.queue(gr.buffers[v.buf].slices[p]).position);
    } else {
      for (const auto &p : v.parts) avoid.push_back(gr.Position(gr.nodes[gr.values[p.value].node]));
    }
    for (size_t tries = 0; tries < ring.size(); ++tries) {
      const uint32_t t = ring[(*next)++ % ring.size()];
      bool bad = false;
      for (uint32_t p = 0; p < gr.buffers[t].planes; ++p) {
        for (uint32_t a : avoid) bad |= gr.geom.queue(gr.buffers[t].slices[p]).position == a;
      }
      if (bad) continue;
      b_.Write(v, t);
      return b_.Mem(t);
    }
    throw std::logic_error("no temporary avoids the value's slices");
  }
  Vec KeepFixed(const Vec &v, const std::string &name) {  // a long-lived value in a buffer of its own
    const uint32_t t = F32Buf("activations", name, -1, 1);
    b_.Write(v, t);
    return b_.Mem(t);
  }
  Vec KeepFixedI16(const Vec &v, const std::string &name) {
    const uint32_t t = I16Buf("activations", name, fixed_rr_++ % 2 == 0, 1);
    b_.Write(v, t);
    return b_.Mem(t);
  }
  uint32_t MapBuf(const std::string &name, const std::vector<uint8_t> &map);  // a byte map for PERM/DIST
  // i16 address vectors (lane 0 of every tile) for data-dependent accesses, cached by base address.
  const Vec &KvAddr(uint32_t target);
  const Vec &ChunkAddr(uint32_t target);
  uint32_t fixed_rr_ = 0;
  std::vector<uint32_t> act16_;  // quantised matmul inputs (ring)
  uint32_t next_act16_ = 0, act16_words_ = 0;
  std::map<uint32_t, Vec> kv_addr_cache_;
  std::map<uint32_t, Vec> chunk_addr_cache_;
  Vec kv_e_, kv_pq_, pos_chunk_;

  // ---- weights ----
  WTensor Weights(const std::string &name, const float *w, uint32_t rows, uint32_t cols, float extra_scale,
                  const std::vector<int> *col_perm = nullptr);
  WTensor EmbeddingTensor();

  // ---- kernels ----
  struct Quant {
    uint32_t a16;  // i16 buffer, one word per 64-column chunk
    Vec af;        // broadcast dequantisation factor (fp32)
  };
  Quant Quantize(const std::vector<Vec> &x, const Vec *gain, bool rms);
  std::vector<Vec> MatVec(const WTensor &w, const Quant &q);
  Vec Rope(const Vec &x, const Vec &c, const Vec &s);
  Vec Abs(const Vec &x) { return b_.Fmax(x, b_.FmulI(x, -1.0f)); }
  Vec Reduce(Hemi side, Opcode op, const Vec &x) { return b_.Sxm(side, op, DType::kF32, x); }
  Vec TreeF(Opcode op, std::vector<Vec> v);  // pairwise fadd / fmax over vectors (stored between levels)

  void PerToken();
  void Layer(uint32_t l);
  void Attention(uint32_t l, const Vec &q, const Vec &k, const Vec &v, std::vector<Vec> *att_out);
  void SumColumns();
  void ScoresMxm(uint32_t l, const Vec &q);
  // The 16 rows of chunk c of a KV-cache region as MXM weights (hi plane west, lo plane east), then IW.
  void LoadCacheChunk(uint32_t cache, uint32_t c);
  void ValuesMxm(uint32_t l, std::vector<Vec> *att_out);
  // Two buffers in different slice groups, element i in (i % 2 ? odd : even)[i / 2], so that
  // elements 2i and 2i+1 can be read in the same cycle.
  struct Pair {
    uint32_t even = kNone, odd = kNone;
  };
  Pair PairBuf(const std::string &name, int g_even, int g_odd, uint32_t words) {
    if (g_even < 0) {  // the two groups with the most room
      std::vector<std::pair<uint32_t, int>> by;
      for (int gi = 0; gi < 4; ++gi) by.push_back({plan_.Top(Group(gi)), gi});
      std::sort(by.begin(), by.end());
      g_even = by[0].second;
      g_odd = by[1].second;
    }
    return {F32Buf("activations", name + ".even", g_even, (words + 1) / 2), F32Buf("activations", name + ".odd", g_odd, (words + 1) / 2)};
  }
  Vec PM(const Pair &p, uint32_t i) { return b_.Mem(i % 2 ? p.odd : p.even, i / 2); }
  void PW(const Vec &v, const Pair &p, uint32_t i) { b_.Write(v, i % 2 ? p.odd : p.even, i / 2); }
  void Head(std::vector<Vec> *logits);
  void Argmax(const std::vector<Vec> &logits);

  uint32_t HeadOf(uint32_t kvh, uint32_t j) const {  // query head of slot j of kv head kvh, or kNone
    return kvh < static_cast<uint32_t>(cfg_.n_kv_heads) ? kvh * kv_mul_ + j : kNone;
  }
  Hemi Side(uint32_t i) const { return (i % 2) ? Hemi::kEast : Hemi::kWest; }

  const llm::Checkpoint &ck_;
  const llm::Config &cfg_;
  const Geometry &g_;
  LlamaOptions opt_;
  Builder b_;
  Planner plan_;
  uint32_t VL_ = 0, S_ = 0, M_ = 0;
  uint32_t N_ = 0;       // positions compiled
  uint32_t NQ_ = 0;      // K/V rows per row type (N / S)
  uint32_t chunks_ = 0;  // score chunks (N / (16 S))
  uint32_t NC_ = 0;      // KV cache capacity in positions (>= N_)
  uint32_t NQC_ = 0;     // K/V cache rows per row type (NC / S)
  uint32_t chunks_cap_ = 0;  // scale words per layer and K/V (NC / (16 S))
  std::vector<MemRegion> kv_regions_;
  uint32_t R_ = 0;       // K/V row types (two kv heads each)
  uint32_t kv_mul_ = 1;
  std::map<std::pair<uint32_t, uint32_t>, std::vector<uint8_t>> image_;
  std::vector<uint32_t> tmp_f32_, tmp_i16_, tmp_i16_w_, tmp_i16_e_;
  uint32_t next_tmp_f32_ = 0, next_tmp_i16_ = 0, next_tmp_i16_w_ = 0, next_tmp_i16_e_ = 0;
  uint32_t i16_rr_ = 0, map_rr_ = 0, rope_rr_ = 0, col_rr_ = 0;
  std::vector<uint32_t> colbufs_;                   // TRANS column buffers (16 words), reused in turn
  // Per head slot (2 slot + half): C words fp32, the scores then the probabilities in place, reused by
  // every layer. One buffer per head, round-robin over the four fp32 groups, so that the softmax
  // traffic spreads over every MEM queue (one buffer for all heads put 8.9 k instructions in one
  // queue at 512 positions).
  std::vector<uint32_t> score_bufs_;
  uint32_t qv_buf_ = kNone;                         // the Q vector of every head slot
  std::vector<uint32_t> qa_bufs_;                   // int16 q of each head (MXM scores): one word each, the
                                                    // hemispheres alternating (their READs spread over four queues)
  std::vector<uint32_t> cum_bufs_;                  // ABC's cumulative sums of a row type's heads, per head
  std::vector<uint32_t> pact_bufs_;                 // int16 probabilities per head, C words (MXM values)
  std::vector<Vec> head_af_;                        // their scales (per head; set by the softmax)
  std::vector<uint32_t> vbc_map_;                   // per (r, i): every lane <- lane 16 r + i
  std::vector<uint32_t> vplace_map_;                // per (slot, half): lanes 48 + 8 half + x -> 16 slot + 8 half + x
  Vec vt_chunk16_, e16_;                            // 16 (pos / 64); 1 in lane L(pos) (int16)
  std::vector<uint32_t> qhmap_;                     // per (slot, half): q of that head in its half tile
  uint32_t fold_buf_ = kNone;                       // the attention output of every head slot
  Pair cols_, lvl_;                                 // transposed columns / products, column-sum trees

  // Per-program buffers.
  uint32_t in_ = 0, out_ = 0, logits_ = 0, zero_plane_ = 0;
  uint32_t x_ = 0;  // residual
  std::array<uint32_t, 4> place_map_{};
  uint32_t swap_map_ = 0, bcast0_ = 0, bcast1_ = 0;
  std::vector<uint32_t> qmap_, rowrep_;  // per (r, j) / per r
  std::vector<uint32_t> fold_map_;
  WTensor emb_, cls_;
  uint32_t emb_scale_ = 0;
  std::vector<WTensor> wq_, wk_, wv_, wo_, w1_, w2_, w3_;
  std::vector<uint32_t> rms_att_, rms_ffn_;
  uint32_t rms_final_ = 0;
  uint32_t rope_a_ = 0, rope_b_ = 0, rope_c_ = 0;  // fp32 tables: word 2*i = cos, 2*i+1 = signed sin
  uint32_t tile_idx_ = 0, pl_ = 0, plc_ = 0, tile_mask_ = 0, rev_idx_ = 0, vocab_pad_ = 0;
  std::vector<std::vector<uint32_t>> kcache_, vcache_;  // per layer and row type
  std::vector<uint32_t> kscale_, vscale_;               // per layer
  // Per-token values.
  Vec tokv_, posv_, posf_, C_, Sg_, onehot_;
  std::vector<Vec> mask_;     // per chunk
};

// ------------------------------------------------------------------------------------------------
bool Lowering::CheckShape(std::string *error) {
  // MEM first: bytes by category for this shape (the allocation below must agree with it).
  {
    const uint64_t D = static_cast<uint64_t>(cfg_.dim), H = static_cast<uint64_t>(cfg_.hidden_dim);
    const uint64_t KV = static_cast<uint64_t>(cfg_.kv_dim()), V = static_cast<uint64_t>(cfg_.vocab_size);
    const uint64_t L = static_cast<uint64_t>(cfg_.n_layers), vl = VL_;
    const uint64_t planes = opt_.precision == Precision::kExact ? 2 : 1;
    auto mat = [&](uint64_t r, uint64_t c) { return ((r + 15) / 16) * ((c + vl - 1) / vl) * 16 * planes * vl; };
    auto scl = [&](uint64_t r) { return ((r + vl - 1) / vl) * 4 * vl; };
    const uint64_t cols_o = std::max<uint64_t>(D, vl);
    const uint64_t weights = L * (mat(D, D) + 2 * mat(KV, D) + mat(D, cols_o) + 2 * mat(H, D) + mat(D, H)) +
                             mat(V, D) * (cfg_.shared_classifier ? 1 : 2);
    const uint64_t scales = L * (2 * scl(D) + 2 * scl(KV) + 2 * scl(H)) + scl(V) * (cfg_.shared_classifier ? 1 : 2) +
                            (2 * L + 1) * 4 * vl;
    const uint64_t n = std::max<uint64_t>(opt_.kv_positions,
                                          opt_.positions ? opt_.positions : static_cast<uint64_t>(cfg_.seq_len));
    const uint64_t rows = (static_cast<uint64_t>(cfg_.n_kv_heads) + 1) / 2;
    const uint64_t kv = L * 2 * (2 * rows * ((n + S_ - 1) / S_ + 1) * vl + ((n + 16 * S_ - 1) / (16 * S_)) * 4 * vl);
    const uint64_t need = weights + scales + kv;
    if (need > g_.mem_bytes()) {
      *error = fmt::format("model {} does not fit the MEM of geometry {}: it needs at least {} bytes (weights {}, "
                           "scales and gains {}, KV cache for {} positions {}) but the geometry has {} bytes",
                           llm::ToString(cfg_), g_.params().name, need, weights, scales, n, kv, g_.mem_bytes());
      return false;
    }
  }
  const int hs = cfg_.head_size();
  auto fail = [&](const std::string &m) {
    *error = fmt::format("model {} is not supported on geometry {}: {}", llm::ToString(cfg_), g_.Describe(), m);
    return false;
  };
  if (hs != 8) return fail(fmt::format("head_size is {}; the attention layout needs head_size 8", hs));
  if (cfg_.dim > static_cast<int>(VL_))
    return fail(fmt::format("dim {} is larger than one vector (VL = {})", cfg_.dim, VL_));
  if (S_ < 2 || M_ < 8)
    return fail("the lowering needs at least 2 superlanes and 8 MEM slices per hemisphere (fp32 vectors in 4-slice "
                "groups, weight planes on both sides)");
  kv_mul_ = static_cast<uint32_t>(cfg_.n_heads / cfg_.n_kv_heads);
  R_ = CeilDiv(static_cast<uint32_t>(cfg_.n_kv_heads), 2);
  if (R_ * kv_mul_ > S_)
    return fail(fmt::format("{} heads need {} attention tiles but a vector has {} superlanes", cfg_.n_heads,
                            R_ * kv_mul_, S_));
  const uint32_t chunk = 16 * S_;
  N_ = opt_.positions ? opt_.positions : static_cast<uint32_t>(cfg_.seq_len);
  N_ = CeilDiv(N_, chunk) * chunk;
  if (N_ > 32u * CeilDiv(static_cast<uint32_t>(cfg_.seq_len), 32) && opt_.positions == 0)
    return fail("seq_len rounding");
  NQ_ = N_ / S_;
  chunks_ = N_ / chunk;
  NC_ = CeilDiv(std::max(opt_.kv_positions, N_), chunk) * chunk;
  NQC_ = NC_ / S_;
  chunks_cap_ = NC_ / chunk;
  return true;
}

std::vector<uint32_t> Lowering::Group(int grp) const {
  const uint32_t base = (grp >= 2 ? M_ : 0) + (grp % 2 ? 4 : 0);
  return {base, base + 1, base + 2, base + 3};
}

uint32_t Lowering::F32Buf(const std::string &cat, const std::string &name, int grp, uint32_t words) {
  if (grp < 0) {  // the group with the most room
    uint32_t best = UINT32_MAX;
    for (int gi = 0; gi < 4; ++gi) {
      const uint32_t t = plan_.Top(Group(gi));
      if (t < best) {
        best = t;
        grp = gi;
      }
    }
  }
  const auto sl = Group(grp);
  const uint32_t addr = plan_.Alloc(cat, sl, words, false);
  return b_.NewBuffer(name, 4, {sl[0], sl[1], sl[2], sl[3]}, addr, words);
}

uint32_t Lowering::I16Buf(const std::string &cat, const std::string &name, bool west, uint32_t words, bool one_bank) {
  // The slice pair of that side with the most free words (keeps the groups level).
  const uint32_t base = west ? 0 : M_;
  uint32_t pair = 0, best = UINT32_MAX;
  for (uint32_t p = 0; p < M_; p += 2) {
    const uint32_t t = plan_.Top({base + p, base + p + 1});
    if (t < best) {
      best = t;
      pair = p;
    }
  }
  const std::vector<uint32_t> sl = {base + pair, base + pair + 1};
  const uint32_t addr = plan_.Alloc(cat, sl, words, one_bank);
  return b_.NewBuffer(name, 2, {sl[0], sl[1], 0, 0}, addr, words);
}

uint32_t Lowering::ByteBuf(const std::string &cat, const std::string &name, uint32_t slice, uint32_t words,
                           bool one_bank) {
  const uint32_t addr = plan_.Alloc(cat, {slice}, words, one_bank);
  return b_.NewBuffer(name, 1, {slice, 0, 0, 0}, addr, words);
}


void Lowering::SetBytes(uint32_t buf, uint32_t word, const std::vector<uint8_t> &v) {
  const Buffer &bf = b_.graph().buffers[buf];
  std::vector<uint8_t> w(VL_, 0);
  std::copy(v.begin(), v.begin() + std::min<size_t>(v.size(), VL_), w.begin());
  SetWord(bf.slices[0], bf.addr + word, w);
}

void Lowering::SetF32(uint32_t buf, uint32_t word, const std::vector<float> &v) {
  const Buffer &bf = b_.graph().buffers[buf];
  for (uint32_t p = 0; p < 4; ++p) {
    std::vector<uint8_t> w(VL_, 0);
    for (uint32_t l = 0; l < VL_ && l < v.size(); ++l) w[l] = static_cast<uint8_t>(Bits(v[l]) >> (8 * p));
    SetWord(bf.slices[p], bf.addr + word, w);
  }
}

void Lowering::SetI16(uint32_t buf, uint32_t word, const std::vector<int32_t> &v) {
  const Buffer &bf = b_.graph().buffers[buf];
  for (uint32_t p = 0; p < 2; ++p) {
    std::vector<uint8_t> w(VL_, 0);
    for (uint32_t l = 0; l < VL_ && l < v.size(); ++l) w[l] = static_cast<uint8_t>(static_cast<uint32_t>(v[l]) >> (8 * p));
    SetWord(bf.slices[p], bf.addr + word, w);
  }
}

void Lowering::KeepAcrossTokens(uint32_t buf) {
  const Buffer &bf = b_.graph().buffers[buf];
  for (uint32_t p = 0; p < bf.planes; ++p) kv_regions_.push_back({bf.slices[p], bf.addr, bf.words});
}

void Lowering::Zero(uint32_t buf) {
  const Buffer &bf = b_.graph().buffers[buf];
  for (uint32_t p = 0; p < bf.planes; ++p) {
    for (uint32_t w = 0; w < bf.words; ++w) SetWord(bf.slices[p], bf.addr + w, std::vector<uint8_t>(VL_, 0));
  }
}

uint32_t Lowering::MapBuf(const std::string &name, const std::vector<uint8_t> &map) {
  // Maps are read by the SXMs at the chip edges: keep them in the outer slices of both sides
  // alternately.
  const uint32_t rr = map_rr_++;
  const uint32_t slice = (rr % 2) ? M_ - 1 - (rr / 2) % 2 : 2 * M_ - 1 - (rr / 2) % 2;
  const uint32_t buf = ByteBuf("tables", name, slice, 1);
  SetBytes(buf, 0, map);
  return buf;
}

// ------------------------------------------------------------------------------------------------
// Weights.
// ------------------------------------------------------------------------------------------------
WTensor Lowering::Weights(const std::string &name, const float *w, uint32_t rows, uint32_t cols, float extra_scale,
                          const std::vector<int> *col_perm) {
  WTensor t;
  t.rows = rows;
  t.cols = col_perm ? static_cast<uint32_t>(col_perm->size()) : cols;
  t.nb = CeilDiv(rows, 16);
  t.nc = CeilDiv(t.cols, VL_);
  const bool exact = opt_.precision == Precision::kExact;
  t.planes = exact ? 2 : 1;
  const float qmax = exact ? 32767.0f : 127.0f;
  // Per-row scale and integer weights.
  std::vector<float> scale(rows, 0.0f);
  std::vector<int32_t> q(size_t{rows} * t.cols, 0);
  for (uint32_t r = 0; r < rows; ++r) {
    float amax = 0.0f;
    for (uint32_t c = 0; c < t.cols; ++c) {
      const int src = col_perm ? (*col_perm)[c] : static_cast<int>(c);
      if (src >= 0) amax = std::max(amax, std::fabs(w[size_t{r} * cols + static_cast<uint32_t>(src)]));
    }
    const float s = amax / qmax;
    scale[r] = s * extra_scale;
    for (uint32_t c = 0; c < t.cols; ++c) {
      const int src = col_perm ? (*col_perm)[c] : static_cast<int>(c);
      if (src < 0 || s == 0.0f) continue;
      const float v = w[size_t{r} * cols + static_cast<uint32_t>(src)] / s;
      q[size_t{r} * t.cols + c] = static_cast<int32_t>(std::max(-qmax, std::min(qmax, std::nearbyint(v))));
    }
  }
  // Rows of a block: with lw_rows = w, word i of a w-plane buffer holds rows w i .. w i + w - 1 (plane p
  // = row w i + p) in w neighbouring slices, so one LW takes w rows from w streams.
  const uint32_t lw = opt_.lw_rows;
  for (uint32_t bi = 0; bi < t.nb; ++bi) {
    for (uint32_t c = 0; c < t.nc; ++c) {
      for (uint32_t plane = 0; plane < t.planes; ++plane) {
        // exact: plane 0 = hi (west, MXM W), plane 1 = lo (east, MXM E). fast: blocks alternate sides.
        const bool west = exact ? plane == 0 : (bi % 2 == 0);
        std::vector<uint32_t> best;
        uint32_t best_top = UINT32_MAX;
        for (uint32_t m = 0; m + lw <= M_; m += lw) {
          std::vector<uint32_t> sl;
          for (uint32_t i = 0; i < lw; ++i) sl.push_back((west ? 0 : M_) + m + i);
          const uint32_t top = plan_.Top(sl);
          if (top < best_top) {
            best_top = top;
            best = sl;
          }
        }
        const uint32_t addr = plan_.Alloc("weights", best, 16 / lw, false);
        std::array<uint32_t, 4> sl4{};
        for (uint32_t i = 0; i < lw; ++i) sl4[i] = best[i];
        const uint32_t buf = b_.NewBuffer(fmt::format("{}.b{}c{}{}", name, bi, c, plane ? "lo" : "hi"), lw, sl4, addr, 16 / lw);
        for (uint32_t r = 0; r < 16; ++r) {
          std::vector<uint8_t> bytes(VL_, 0);
          const uint32_t row = 16 * bi + r;
          for (uint32_t l = 0; l < VL_; ++l) {
            const uint32_t col = c * VL_ + l;
            if (row >= rows || col >= t.cols) continue;
            const int32_t v = q[size_t{row} * t.cols + col];
            bytes[l] = exact ? static_cast<uint8_t>(plane == 0 ? (v >> 8) : (v & 0xFF)) : static_cast<uint8_t>(v);
          }
          std::vector<uint8_t> wd(VL_, 0);
          std::copy(bytes.begin(), bytes.end(), wd.begin());
          SetWord(sl4[r % lw], addr + r / lw, wd);
        }
        (plane == 0 ? t.hi : t.lo).push_back(buf);
        (plane == 0 ? t.hi_w : t.lo_w).push_back(0);
      }
    }
    t.side.push_back(exact || bi % 2 == 0 ? Hemi::kWest : Hemi::kEast);
  }
  t.lw_rows = lw;
  const uint32_t nv = CeilDiv(rows, VL_);
  t.rowscale = F32Buf("scales", name + ".scale", -1, nv);
  for (uint32_t o = 0; o < nv; ++o) {
    std::vector<float> v(VL_, 0.0f);
    for (uint32_t l = 0; l < VL_ && o * VL_ + l < rows; ++l) v[l] = scale[o * VL_ + l];
    SetF32(t.rowscale, o, v);
  }
  return t;
}

WTensor Lowering::EmbeddingTensor() {
  // Rows = tokens; with w = lw_rows, row r in slice r % w of a group of w slices, word r / w (the
  // layout of the other weights, so the classifier loads w rows per LW), plus one zero word at the
  // end for the gathers of the slices that do not hold the token's row. Hi plane in the west, lo
  // plane in the east (the classifier runs on the same words); per-row scales as fp32 vectors,
  // lane = token % VL.
  const uint32_t vocab = static_cast<uint32_t>(cfg_.vocab_size), dim = static_cast<uint32_t>(cfg_.dim);
  const bool exact = opt_.precision == Precision::kExact;
  WTensor t;
  t.rows = vocab;
  t.cols = dim;
  t.nb = CeilDiv(vocab, 16);
  t.nc = 1;
  t.planes = exact ? 2 : 1;
  t.lw_rows = opt_.lw_rows;
  const uint32_t w = t.lw_rows;
  const float qmax = exact ? 32767.0f : 127.0f;
  const uint32_t words = t.nb * 16 / w + 1;
  std::vector<uint32_t> bufs;
  for (uint32_t plane = 0; plane < t.planes; ++plane) {
    const uint32_t base = plane == 0 ? 0 : M_;
    std::vector<uint32_t> best;
    uint32_t best_top = UINT32_MAX;
    for (uint32_t m = 0; m + w <= M_; m += w) {
      std::vector<uint32_t> sl;
      for (uint32_t i = 0; i < w; ++i) sl.push_back(base + m + i);
      const uint32_t top = plan_.Top(sl);
      if (top < best_top) {
        best_top = top;
        best = sl;
      }
    }
    const uint32_t addr = plan_.Alloc("weights", best, words, false);
    std::array<uint32_t, 4> sl4{};
    for (uint32_t i = 0; i < w; ++i) sl4[i] = best[i];
    const uint32_t buf = b_.NewBuffer(plane ? "embedding.lo" : "embedding.hi", w, sl4, addr, words);
    Zero(buf);
    bufs.push_back(buf);
  }
  auto put = [&](uint32_t buf, uint32_t r, const std::vector<uint8_t> &bytes) {
    SetWord(b_.graph().buffers[buf].slices[r % w], b_.graph().buffers[buf].addr + r / w, bytes);
  };
  std::vector<float> scale(vocab, 0.0f);
  for (uint32_t r = 0; r < vocab; ++r) {
    const float *row = &ck_.w.token_embedding[size_t{r} * dim];
    float amax = 0.0f;
    for (uint32_t c = 0; c < dim; ++c) amax = std::max(amax, std::fabs(row[c]));
    const float s = amax / qmax;
    scale[r] = s;
    std::vector<std::vector<uint8_t>> bytes(t.planes, std::vector<uint8_t>(VL_, 0));
    for (uint32_t c = 0; c < dim && s != 0.0f; ++c) {
      const auto v = static_cast<int32_t>(std::max(-qmax, std::min(qmax, std::nearbyint(row[c] / s))));
      if (exact) {
        bytes[0][c] = static_cast<uint8_t>(v >> 8);
        bytes[1][c] = static_cast<uint8_t>(v & 0xFF);
      } else {
        bytes[0][c] = static_cast<uint8_t>(v);
      }
    }
    for (uint32_t p = 0; p < t.planes; ++p) put(bufs[p], r, bytes[p]);
  }
  for (uint32_t bi = 0; bi < t.nb; ++bi) {
    t.side.push_back(Hemi::kWest);
    t.hi.push_back(bufs[0]);
    t.hi_w.push_back(16 * bi / w);
    if (exact) {
      t.lo.push_back(bufs[1]);
      t.lo_w.push_back(16 * bi / w);
    }
  }
  const uint32_t nv = CeilDiv(vocab, VL_);
  t.rowscale = F32Buf("scales", "embedding.scale", -1, nv);
  for (uint32_t o = 0; o < nv; ++o) {
    std::vector<float> v(VL_, 0.0f);
    for (uint32_t l = 0; l < VL_ && o * VL_ + l < vocab; ++l) v[l] = scale[o * VL_ + l];
    SetF32(t.rowscale, o, v);
  }
  return t;
}

// ------------------------------------------------------------------------------------------------
// Kernels.
// ------------------------------------------------------------------------------------------------
Vec Lowering::TreeF(Opcode op, std::vector<Vec> v) {
  while (v.size() > 1) {
    std::vector<Vec> n;
    for (size_t i = 0; i + 1 < v.size(); i += 2) {
      const Vec r = b_.Vop(op, DType::kF32, v[i], v[i + 1]);
      n.push_back(opt_.vxm_chain ? r : Keep(r));  // chained: the builder links or spills as it must
    }
    if (v.size() % 2) n.push_back(v.back());
    v.swap(n);
  }
  return v[0];
}

// Quantises fp32 vectors x (times an optional gain) to int16 with one scale for all of them:
// q = round(x g 32767 / max|x g|). af = max|x g| / 32767 (times 1/rms(x) with rms).
Lowering::Quant Lowering::Quantize(const std::vector<Vec> &x, const Vec *gain, bool rms) {
  std::vector<Vec> xg;
  for (const Vec &v : x) xg.push_back(gain ? Keep(b_.Fmul(v, *gain)) : v);
  std::vector<Vec> ab;
  for (const Vec &v : xg) ab.push_back(Keep(Abs(v)));
  const Vec m = Keep(Reduce(Hemi::kEast, Opcode::kRmax, TreeF(Opcode::kFmax, ab)));
  const Vec r = Keep(b_.Frecip(m));
  Quant q;
  if (x.size() > act16_words_) throw std::logic_error("Quantize: more vectors than the act16 buffers hold");
  q.a16 = act16_[next_act16_++ % act16_.size()];
  for (size_t i = 0; i < xg.size(); ++i)
    b_.Write(b_.Cvt(DType::kI16, DType::kF32, b_.Fmul(xg[i], r), 32767.0f), q.a16, static_cast<uint32_t>(i));
  Vec af = b_.FmulI(m, 1.0f / 32767.0f);
  if (rms) {
    // inv = 1 / sqrt(mean(x^2) + 1e-5) over the first (only) vector; padded lanes are 0.
    const Vec ss = Reduce(Hemi::kWest, Opcode::kRsum, b_.Fmul(x[0], x[0]));
    const Vec inv = b_.Frsqrt(b_.FaddI(b_.FmulI(ss, 1.0f / static_cast<float>(cfg_.dim)), 1e-5f));
    af = b_.Fmul(af, inv);
  }
  q.af = Keep(af);
  return q;
}

std::vector<Vec> Lowering::MatVec(const WTensor &w, const Quant &q) {
  const bool exact = w.planes == 2;
  const uint32_t nv = CeilDiv(w.rows, VL_);
  std::vector<Vec> outs;
  for (uint32_t o = 0; o < nv; ++o) {
    const uint32_t nbb = std::min<uint32_t>(4, w.nb - 4 * o);
    // Input vectors outer, row blocks inner: the partial sums of a block go round through MEM
    // (ABC .acc takes them from a stream) while the MXMs work on the other blocks.
    std::vector<Vec> hh(nbb), ll(nbb), lh(nbb), hl(nbb), ph(nbb), pl(nbb);
    for (uint32_t c = 0; c < w.nc; ++c) {
      for (uint32_t bb = 0; bb < nbb; ++bb) {
        const uint32_t bi = 4 * o + bb;
        const uint32_t k = bi * w.nc + c;
        const bool more = c > 0;
        if (exact) {
          const uint32_t lw = w.lw_rows;
          for (uint32_t r = 0; r < 16; r += lw) {
            b_.Lw(Hemi::kWest, b_.Mem(w.hi[k], w.hi_w[k] + r / lw), r);
            b_.Lw(Hemi::kEast, b_.Mem(w.lo[k], w.lo_w[k] + r / lw), r);
          }
          b_.Iw(Hemi::kWest);
          b_.Iw(Hemi::kEast);
          const Vec ah = b_.Mem(q.a16, c).Planes(1, 1), al = b_.Mem(q.a16, c).Planes(0, 1);
          hh[bb] = b_.Abc(Hemi::kWest, ah, true, true, more ? &hh[bb] : nullptr);
          ll[bb] = b_.Abc(Hemi::kEast, al, false, false, more ? &ll[bb] : nullptr);
          lh[bb] = b_.Abc(Hemi::kWest, al, false, true, more ? &lh[bb] : nullptr);
          hl[bb] = b_.Abc(Hemi::kEast, ah, true, false, more ? &hl[bb] : nullptr);
        } else {
          const Hemi side = w.side[bi];
          for (uint32_t r = 0; r < 16; r += w.lw_rows) b_.Lw(side, b_.Mem(w.hi[k], w.hi_w[k] + r / w.lw_rows), r);
          b_.Iw(side);
          ph[bb] = b_.Abc(side, b_.Mem(q.a16, c).Planes(1, 1), true, true, more ? &ph[bb] : nullptr);
          pl[bb] = b_.Abc(side, b_.Mem(q.a16, c).Planes(0, 1), false, true, more ? &pl[bb] : nullptr);
        }
      }
    }
    std::vector<Vec> placed;
    for (uint32_t bb = 0; bb < nbb; ++bb) {
      const uint32_t bi = 4 * o + bb;
      Vec y;
      if (exact) {
        const Vec fhh = b_.Cvt(DType::kF32, DType::kI32, hh[bb], 65536.0f);
        const Vec fll = b_.Cvt(DType::kF32, DType::kI32, ll[bb], 1.0f);
        const Vec mid = b_.Vop(Opcode::kVadd, DType::kI32, lh[bb], hl[bb]);
        const Vec fmid = b_.Cvt(DType::kF32, DType::kI32, mid, 256.0f);
        y = b_.Fadd(b_.Fadd(fhh, fll), fmid);
      } else {
        y = b_.Fadd(b_.Cvt(DType::kF32, DType::kI32, ph[bb], 256.0f), b_.Cvt(DType::kF32, DType::kI32, pl[bb], 1.0f));
      }
      // Full sums are in the top superlane: move them to superlane bb (zeros elsewhere).
      placed.push_back(Keep(b_.SxmMap(Side(bi), Opcode::kPerm, DType::kF32, y, b_.Mem(place_map_[bb]))));
    }
    // The blocks' superlanes are disjoint: a tree of adds (the same sums in any order).
    const Vec acc = TreeF(Opcode::kFadd, placed);
    const Vec scaled = b_.Fmul(b_.Fmul(acc, b_.Mem(w.rowscale, o)), q.af);
    outs.push_back(Keep(scaled));
  }
  return outs;
}

Vec Lowering::Rope(const Vec &x, const Vec &c, const Vec &s) {
  const Vec sw = b_.SxmMap(Side(rope_rr_++), Opcode::kDist, DType::kF32, x, b_.Mem(swap_map_));
  return Keep(b_.Fadd(b_.Fmul(x, c), b_.Fmul(sw, s)));
}

// ------------------------------------------------------------------------------------------------
// Per-token values: token/position broadcasts, embedding, RoPE factors, KV-cache addresses, masks.
// ------------------------------------------------------------------------------------------------
void Lowering::PerToken() {
  b_.SetTag("input");
  tokv_ = KeepFixedI16(b_.SxmMap(Hemi::kEast, Opcode::kPerm, DType::kI16, b_.Mem(in_), b_.Mem(bcast0_)), "tok");
  posv_ = KeepFixedI16(b_.SxmMap(Hemi::kEast, Opcode::kPerm, DType::kI16, b_.Mem(in_), b_.Mem(bcast1_)), "pos");
  posf_ = KeepFixed(b_.Cvt(DType::kF32, DType::kI16, posv_, 1.0f), "posf");

  // Embedding row: hi byte (signed) from the west table, lo byte (unsigned, paired with a zero
  // byte plane into an i16) from the east table, times the row's scale.
  b_.SetTag("embedding");
  auto addr_of = [&](uint32_t buf, const Vec &idx) {
    return KeepAddr(b_.VopImm(Opcode::kVadd, DType::kI16, idx, b_.graph().buffers[buf].addr), buf);
  };
  // Row tok is word tok / w of slice tok % w: every slice k of the group is gathered, at that word
  // if k == tok % w, else at the zero word; the rows then add up to the token's row.
  const uint32_t w = emb_.lw_rows;
  const uint32_t wsh = isa::Log2(w);
  std::vector<Vec> onehot(w);
  Vec tq_w = tokv_;
  if (w > 1) {
    tq_w = KeepI16(b_.VopImm(Opcode::kVshr, DType::kI16, tokv_, wsh));
    const Vec a = KeepI16(b_.Vop(Opcode::kVsub, DType::kI16, tokv_, b_.VopImm(Opcode::kVshl, DType::kI16, tq_w, wsh)));
    for (uint32_t k = 0; k < w; ++k) {
      // e = 1 - min(d^2, 1) = 1 - d^2 + relu(d^2 - 1), d = a - k
      const Vec d = b_.VopImm(Opcode::kVadd, DType::kI16, a, (0x10000u - k) & 0xFFFFu);
      const Vec x2 = KeepI16(b_.Vop(Opcode::kVmul, DType::kI16, d, d));
      const Vec rl = b_.Vop1(Opcode::kVrelu, DType::kI16, b_.VopImm(Opcode::kVadd, DType::kI16, x2, 0xFFFF));
      const Vec om = b_.VopImm(Opcode::kVadd, DType::kI16, b_.VopImm(Opcode::kVmul, DType::kI16, x2, 0xFFFF), 1);
      onehot[k] = KeepI16(b_.Vop(Opcode::kVadd, DType::kI16, om, rl));
    }
  }
  auto gather_row = [&](uint32_t buf, uint32_t k) {
    const uint32_t base = b_.graph().buffers[buf].addr, zero = base + b_.graph().buffers[buf].words - 1;
    if (w == 1) return b_.Gather(buf, 0, addr_of(buf, tokv_));
    // zero + e (base + tok / w - zero)
    const Vec off = b_.VopImm(Opcode::kVadd, DType::kI16, tq_w, (base - zero) & 0xFFFFu);
    const Vec ad = b_.VopImm(Opcode::kVadd, DType::kI16, b_.Vop(Opcode::kVmul, DType::kI16, onehot[k], off), zero);
    return b_.Gather(buf, k, KeepAddr(ad, buf));
  };
  std::vector<Vec> parts;
  for (uint32_t k = 0; k < w; ++k) {
    if (opt_.precision == Precision::kExact) {
      const Vec hi = b_.Cvt(DType::kF32, DType::kI8, gather_row(emb_.hi[0], k), 256.0f);
      Vec lo16;
      lo16.parts.push_back(gather_row(emb_.lo[0], k).parts[0]);
      lo16.parts.push_back(b_.Read(zero_plane_).parts[0]);
      const Vec lo = b_.Cvt(DType::kF32, DType::kI16, lo16, 1.0f);
      parts.push_back(Keep(b_.Fadd(hi, lo)));
    } else {
      parts.push_back(Keep(b_.Cvt(DType::kF32, DType::kI8, gather_row(emb_.hi[0], k), 1.0f)));
    }
  }
  const Vec row = Keep(TreeF(Opcode::kFadd, parts));
  // Scale: gather vector token / VL of the scale table, broadcast lane token % VL with PERM.
  const uint32_t sh = isa::Log2(VL_);
  const Vec tq = KeepI16(b_.VopImm(Opcode::kVshr, DType::kI16, tokv_, sh));
  const Vec tl = KeepI16(b_.Vop(Opcode::kVsub, DType::kI16, tokv_, b_.VopImm(Opcode::kVshl, DType::kI16, tq, sh)));
  const Vec svec = Keep(b_.GatherAll(emb_.rowscale, addr_of(emb_.rowscale, tq)));
  const Vec scale = b_.SxmMap(Hemi::kWest, Opcode::kPerm, DType::kF32, svec, tl.Planes(0, 1));
  b_.Write(b_.Fmul(row, scale), x_);

  // RoPE factors for this position: angle addition of three tables, pos = 64 a + 8 b + c.
  b_.SetTag("rope tables");
  const Vec pa = KeepI16(b_.VopImm(Opcode::kVshr, DType::kI16, posv_, 6));
  const Vec p8 = KeepI16(b_.VopImm(Opcode::kVshr, DType::kI16, posv_, 3));
  const Vec pb = KeepI16(b_.Vop(Opcode::kVsub, DType::kI16, p8, b_.VopImm(Opcode::kVshl, DType::kI16, pa, 3)));
  const Vec pc = KeepI16(b_.Vop(Opcode::kVsub, DType::kI16, posv_, b_.VopImm(Opcode::kVshl, DType::kI16, p8, 3)));
  // Table words: 2 i (cos), 2 i + 1 (signed sin).
  auto lookup = [&](uint32_t table, const Vec &idx, Vec *c, Vec *sn) {
    const Vec i2 = KeepI16(b_.VopImm(Opcode::kVshl, DType::kI16, idx, 1));
    const uint32_t base = b_.graph().buffers[table].addr;
    *c = Keep(b_.GatherAll(table, KeepAddr(b_.VopImm(Opcode::kVadd, DType::kI16, i2, base), table)));
    *sn = Keep(b_.GatherAll(table, KeepAddr(b_.VopImm(Opcode::kVadd, DType::kI16, i2, base + 1), table)));
  };
  Vec ca, sa, cb, sb, cc, sc;
  lookup(rope_a_, pa, &ca, &sa);
  lookup(rope_b_, pb, &cb, &sb);
  lookup(rope_c_, pc, &cc, &sc);
  // cos(x + y) = cx cy - sx sy, sin(x + y) = sx cy + cx sy (the sines carry the rotation's sign, which
  // the products keep: sgn * sgn = 1 in the first, sgn in the second).
  const Vec c1 = Keep(b_.Fsub(b_.Fmul(ca, cb), b_.Fmul(sa, sb)));
  const Vec s1 = Keep(b_.Fadd(b_.Fmul(sa, cb), b_.Fmul(ca, sb)));
  C_ = KeepFixed(b_.Fsub(b_.Fmul(c1, cc), b_.Fmul(s1, sc)), "rope-c");
  Sg_ = KeepFixed(b_.Fadd(b_.Fmul(s1, cc), b_.Fmul(c1, sc)), "rope-s");

  // KV cache rows: row pos / S of each row type, in the tile pos % S (e = 1 there, else 0).
  b_.SetTag("kv addresses");
  const uint32_t ssh = isa::Log2(S_);
  kv_pq_ = KeepFixedI16(b_.VopImm(Opcode::kVshr, DType::kI16, posv_, ssh), "pos/S");
  const Vec pr = KeepI16(b_.Vop(Opcode::kVsub, DType::kI16, posv_, b_.VopImm(Opcode::kVshl, DType::kI16, kv_pq_, ssh)));
  const Vec d = KeepI16(b_.Vop(Opcode::kVsub, DType::kI16, b_.Mem(tile_idx_), pr));
  const Vec x2 = KeepI16(b_.Vop(Opcode::kVmul, DType::kI16, d, d));
  // e = 1 - min(d^2, 1) = 1 - d^2 + relu(d^2 - 1)
  const Vec rl = KeepI16(b_.Vop1(Opcode::kVrelu, DType::kI16, b_.VopImm(Opcode::kVadd, DType::kI16, x2, 0xFFFF)));
  const Vec one_minus =
      KeepI16(b_.VopImm(Opcode::kVadd, DType::kI16, b_.VopImm(Opcode::kVmul, DType::kI16, x2, 0xFFFF), 1));
  kv_e_ = KeepFixedI16(b_.Vop(Opcode::kVadd, DType::kI16, one_minus, rl), "kv-tile");
  // Per-position scale vectors: chunk pos / (16 S), lane 16 (pos % S) + (pos / S) % 16.
  const uint32_t csh = isa::Log2(16 * S_);
  pos_chunk_ = KeepFixedI16(b_.VopImm(Opcode::kVshr, DType::kI16, posv_, csh), "pos/chunk");
  const Vec pin = KeepI16(b_.Vop(Opcode::kVsub, DType::kI16, posv_, b_.VopImm(Opcode::kVshl, DType::kI16, pos_chunk_, csh)));
  const Vec dd = Keep(b_.Fsub(b_.Mem(pl_), b_.Cvt(DType::kF32, DType::kI16, pin, 1.0f)));
  onehot_ = KeepFixed(b_.FaddI(b_.FmaxI(b_.FmulI(b_.Fmul(dd, dd), -1.0f), -1.0f), 1.0f), "onehot");
  if (opt_.mxm_values) {
    e16_ = KeepFixedI16(b_.Cvt(DType::kI16, DType::kF32, onehot_, 1.0f), "onehot16");
    vt_chunk16_ = KeepFixedI16(b_.VopImm(Opcode::kVshl, DType::kI16, pos_chunk_, 4), "16chunk");
  }
  // Masks: -BIG for positions after pos.
  b_.SetTag("masks");
  mask_.clear();
  for (uint32_t c = 0; c < chunks_; ++c) {
    const Vec dp = b_.Fsub(b_.Mem(plc_, c), posf_);
    mask_.push_back(KeepFixed(b_.FmaxI(b_.FmulI(b_.Frelu(dp), -kBig), -kBig), "mask"));
  }
}

const Vec &Lowering::KvAddr(uint32_t target) {
  const uint32_t base = b_.graph().buffers[target].addr;
  const uint32_t key = base * 2 + (IsWest(target) ? 1 : 0);
  auto it = kv_addr_cache_.find(key);
  if (it != kv_addr_cache_.end()) return it->second;
  // dummy + e * (base + pos / S - dummy), 16-bit wrap-around arithmetic.
  const uint32_t dummy = base + NQC_;
  const uint32_t off = (base - dummy) & 0xFFFFu;
  const Vec t = KeepI16(b_.VopImm(Opcode::kVadd, DType::kI16, kv_pq_, off));
  const Vec et = KeepI16(b_.Vop(Opcode::kVmul, DType::kI16, kv_e_, t));
  return kv_addr_cache_[key] = KeepFixedAddr(b_.VopImm(Opcode::kVadd, DType::kI16, et, dummy), target, "kv-addr");
}

const Vec &Lowering::ChunkAddr(uint32_t target) {
  const uint32_t base = b_.graph().buffers[target].addr;
  const uint32_t key = base * 2 + (IsWest(target) ? 1 : 0);
  auto it = chunk_addr_cache_.find(key);
  if (it != chunk_addr_cache_.end()) return it->second;
  return chunk_addr_cache_[key] =
             KeepFixedAddr(b_.VopImm(Opcode::kVadd, DType::kI16, pos_chunk_, base), target, "chunk-addr");
}

// ------------------------------------------------------------------------------------------------
// One transformer layer.
// ------------------------------------------------------------------------------------------------
void Lowering::Layer(uint32_t l) {
  b_.SetTag(fmt::format("L{} attention norm", l));
  const Vec x = b_.Mem(x_);
  const Vec ga = b_.Mem(rms_att_[l]);
  const Quant xq = Quantize({x}, &ga, true);
  b_.SetTag(fmt::format("L{} qkv", l));
  const Vec q = MatVec(wq_[l], xq)[0];
  const Vec k = MatVec(wk_[l], xq)[0];
  const Vec v = MatVec(wv_[l], xq)[0];
  b_.SetTag(fmt::format("L{} rope", l));
  const Vec qr = Rope(q, C_, Sg_);
  const Vec kr = Rope(k, C_, Sg_);
  std::vector<Vec> att;
  Attention(l, qr, kr, v, &att);
  b_.SetTag(fmt::format("L{} output", l));
  const Quant aq = Quantize(att, nullptr, false);
  const Vec o = MatVec(wo_[l], aq)[0];
  b_.Write(b_.Fadd(b_.Mem(x_), o), x_);

  b_.SetTag(fmt::format("L{} ffn norm", l));
  const Vec gf = b_.Mem(rms_ffn_[l]);
  const Quant fq = Quantize({b_.Mem(x_)}, &gf, true);
  b_.SetTag(fmt::format("L{} ffn", l));
  const auto h1 = MatVec(w1_[l], fq);
  const auto h3 = MatVec(w3_[l], fq);
  std::vector<Vec> h;
  for (size_t i = 0; i < h1.size(); ++i) {
    // silu(a) * b = a * b / (1 + exp(-a))
    const Vec den = b_.Frecip(b_.FaddI(b_.Fexp(b_.FmulI(h1[i], -1.0f)), 1.0f));
    h.push_back(Keep(b_.Fmul(b_.Fmul(h1[i], h3[i]), den)));
  }
  const Quant hq = Quantize(h, nullptr, false);
  const Vec f = MatVec(w2_[l], hq)[0];
  b_.Write(b_.Fadd(b_.Mem(x_), f), x_);
}

void Lowering::Attention(uint32_t l, const Vec &q, const Vec &k, const Vec &v, std::vector<Vec> *att_out) {
  // ---- KV-cache write at pos: per-position scale, 16-bit rows ----
  b_.SetTag(fmt::format("L{} kv write", l));
  for (int kv = 0; kv < 2; ++kv) {
    const Vec &src = kv == 0 ? k : v;
    const Vec m = Keep(Reduce(Side(kv), Opcode::kRmax, Abs(src)));
    const Vec r = Keep(b_.Frecip(m));
    const Vec q16 = b_.Cvt(DType::kI16, DType::kF32, b_.Fmul(src, r), 32767.0f);
    // (The transposed V update reads it 16 R times, past many temporaries: a word of its own.)
    const Vec qv = kv == 1 && opt_.mxm_values ? KeepFixedI16(q16, "v16") : KeepI16(q16);
    for (uint32_t rr = 0; rr < R_; ++rr) {
      const uint32_t cache = kv == 0 ? kcache_[l][rr] : vcache_[l][rr];
      if (kv == 1 && opt_.mxm_values) {
        // Transposed: word 16 (pos / 64) + i of row type rr holds dim i of positions along the
        // lanes; lane L(pos) of the 16 words changes (read, blend, write back).
        for (uint32_t i = 0; i < 16; ++i) {
          const Vec ad = KeepAddr(b_.VopImm(Opcode::kVadd, DType::kI16, vt_chunk16_, b_.graph().buffers[cache].addr + i), cache);
          // Only the words 16 c + i: the 16 read-modify-writes are independent of each other.
          const WordSet ws{16, i};
          const Vec old = KeepI16(b_.GatherAll(cache, ad, ws));
          const Vec bc = b_.SxmMap(Side(rr + i), Opcode::kPerm, DType::kI16, qv, b_.Mem(vbc_map_[16 * rr + i]));
          const Vec upd = b_.Vop(Opcode::kVadd, DType::kI16, old,
                                 b_.Vop(Opcode::kVmul, DType::kI16, e16_, b_.Vop(Opcode::kVsub, DType::kI16, bc, old)));
          b_.Scatter(upd, cache, ad, ws);
        }
        continue;
      }
      const Vec data = b_.SxmMap(Side(rr + static_cast<uint32_t>(kv)), Opcode::kPerm, DType::kI16, qv,
                                 b_.Mem(rowrep_[rr]));
      b_.Scatter(data, cache, KvAddr(cache));
    }
    // Scale of this position: read-modify-write of its chunk vector.
    const uint32_t sbuf = kv == 0 ? kscale_[l] : vscale_[l];
    const Vec &ca = ChunkAddr(sbuf);
    const Vec old = Keep(b_.GatherAll(sbuf, ca));
    const Vec s = Keep(b_.FmulI(m, 1.0f / 32767.0f));
    const Vec upd = b_.Fadd(old, b_.Fmul(onehot_, b_.Fsub(s, old)));
    b_.Scatter(upd, sbuf, ca);
  }

  const uint32_t slots = R_ * kv_mul_;
  const uint32_t C = chunks_;
  if (opt_.mxm_scores) {
    ScoresMxm(l, q);
  } else {
  // ---- Q vectors per (row type r, head slot j): tile-replicated [q_h0 | q_h1] ----
  b_.SetTag(fmt::format("L{} scores", l));
  std::vector<Vec> qv(slots);
  for (uint32_t r = 0; r < R_; ++r) {
    for (uint32_t j = 0; j < kv_mul_; ++j) {
      const uint32_t slot = r * kv_mul_ + j;
      b_.Write(b_.SxmMap(Side(r + j), Opcode::kPerm, DType::kF32, q, b_.Mem(qmap_[slot])), qv_buf_, slot);
      qv[slot] = b_.Mem(qv_buf_, slot);
    }
  }
  // ---- scores: per chunk, 16 rows of products, transposed; columns 0-7 and 8-15 summed ----
  // cols_ word 16 c + x: column x of chunk c (then the column sums, SumColumns). score_bufs_[slot * 2 + half] word c.
  for (uint32_t r = 0; r < R_; ++r) {
    for (uint32_t j = 0; j < kv_mul_; ++j) {
      const uint32_t slot = r * kv_mul_ + j;
      const Hemi side = Side(slot);
      b_.BeginLoop();
      for (uint32_t c = 0; c < C; ++c) {
        b_.Iteration();
        std::array<Vec, 16> rows;
        for (uint32_t i = 0; i < 16; ++i) {
          const Vec k16 = b_.Mem(kcache_[l][r], 16 * c + i);
          if (opt_.fp_int_a) {
            rows[i] = b_.FopIntA(Opcode::kFmul, DType::kI16, k16, qv[slot]);
            continue;
          }
          Vec kf = b_.Cvt(DType::kF32, DType::kI16, k16, 1.0f);
          if (!opt_.vxm_chain) {  // through a word of its own (not the spill ring: loops must not reuse)
            PW(kf, lvl_, 16 * c + i);
            kf = PM(lvl_, 16 * c + i);
          }
          rows[i] = b_.Fmul(kf, qv[slot]);
        }
        const auto cols = b_.Trans(side, DType::kF32, rows);
        for (uint32_t x = 0; x < 16; ++x) PW(cols[x], cols_, 16 * c + x);
      }
      b_.EndLoop();
      SumColumns();
      for (uint32_t half = 0; half < 2; ++half) {
        b_.BeginLoop();
        for (uint32_t c = 0; c < C; ++c) {
          b_.Iteration();
          const Vec sum = PM(cols_, 16 * c + 8 * half);
          b_.Write(b_.Fadd(b_.Fmul(sum, b_.Mem(kscale_[l], c)), mask_[c]), score_bufs_[slot * 2 + half], c);
        }
        b_.EndLoop();
      }
    }
  }
  }
  // ---- softmax per head over its chunk vectors (times the V scale of each position) ----
  b_.SetTag(fmt::format("L{} softmax", l));
  for (uint32_t hs = 0; hs < 2 * slots; ++hs) {
    const uint32_t r = hs / (2 * kv_mul_), j = (hs / 2) % kv_mul_, half = hs % 2;
    if (HeadOf(2 * r + half, j) == kNone) continue;
    // Maximum over the chunks (a tree), then over the lanes.
    std::vector<Vec> sc;
    for (uint32_t c = 0; c < C; ++c) sc.push_back(b_.Mem(score_bufs_[hs], c));
    Vec mx = TreeF(Opcode::kFmax, sc);
    mx = Keep(Reduce(Side(hs), Opcode::kRmax, mx));
    // Per chunk one cluster of its own (no Builder loop) on the MXM path: a loop makes the chunks
    // one rigid unit at a fixed period (REPEAT runs, fewer queue words), which, with FEXP
    // occupying an ALU for 19 cycles (ISA version 3; 37 since version 4) and eight heads
    // competing, waited 300+ cycles for a fit (256 positions 17,087 -> 16,833 cycles, 512:
    // 23,981 -> 21,879; busiest queue at 512 positions 6,882 -> 7,125 of 8,192). The VXM
    // attention path (no MXM values) keeps its loops: it needs the REPEAT runs to fit the queues.
    const bool loop = !opt_.mxm_values;
    if (loop) b_.BeginLoop();
    for (uint32_t c = 0; c < C; ++c) {
      if (loop) b_.Iteration();
      b_.Write(b_.Fexp(b_.Fsub(b_.Mem(score_bufs_[hs], c), mx)), score_bufs_[hs], c);
    }
    if (loop) b_.EndLoop();
    std::vector<Vec> pr;
    for (uint32_t c = 0; c < C; ++c) pr.push_back(b_.Mem(score_bufs_[hs], c));
    const Vec sum = TreeF(Opcode::kFadd, pr);
    if (opt_.mxm_values) {
      // The probabilities go to the MXMs as int16 with one scale per head, so the normalisation
      // folds into that scale: t = e * vscale (>= 0), M = max t, q = round(t / M * 32767), and
      // p = t / sum = q * (M / sum) / 32767. One reciprocal serves both: rcp = 1 / (M * sum) gives
      // 1 / M = rcp * sum and M / sum = rcp * M * M (two FRECIPs per head before, one after).
      const Vec ssum = Keep(Reduce(Side(hs + 1), Opcode::kRsum, sum));
      for (uint32_t c = 0; c < C; ++c)
        b_.Write(b_.Fmul(b_.Mem(score_bufs_[hs], c), b_.Mem(vscale_[l], c)), score_bufs_[hs], c);
      std::vector<Vec> tv;
      for (uint32_t c = 0; c < C; ++c) tv.push_back(b_.Mem(score_bufs_[hs], c));
      const Vec M = Keep(Reduce(Side(hs), Opcode::kRmax, TreeF(Opcode::kFmax, tv)));
      const Vec rcp = Keep(b_.Frecip(b_.Fmul(M, ssum)));
      const Vec rm = Keep(b_.Fmul(rcp, ssum));
      for (uint32_t c = 0; c < C; ++c)
        b_.Write(b_.Cvt(DType::kI16, DType::kF32, b_.Fmul(b_.Mem(score_bufs_[hs], c), rm), 32767.0f), pact_bufs_[hs], c);
      head_af_[hs] = Keep(b_.FmulI(b_.Fmul(b_.Fmul(rcp, M), M), 1.0f / 32767.0f));
      continue;
    }
    const Vec inv = Keep(b_.Frecip(Reduce(Side(hs + 1), Opcode::kRsum, sum)));
    b_.BeginLoop();
    for (uint32_t c = 0; c < C; ++c) {
      b_.Iteration();
      b_.Write(b_.Fmul(b_.Fmul(b_.Mem(score_bufs_[hs], c), inv), b_.Mem(vscale_[l], c)), score_bufs_[hs], c);
    }
    b_.EndLoop();
  }
  if (opt_.mxm_values) {
    ValuesMxm(l, att_out);
    return;
  }
  // ---- weighted sum of V rows: the probabilities transposed back into per-row broadcasts ----
  b_.SetTag(fmt::format("L{} values", l));
  std::vector<Vec> folded;
  for (uint32_t r = 0; r < R_; ++r) {
    for (uint32_t j = 0; j < kv_mul_; ++j) {
      const uint32_t slot = r * kv_mul_ + j;
      const Hemi side = Side(slot + 1);
      b_.BeginLoop();
      for (uint32_t c = 0; c < C; ++c) {
        b_.Iteration();
        std::array<Vec, 16> rows;
        for (uint32_t i = 0; i < 16; ++i) {
          const uint32_t half = i < 8 ? 0 : 1;
          const bool valid = HeadOf(2 * r + half, j) != kNone;
          rows[i] = valid ? b_.Mem(score_bufs_[slot * 2 + half], c) : b_.Mem(tile_mask_, S_);  // S_: all zero
        }
        const auto cols = b_.Trans(side, DType::kF32, rows);
        for (uint32_t x = 0; x < 16; ++x) PW(cols[x], cols_, 16 * c + x);
      }
      b_.EndLoop();
      Vec acc;
      if (opt_.vxm_chain && opt_.fp_int_a) {
        // Streaming dot product: row q's product (FMUL of the int16 V row with its column) is added
        // to the accumulator of row q - 4, read in place: latency 3 + 1 hop = 4 accumulators
        // interleaved in time, one row per cycle, each instruction one REPEAT run.
        std::array<Vec, 4> a4;
        for (uint32_t qi = 0; qi < NQ_; ++qi) {
          const Vec prod = b_.FopIntA(Opcode::kFmul, DType::kI16, b_.Mem(vcache_[l][r], qi), PM(cols_, qi));
          a4[qi % 4] = qi < 4 ? b_.FaddI(prod, 0.0f) : b_.Fadd(prod, a4[qi % 4]);
        }
        acc = Keep(b_.Fadd(b_.Fadd(a4[0], a4[1]), b_.Fadd(a4[2], a4[3])));
      } else {
        // Products of every V row with its broadcast probabilities (in place of the columns).
        b_.BeginLoop();
        for (uint32_t qi = 0; qi < NQ_; ++qi) {
          b_.Iteration();
          const Vec v16 = b_.Mem(vcache_[l][r], qi);
          if (opt_.fp_int_a) {
            PW(b_.FopIntA(Opcode::kFmul, DType::kI16, v16, PM(cols_, qi)), cols_, qi);
            continue;
          }
          Vec vf = b_.Cvt(DType::kF32, DType::kI16, v16, 1.0f);
          if (!opt_.vxm_chain) {
            PW(vf, lvl_, qi);
            vf = PM(lvl_, qi);
          }
          PW(b_.Fmul(vf, PM(cols_, qi)), cols_, qi);
        }
        b_.EndLoop();
        // Sum of the NQ products: pairwise levels in place.
        for (uint32_t n = NQ_; n > 1; n /= 2) {
          b_.BeginLoop();
          for (uint32_t i = 0; i < n / 2; ++i) {
            b_.Iteration();
            PW(b_.Fadd(PM(cols_, 2 * i), PM(cols_, 2 * i + 1)), cols_, i);
          }
          b_.EndLoop();
        }
        acc = PM(cols_, 0);
      }
      // Sum the superlanes (positions p % S) with lane swaps.
      for (uint32_t t = 0; (1u << t) < S_; ++t) {
        const Vec sw = b_.SxmMap(Side(t + r + j), Opcode::kPerm, DType::kF32, acc, b_.Mem(fold_map_[t]));
        acc = Keep(b_.Fadd(acc, sw));
      }
      b_.Write(acc, fold_buf_, slot);
      folded.push_back(b_.Mem(fold_buf_, slot));
    }
  }
  // att: tile t = r*m + j holds [head h0 | head h1] (the output projection's columns follow).
  Vec att;
  for (uint32_t t = 0; t < folded.size(); ++t) {
    const Vec part = b_.Fmul(folded[t], b_.Mem(tile_mask_, t));
    att = t == 0 ? Keep(part) : Keep(b_.Fadd(att, part));
  }
  att_out->assign(1, att);
}

void Lowering::LoadCacheChunk(uint32_t cache, uint32_t c) {
  for (uint32_t i = 0; i < 16; ++i) {
    b_.Lw(Hemi::kWest, b_.Mem(cache, 16 * c + i).Planes(1, 1), i);
    b_.Lw(Hemi::kEast, b_.Mem(cache, 16 * c + i).Planes(0, 1), i);
  }
  b_.Iw(Hemi::kWest);
  b_.Iw(Hemi::kEast);
}

// Attention values on the MXMs. The V cache is transposed (row type r: word 16 c + i = dim i of its
// two kv heads for the 64 positions of chunk c, lane 16 k + r' = position 64 c + 4 r' + k, the
// lanes of the scores), so a chunk's 16 words are the weights and a head's probabilities (times the
// V scales, quantised to int16 with one scale per head) the activation: the top tile's partial sums
// (lanes 48 + i) are the head's output for dim i. Chunks accumulate in ABC (.acc). Row types
// outer (the heads of row type 0 start while the softmax of row type 1 still runs, as the scores
// do), chunks next, heads inner, so each partial's round trip through MEM overlaps the other heads.
void Lowering::ValuesMxm(uint32_t l, std::vector<Vec> *att_out) {
  const uint32_t C = chunks_;
  b_.SetTag(fmt::format("L{} values", l));
  struct HeadAcc {
    uint32_t s2;
    Vec af, hh, ll, lh, hl;
  };
  std::vector<std::vector<HeadAcc>> heads(R_);
  for (uint32_t r = 0; r < R_; ++r) {
    for (uint32_t j = 0; j < kv_mul_; ++j) {
      for (uint32_t half = 0; half < 2; ++half) {
        if (HeadOf(2 * r + half, j) == kNone) continue;
        const uint32_t s2 = (r * kv_mul_ + j) * 2 + half;
        // The softmax left the int16 probabilities in pact_bufs_ and their scale in head_af_.
        heads[r].push_back({s2, head_af_[s2], {}, {}, {}, {}});
      }
    }
  }
  for (uint32_t r = 0; r < R_; ++r) {
    for (uint32_t c = 0; c < C; ++c) {
      LoadCacheChunk(vcache_[l][r], c);
      for (HeadAcc &h : heads[r]) {
        const Vec ah = b_.Mem(pact_bufs_[h.s2], c).Planes(1, 1), al = b_.Mem(pact_bufs_[h.s2], c).Planes(0, 1);
        const bool more = c > 0;
        h.hh = b_.Abc(Hemi::kWest, ah, true, true, more ? &h.hh : nullptr);
        h.ll = b_.Abc(Hemi::kEast, al, false, false, more ? &h.ll : nullptr);
        h.lh = b_.Abc(Hemi::kWest, al, false, true, more ? &h.lh : nullptr);
        h.hl = b_.Abc(Hemi::kEast, ah, true, false, more ? &h.hl : nullptr);
      }
    }
  }
  // Each head's 8 dims (rows 8 half .. 8 half + 7, lanes 48 + ...) to the attention output layout:
  // tile t = r m + j, lanes 8 half + x.
  std::vector<Vec> placed;
  for (uint32_t r = 0; r < R_; ++r) {
    for (HeadAcc &h : heads[r]) {
      const Vec fhh = b_.Cvt(DType::kF32, DType::kI32, h.hh, 65536.0f);
      const Vec fll = b_.Cvt(DType::kF32, DType::kI32, h.ll, 1.0f);
      const Vec fmid = b_.Cvt(DType::kF32, DType::kI32, b_.Vop(Opcode::kVadd, DType::kI32, h.lh, h.hl), 256.0f);
      const Vec y = b_.Fmul(b_.Fadd(b_.Fadd(fhh, fll), fmid), h.af);
      placed.push_back(Keep(b_.SxmMap(Side(h.s2), Opcode::kPerm, DType::kF32, y, b_.Mem(vplace_map_[h.s2]))));
    }
  }
  att_out->assign(1, Keep(TreeF(Opcode::kFadd, placed)));
}

// Attention scores on the MXMs. The 16 K rows of a chunk (row q holds position S q + k in tile k)
// are the weights, hi plane on the west MXM, lo plane on the east; the activation is the quantised
// q of one head in every tile (the other half of each tile zero), so ABC's partial sums are the
// head's dot products summed over the tiles up to k: a superlane shift and a subtraction leave
// each tile's own. Four int8 passes per head give the exact 16x16-bit products (as in MatVec).
void Lowering::ScoresMxm(uint32_t l, const Vec &q) {
  const uint32_t C = chunks_;
  b_.SetTag(fmt::format("L{} scores", l));
  const Quant qq = Quantize({q}, nullptr, false);
  // The K scale of each chunk's positions times the q scale, once per chunk for all heads.
  std::vector<Vec> kaf;
  for (uint32_t c = 0; c < C; ++c) kaf.push_back(Keep(b_.Fmul(b_.Mem(kscale_[l], c), qq.af)));
  for (uint32_t r = 0; r < R_; ++r) {
    for (uint32_t j = 0; j < kv_mul_; ++j) {
      for (uint32_t half = 0; half < 2; ++half) {
        if (HeadOf(2 * r + half, j) == kNone) continue;
        const uint32_t s2 = (r * kv_mul_ + j) * 2 + half;
        b_.Write(b_.SxmMap(Side(s2), Opcode::kPerm, DType::kI16, b_.Mem(qq.a16, 0), b_.Mem(qhmap_[s2])), qa_bufs_[s2], 0);
      }
    }
  }
  for (uint32_t r = 0; r < R_; ++r) {
    // Not a Builder loop: an iteration is several rigid clusters (tied by the MXM's weight buffer,
    // not by values); the LW / READ runs still become REPEATs where they land back to back.
    for (uint32_t c = 0; c < C; ++c) {
      LoadCacheChunk(kcache_[l][r], c);
      for (uint32_t j = 0; j < kv_mul_; ++j) {
        for (uint32_t half = 0; half < 2; ++half) {
          if (HeadOf(2 * r + half, j) == kNone) continue;
          const uint32_t s2 = (r * kv_mul_ + j) * 2 + half;
          const Vec ah = b_.Mem(qa_bufs_[s2], 0).Planes(1, 1), al = b_.Mem(qa_bufs_[s2], 0).Planes(0, 1);
          const Vec hh = b_.Abc(Hemi::kWest, ah, true, true);
          const Vec ll = b_.Abc(Hemi::kEast, al, false, false);
          const Vec lh = b_.Abc(Hemi::kWest, al, false, true);
          const Vec hl = b_.Abc(Hemi::kEast, ah, true, false);
          const Vec fhh = b_.Cvt(DType::kF32, DType::kI32, hh, 65536.0f);
          const Vec fll = b_.Cvt(DType::kF32, DType::kI32, ll, 1.0f);
          const Vec fmid = b_.Cvt(DType::kF32, DType::kI32, b_.Vop(Opcode::kVadd, DType::kI32, lh, hl), 256.0f);
          b_.Write(b_.Fadd(b_.Fadd(fhh, fll), fmid), cum_bufs_[j * 2 + half], c);
          const Vec cum = b_.Mem(cum_bufs_[j * 2 + half], c);
          const Vec own = b_.Fsub(cum, b_.Sxm(Side(s2 + 1), Opcode::kShup, DType::kF32, cum, kLanes));
          const Vec sc = b_.Fmul(own, kaf[c]);
          b_.Write(b_.Fadd(sc, mask_[c]), score_bufs_[s2], c);
        }
      }
    }
  }
}

// Sums of the columns of every chunk in groups of 8, in place in cols_: after the three-level tree
// (each level a loop over the chunks) word 16 c + 8 h = column 8h + 0 + ... + column 8h + 7 of
// chunk c. Level k writes word 8h + x from words 8h + 2x and 8h + 2x + 1 (an even / odd pair).
void Lowering::SumColumns() {
  const uint32_t C = chunks_;
  for (uint32_t half = 0; half < 2; ++half) {
    for (uint32_t n = 4; n >= 1; n /= 2) {
      for (uint32_t x = 0; x < n; ++x) {
        b_.BeginLoop();
        for (uint32_t c = 0; c < C; ++c) {
          b_.Iteration();
          const uint32_t w = 16 * c + 8 * half;
          PW(b_.Fadd(PM(cols_, w + 2 * x), PM(cols_, w + 2 * x + 1)), cols_, w + x);
        }
        b_.EndLoop();
      }
    }
  }
}

void Lowering::Head(std::vector<Vec> *logits) {
  b_.SetTag("final norm");
  const Vec g = b_.Mem(rms_final_);
  const Quant xq = Quantize({b_.Mem(x_)}, &g, true);
  b_.SetTag("classifier");
  *logits = MatVec(cls_, xq);
  for (size_t o = 0; o < logits->size(); ++o) b_.Write((*logits)[o], logits_, static_cast<uint32_t>(o));
}

void Lowering::Argmax(const std::vector<Vec> &logits0) {
  b_.SetTag("argmax");
  std::vector<Vec> lg;
  const uint32_t nv = static_cast<uint32_t>(logits0.size());
  for (uint32_t o = 0; o < nv; ++o) {
    const Vec v = b_.Mem(logits_, o);
    lg.push_back(o + 1 == nv ? Keep(b_.Fadd(v, b_.Mem(vocab_pad_))) : v);
  }
  const Vec mx = Keep(Reduce(Hemi::kWest, Opcode::kRmax, TreeF(Opcode::kFmax, lg)));
  std::vector<Vec> cand;
  for (uint32_t o = 0; o < nv; ++o) {
    // 1 where the logit equals the maximum, else 0; times (65536 - token index).
    const Vec flag = b_.FaddI(b_.FmaxI(b_.FmulI(b_.Fsub(lg[o], mx), 1e30f), -1.0f), 1.0f);
    cand.push_back(Keep(b_.Fmul(flag, b_.Mem(rev_idx_, o))));
  }
  const Vec best = Reduce(Hemi::kEast, Opcode::kRmax, TreeF(Opcode::kFmax, cand));
  const Vec tok = b_.Cvt(DType::kI32, DType::kF32, b_.FaddI(b_.FmulI(best, -1.0f), 65536.0f), 1.0f);
  b_.Write(tok, out_);
}

// ------------------------------------------------------------------------------------------------
bool Lowering::Run(CompiledModel *out, std::string *error) {
  if (!CheckShape(error)) return false;
  const uint32_t L = static_cast<uint32_t>(cfg_.n_layers);
  const uint32_t D = static_cast<uint32_t>(cfg_.dim), H = static_cast<uint32_t>(cfg_.hidden_dim);
  const uint32_t KV = static_cast<uint32_t>(cfg_.kv_dim()), V = static_cast<uint32_t>(cfg_.vocab_size);

  // ---- KV caches first: K in the west, V in the east. One region per layer and row type (its rows +
  // one dummy word for the tiles that do not hold pos) inside one bank, on the slice pair with the
  // most free words (so the four slices of a group stay level) ----
  const uint32_t rows_words = NQC_ + 1;
  kcache_.assign(L, std::vector<uint32_t>(R_, kNone));
  vcache_.assign(L, std::vector<uint32_t>(R_, kNone));
  for (uint32_t l = 0; l < L; ++l) {
    for (uint32_t r = 0; r < R_; ++r) {
      for (int kv = 0; kv < 2; ++kv) {
        // Outer half of the side (the transposed columns sit in the inner groups: the attention
        // loops read a cache row and write or read a column in the same cycles).
        uint32_t s0 = kv ? M_ : 0, best = UINT32_MAX;
        for (uint32_t p = M_ / 2; p < M_; p += 2) {
          const uint32_t s = (kv ? M_ : 0) + p;
          const uint32_t t = plan_.Top({s, s + 1});
          if (t < best) {
            best = t;
            s0 = s;
          }
        }
        const uint32_t addr = plan_.Alloc("kv cache", {s0, s0 + 1}, rows_words, true);
        const uint32_t buf = b_.NewBuffer(fmt::format("L{}.{}cache{}", l, kv ? 'v' : 'k', r), 2, {s0, s0 + 1, 0, 0},
                                          addr, rows_words);
        Zero(buf);
        KeepAcrossTokens(buf);
        (kv ? vcache_ : kcache_)[l][r] = buf;
      }
    }
  }
  // The transposed columns: even ones in W0..3, odd ones in E0..3 (the inner groups; the caches are
  // in the outer ones), before the weights so that these balance around them.
  if (!opt_.mxm_scores || !opt_.mxm_values) cols_ = PairBuf("columns", 0, 2, std::max(16 * chunks_, NQ_));
  // Scales per position: chunks_ fp32 vectors per layer and K/V.
  for (uint32_t l = 0; l < L; ++l) {
    for (int kv = 0; kv < 2; ++kv) {
      const uint32_t buf =
          F32Buf("kv cache", fmt::format("L{}.{}scale", l, kv ? 'v' : 'k'), -1, chunks_cap_);
      Zero(buf);
      KeepAcrossTokens(buf);
      (kv ? vscale_ : kscale_).push_back(buf);
    }
  }

  // ---- Weights ----
  const float qk = 1.0f / std::sqrt(static_cast<float>(cfg_.head_size()));
  // Output projection columns follow the attention output layout: tile t = r*m + j, lanes 0..7
  // head h0 = HeadOf(2r, j), lanes 8..15 head h1 = HeadOf(2r+1, j).
  std::vector<int> wo_perm(VL_, -1);
  for (uint32_t r = 0; r < R_; ++r) {
    for (uint32_t j = 0; j < kv_mul_; ++j) {
      const uint32_t t = r * kv_mul_ + j;
      for (uint32_t x = 0; x < 16; ++x) {
        const uint32_t h = HeadOf(2 * r + x / 8, j);
        if (h != kNone) wo_perm[16 * t + x] = static_cast<int>(8 * h + x % 8);
      }
    }
  }
  emb_ = EmbeddingTensor();
  for (uint32_t l = 0; l < L; ++l) {
    wq_.push_back(Weights(fmt::format("L{}.wq", l), &ck_.w.wq[size_t{l} * D * D], D, D, qk));
    wk_.push_back(Weights(fmt::format("L{}.wk", l), &ck_.w.wk[size_t{l} * KV * D], KV, D, 1.0f));
    wv_.push_back(Weights(fmt::format("L{}.wv", l), &ck_.w.wv[size_t{l} * KV * D], KV, D, 1.0f));
    wo_.push_back(Weights(fmt::format("L{}.wo", l), &ck_.w.wo[size_t{l} * D * D], D, D, 1.0f, &wo_perm));
    w1_.push_back(Weights(fmt::format("L{}.w1", l), &ck_.w.w1[size_t{l} * H * D], H, D, 1.0f));
    w2_.push_back(Weights(fmt::format("L{}.w2", l), &ck_.w.w2[size_t{l} * D * H], D, H, 1.0f));
    w3_.push_back(Weights(fmt::format("L{}.w3", l), &ck_.w.w3[size_t{l} * H * D], H, D, 1.0f));
  }
  cls_ = cfg_.shared_classifier ? emb_ : Weights("wcls", ck_.w.wcls.data(), V, D, 1.0f);
  emb_scale_ = emb_.rowscale;
  auto gain = [&](const std::string &name, const float *g, int grp) {
    const uint32_t buf = F32Buf("weights", name, -1, 1);
    (void)grp;
    SetF32(buf, 0, std::vector<float>(g, g + D));
    return buf;
  };
  for (uint32_t l = 0; l < L; ++l) {
    rms_att_.push_back(gain(fmt::format("L{}.rms_att", l), &ck_.w.rms_att[size_t{l} * D], static_cast<int>(l % 4)));
    rms_ffn_.push_back(gain(fmt::format("L{}.rms_ffn", l), &ck_.w.rms_ffn[size_t{l} * D], static_cast<int>((l + 2) % 4)));
  }
  rms_final_ = gain("rms_final", ck_.w.rms_final.data(), 1);

  // ---- Tables ----
  std::vector<uint8_t> m(VL_);
  for (uint32_t bb = 0; bb < 4; ++bb) {
    for (uint32_t l = 0; l < VL_; ++l)
      m[l] = (l / kLanes == bb && bb < S_) ? static_cast<uint8_t>((S_ - 1) * kLanes + l % kLanes) : 0xFF;
    place_map_[bb] = MapBuf(fmt::format("place{}", bb), m);
  }
  for (uint32_t l = 0; l < VL_; ++l) m[l] = static_cast<uint8_t>((l ^ 1u) & 15u);
  swap_map_ = MapBuf("swap", m);
  bcast0_ = MapBuf("bcast0", std::vector<uint8_t>(VL_, 0));
  bcast1_ = MapBuf("bcast1", std::vector<uint8_t>(VL_, 1));
  for (uint32_t r = 0; r < R_; ++r) {
    for (uint32_t l = 0; l < VL_; ++l) m[l] = static_cast<uint8_t>(16 * r + l % kLanes);
    rowrep_.push_back(MapBuf(fmt::format("rowrep{}", r), m));
    for (uint32_t j = 0; j < kv_mul_; ++j) {
      for (uint32_t l = 0; l < VL_; ++l) {
        const uint32_t i = l % kLanes;
        const uint32_t h = HeadOf(2 * r + i / 8, j);
        m[l] = h == kNone ? 0xFF : static_cast<uint8_t>(8 * h + i % 8);
      }
      qmap_.push_back(MapBuf(fmt::format("qmap{}.{}", r, j), m));
      for (uint32_t half = 0; half < 2; ++half) {
        std::vector<uint8_t> mh(VL_, 0xFF);
        const uint32_t h = HeadOf(2 * r + half, j);
        for (uint32_t l = 0; l < VL_ && h != kNone; ++l) {
          const uint32_t i = l % kLanes;
          if (i / 8 == half) mh[l] = static_cast<uint8_t>(8 * h + i % 8);
        }
        qhmap_.push_back(MapBuf(fmt::format("qhead{}.{}.{}", r, j, half), mh));
      }
    }
  }
  if (opt_.mxm_values) {
    for (uint32_t r = 0; r < R_; ++r) {
      for (uint32_t i = 0; i < 16; ++i) vbc_map_.push_back(MapBuf(fmt::format("vbc{}.{}", r, i), std::vector<uint8_t>(VL_, static_cast<uint8_t>(16 * r + i))));
    }
    for (uint32_t s2 = 0; s2 < 2 * R_ * kv_mul_; ++s2) {
      std::vector<uint8_t> mp(VL_, 0xFF);
      const uint32_t t = s2 / 2, half = s2 % 2;
      for (uint32_t x = 0; x < 8; ++x) mp[16 * t + 8 * half + x] = static_cast<uint8_t>((S_ - 1) * kLanes + 8 * half + x);
      vplace_map_.push_back(MapBuf(fmt::format("vplace{}", s2), mp));
    }
  }
  for (uint32_t t = 0; (1u << t) < S_; ++t) {
    for (uint32_t l = 0; l < VL_; ++l) m[l] = static_cast<uint8_t>(l ^ (kLanes << t));
    fold_map_.push_back(MapBuf(fmt::format("fold{}", t), m));
  }
  // Constants and per-lane tables.
  in_ = I16Buf("io", "in", false, 1);
  Zero(in_);
  out_ = F32Buf("io", "out", -1, 1);
  Zero(out_);
  zero_plane_ = ByteBuf("tables", "zero", M_ + 1, 1);
  SetBytes(zero_plane_, 0, std::vector<uint8_t>(VL_, 0));
  x_ = F32Buf("activations", "x", -1, 1);
  logits_ = F32Buf("io", "logits", -1, CeilDiv(V, VL_));
  tile_idx_ = I16Buf("tables", "tile", true, 1);
  {
    std::vector<int32_t> t(VL_);
    for (uint32_t l = 0; l < VL_; ++l) t[l] = static_cast<int32_t>(l / kLanes);
    SetI16(tile_idx_, 0, t);
  }
  pl_ = F32Buf("tables", "pos-lane", -1, 1);
  plc_ = F32Buf("tables", "pos-chunk", -1, chunks_);
  {
    std::vector<float> pl(VL_);
    for (uint32_t l = 0; l < VL_; ++l) pl[l] = static_cast<float>(S_ * (l % kLanes) + l / kLanes);
    SetF32(pl_, 0, pl);
    for (uint32_t c = 0; c < chunks_; ++c) {
      std::vector<float> v(VL_);
      for (uint32_t l = 0; l < VL_; ++l) v[l] = pl[l] + static_cast<float>(16 * S_ * c);
      SetF32(plc_, c, v);
    }
  }
  tile_mask_ = F32Buf("tables", "tile-mask", -1, S_ + 1);
  for (uint32_t t = 0; t <= S_; ++t) {
    std::vector<float> v(VL_, 0.0f);
    for (uint32_t l = 0; l < VL_ && t < S_; ++l) v[l] = l / kLanes == t ? 1.0f : 0.0f;
    SetF32(tile_mask_, t, v);
  }
  rev_idx_ = F32Buf("tables", "argmax-index", -1, CeilDiv(V, VL_));
  vocab_pad_ = F32Buf("tables", "vocab-pad", -1, 1);
  {
    for (uint32_t o = 0; o < CeilDiv(V, VL_); ++o) {
      std::vector<float> v(VL_);
      for (uint32_t l = 0; l < VL_; ++l) v[l] = 65536.0f - static_cast<float>(o * VL_ + l);
      SetF32(rev_idx_, o, v);
    }
    std::vector<float> pad(VL_, 0.0f);
    for (uint32_t l = 0; l < VL_; ++l) {
      if ((CeilDiv(V, VL_) - 1) * VL_ + l >= V) pad[l] = -kBig;
    }
    SetF32(vocab_pad_, 0, pad);
  }
  // RoPE: A[a] for angle 32 a * theta, B[b] for b * theta (words 2i = cos, 2i+1 = signed sin).
  {
    const uint32_t na = CeilDiv(N_, 64);
    rope_a_ = F32Buf("tables", "rope-a", -1, 2 * na);
    rope_b_ = F32Buf("tables", "rope-b", -1, 2 * 8);
    rope_c_ = F32Buf("tables", "rope-c", -1, 2 * 8);
    auto fill = [&](uint32_t buf, uint32_t n, uint32_t step) {
      for (uint32_t i = 0; i < n; ++i) {
        std::vector<float> c(VL_, 1.0f), s(VL_, 0.0f);
        for (uint32_t l = 0; l < D; ++l) {
          const int hd = static_cast<int>(l % static_cast<uint32_t>(cfg_.head_size())) & ~1;
          const float freq = 1.0f / std::pow(10000.0f, static_cast<float>(hd) / static_cast<float>(cfg_.head_size()));
          const double ang = static_cast<double>(i * step) * static_cast<double>(freq);
          c[l] = static_cast<float>(std::cos(ang));
          s[l] = static_cast<float>((l % 2 ? 1.0 : -1.0) * std::sin(ang));
        }
        SetF32(buf, 2 * i, c);
        SetF32(buf, 2 * i + 1, s);
      }
    };
    fill(rope_a_, na, 64);
    fill(rope_b_, 8, 8);
    fill(rope_c_, 8, 1);
  }
  // Temporaries (rings) and spill scratch.
  for (uint32_t i = 0; i < 64; ++i) tmp_f32_.push_back(F32Buf("activations", "tmp", static_cast<int>(i % 4), 1));
  for (uint32_t i = 0; i < 2 * R_ * kv_mul_; ++i)
    score_bufs_.push_back(F32Buf("activations", "scores", static_cast<int>(i % 4), chunks_));
  qv_buf_ = F32Buf("activations", "q-slots", -1, R_ * kv_mul_);
  if (opt_.mxm_values)
    for (uint32_t i = 0; i < 2 * R_ * kv_mul_; ++i) pact_bufs_.push_back(I16Buf("activations", "p-heads", true, chunks_));
  head_af_.assign(pact_bufs_.size(), Vec{});
  if (opt_.mxm_scores) {
    for (uint32_t i = 0; i < 2 * R_ * kv_mul_; ++i) qa_bufs_.push_back(I16Buf("activations", "q-heads", i % 2 == 0, 1));
    for (uint32_t i = 0; i < 2 * kv_mul_; ++i)
      cum_bufs_.push_back(F32Buf("activations", "score-sums", static_cast<int>((i + 2) % 4), chunks_));
  }
  fold_buf_ = F32Buf("activations", "att-slots", -1, R_ * kv_mul_);
  if (!opt_.vxm_chain) lvl_ = PairBuf("converted", 2, 3, std::max(16 * chunks_, NQ_));  // fp32 copies of K / V rows
  for (uint32_t i = 0; i < 32; ++i) tmp_i16_.push_back(I16Buf("activations", "tmp16", i % 2 == 0, 1));
  act16_words_ = std::max(CeilDiv(D, VL_), CeilDiv(H, VL_));
  for (uint32_t i = 0; i < 6; ++i) act16_.push_back(I16Buf("activations", "act16", i % 2 == 0, act16_words_));
  // Address vectors for GATHER / SCATTER, per side: 32, one for each of the transposed V cache's
  // read-modify-writes of a layer (2 row types x 16 words), so that none waits for another's
  // address word to be free (8: 256 positions 16,731 cycles, 32: 16,450).
  for (uint32_t i = 0; i < 32; ++i) {
    tmp_i16_w_.push_back(I16Buf("activations", "addr16", true, 1));
    tmp_i16_e_.push_back(I16Buf("activations", "addr16", false, 1));
  }
  // Spill scratch, used round-robin: a word used again orders its two users (write after read), so
  // too few words chain the heads' independent softmax spills one after the other (48 words: 256
  // positions 17,494 cycles, 512 positions 25,407; 128 words, 32 KB: 17,087 and 23,981).
  for (uint32_t i = 0; i < 128; ++i) {
    const int grp = static_cast<int>(i % 4);
    b_.AddScratch(F32Buf("activations", "spill", grp, 1), grp < 2 ? Hemi::kWest : Hemi::kEast);
  }
  if (plan_.failed()) {
    std::string cats;
    for (const auto &[k, v] : plan_.use()) cats += fmt::format("{}{} {} B", cats.empty() ? "" : ", ", k, v);
    *error = fmt::format("model {} does not fit the MEM of geometry {}: it needs {} bytes ({}) but the geometry has "
                         "{} bytes; first allocation that failed: {}",
                         llm::ToString(cfg_), g_.params().name, plan_.used(), cats, g_.mem_bytes(),
                         plan_.first_failure());
    return false;
  }

  // ---- The forward step ----
  PerToken();
  for (uint32_t l = 0; l < L; ++l) Layer(l);
  std::vector<Vec> logits;
  Head(&logits);
  Argmax(logits);

  // ---- Outputs ----
  const Graph &gr = b_.graph();
  out->positions = N_;
  out->kv_positions = NC_;
  out->kv_regions = kv_regions_;
  out->read_only_regions = plan_.read_only();
  out->io.in_slices = {gr.buffers[in_].slices[0], gr.buffers[in_].slices[1]};
  out->io.in_addr = gr.buffers[in_].addr;
  out->io.out_slices = gr.buffers[out_].slices;
  out->io.out_addr = gr.buffers[out_].addr;
  out->io.logit_slices = gr.buffers[logits_].slices;
  out->io.logit_addr = gr.buffers[logits_].addr;
  out->io.logit_words = gr.buffers[logits_].words;
  out->io.vocab = V;
  for (const auto &[k, v] : plan_.use()) out->mem_use.push_back({k, v});
  out->mem_bytes_used = plan_.used();
  out->spills = b_.spills();
  // MEM images: consecutive words per slice.
  std::vector<MemImage> imgs;
  for (const auto &[key, bytes] : image_) {
    if (!imgs.empty() && imgs.back().slice == key.first &&
        imgs.back().addr + imgs.back().data.size() / VL_ == key.second) {
      imgs.back().data.insert(imgs.back().data.end(), bytes.begin(), bytes.end());
    } else {
      MemImage im;
      im.slice = key.first;
      im.addr = key.second;
      im.data = bytes;
      imgs.push_back(std::move(im));
    }
  }
  out->program.mem = std::move(imgs);
  return true;
}

}  // namespace

bool CompileLlama(const llm::Checkpoint &ck, const Geometry &g, const LlamaOptions &opt, CompiledModel *out,
                  std::string *error) {
  try {
    auto gp = std::make_shared<Graph>(g);
    Graph &graph = *gp;
    Lowering low(ck, g, opt, &graph);
    CompiledModel cm;
    if (!low.Run(&cm, error)) return false;
    cm.graph_nodes = static_cast<uint32_t>(graph.nodes.size());
    if (!Schedule(graph, opt.sched, &cm.sched, error)) return false;
    cm.sched.program.mem = std::move(cm.program.mem);
    cm.program = std::move(cm.sched.program);
    cm.sched.program = Program{};
    cm.predicted_cycles = cm.sched.predicted_cycles;
    cm.bounds = ComputeBounds(graph);
    cm.tags = graph.tags;
    cm.ops.reserve(graph.nodes.size());
    for (uint32_t ni = 0; ni < graph.nodes.size(); ++ni) {
      const Node &n = graph.nodes[ni];
      const uint32_t q = cm.sched.node_queue[ni];  // VXM nodes: the ALU the scheduler chose
      cm.ops.push_back({n.time, q, static_cast<uint8_t>(n.in.op), n.tag, n.in.info().occupancy, n.in.info().latency});
    }
    if (opt.keep_graph) cm.graph = gp;
    *out = std::move(cm);
    return true;
  } catch (const std::exception &e) {
    *error = std::string("compiler: ") + e.what();
    return false;
  }
}

}  // namespace tsp::compiler
