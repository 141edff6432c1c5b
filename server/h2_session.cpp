#include "h2_session.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <ctime>
#include <vector>

#include "field_syntax.hpp"
#include "h2_stream.hpp"
#include "http_date.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "worker.hpp"

namespace filehttpd {

namespace {

// SETTINGS frames a client may send before it is told to calm down (nghttp2 counts its outbound ACKs).
constexpr std::size_t k_h2_max_outbound_ack = 1000;
// Bytes of a frame header (RFC 9113 section 4.1).
constexpr std::size_t k_h2_frame_header = 9;
// Entries one SETTINGS frame may carry.
constexpr std::size_t k_h2_max_settings = 32;

// True for the fields HTTP/2 forbids (RFC 9113 section 8.2.2).
bool connection_specific(std::string_view name) {
  return iequals(name, "connection") || iequals(name, "keep-alive") || iequals(name, "transfer-encoding") ||
         iequals(name, "upgrade") || iequals(name, "proxy-connection");
}

nghttp2_nv make_nv(std::string_view name, std::string_view value) {
  return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
          NGHTTP2_NV_FLAG_NONE};
}

const std::string& http_date_now() {
  static SecondCache date(format_http_date);
  return date.get();
}

}  // namespace

H2Session::H2Session(Worker& w, Transport& io, ExchangeHost& conn) : w_(w), io_(io), conn_(conn) {
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
  nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
  nghttp2_session_callbacks_set_send_data_callback(cb, send_data);
  by_reference_ = io_.zero_copy_files();
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_stream_reset_rate_limit(opt, k_h2_reset_burst, k_h2_reset_rate);
  nghttp2_option_set_max_continuations(opt, k_h2_max_continuations);
  nghttp2_option_set_max_outbound_ack(opt, k_h2_max_outbound_ack);
  nghttp2_option_set_max_settings(opt, k_h2_max_settings);
  nghttp2_session_server_new2(&session_, cb, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  const H2Config& h2 = w_.cfg().h2;
  nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, static_cast<std::uint32_t>(h2.max_concurrent_streams)},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<std::uint32_t>(h2.initial_window)},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<std::uint32_t>(w_.cfg().limits.header_bytes)},
      // RFC 7540 priorities are ignored (RFC 9113 section 5.3.2): PRIORITY frames cost nothing and no
      // dependency holds a stream back; the RFC 9218 scheduler serves streams by urgency.
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, sizeof settings / sizeof settings[0]);
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, static_cast<std::int32_t>(k_h2_connection_window));
}

H2Session::~H2Session() {
  for (auto& [id, s] : streams_) s->closed(true);  // cut short: each still gets its line
  for (auto& [id, s] : streams_) drop(std::move(s));
  nghttp2_session_del(session_);
}

H2Stream* H2Session::stream(std::int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

bool H2Session::receive(const char* data, std::size_t len) {
  received_ += len;
  ssize_t n = nghttp2_session_mem_recv(session_, reinterpret_cast<const std::uint8_t*>(data), len);
  if (n < 0) {
    spdlog::info("{}: HTTP/2 session ended: {}", conn_.peer(), nghttp2_strerror(static_cast<int>(n)));
    return false;
  }
  return true;
}

bool H2Session::flush() {
  std::uint64_t turn = 0;
  while (true) {
    if (!wire_.empty()) {
      std::uint64_t sent = 0;
      WireQueue::Result r = wire_.write(io_, sent);
      bytes_out_ += sent;
      turn += sent;
      if (r == WireQueue::Result::would_block) return true;
      if (r == WireQueue::Result::file_shrank) {
        spdlog::info("{}: a file shrank while its HTTP/2 DATA frame was on the wire; closing", conn_.peer());
        return false;
      }
      if (r == WireQueue::Result::error) return errno == EAGAIN || errno == EINTR;
    }
    if (turn >= k_h2_write_turn) return true;  // the rest next turn, after a look at the input
    while (wire_.size() < k_h2_write_batch) {
      const std::uint8_t* data = nullptr;
      ssize_t n = nghttp2_session_mem_send(session_, &data);
      if (n < 0) {
        spdlog::info("{}: HTTP/2 send failed: {}", conn_.peer(), nghttp2_strerror(static_cast<int>(n)));
        return false;
      }
      if (n == 0) break;  // nothing more, or send_data paused with a full batch
      wire_.append(data, static_cast<std::size_t>(n));
    }
    if (wire_.empty()) return true;
  }
}

bool H2Session::done() const {
  return !wants_write() && !nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_);
}

