#include "htpasswd.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace filehttpd {

namespace {

// Largest htpasswd file read: far beyond any real one, small enough to refuse a wrong path to a huge file.
constexpr std::size_t k_max_htpasswd_bytes = 16 * 1024 * 1024;

// Returns true when c may appear in a crypt(3) hash: the crypt alphabet plus '$' and the salt/param chars.
bool hash_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/' ||
         c == '$' || c == '=' || c == ',' || c == '-';
}

}  // namespace

bool supported_hash(std::string_view hash) {
  bool kind = hash.starts_with("$2y$") || hash.starts_with("$2b$") || hash.starts_with("$6$") ||
              hash.starts_with("$y$");
  if (!kind || hash.size() < 20) return false;
  for (char c : hash)
    if (!hash_char(c)) return false;
  return true;
}

std::string parse_htpasswd(std::string_view text, const std::string& file, Htpasswd& out) {
  out.file = file;
  out.users.clear();
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::size_t lead = line.find_first_not_of(" \t");
    if (lead == std::string_view::npos || line[lead] == '#') continue;
    auto fail = [&](const std::string& why) { return file + ":" + std::to_string(line_no) + ": " + why; };
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail("not a \"user:hash\" line");
    std::string_view user = line.substr(0, colon);
    std::string_view hash = line.substr(colon + 1);
    // Apache's format allows a trailing ":comment" field after the hash.
    if (std::size_t extra = hash.find(':'); extra != std::string_view::npos) hash = hash.substr(0, extra);
    if (user.empty()) return fail("empty user name");
    for (char c : user)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return fail("control character in the user name");
    if (!supported_hash(hash))
      return fail("user '" + std::string(user) +
                  "': unsupported hash (use bcrypt $2y$/$2b$, sha512-crypt $6$ or yescrypt $y$)");
    if (!out.users.emplace(std::string(user), std::string(hash)).second)
      return fail("user '" + std::string(user) + "' appears twice");
  }
  return "";
}

std::string load_htpasswd(const std::string& path, std::shared_ptr<const Htpasswd>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot read: " + std::strerror(errno);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (!in && !in.eof()) return path + ": cannot read";
  std::string text = buf.str();
  if (text.size() > k_max_htpasswd_bytes) return path + ": larger than 16 MiB, not an htpasswd file";
  auto table = std::make_shared<Htpasswd>();
  std::string err = parse_htpasswd(text, path, *table);
  if (!err.empty()) return err;
  out = std::move(table);
  return "";
}

}  // namespace filehttpd
