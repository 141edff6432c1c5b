#include "response.hpp"

#include <charconv>
#include <cstdio>

#include "http_date.hpp"

namespace filehttpd {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 511: return "Network Authentication Required";
    default: return "Unknown";
  }
}

void append_status_line(std::string& out, int status, int minor, std::string_view reason) {
  if (minor == 1 && reason.empty()) {
    switch (status) {  // the hot ones, without formatting
      case 200: out += "HTTP/1.1 200 OK\r\n"; return;
      case 206: out += "HTTP/1.1 206 Partial Content\r\n"; return;
      case 304: out += "HTTP/1.1 304 Not Modified\r\n"; return;
      default: break;
    }
  }
  out += minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ";
  char buf[8];
  auto r = std::to_chars(buf, buf + sizeof buf, status);
  out.append(buf, r.ptr);
  out.push_back(' ');
  out += reason.empty() ? reason_phrase(status) : reason;
  out += "\r\n";
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

void append_header(std::string& out, std::string_view name, unsigned long long value) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  append_header(out, name, std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

void append_chunk(std::string& out, std::string_view data) {
  if (data.empty()) return;
  char size[20];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  out.append(size, static_cast<std::size_t>(n));
  out.append(data);
  out += "\r\n";
}

void append_last_chunk(std::string& out) {
  out += "0\r\n\r\n";
}

std::string classic_status_response(int status) {
  std::string out;
  append_status_line(out, status);
  out += "Content-Length: 0\r\n\r\n";
  return out;
}

std::string error_body(int status) {
  std::string code = std::to_string(status);
  std::string reason(reason_phrase(status));
  return "<!DOCTYPE html>\n<html><head><title>" + code + " " + reason + "</title></head>\n<body><h1>" + code + " " +
         reason + "</h1></body></html>\n";
}

void append_common_headers(std::string& out) {
  static SecondCache block(
      [](std::time_t t) { return "Date: " + format_http_date(t) + "\r\nServer: filehttpd/" FILEHTTPD_VERSION "\r\n"; });
  out += block.get();
}

}  // namespace filehttpd