void H2Session::goaway(std::uint32_t error) {
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(session_), error,
                        nullptr, 0);
}

void H2Session::submit(H2Stream& s) {
  const Response& r = s.response();
  char status[4];
  auto st = std::to_chars(status, status + sizeof status, r.status);
  // Reused per response: nghttp2_submit_response copies the fields.
  std::vector<nghttp2_nv>& nva = nva_;
  std::string& names = names_;  // the lower-cased field names, back to back
  nva.clear();
  names.clear();
  std::size_t total = 0;
  for (std::size_t i = 0; i < r.fields.size(); ++i) total += r.fields[i].name.size();
  names.reserve(total);  // no reallocation below: the nv entries point into it
  nva.push_back(make_nv(":status", std::string_view(status, static_cast<std::size_t>(st.ptr - status))));
  nva.push_back(make_nv("date", http_date_now()));
  nva.push_back(make_nv("server", "filehttpd/" FILEHTTPD_VERSION));
  const std::string& hsts = w_.cfg().tls.hsts;
  if (conn_.secure() && !hsts.empty()) nva.push_back(make_nv("strict-transport-security", hsts));
  for (std::size_t i = 0; i < r.fields.size(); ++i) {
    Field f = r.fields[i];
    if (connection_specific(f.name)) continue;
    std::size_t at = names.size();
    for (char c : f.name) names.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c);
    nva.push_back(make_nv(std::string_view(names).substr(at), f.value));
  }
  char length[24];
  if (r.has_length) {
    auto l = std::to_chars(length, length + sizeof length, r.length);
    nva.push_back(make_nv("content-length", std::string_view(length, static_cast<std::size_t>(l.ptr - length))));
  }
  // Every response is incremental at the default urgency: streams take turns, so a big file does not hold
  // up small ones asked after it.
  nghttp2_extpri pri{NGHTTP2_EXTPRI_DEFAULT_URGENCY, 1};
  nghttp2_session_change_extpri_stream_priority(session_, s.id(), &pri, 1);
  nghttp2_data_provider body;
  body.source.ptr = &s;
  body.read_callback = read_data;
  int rv = nghttp2_submit_response(session_, s.id(), nva.data(), nva.size(), s.has_body() ? &body : nullptr);
  if (rv != 0) {
    spdlog::info("{}: cannot submit an HTTP/2 response: {}", conn_.peer(), nghttp2_strerror(rv));
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s.id(), NGHTTP2_INTERNAL_ERROR);
  }
}

ssize_t H2Session::read_data(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                             std::uint32_t* flags, nghttp2_data_source* source, void* self) {
  auto* me = static_cast<H2Session*>(self);
  auto* s = static_cast<H2Stream*>(source->ptr);
  bool eof = false;
  bool by_ref = false;
  long n = s->read_body(buf, length, me->by_reference_, by_ref, eof);
  if (n == k_h2_deferred) return NGHTTP2_ERR_DEFERRED;
  if (n < 0) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  if (eof) *flags |= NGHTTP2_DATA_FLAG_EOF;
  if (by_ref) *flags |= NGHTTP2_DATA_FLAG_NO_COPY;  // counted in send_data
  else bump(my_counters().h2_data_bytes[static_cast<std::size_t>(H2DataPath::copied)], static_cast<std::uint64_t>(n));
  return n;
}

