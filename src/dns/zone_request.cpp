#include "zone_request.hpp"

#include <algorithm>

namespace fata::dns {

namespace {

constexpr std::uint16_t class_in = static_cast<std::uint16_t>(rr_class::in);

header answer_header(bytes request, dns::opcode op, bool authoritative) {
  header h;
  h.id = header::decode(request).id;
  h.response = true;
  h.opcode = op;
  h.authoritative = authoritative;
  return h;
}

}  // namespace

zone_request_answer::zone_request_answer(bytes request, dns::opcode op, bool authoritative, mut_bytes out)
    : _header(answer_header(request, op, authoritative)),
      _writer(out.first(std::min<std::size_t>(out.size(), max_message_size))) {}

result<message_view, rcode> zone_request_answer::check(bytes request, std::span<const tsig_key> keys,
                                                       std::uint64_t now) {
  auto view = message_view::parse(request);
  if (!view) return unexpected(rcode::formerr);
  if (view->count(section::question) == 1) _zone = view->question_at(0);
  if (!_zone || _zone->qtype != rr_type::soa || _zone->qclass != class_in || view->opt_count() > 1 ||
      view->tsig_misplaced()) {
    return unexpected(rcode::formerr);
  }
  if (auto o = view->opt()) {
    auto e = read_edns(*o);
    _opt.emplace();
    if (!e) return unexpected(e.error());
    _opt->dnssec_ok = e->dnssec_ok;
  }
  _tsig = tsig_responder(*view, keys, now);
  return *view;
}

bytes zone_request_answer::finish(rcode code, std::uint64_t now) {
  _header.rcode = static_cast<std::uint8_t>(static_cast<std::uint16_t>(code) & 0xf);
  _writer.set_header(_header);
  if (_zone) (void)_writer.add_question(_zone->qname, _zone->qtype, _zone->qclass);
  if (_opt) {
    _opt->response_code = code;
    (void)add_edns(_writer, *_opt);
  }
  _tsig.sign(_writer, now);
  return _writer.finish();
}

}  // namespace fata::dns
