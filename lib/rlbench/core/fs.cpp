#include "rlbench/core/fs.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include <openssl/evp.h>

#include "rlbench/core/error.hpp"

namespace rlbench::core {

namespace {

std::string errno_text() { return std::strerror(errno); }

struct FileCloser {
  void operator()(std::FILE* f) const noexcept {
    if (f) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

struct DigestDeleter {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

std::string to_hex(const unsigned char* bytes, unsigned int n) {
  static const char* digits = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(n) * 2, '0');
  for (unsigned int i = 0; i < n; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace

fs::path temp_path_for(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  return fs::path(target.string() + ".tmp." + std::to_string(::getpid()) + "." +
                  std::to_string(counter++));
}

int remove_stale_temp_files(const fs::path& dir) {
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    // "<target>.tmp.<pid>.<n>"
    const std::string name = it->path().filename().string();
    const auto tag = name.rfind(".tmp.");
    if (tag == std::string::npos) continue;
    const std::string rest = name.substr(tag + 5);
    const auto dot = rest.find('.');
    if (dot == 0 || dot == std::string::npos ||
        rest.find_first_not_of("0123456789.") != std::string::npos) {
      continue;
    }
    const long pid = std::strtol(rest.substr(0, dot).c_str(), nullptr, 10);
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    // a writer on another host of a shared filesystem is not seen by kill(): its file is fresh
    std::error_code age;
    const auto written = fs::last_write_time(it->path(), age);
    if (age || fs::file_time_type::clock::now() - written < std::chrono::minutes(10)) continue;
    std::error_code rm;
    if (fs::remove(it->path(), rm)) ++removed;
  }
  return removed;
}

TempFileGuard::~TempFileGuard() {
  if (!m_path.empty()) {
    std::error_code ec;
    fs::remove(m_path, ec);
  }
}

void rename_into_place(const fs::path& from, const fs::path& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    throw Error(to.string() + ": cannot move " + from.string() + " into place: " + errno_text());
  }
}

void write_file_atomic(const fs::path& path, const std::string& content) {
  if (path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw Error(path.string() + ": cannot create directory: " + ec.message());
  }
  TempFileGuard tmp(temp_path_for(path));
  {
    FilePtr f(std::fopen(tmp.path().c_str(), "wb"));
    if (!f) throw Error(path.string() + ": cannot write: " + errno_text());
    if (std::fwrite(content.data(), 1, content.size(), f.get()) != content.size() ||
        std::fflush(f.get()) != 0 || ::fsync(::fileno(f.get())) != 0) {
      throw Error(path.string() + ": cannot write: " + errno_text());
    }
    if (std::fclose(f.release()) != 0)
      throw Error(path.string() + ": cannot write: " + errno_text());
  }
  rename_into_place(tmp.path(), path);
  tmp.release();
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot read: " + errno_text());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string sha256_hex(const void* data, std::size_t size) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data, size) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) {
    throw Error("sha256: digest failed");
  }
  return to_hex(md, len);
}

std::string sha256_file(const fs::path& path) {
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) throw Error(path.string() + ": cannot read: " + errno_text());
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    throw Error("sha256: digest failed");
  }
  std::vector<char> buf(1 << 20);
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) {
    EVP_DigestUpdate(ctx.get(), buf.data(), n);
  }
  if (std::ferror(f.get())) throw Error(path.string() + ": cannot read: " + errno_text());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return to_hex(md, len);
}

fs::path expand_user(const std::string& path) {
  if (path.size() >= 2 && path[0] == '~' && path[1] == '/') {
    const char* home = std::getenv("HOME");
    if (home && *home) return fs::path(home) / path.substr(2);
  }
  return fs::path(path);
}

}  // namespace rlbench::core