int H2Session::send_data(nghttp2_session*, nghttp2_frame* frame, const std::uint8_t* framehd, std::size_t length,
                         nghttp2_data_source* source, void* self) {
  // Called in the same nghttp2_session_mem_send as the read_data that chose NO_COPY: the stream is alive.
  auto* me = static_cast<H2Session*>(self);
  auto* s = static_cast<H2Stream*>(source->ptr);
  off_t offset = 0;
  std::shared_ptr<const unique_fd> file = s->take_file(length, offset);
  if (!file || frame->data.padlen != 0) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  me->wire_.append(framehd, k_h2_frame_header);
  me->wire_.append_file(std::move(file), offset, length);
  bump(my_counters().h2_data_bytes[static_cast<std::size_t>(H2DataPath::by_reference)], length);
  // A full batch pauses nghttp2 (the frame counts as sent): flush() writes it before asking for more.
  return me->wire_.size() >= k_h2_write_batch ? NGHTTP2_ERR_PAUSE : 0;
}

int H2Session::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  auto* me = static_cast<H2Session*>(self);
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  std::int32_t id = frame->hd.stream_id;
  me->streams_[id] = std::make_unique<H2Stream>(*me, id, me->w_, me->conn_);
  return 0;
}

int H2Session::on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                         std::size_t namelen, const std::uint8_t* value, std::size_t valuelen, std::uint8_t,
                         void* self) {
  auto* me = static_cast<H2Session*>(self);
  H2Stream* s = me->stream(frame->hd.stream_id);
  if (!s) return 0;  // trailers and the like: ignored
  s->add_field(std::string_view(reinterpret_cast<const char*>(name), namelen),
               std::string_view(reinterpret_cast<const char*>(value), valuelen));
  return 0;
}

void H2Session::calm_down(const char* what, std::uint64_t count) {
  if (calmed_) return;
  calmed_ = true;
  spdlog::warn("{}: {} {} on one HTTP/2 connection; GOAWAY", conn_.peer(), count, what);
  nghttp2_session_terminate_session(session_, NGHTTP2_ENHANCE_YOUR_CALM);
}

int H2Session::on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* self) {
  auto* me = static_cast<H2Session*>(self);
  // Frames that cost us work and carry nothing are counted against budgets.
  if (frame->hd.type == NGHTTP2_DATA && frame->hd.length == 0 && !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
      ++me->empty_data_ > k_h2_empty_data_budget)
    me->calm_down("empty DATA frames", me->empty_data_);
  if (frame->hd.type == NGHTTP2_PING && !(frame->hd.flags & NGHTTP2_FLAG_ACK) && ++me->pings_ > k_h2_ping_budget)
    me->calm_down("PINGs without a request between", me->pings_);
  bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  H2Stream* s = me->stream(frame->hd.stream_id);
  if (!s) return 0;
  if (frame->hd.type == NGHTTP2_DATA ||
      (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat != NGHTTP2_HCAT_REQUEST)) {
    if (end_stream) s->end_of_body();  // the last DATA frame, or trailers
    return 0;
  }
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  me->pings_ = 0;
  if (!s->begin(++me->requests_, end_stream))
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_PROTOCOL_ERROR);
  return 0;
}

int H2Session::on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  auto* me = static_cast<H2Session*>(self);
  if (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA)
    me->response_bytes_ += frame->hd.length + k_h2_frame_header;
  if (frame->hd.type != NGHTTP2_RST_STREAM) return 0;
  // Resets the client makes us send (MadeYouReset) are counted against a budget.
  if (++me->resets_sent_ > k_h2_reset_budget) me->calm_down("streams reset", me->resets_sent_);
  return 0;
}

int H2Session::on_stream_close(nghttp2_session*, std::int32_t id, std::uint32_t error, void* self) {
  auto* me = static_cast<H2Session*>(self);
  auto it = me->streams_.find(id);
  if (it == me->streams_.end()) return 0;
  it->second->closed(error != NGHTTP2_NO_ERROR);
  std::unique_ptr<H2Stream> s = std::move(it->second);
  me->streams_.erase(it);
  me->drop(std::move(s));
  return 0;
}

}  // namespace filehttpd
