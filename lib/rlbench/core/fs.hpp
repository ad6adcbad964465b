#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace rlbench::core {

namespace fs = std::filesystem;

// Writes `content` to `path` atomically: a temporary file in the same directory, flushed and
// renamed into place, so readers see the old file or the new one, never half of either.
// Creates missing parent directories. Throws Error naming the path on failure.
void write_file_atomic(const fs::path& path, const std::string& content);

// Reads a whole file; throws Error "<path>: cannot read: <reason>".
std::string read_file(const fs::path& path);

// A temporary sibling path for `target` ("<target>.tmp.<pid>.<n>") that rename() can move over
// `target`. Used by writers that stream (HDF5) before a final rename.
fs::path temp_path_for(const fs::path& target);

// Removes the temporary files (see temp_path_for) that writers killed mid-write left in `dir`:
// those whose process is gone from this host and that were last written over 10 minutes ago.
// Returns how many it removed; never throws.
int remove_stale_temp_files(const fs::path& dir);

// Moves `from` over `to` (same filesystem). Throws Error on failure.
void rename_into_place(const fs::path& from, const fs::path& to);

// Removes a temporary file on scope exit unless release() was called.
class TempFileGuard {
 public:
  explicit TempFileGuard(fs::path path) : m_path(std::move(path)) {}
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  ~TempFileGuard();
  void release() { m_path.clear(); }
  const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

// Lowercase hex SHA-256 of a file's bytes. Throws Error if the file cannot be read.
std::string sha256_file(const fs::path& path);

// Lowercase hex SHA-256 of a buffer.
std::string sha256_hex(const void* data, std::size_t size);

// Expands a leading "~/" with $HOME.
fs::path expand_user(const std::string& path);

}  // namespace rlbench::core
