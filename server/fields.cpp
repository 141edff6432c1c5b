#include "fields.hpp"

#include <charconv>

#include "field_syntax.hpp"

namespace filehttpd {

void FieldList::add(std::string_view name, std::string_view value) {
  index_.push_back({static_cast<std::uint32_t>(text_.size()), static_cast<std::uint32_t>(name.size()),
                    static_cast<std::uint32_t>(value.size())});
  text_ += name;
  text_ += ": ";
  text_ += value;
  text_ += "\r\n";
}

void FieldList::add(std::string_view name, unsigned long long value) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  add(name, std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

void FieldList::add_all(const FieldList& other) {
  auto shift = static_cast<std::uint32_t>(text_.size());
  text_ += other.text_;
  for (Span s : other.index_) {
    s.name_off += shift;
    index_.push_back(s);
  }
}

Field FieldList::operator[](std::size_t i) const {
  const Span& s = index_[i];
  std::string_view t(text_);
  return {t.substr(s.name_off, s.name_len), t.substr(s.name_off + s.name_len + 2, s.value_len)};
}

std::size_t FieldList::find(std::string_view name) const {
  for (std::size_t i = 0; i < index_.size(); ++i)
    if (iequals((*this)[i].name, name)) return i;
  return index_.size();
}

void FieldList::set_value(std::size_t i, std::string_view value) {
  Span& s = index_[i];
  std::size_t at = s.name_off + s.name_len + 2;
  std::string copy(value);  // value may point into text_
  text_.replace(at, s.value_len, copy);
  auto grow = static_cast<std::int64_t>(copy.size()) - static_cast<std::int64_t>(s.value_len);
  s.value_len = static_cast<std::uint32_t>(copy.size());
  for (std::size_t j = i + 1; j < index_.size(); ++j)
    index_[j].name_off = static_cast<std::uint32_t>(static_cast<std::int64_t>(index_[j].name_off) + grow);
}

}  // namespace filehttpd
