#pragma once
// One loop for a byte pipeline: source -> buffer -> sink, run until neither
// step moves a byte; then the state says which readiness would let it go on.
// The CGI stdin feed and the CGI output relay both run on it.
#include <cstddef>
#include <string>

namespace filehttpd {

// What one step at either end of a pipeline did.
enum class IoStep {
  moved,    // some bytes moved
  blocked,  // nothing now; readiness of that end will tell
  ended,    // the source has no more bytes (never returned by a sink)
  failed,   // the pipeline is over: stop at once (the owner has acted)
};

struct BytePump {
  std::string buf;       // bytes taken from the source, not yet in the sink
  std::size_t off = 0;   // bytes of buf already in the sink
  std::size_t capacity;  // the source is read only while fewer bytes wait
  bool source_ended = false;
  bool source_blocked = false;  // the last read found nothing
  bool sink_blocked = false;    // the last write was refused
  bool failed = false;

  explicit BytePump(std::size_t cap) : capacity(cap) {}

  // Returns the bytes waiting for the sink.
  std::size_t pending() const { return buf.size() - off; }
  // Returns true when readability of the source would let the pump go on.
  bool wants_source() const { return !failed && !source_ended && pending() < capacity; }
  // Returns true when writability of the sink would let the pump go on.
  bool wants_sink() const { return !failed && pending() > 0; }
  // Returns true when every byte of the source is in the sink.
  bool done() const { return !failed && source_ended && pending() == 0; }
  // Empties the pump for a new pipeline.
  void reset() {
    buf.clear();
    off = 0;
    source_ended = source_blocked = sink_blocked = failed = false;
  }

  // Runs until neither end moves a byte. read(room) appends at most room
  // source bytes (possibly framed) to buf; write(data, len, written) puts a
  // prefix of data into the sink. Returns false when a step failed.
  template <class Read, class Write>
  bool run(Read&& read, Write&& write) {
    while (!failed) {
      bool progress = false;
      if (wants_source()) {
        IoStep s = read(capacity - pending());
        source_blocked = s == IoStep::blocked;
        if (s == IoStep::failed) return !(failed = true);
        if (s == IoStep::ended) source_ended = true;
        progress |= s == IoStep::moved || s == IoStep::ended;
      }
      while (pending() > 0) {
        std::size_t written = 0;
        IoStep s = write(buf.data() + off, pending(), written);
        if (s == IoStep::failed) return !(failed = true);
        sink_blocked = s == IoStep::blocked;
        if (s != IoStep::moved || written == 0) break;
        off += written;
        progress = true;
      }
      if (off == buf.size()) {
        buf.clear();
        off = 0;
      } else if (off >= capacity) {
        buf.erase(0, off);
        off = 0;
      }
      if (!progress) break;
    }
    return !failed;
  }
};

}  // namespace filehttpd
