#pragma once

#include <cstdint>
#include <memory>

#include "rlbench/envs/env.hpp"

// The four tasks, one file each (hopper.cpp, half_cheetah.cpp, walker2d.cpp, ant.cpp). Only the
// registry includes this header; everything else goes through envs/registry.hpp.
namespace rlbench::envs {

const TaskSpec& hopper_spec();
std::unique_ptr<Env> make_hopper(const TaskSpec& spec, std::uint64_t seed);

const TaskSpec& half_cheetah_spec();
std::unique_ptr<Env> make_half_cheetah(const TaskSpec& spec, std::uint64_t seed);

const TaskSpec& walker2d_spec();
std::unique_ptr<Env> make_walker2d(const TaskSpec& spec, std::uint64_t seed);

const TaskSpec& ant_spec();
std::unique_ptr<Env> make_ant(const TaskSpec& spec, std::uint64_t seed);

}  // namespace rlbench::envs
