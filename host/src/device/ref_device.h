// The `ref` device: the host map of docs/architecture.md §6 on top of the cycle-exact tsp::Model.
#pragma once

#include <memory>
#include <string>

#include "tsp/device.h"

namespace tsp {

// args: "" (default geometry) or a configuration name of isa::kConfigs ("small").
std::unique_ptr<Device> OpenRefDevice(const std::string &args, std::string *error);

}  // namespace tsp
