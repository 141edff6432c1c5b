// Fuzz target: the llhttp glue. Arbitrary bytes are parsed whole and split at
// an offset the first byte chooses; both must give the same outcome.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "http_parser.hpp"

namespace {

struct Outcome {
  int event = 0;
  int status = 0;
  std::string target;
  std::string host;
  std::string body;
  bool operator==(const Outcome&) const = default;
};

// Feeds input in two pieces split at cut, keeping unconsumed bytes, until the
// first message is complete or fails.
Outcome parse(const std::string& input, std::size_t cut, bool relative) {
  filehttpd::RequestParser p(1024, 512, relative);
  std::string body;
  p.set_body_sink(&body);
  Outcome out;
  std::string pending;
  std::size_t fed = 0;
  for (std::size_t end : {cut, input.size()}) {
    pending += input.substr(fed, end - fed);
    fed = end;
    while (true) {
      std::size_t used = 0;
      filehttpd::ParseEvent ev = p.feed(pending.data(), pending.size(), used);
      pending.erase(0, used);
      if (ev == filehttpd::ParseEvent::error) {
        out.event = 3;
        out.status = p.error_status();
        return out;
      }
      if (ev == filehttpd::ParseEvent::headers_done) {
        out.target = p.request().target;
        if (const std::string* h = p.request().find("Host")) out.host = *h;
        continue;
      }
      if (ev == filehttpd::ParseEvent::message_done) {
        out.event = 2;
        out.body = body;
        return out;
      }
      break;
    }
  }
  out.event = 0;
  out.body.clear();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  bool relative = data[0] & 1;
  std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  std::size_t cut = input.empty() ? 0 : (data[0] >> 1) % (input.size() + 1);
  Outcome whole = parse(input, input.size(), relative);
  Outcome split = parse(input, cut, relative);
  // Segmentation independence: however TCP splits the bytes, the answer is the same.
  if (!(whole == split)) std::abort();
  return 0;
}
