// Helpers for HTTP tests over pipes: a raw client that writes bytes and
// collects what comes back, and a splitter of concatenated responses.
#pragma once

#include <fata/core/join.hpp>
#include <fata/http/parser.hpp>
#include <fata/testing/pipe.hpp>

#include <string>
#include <vector>

namespace fata::http::test {

struct parsed_response {
  int code = 0;
  std::string head;  // status line and fields
  std::string body;
  bool chunked = false;
  std::string field(std::string_view name) const {
    response_head h;
    auto r = parse_response(bytes::of(head), {}, method::get, h);
    if (!r || !*r) return "<unparsable>";
    auto v = h.headers.get(name);
    return v ? std::string(*v) : std::string();
  }
  bool has(std::string_view name) const {
    response_head h;
    auto r = parse_response(bytes::of(head), {}, method::get, h);
    return r && *r && h.headers.get(name).has_value();
  }
};

// Splits the bytes of consecutive responses; `verbs` says which request
// each answers (HEAD responses have no body). Stops at the first
// incomplete or malformed response.
inline std::vector<parsed_response> split_responses(std::string_view all,
                                                    std::vector<method> verbs = {}) {
  std::vector<parsed_response> out;
  std::size_t pos = 0;
  while (pos < all.size()) {
    const method m = out.size() < verbs.size() ? verbs[out.size()] : method::get;
    response_head h;
    auto r = parse_response(bytes::of(all.substr(pos)), {}, m, h);
    if (!r || *r == 0) break;
    parsed_response p;
    p.code = h.code;
    p.head = std::string(all.substr(pos, *r));
    pos += *r;
    if (h.body == body_kind::length) {
      if (all.size() - pos < h.content_length) break;
      p.body = std::string(all.substr(pos, h.content_length));
      pos += h.content_length;
    } else if (h.body == body_kind::chunked) {
      p.chunked = true;
      chunked_decoder d;
      while (pos < all.size() && !d.done()) {
        auto s = d.feed(bytes::of(all.substr(pos)));
        if (!s) return out;
        p.body.append(s->data.chars());
        pos += s->consumed;
      }
    } else if (h.body == body_kind::until_close) {
      p.body = std::string(all.substr(pos));
      pos = all.size();
    }
    out.push_back(std::move(p));
  }
  return out;
}

// Reads until end of stream, an error, or `quiet` without data.
inline task<std::string> read_until_quiet(testing::pipe_end* e, duration quiet = 1s) {
  std::string out;
  std::byte buf[4096];
  for (;;) {
    auto n = co_await with_timeout(quiet, e->read(mut_bytes(buf, sizeof buf)));
    if (!n || !*n || **n == 0) break;
    out.append(bytes(buf, **n).chars());
  }
  co_return out;
}

// Writes `request` (optionally half-closing), then reads the answer.
inline task<std::string> exchange(testing::pipe_end* e, std::string request,
                                  bool half_close = false, duration quiet = 1s) {
  auto w = co_await e->write(bytes::of(request));
  if (!w) co_return std::string("<write failed>");
  if (half_close) (void)co_await e->shutdown(sig::shutdown_mode::write);
  co_return co_await read_until_quiet(e, quiet);
}

// True once the server has closed its side: a read returns 0 or an error.
inline task<bool> closed_by_peer(testing::pipe_end* e, duration wait = 1s) {
  std::byte buf[64];
  auto n = co_await with_timeout(wait, e->read(mut_bytes(buf, sizeof buf)));
  co_return n && (!*n || **n == 0);
}

}  // namespace fata::http::test
