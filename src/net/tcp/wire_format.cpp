// Text form of a segment, kept apart from wire.cpp so that the fuzz build
// compiles the parsers without the formatting library.
#include <fata/net/tcp/wire.hpp>

namespace fata::net::tcp {

void format_value(format_sink& sink, const format_spec& spec, const repr& r) {
  // Built in one fixed buffer, then padded as a whole.
  std::array<char, 256> text{};
  fixed_writer w(std::span<char>(text.data(), text.size()));
  format_sink s = w.sink();
  bool first = true;
  auto add = [&](std::uint8_t f, std::string_view name) {
    if (!r.has(f)) return;
    if (!first) s.put(',');
    s.append(name);
    first = false;
  };
  add(flag::syn, "SYN");
  add(flag::fin, "FIN");
  add(flag::rst, "RST");
  add(flag::psh, "PSH");
  add(flag::ack, "ACK");
  add(flag::urg, "URG");
  if (first) s.put('-');
  format_to(s, " {}->{} seq={} ack={} win={} len={}", r.source_port, r.destination_port,
            r.seq.value, r.has(flag::ack) ? r.ack.value : 0u, r.window, r.payload.size());
  if (r.opts.mss) format_to(s, " mss={}", *r.opts.mss);
  if (r.opts.window_scale) format_to(s, " ws={}", *r.opts.window_scale);
  if (r.opts.sack_permitted) s.append(" sackok");
  if (r.opts.ts) format_to(s, " ts={}/{}", r.opts.ts->value, r.opts.ts->echo);
  for (const sack_block& b : r.opts.sack_blocks())
    format_to(s, " sack={}-{}", b.left.value, b.right.value);
  format_padded(sink, spec, w.view(), false);
}

}  // namespace fata::net::tcp
