#pragma once
// The syntax of request fields and targets (RFC 9110, RFC 9112): tokens,
// field values, lists, weights, transfer codings, absolute-form targets.
// Pure functions over strings: no parser state.
#include <string>
#include <string_view>
#include <vector>

namespace filehttpd {

// Returns true when a and b are equal but for ASCII letter case (field names,
// tokens), every byte compared, a NUL too.
bool iequals(std::string_view a, std::string_view b);

// Returns true when c is a tchar of RFC 9110 section 5.6.2 (the bytes of a token).
bool is_tchar(char c);

// Returns true when v may be a field value: no NUL, CR, LF or other control
// byte but HTAB, and no DEL (RFC 9110 section 5.5).
bool is_field_value(std::string_view v);

// For an absolute-form target ("http://host:port/path?q", any case in the
// scheme, http or https), sets authority and origin (the path and query, "/"
// when the path is empty) and returns true; returns false for any other form.
bool split_absolute_form(std::string_view target, std::string& authority, std::string& origin);

// Returns true when value may be a Host field value or an http(s) URI's
// authority (RFC 9110 sections 4.2.1 and 7.2): uri-host [":" port] of RFC
// 3986 section 3.2 (reg-name, IPv4address, or an IP-literal holding an
// IPv6address or IPvFuture), no userinfo, a port of digits only that is at
// most 65535. The empty value is valid; an empty host before a port is not.
bool is_valid_host(std::string_view value);

// Appends the items of a comma-separated field value (RFC 9110 section 5.6.1)
// to out, each without surrounding white space; empty items are skipped. A
// comma inside a quoted string (section 5.6.4, quoted-pairs included) does not split.
void append_list_items(std::string_view value, std::vector<std::string_view>& out);

// Returns true when one item of the comma-separated value equals item (any case).
bool list_has_item(std::string_view value, std::string_view item);

// One item of a weighted list (Accept, Accept-Encoding): its name and q.
struct WeightedItem {
  std::string_view name;  // without parameters or surrounding white space
  double q = 1;           // the "q" parameter (any case), 1 when absent
  bool valid = true;      // false when the weight is not a qvalue: the item is to be ignored
};

// Splits one list item ("gzip;q=0.5", "text/html; level=1; q=0.2") into name
// and weight, at semicolons outside quoted strings. A weight must be a qvalue of RFC 9110 section 12.4.2 ("0" to
// "1", at most three decimals); any other ("-1", "nan", "0.5x") clears valid.
WeightedItem parse_weighted_item(std::string_view item);

// The verdict on a request's Transfer-Encoding (RFC 9112 sections 6.1 and 6.3).
struct TransferCodingCheck {
  int status = 0;  // 0: acceptable; 400: not framable; 501: a coding we do not know
  const char* reason = "";
};

// Checks the codings listed in a Transfer-Encoding value: every one known,
// chunked exactly once and last, and none at all in HTTP/1.0.
TransferCodingCheck check_transfer_codings(std::string_view value, bool http10);

}  // namespace filehttpd
