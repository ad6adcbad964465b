#include "rlbench/io/fetch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <sys/file.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "rlbench/core/build_info.hpp"
#include "rlbench/core/error.hpp"
#include "rlbench/core/fs.hpp"
#include "rlbench/core/strings.hpp"
#include "rlbench/data/registry.hpp"

namespace rlbench::io {

namespace {

struct CurlDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;

// an open file descriptor, closed on scope exit
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  int get() const { return m_fd; }

 private:
  int m_fd;
};

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw Error("libcurl: cannot initialise");
  });
}

std::string errno_text() { return std::strerror(errno); }

std::string lowercase(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::uint64_t file_size_of(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

const char* reason_phrase(long status) {
  switch (status) {
    case 400:
      return "bad request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not found";
    case 410:
      return "gone";
    case 416:
      return "range not satisfiable";
    case 429:
      return "too many requests";
    case 500:
      return "internal server error";
    case 502:
      return "bad gateway";
    case 503:
      return "service unavailable";
    case 504:
      return "gateway timeout";
    default:
      return "";
  }
}

// state shared with the libcurl callbacks of one request
struct Transfer {
  int fd = -1;
  std::uint64_t offset = 0;   // bytes already in the .part file when the request started
  std::uint64_t written = 0;  // bytes written by this request
  std::uint64_t expected_bytes = 0;
  std::uint64_t total = 0;  // total file size as far as known
  long status = 0;          // status code of the latest response header block
  std::optional<std::uint64_t> range_start;
  std::optional<std::uint64_t> range_total;
  std::optional<std::uint64_t> content_length;
  bool body_started = false;
  bool restarted = false;  // the server ignored the range: the file was truncated to zero
  bool too_large = false;
  bool bad_range = false;  // a 206 reply for other bytes than the ones asked for
  std::string write_error;
  const std::function<void(const FetchProgress&)>* on_progress = nullptr;
};

std::optional<std::uint64_t> parse_u64(const std::string& s) {
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno != 0) return std::nullopt;
  return static_cast<std::uint64_t>(v);
}

// records the status line, Content-Range and Content-Length of each response (redirects included)
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const std::string line = core::trim(std::string_view(data, n));
  if (core::starts_with(line, "HTTP/")) {
    const auto sp = line.find(' ');
    t.status = sp == std::string::npos ? 0 : std::atol(line.c_str() + sp + 1);
    t.range_start.reset();
    t.range_total.reset();
    t.content_length.reset();
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string::npos) return n;
  const std::string name = lowercase(line.substr(0, colon));
  const std::string value = core::trim(line.substr(colon + 1));
  if (name == "content-length") {
    t.content_length = parse_u64(value);
  } else if (name == "content-range" && core::starts_with(value, "bytes ")) {
    // "bytes <start>-<end>/<total>"
    const std::string spec = value.substr(6);
    t.range_start = parse_u64(spec);
    const auto slash = spec.find('/');
    if (slash != std::string::npos) t.range_total = parse_u64(spec.substr(slash + 1));
  }
  return n;
}

// decides, at the first body byte, whether the response continues the .part file or replaces it
bool start_body(Transfer& t) {
  t.body_started = true;
  const bool continues = t.status == 206 && t.range_start && *t.range_start == t.offset;
  if (t.status == 206 && !continues) {
    t.bad_range = true;
    return false;
  }
  if (t.offset > 0 && !continues) {
    if (::ftruncate(t.fd, 0) != 0 || ::lseek(t.fd, 0, SEEK_SET) != 0) {
      t.write_error = "cannot truncate: " + errno_text();
      return false;
    }
    t.offset = 0;
    t.restarted = true;
  }
  if (t.status == 206 && t.range_total) {
    t.total = *t.range_total;
  } else if (t.content_length) {
    t.total = t.offset + *t.content_length;
  } else {
    t.total = t.expected_bytes;
  }
  return true;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (!t.body_started && !start_body(t)) return 0;
  if (t.expected_bytes > 0 && t.offset + t.written + n > t.expected_bytes) {
    t.too_large = true;
    return 0;
  }
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(t.fd, data + done, n - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      t.write_error = "cannot write: " + errno_text();
      return 0;
    }
    done += static_cast<std::size_t>(w);
  }
  t.written += n;
  if (t.on_progress && *t.on_progress) {
    try {
      (*t.on_progress)({t.offset + t.written, t.total});
    } catch (...) {
      // never let an exception cross libcurl's C frames; progress is cosmetic
    }
  }
  return n;
}

