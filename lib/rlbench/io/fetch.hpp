#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace rlbench::data {
struct DatasetEntry;
}

namespace rlbench::io {

namespace fs = std::filesystem;

// Bytes received so far and the expected total (0 when unknown), counted from the start of the
// file, so a resumed download starts above zero.
struct FetchProgress {
  std::uint64_t received = 0;
  std::uint64_t total = 0;
};

// One file to download.
struct FetchRequest {
  std::string url;              // http(s):// or file:// (a local mirror)
  fs::path destination;         // final path; the download goes to "<destination>.part"
  std::string expected_sha256;  // lowercase hex; empty: not verified, the observed hash is reported
  std::uint64_t expected_bytes = 0;                       // 0: unknown
  std::function<void(const FetchProgress&)> on_progress;  // nullable; called after each chunk
  std::string failure_hint;  // appended to network and HTTP errors ("try --mirror URL")
  long connect_timeout_s = 30;
  long stall_timeout_s = 60;  // abort when less than 1 byte/s arrives for this long
};

// What fetch_file did.
struct FetchResult {
  fs::path path;                      // the destination
  std::string sha256;                 // observed SHA-256 of the final file
  std::uint64_t bytes = 0;            // its size
  bool verified = false;              // the observed hash equals expected_sha256
  bool already_present = false;       // the destination existed; nothing was downloaded
  std::uint64_t resumed_from = 0;     // bytes kept from an earlier interrupted download (0: none)
  bool server_ignored_range = false;  // a resume was asked for but the server sent the whole file
};

// Downloads `request.url` to `request.destination`.
//
// The bytes go to "<destination>.part". When that file exists from an interrupted run, the
// download resumes with an HTTP Range request; a server that ignores the range (200 instead of
// 206) restarts it from zero. Once the transfer completes, size and SHA-256 are checked, and only
// a file that matches is renamed to the final name. On a mismatch the .part file is removed and
// Error names the file with the expected and observed values. A transfer that breaks off keeps
// the .part file for the next run and says so. The .part file is locked, so two processes cannot
// download the same file at once.
//
// When the destination already exists, it is checked instead of downloaded: a size other than
// expected_bytes or a hash other than expected_sha256 throws Error and leaves the file alone;
// otherwise (or with no hash expected) the result is already_present.
// Missing parent directories are created. HTTP errors, refused connections and unknown hosts
// throw Error "<url>: <what>" followed by request.failure_hint.
FetchResult fetch_file(const FetchRequest& request);

// The download URL of a registry entry: `mirror` (trailing slashes dropped; empty means
// data::k_d4rl_base_url) + "/" + entry.url_path. A mirror without "://" is a local directory with
// the same layout and becomes a file:// URL.
std::string dataset_url(const data::DatasetEntry& entry, const std::string& mirror);

}  // namespace rlbench::io
