#include <fata/http/client.hpp>

#include <fata/core/fmt.hpp>

namespace fata::http::detail {

void write_request_head(std::string& out, const outgoing_request& r, std::string_view user_agent) {
  out.clear();
  out.append(to_string(r.verb));
  out.push_back(' ');
  out.append(r.target.empty() ? std::string_view("/") : r.target);
  out.append(" HTTP/1.1\r\nHost: ");
  out.append(r.host);
  out.append("\r\n");
  bool has_agent = false;
  for (const auto& f : r.headers) {
    has_agent = has_agent || iequals(f.name, "user-agent");
    out.append(f.name);
    out.append(": ");
    out.append(f.value);
    out.append("\r\n");
  }
  if (!has_agent && !user_agent.empty()) {
    out.append("User-Agent: ");
    out.append(user_agent);
    out.append("\r\n");
  }
  if (r.chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else if (!r.body.empty() || r.verb == method::post || r.verb == method::put) {
    format_append(out, "Content-Length: {}\r\n", r.body.size());
  }
  if (r.close) out.append("Connection: close\r\n");
  out.append("\r\n");
}

client_error client_error_of(sig::flow_error e) {
  switch (e) {
    case sig::flow_error::reset:
    case sig::flow_error::closed: return client_error::closed;
    case sig::flow_error::timed_out: return client_error::timed_out;
    case sig::flow_error::refused:
    case sig::flow_error::unreachable: return client_error::connect_failed;
    case sig::flow_error::cancelled: return client_error::cancelled;
    case sig::flow_error::no_memory: return client_error::no_memory;
    case sig::flow_error::protocol:
    case sig::flow_error::io: return client_error::io;
  }
  return client_error::io;
}

}  // namespace fata::http::detail
