#include "reply.hpp"

namespace filehttpd {

void Reply::start(int s, std::string_view reason) {
  response.status = s;
  response.reason = reason;
  response.fields.clear();
  response.has_length = false;
  response.length = 0;
  response.bare = false;
  out.begin_response();
}

void Reply::send_scratch(std::string_view content_type) {
  add("Content-Type", content_type);
  set_length(out.scratch().size());
  if (!head_only) out.add_mem(out.scratch());
  send();
}

}  // namespace filehttpd
