#pragma once
// What the supervisor settles before it serves: the document root, the CGI
// body directory, the credentials workers run as, and the capabilities it
// keeps itself. -t runs the same checks without binding.
#include <sys/types.h>

#include <string>
#include <vector>

#include "config.hpp"
#include "unique_fd.hpp"

namespace filehttpd {

// The document root, opened.
struct Root {
  unique_fd fd;
  std::string path;  // real path; "" for "/"
};

// The user and group workers run as.
struct Credentials {
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Returns "" when CGI request bodies can spill where cfg says, else an error naming cgi.body_dir.
std::string check_body_dir(const Config& cfg);

// Opens the document root. Returns "" or an error naming the path.
std::string open_root(const std::string& dir, Root& out);

// Opens the root of each of cfg.sites into out, in order. Returns "" or an
// error naming the site and its path.
std::string open_site_roots(const Config& cfg, std::vector<Root>& out);

// Resolves user/group. Returns "" or an error naming the key.
std::string resolve_credentials(const Config& cfg, Credentials& out);

// setgroups, setgid, setuid; then makes sure root cannot be regained. Returns false on failure.
bool drop_privileges(const Credentials& c);

// Drops every capability but those the supervisor needs once workers run as
// another user, from the bounding, permitted and effective sets. Returns "" or an error.
std::string keep_only_needed_caps();

// Returns warnings about cfg's fallback and error pages that workers running
// as creds cannot serve now (missing, not regular files, unreadable to them):
// with creds to drop, the check runs in a child process that drops them.
std::vector<std::string> check_pages_as(const Config& cfg, const Root& root, const Credentials& creds);

// What -t checks beyond the file itself, without binding: the root, the
// listen specs, user and group. Returns "" or an error; warnings get what
// would work but not as configured (a missing error page or fallback file,
// an expired certificate); notes get what each TLS certificate serves.
// Every message is one line (see one_line_message()).
std::string check_config(const Config& cfg, std::vector<std::string>& warnings, std::vector<std::string>& notes);

}  // namespace filehttpd
