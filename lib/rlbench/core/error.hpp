#pragma once

#include <stdexcept>
#include <string>

namespace rlbench {

// Exit codes of the rlbench binary.
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_failure = 1;  // runtime failure: bad file, bad data, diverging sim
inline constexpr int k_exit_usage = 2;    // usage or configuration error

// A runtime failure. The message is one line: "<where>: <what>[: expected <x>, got <y>]", where
// <where> names the file, key, env or step, so that a user can find the cause without a debugger.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  virtual int exit_code() const noexcept { return k_exit_failure; }
};

// A usage or configuration error (unknown key, out-of-range value, bad flag): exit code 2.
class UsageError : public Error {
 public:
  using Error::Error;
  int exit_code() const noexcept override { return k_exit_usage; }
};

// Builds the canonical one-line message "<where>: <what>: expected <expected>, got <got>".
inline std::string error_message(const std::string& where, const std::string& what,
                                 const std::string& expected, const std::string& got) {
  return where + ": " + what + ": expected " + expected + ", got " + got;
}

}  // namespace rlbench
