#include "path.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "unique_fd.hpp"

namespace filehttpd {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

DecodedPath decode_target(std::string_view target) {
  DecodedPath out;
  auto q = target.find('?');
  if (q != std::string_view::npos) {
    out.query = std::string(target.substr(q + 1));
    target = target.substr(0, q);
  }
  auto hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);

  // Absolute-form targets ("http://host/path") keep only their path.
  if (target.size() > 7 && (target.substr(0, 7) == "http://" || target.substr(0, 8) == "https://")) {
    auto slash = target.find('/', target.find("//") + 2);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }

  std::string decoded;
  decoded.reserve(target.size() + 1);
  if (target.empty() || target[0] != '/') decoded.push_back('/');
  for (std::size_t i = 0; i < target.size(); ++i) {
    char c = target[i];
    if (c == '%') {
      if (i + 2 >= target.size()) {
        out.status = PathStatus::bad_request;
        return out;
      }
      int hi = hex_value(target[i + 1]);
      int lo = hex_value(target[i + 2]);
      if (hi < 0 || lo < 0) {
        out.status = PathStatus::bad_request;
        return out;
      }
      char v = static_cast<char>(hi * 16 + lo);
      if (v == '\0' || v == '/') {
        out.status = PathStatus::bad_request;
        return out;
      }
      decoded.push_back(v);
      i += 2;
    } else if (c == '\0') {
      out.status = PathStatus::bad_request;
      return out;
    } else {
      decoded.push_back(c);
    }
  }

  // Remove dot segments; empty segments ("//") collapse.
  std::vector<std::string_view> segments;
  std::string_view rest(decoded);
  std::size_t pos = 0;
  while (pos < rest.size()) {
    while (pos < rest.size() && rest[pos] == '/') ++pos;
    std::size_t end = rest.find('/', pos);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view seg = rest.substr(pos, end - pos);
    pos = end;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (segments.empty()) {
        out.status = PathStatus::outside_root;
        return out;
      }
      segments.pop_back();
      continue;
    }
    segments.push_back(seg);
  }
  out.path = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    out.path.append(segments[i]);
    if (i + 1 < segments.size()) out.path.push_back('/');
  }
  // A path ending in "/", "/." or "/.." names a directory.
  std::string_view tail(decoded);
  bool dir_form = !tail.empty() && (tail.back() == '/' || tail.ends_with("/.") || tail.ends_with("/.."));
  out.trailing_slash = dir_form || segments.empty();
  if (dir_form && !segments.empty()) out.path.push_back('/');
  return out;
}

bool has_hidden_segment(std::string_view path) {
  std::size_t pos = 0;
  bool first = true;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    std::size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(pos, end - pos);
    if (seg[0] == '.' && !(first && seg == ".well-known" && end < path.size())) return true;
    first = false;
    pos = end;
  }
  return false;
}

int open_beneath_walk(int root_fd, std::string_view path, int flags) {
  int dir = root_fd;
  unique_fd held;
  std::size_t pos = 0;
  while (true) {
    while (pos < path.size() && path[pos] == '/') ++pos;
    std::size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string name(path.substr(pos, end - pos));
    std::size_t next = end;
    while (next < path.size() && path[next] == '/') ++next;
    bool last = next >= path.size();
    if (name.empty()) name = ".";
    if (name == "..") return -EXDEV;
    int fd = last ? openat(dir, name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC)
                  : openat(dir, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ENOTDIR && !last ? -ENOTDIR : -errno;
    if (last) return fd;
    held.reset(fd);
    dir = fd;
    pos = next;
  }
}

int open_beneath(int root_fd, std::string_view path, int flags) {
  static bool have_openat2 = true;
  std::string rel(path);
  std::size_t start = rel.find_first_not_of('/');
  rel = start == std::string::npos ? std::string(".") : rel.substr(start);
  if (have_openat2) {
    open_how how{};
    how.flags = static_cast<unsigned long long>(flags) | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long fd;
    do {
      fd = syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how);
    } while (fd < 0 && errno == EAGAIN);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != ENOSYS) return -errno;
    // Kernels before 5.6 (or seccomp filters) lack openat2: refuse symlinks instead.
    have_openat2 = false;
  }
  return open_beneath_walk(root_fd, rel, flags);
}

std::string percent_encode_path(std::string_view path) {
  static const char k_hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (unsigned char c : path) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                c == '_' || c == '~' || c == '/';
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(k_hex[c >> 4]);
      out.push_back(k_hex[c & 15]);
    }
  }
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace filehttpd
