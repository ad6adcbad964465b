#pragma once

// A minimal HTTP/1.1 server on 127.0.0.1 for download tests: it serves one in-memory blob at one
// path, answers Range requests with 206, can cut the first response short to simulate a broken
// connection, and can answer every request with an error status. One connection at a time,
// "Connection: close" on every reply. All loops are bounded: the server stops by itself after
// k_max_connections connections or k_lifetime, whichever comes first, and on destruction.

#include <poll.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <netinet/in.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <vector>

namespace rlbench::test {

class LoopbackHttpServer {
 public:
  struct Options {
    std::string path = "/blob.bin";  // the served path; any other path gets 404
    int status = 200;                // anything else: every request gets this status, no body
    std::size_t cut_after = 0;       // > 0: the first response closes after this many body bytes
    bool honor_range = true;         // false: Range is ignored, every reply is a 200 with it all
  };

  // One request as received: its path and Range header ("" when absent).
  struct Request {
    std::string path;
    std::string range;
  };

  LoopbackHttpServer(std::string blob, Options options)
      : m_blob(std::move(blob)), m_options(std::move(options)) {
    m_listen = ::socket(AF_INET, SOCK_STREAM, 0);
    if (m_listen < 0) throw std::runtime_error("loopback server: socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;  // any free port
    socklen_t len = sizeof addr;
    if (::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(m_listen, 8) != 0 ||
        ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(m_listen);
      throw std::runtime_error("loopback server: cannot listen on 127.0.0.1");
    }
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { serve(); });
  }

  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  ~LoopbackHttpServer() {
    m_stop = true;
    if (m_thread.joinable()) m_thread.join();
    ::close(m_listen);
  }

  int port() const { return m_port; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  std::string url() const { return base_url() + m_options.path; }

  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_requests;
  }

 private:
  static constexpr int k_max_connections = 32;
  static constexpr std::chrono::seconds k_lifetime{20};

  void serve() {
    const auto deadline = std::chrono::steady_clock::now() + k_lifetime;
    for (int served = 0;
         served < k_max_connections && !m_stop && std::chrono::steady_clock::now() < deadline;) {
      pollfd p{m_listen, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int conn = ::accept(m_listen, nullptr, nullptr);
      if (conn < 0) continue;
      handle(conn, served == 0);
      ::shutdown(conn, SHUT_RDWR);
      ::close(conn);
      ++served;
    }
  }

  // reads the request head (bounded in size and time); false on a timeout or a closed socket
  static bool read_head(int conn, std::string& head) {
    char buf[4096];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      pollfd p{conn, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = ::recv(conn, buf, sizeof buf, 0);
      if (n <= 0) return false;
      head.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  static void send_all(int conn, const char* data, std::size_t n) {
    while (n > 0) {
      const ssize_t w = ::send(conn, data, n, MSG_NOSIGNAL);
      if (w <= 0) return;  // the client went away
      data += w;
      n -= static_cast<std::size_t>(w);
    }
  }

  void handle(int conn, bool first) {
    std::string head;
    if (!read_head(conn, head)) return;

    // "GET /path HTTP/1.1" and an optional "Range: bytes=N-"
    Request req;
    const auto sp1 = head.find(' ');
    const auto sp2 = head.find(' ', sp1 + 1);
    if (sp1 != std::string::npos && sp2 != std::string::npos) {
      req.path = head.substr(sp1 + 1, sp2 - sp1 - 1);
    }
    for (const char* key : {"\r\nRange: ", "\r\nrange: "}) {
      const auto at = head.find(key);
      if (at != std::string::npos) {
        const auto start = at + std::char_traits<char>::length(key);
        req.range = head.substr(start, head.find("\r\n", start) - start);
      }
    }
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_requests.push_back(req);
    }

    const int status = req.path != m_options.path ? 404 : m_options.status;
    if (status != 200) {
      const std::string reply = "HTTP/1.1 " + std::to_string(status) +
                                " Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      send_all(conn, reply.data(), reply.size());
      return;
    }

    std::size_t from = 0;
    const std::string prefix = "bytes=";
    const bool ranged = m_options.honor_range && req.range.compare(0, prefix.size(), prefix) == 0;
    if (ranged) from = std::strtoull(req.range.c_str() + prefix.size(), nullptr, 10);
    if (ranged && from >= m_blob.size()) {
      const std::string reply = "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */" +
                                std::to_string(m_blob.size()) +
                                "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      send_all(conn, reply.data(), reply.size());
      return;
    }
    std::string reply = ranged ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n";
    if (ranged) {
      reply += "Content-Range: bytes " + std::to_string(from) + "-" +
               std::to_string(m_blob.size() - 1) + "/" + std::to_string(m_blob.size()) + "\r\n";
    }
    reply +=
        "Content-Length: " + std::to_string(m_blob.size() - from) + "\r\nConnection: close\r\n\r\n";
    send_all(conn, reply.data(), reply.size());
    std::size_t count = m_blob.size() - from;
    if (first && m_options.cut_after > 0 && m_options.cut_after < count) {
      count = m_options.cut_after;
    }
    send_all(conn, m_blob.data() + from, count);
  }

  std::string m_blob;
  Options m_options;
  int m_listen = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
  mutable std::mutex m_mutex;
  std::vector<Request> m_requests;
};

}  // namespace rlbench::test
