#pragma once
// A response's header fields as (name, value) pairs. The pairs are kept in
// one buffer in the order they were added, with an index of where each name
// and value lie, so a session can walk the pairs (nghttp2 takes them as
// they are) and the HTTP/1.1 framer can copy the whole block in one append.
// Responders add fields; they never see how a session frames them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace filehttpd {

struct Field {
  std::string_view name;
  std::string_view value;
};

class FieldList {
 public:
  // Adds a field after the others.
  void add(std::string_view name, std::string_view value);
  // Adds a field with a decimal value.
  void add(std::string_view name, unsigned long long value);
  // Adds every field of other, in order.
  void add_all(const FieldList& other);
  // Drops every field (the buffers keep their capacity).
  void clear() {
    text_.clear();
    index_.clear();
  }
  // Number of fields.
  std::size_t size() const { return index_.size(); }
  // True when there is no field.
  bool empty() const { return index_.empty(); }
  // The i-th field (i < size()).
  Field operator[](std::size_t i) const;
  // Index of the first field named name (ASCII case-insensitive), or size().
  std::size_t find(std::string_view name) const;
  // Replaces the value of the i-th field (i < size()).
  void set_value(std::size_t i, std::string_view value);
  // The fields as HTTP/1.1 field lines, each CRLF-ended: for the HTTP/1.1 framer only.
  std::string_view http1_lines() const { return text_; }

 private:
  struct Span {
    std::uint32_t name_off;
    std::uint32_t name_len;
    std::uint32_t value_len;  // the value starts at name_off + name_len + 2
  };
  std::string text_;
  std::vector<Span> index_;
};

}  // namespace filehttpd
