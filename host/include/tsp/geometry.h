// Runtime view of one TSP geometry: sizes, the west-to-east floorplan, queue names and ids.
// Everything derives from the generated tsp::isa::GeometryParams (isa/tsp_isa.json).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tsp/isa_gen.h"

namespace tsp {

enum class SliceKind : uint8_t { kMem, kVxm, kSxm, kMxm };
enum class Hemi : uint8_t { kWest = 0, kEast = 1, kCenter = 2 };
enum class Dir : uint8_t { kEast = 0, kWest = 1 };  // direction a stream value travels

// One instruction queue and the slice it drives.
struct QueueInfo {
  std::string name;  // "mem.w0", "vxm.1", "sxm.e", "mxm.w"
  SliceKind kind;
  Hemi hemi;
  uint32_t index;     // MEM slice index within its hemisphere (0 = next to the VXM), or VXM ALU index
  uint32_t position;  // floorplan position, 0 = west edge
};

class Geometry {
 public:
  explicit Geometry(const isa::GeometryParams &params);
  // Looks up a named configuration from isa/tsp_isa.json; nullopt if unknown.
  static std::optional<Geometry> FromName(std::string_view name);
  static Geometry Default();

  const isa::GeometryParams &params() const { return params_; }
  uint64_t fingerprint() const { return isa::Fingerprint(params_); }
  std::string Describe() const;  // "S=4 VL=64 streams=8 mem=8x2x512 alus=2 iq=4096"

  uint32_t superlanes() const { return params_.num_superlanes; }
  uint32_t lanes() const { return isa::kLanesPerSuperlane; }
  uint32_t vl() const { return params_.num_superlanes * isa::kLanesPerSuperlane; }
  uint32_t streams() const { return params_.streams_per_dir; }
  uint32_t mem_slices_per_hemi() const { return params_.mem_slices_per_hemi; }
  uint32_t words_per_bank() const { return params_.words_per_bank; }
  uint32_t mem_words() const { return params_.words_per_bank * isa::kNumBanks; }  // per slice
  uint32_t vxm_alus() const { return params_.vxm_alus; }
  uint32_t iq_depth() const { return params_.iq_depth; }
  uint32_t num_mem_slices() const { return 2 * params_.mem_slices_per_hemi; }
  uint64_t mem_bytes() const { return uint64_t{num_mem_slices()} * mem_words() * vl(); }

  // Floorplan: positions 0 .. num_positions()-1 from west to east:
  // MXM(W) SXM(W) MEM W(M-1) .. W0 VXM MEM E0 .. E(M-1) SXM(E) MXM(E)
  uint32_t num_positions() const { return 2 * params_.mem_slices_per_hemi + 5; }
  uint32_t vxm_position() const { return params_.mem_slices_per_hemi + 2; }
  uint32_t MemPosition(Hemi h, uint32_t m) const;
  // Global MEM slice id: west slices 0..M-1, east M..2M-1.
  uint32_t MemSliceId(Hemi h, uint32_t m) const;
  std::string PositionName(uint32_t position) const;

  // Queues: mem.w0..w(M-1), mem.e0..e(M-1), vxm.0..vxm.(A-1), sxm.w, sxm.e, mxm.w, mxm.e.
  uint32_t num_queues() const { return static_cast<uint32_t>(queues_.size()); }
  const QueueInfo &queue(uint32_t q) const { return queues_[q]; }
  const std::vector<QueueInfo> &queues() const { return queues_; }
  std::optional<uint32_t> FindQueue(std::string_view name) const;

  // Flat host byte address of lane `lane` of word `addr` (bank*W + word) in MEM slice `slice`.
  uint64_t MemByteAddress(uint32_t slice, uint32_t addr, uint32_t lane) const {
    return (uint64_t{slice} * mem_words() + addr) * vl() + lane;
  }

 private:
  isa::GeometryParams params_;
  std::vector<QueueInfo> queues_;
};

// "E3" / "W0" style stream names; the 5-bit field holds dir in bit 4 and the index in bits 3:0.
inline uint32_t StreamField(Dir d, uint32_t index) { return (static_cast<uint32_t>(d) << 4) | index; }
inline Dir StreamDir(uint32_t field) { return (field & 16u) ? Dir::kWest : Dir::kEast; }
inline uint32_t StreamIndex(uint32_t field) { return field & 15u; }
std::string StreamName(uint32_t field);

}  // namespace tsp
