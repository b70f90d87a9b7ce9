#include "tsp/geometry.h"

#include <fmt/format.h>

namespace tsp {

Geometry::Geometry(const isa::GeometryParams &params) : params_(params) {
  const uint32_t m = params_.mem_slices_per_hemi;
  for (uint32_t h = 0; h < 2; ++h) {
    for (uint32_t i = 0; i < m; ++i) {
      const Hemi hemi = h == 0 ? Hemi::kWest : Hemi::kEast;
      queues_.push_back({fmt::format("mem.{}{}", h == 0 ? 'w' : 'e', i), SliceKind::kMem, hemi, i,
                         MemPosition(hemi, i)});
    }
  }
  for (uint32_t i = 0; i < params_.vxm_alus; ++i) {
    queues_.push_back({fmt::format("vxm.{}", i), SliceKind::kVxm, Hemi::kCenter, i, vxm_position()});
  }
  queues_.push_back({"sxm.w", SliceKind::kSxm, Hemi::kWest, 0, 1});
  queues_.push_back({"sxm.e", SliceKind::kSxm, Hemi::kEast, 0, num_positions() - 2});
  queues_.push_back({"mxm.w", SliceKind::kMxm, Hemi::kWest, 0, 0});
  queues_.push_back({"mxm.e", SliceKind::kMxm, Hemi::kEast, 0, num_positions() - 1});
}

std::optional<Geometry> Geometry::FromName(std::string_view name) {
  for (const auto &c : isa::kConfigs) {
    if (c.name == name) return Geometry(c);
  }
  return std::nullopt;
}

Geometry Geometry::Default() { return Geometry(isa::kConfigs[0]); }

std::string Geometry::Describe() const {
  return fmt::format("S={} VL={} streams={} mem={}x{}x{} alus={} iq={}", superlanes(), vl(), streams(),
                     mem_slices_per_hemi(), isa::kNumBanks, words_per_bank(), vxm_alus(), iq_depth());
}

uint32_t Geometry::MemPosition(Hemi h, uint32_t m) const {
  // MEM slice 0 of each hemisphere sits next to the VXM.
  return h == Hemi::kWest ? vxm_position() - 1 - m : vxm_position() + 1 + m;
}

uint32_t Geometry::MemSliceId(Hemi h, uint32_t m) const {
  return h == Hemi::kWest ? m : params_.mem_slices_per_hemi + m;
}

std::string Geometry::PositionName(uint32_t position) const {
  for (const auto &q : queues_) {
    if (q.position == position && q.kind != SliceKind::kVxm) return q.name.substr(0, q.name.size());
  }
  if (position == vxm_position()) return "vxm";
  return fmt::format("p{}", position);
}

std::optional<uint32_t> Geometry::FindQueue(std::string_view name) const {
  for (uint32_t q = 0; q < queues_.size(); ++q) {
    if (queues_[q].name == name) return q;
  }
  return std::nullopt;
}

std::string StreamName(uint32_t field) {
  return fmt::format("{}{}", StreamDir(field) == Dir::kEast ? 'E' : 'W', StreamIndex(field));
}

}  // namespace tsp
