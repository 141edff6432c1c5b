#pragma once
// Precompressed sidecars: which stored encoding of a file to send, from the
// client's Accept-Encoding (RFC 9110 section 12.5.3) and our preference.
#include <string>
#include <string_view>
#include <vector>

namespace filehttpd {

// Returns the file-name suffix of a content coding we serve from a sidecar
// ("br" -> ".br", "zstd" -> ".zst", "gzip" -> ".gz"), or "" for another.
std::string_view coding_suffix(std::string_view coding);

struct CodingChoice {
  int index = -1;               // into the preference list; -1: the file as it is (identity)
  bool not_acceptable = false;  // nothing the client accepts exists (the file is sent as it is)
};

// Chooses among the codings of prefs whose sidecar exists (bit i of
// available for prefs[i], so prefs past the 32nd are never chosen) and identity. accept_encoding null means no header
// (identity). The highest q wins; a coding wins a tie with identity; between
// codings of equal q, the earlier in prefs wins. q=0 refuses a coding, and
// "identity;q=0" or "*;q=0" (without identity listed) refuses the plain file.
CodingChoice choose_coding(const std::string* accept_encoding, const std::vector<std::string>& prefs,
                           unsigned available);

}  // namespace filehttpd
