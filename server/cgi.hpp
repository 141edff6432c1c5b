#pragma once
// CGI: RFC 3875 environment, spawning children cleanly, parsing script headers.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "http_parser.hpp"
#include "router.hpp"
#include "unique_fd.hpp"

namespace filehttpd {

struct CgiSpawn {
  std::string program;           // absolute path of the script
  std::string cwd;               // the script's directory
  std::vector<std::string> env;  // NAME=value entries
  bool with_stdin = false;       // a pipe for the body; otherwise /dev/null
  std::uint64_t rlimit_cpu = 0;  // 0: inherit; see CgiConfig
  std::uint64_t rlimit_as = 0;
  std::uint64_t rlimit_nofile = 0;
};

struct CgiChildHandles {
  pid_t pid = -1;
  unique_fd pidfd;  // readable once the child has exited
  unique_fd out;    // non-blocking read end of the child's stdout
  unique_fd in;     // non-blocking write end of the child's stdin (or empty)
};

// Starts the child with vfork+execve: empty signal mask, default
// dispositions, its own process group, only fds 0-2. Returns 0, or the errno
// of a failed exec, which comes back through a close-on-exec pipe before
// the caller has sent any byte.
int spawn_cgi(const CgiSpawn& spec, CgiChildHandles& out);

struct PeerInfo {
  std::string remote_addr;
  unsigned remote_port = 0;
  std::string server_addr;
  unsigned server_port = 0;
  std::string tls_protocol;  // over TLS: "TLSv1.3"; empty on plain HTTP
  std::string tls_cipher;
  std::string tls_sni;  // the client's SNI name, if it sent one
};

// Builds the RFC 3875 environment for req routed to route, fresh: PATH is a
// fixed safe default and only TZ comes from the server's own environment.
// body_length, when set, is the size of the collected request body
// (CONTENT_LENGTH, whatever the framing was).
std::vector<std::string> build_cgi_env(const Request& req, const Route& route, const PeerInfo& peer,
                                       const std::string& root_path, std::optional<std::uint64_t> body_length);

// Result of scanning CGI output for the end of its header block.
struct CgiHeaderResult {
  enum class State { need_more, done, invalid } state = State::need_more;
  int status = 200;
  bool has_status = false;    // a Status line set it
  std::string reason_phrase;  // from "Status: NNN reason", may be empty
  std::string location;
  bool has_content_type = false;
  bool has_content_length = false;
  std::uint64_t content_length = 0;
  std::vector<Header> headers;   // pass-through headers (hop-by-hop removed)
  std::size_t header_bytes = 0;  // bytes of input taken by the block
  std::string reason;            // why it is invalid
};

// Parses a CGI header block at the start of data (LF or CRLF line ends).
CgiHeaderResult parse_cgi_headers(std::string_view data);

// Rewrites a leading "HTTP/1.x NNN reason" line of an nph- script's output
// into "Status: NNN reason", once that line is whole; anything else is left as it is.
void nph_status_to_field(std::string& head);

// Opens what spawn_cgi() reuses (/dev/null) and notes the signal
// dispositions, so that the first spawn opens nothing new. Call once per worker.
void prepare_cgi_spawning();

// Sends sig to the process group of pid; ignores ESRCH.
void signal_group(pid_t pid, int sig);

}  // namespace filehttpd
