#pragma once
// htpasswd files: "user:hash" lines whose hash is bcrypt, sha512-crypt or yescrypt.
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace filehttpd {

// The users of one htpasswd file: name to stored crypt(3) hash.
struct Htpasswd {
  std::string file;                          // where it was read from
  std::map<std::string, std::string, std::less<>> users;
};

// Returns true when hash is a form the server verifies: "$2y$", "$2b$"
// (bcrypt), "$6$" (sha512-crypt) or "$y$" (yescrypt).
bool supported_hash(std::string_view hash);

// Parses htpasswd text into out. Blank lines and lines starting with '#' are
// skipped. Returns "" or "FILE:LINE: message" for the first bad line (no
// colon, empty or repeated user, an unsupported hash kind).
std::string parse_htpasswd(std::string_view text, const std::string& file, Htpasswd& out);

// Reads and parses the file at path. Returns "" or "FILE[:LINE]: message".
std::string load_htpasswd(const std::string& path, std::shared_ptr<const Htpasswd>& out);

}  // namespace filehttpd
