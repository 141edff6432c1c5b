// H2Session's side of CGI streams: request body DATA handed to the stream,
// output resumed and flushed when a script writes, CGI deadlines, and closed
// streams kept alive until the epoll batch that may name their pipes is over.
#include "h2_session.hpp"
#include "h2_stream.hpp"
#include "worker.hpp"

namespace filehttpd {

int H2Session::on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data, std::size_t len,
                             void* self) {
  auto* me = static_cast<H2Session*>(self);
  if (H2Stream* s = me->stream(id)) s->body_data(data, len);
  return 0;
}

void H2Session::drop(std::unique_ptr<H2Stream> s) {
  if (!s) return;
  s->stop_cgi();
  if (s->had_cgi()) w_.retire(std::move(s));
}

void H2Session::kick() {
  if (kick_) kick_();
}

void H2Session::resume(std::int32_t id) {
  nghttp2_session_resume_data(session_, id);
}

void H2Session::reset(std::int32_t id) {
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_INTERNAL_ERROR);
}

std::chrono::steady_clock::time_point H2Session::cgi_deadline() const {
  auto t = std::chrono::steady_clock::time_point::max();
  for (const auto& [id, s] : streams_) t = std::min(t, s->cgi_deadline());
  return t;
}

bool H2Session::cgi_waiting() const {
  for (const auto& [id, s] : streams_)
    if (s->cgi_waiting()) return true;
  return false;
}

bool H2Session::expire_cgi(std::chrono::steady_clock::time_point now) {
  bool any = false;
  std::vector<std::int32_t> due;
  for (const auto& [id, s] : streams_)
    if (s->cgi_deadline() <= now) due.push_back(id);
  for (std::int32_t id : due)
    if (H2Stream* s = stream(id)) {
      s->cgi_timeout();
      any = true;
    }
  return any;
}

}  // namespace filehttpd