void set_protocols(CURL* c) {
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FILE);
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
}

std::string with_hint(std::string message, const std::string& hint) {
  if (!hint.empty()) message += "; " + hint;
  return message;
}

// runs one GET into the .part file; returns the libcurl code and leaves details in `t`
CURLcode perform(const FetchRequest& req, Transfer& t, bool http, char* errbuf) {
  CurlPtr curl(curl_easy_init());
  if (!curl) throw Error("libcurl: cannot create a handle");
  CURL* c = curl.get();
  const std::string range = std::to_string(t.offset) + "-";
  const std::string agent = std::string("rlbench/") + core::build_info().version;
  errbuf[0] = '\0';
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, agent.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, req.connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, req.stall_timeout_s);
  set_protocols(c);
  // a plain Range header rather than CURLOPT_RESUME_FROM: libcurl fails outright when a server
  // ignores RESUME_FROM, while a 200 reply to a Range request can simply restart the file
  if (http && t.offset > 0) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_HTTP_RETURNED_ERROR) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.status);
  return rc;
}

void remove_quietly(const fs::path& p) {
  std::error_code ec;
  fs::remove(p, ec);
}

}  // namespace

FetchResult fetch_file(const FetchRequest& req) {
  init_curl_once();
  const fs::path& dest = req.destination;
  const std::string expected = lowercase(req.expected_sha256);
  FetchResult result;
  result.path = dest;

  // an existing file is checked, never replaced
  std::error_code ec;
  if (fs::exists(dest, ec)) {
    result.bytes = fs::file_size(dest, ec);
    // a wrong size is cheap to see and usually means a download cut short by another tool
    if (req.expected_bytes > 0 && result.bytes != req.expected_bytes) {
      throw Error(error_message(dest.string(), "exists with a different size",
                                std::to_string(req.expected_bytes) + " bytes",
                                std::to_string(result.bytes) + " bytes") +
                  " (an interrupted download?); remove it to download it again");
    }
    result.sha256 = core::sha256_file(dest);
    result.already_present = true;
    result.verified = !expected.empty() && result.sha256 == expected;
    if (!expected.empty() && !result.verified) {
      throw Error(
          error_message(dest.string(), "exists with a different sha256", expected, result.sha256) +
          "; remove it to download it again");
    }
    return result;
  }

  if (dest.has_parent_path()) {
    fs::create_directories(dest.parent_path(), ec);
    if (ec) throw Error(dest.parent_path().string() + ": cannot create directory: " + ec.message());
  }
  const fs::path part = dest.string() + ".part";
  Fd fd(::open(part.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw Error(part.string() + ": cannot open: " + errno_text());
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    throw Error(part.string() + ": another process is downloading this file");
  }

  const bool http = core::starts_with(req.url, "http://") || core::starts_with(req.url, "https://");
  Transfer t;
  t.fd = fd.get();
  t.expected_bytes = req.expected_bytes;
  t.on_progress = &req.on_progress;
  t.offset = file_size_of(fd.get());
  // only HTTP can resume; a .part longer than the expected file cannot be a prefix of it
  if (t.offset > 0 && (!http || (req.expected_bytes > 0 && t.offset > req.expected_bytes))) {
    if (::ftruncate(fd.get(), 0) != 0) throw Error(part.string() + ": cannot truncate");
    t.offset = 0;
  }
  result.resumed_from = t.offset;
  if (::lseek(fd.get(), static_cast<off_t>(t.offset), SEEK_SET) < 0) {
    throw Error(part.string() + ": cannot seek: " + errno_text());
  }

  // a complete .part from an earlier run only needs checking
  const bool complete = req.expected_bytes > 0 && t.offset == req.expected_bytes;
  char errbuf[CURL_ERROR_SIZE];
  for (int attempt = 0; !complete; ++attempt) {
    const CURLcode rc = perform(req, t, http, errbuf);
    if (rc == CURLE_OK) break;
    const std::uint64_t on_disk = file_size_of(fd.get());
    if (t.too_large) {
      remove_quietly(part);
      throw Error(error_message(dest.string(), "size mismatch",
                                std::to_string(req.expected_bytes) + " bytes",
                                "more from " + req.url) +
                  "; the download was removed");
    }
    if (!t.write_error.empty()) throw Error(part.string() + ": " + t.write_error);
    const bool range_refused = rc == CURLE_HTTP_RETURNED_ERROR && t.status == 416 && t.offset > 0;
    if ((range_refused || t.bad_range) && attempt == 0) {
      // the server cannot serve the range we asked for: start over from zero, once
      if (::ftruncate(fd.get(), 0) != 0 || ::lseek(fd.get(), 0, SEEK_SET) != 0) {
        throw Error(part.string() + ": cannot truncate: " + errno_text());
      }
      Transfer fresh;
      fresh.fd = fd.get();
      fresh.expected_bytes = req.expected_bytes;
      fresh.on_progress = &req.on_progress;
      t = fresh;
      result.resumed_from = 0;
      continue;
    }
    if (t.bad_range) {
      remove_quietly(part);
      throw Error(with_hint(req.url + ": the server sent other bytes than the range asked for",
                            req.failure_hint));
    }
    if (on_disk == 0) remove_quietly(part);
    std::string what;
    if (rc == CURLE_HTTP_RETURNED_ERROR) {
      what = "HTTP " + std::to_string(t.status);
      const std::string reason = reason_phrase(t.status);
      if (!reason.empty()) what += " (" + reason + ")";
    } else {
      what = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    }
    std::string message = req.url + ": " + what;
    if (on_disk > 0) {
      message += "; " + std::to_string(on_disk) +
                 (t.total > 0 ? " of " + std::to_string(t.total) : std::string()) +
                 " bytes kept in " + part.string() + ", run again to resume";
    }
    throw Error(with_hint(message, req.failure_hint));
  }
  result.server_ignored_range = t.restarted;
  if (t.restarted) result.resumed_from = 0;

  // verify before the file gets its final name
  if (::fsync(fd.get()) != 0) throw Error(part.string() + ": cannot flush: " + errno_text());
  result.bytes = file_size_of(fd.get());
  if (req.expected_bytes > 0 && result.bytes != req.expected_bytes) {
    remove_quietly(part);
    throw Error(error_message(dest.string(), "size mismatch",
                              std::to_string(req.expected_bytes) + " bytes",
                              std::to_string(result.bytes) + " bytes") +
                "; the download was removed");
  }
  result.sha256 = core::sha256_file(part);
  if (!expected.empty() && result.sha256 != expected) {
    remove_quietly(part);
    throw Error(error_message(dest.string(), "sha256 mismatch", expected, result.sha256) +
                "; the download was removed");
  }
  result.verified = !expected.empty();
  core::rename_into_place(part, dest);
  return result;
}

std::string dataset_url(const data::DatasetEntry& entry, const std::string& mirror) {
  std::string base = mirror.empty() ? std::string(data::k_d4rl_base_url) : mirror;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  if (base.find("://") == std::string::npos) {
    base = "file://" + fs::absolute(core::expand_user(base)).lexically_normal().string();
    while (base.size() > 1 && base.back() == '/') base.pop_back();
  }
  return base + "/" + entry.url_path;
}

}  // namespace rlbench::io
