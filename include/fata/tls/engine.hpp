// The TLS engine of one connection, as the glue in flow.hpp drives it:
// BearSSL's context, its I/O buffer and fata's policy (SNI certificate
// choice, validation errors told apart), with no I/O and no event loop, so
// that tests and the record-layer fuzz target can drive it directly.
//
// Bytes move as in BearSSL's engine: records_out/records_sent towards the
// transport, records_room/records_received from it, app_in/app_consumed
// and app_room/app_put for application data; state() says which moves are
// possible now.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include <fata/core/bytes.hpp>
#include <fata/core/time.hpp>
#include <fata/tls/context.hpp>
#include <fata/tls/error.hpp>

namespace fata::tls {

namespace detail {

// The engine of one connection and the bookkeeping of its glue: BearSSL's
// contexts and I/O buffer, heap-allocated (they point at themselves).
class session {
 public:
  // Engine states (BearSSL's BR_SSL_* bits).
  static constexpr unsigned closed_bit = 0x0001;
  static constexpr unsigned sendrec_bit = 0x0002;
  static constexpr unsigned recvrec_bit = 0x0004;
  static constexpr unsigned sendapp_bit = 0x0008;
  static constexpr unsigned recvapp_bit = 0x0010;

  static constexpr std::size_t entropy_size = 32;

  // A server session; nullptr if the server has no certificate or the
  // entropy is missing (`why` says which).
  static std::unique_ptr<session> server(server_shared& shared, bytes entropy, tls_error* why);
  // A client session for `host` (SNI and name check), validating at `now`.
  // With `check_host` false no name is sent or checked (the chain still
  // is) and `host` is ignored; with it true an empty host is refused
  // (`no_host_name`): a missing name never silently skips the check.
  static std::unique_ptr<session> client(client_shared& shared, std::string_view host,
                                         bool check_host, wall_time now, bytes entropy,
                                         tls_error* why);
  ~session();
  // Heap bytes a session takes (see tls::session_memory).
  static std::size_t footprint();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  unsigned state() const;
  // Records to write to the transport, and how many were written.
  bytes records_out() const;
  void records_sent(std::size_t n);
  // Room for bytes from the transport, and how many arrived.
  mut_bytes records_room();
  void records_received(std::size_t n);
  // Decrypted application data, and how much was consumed.
  bytes app_in() const;
  void app_consumed(std::size_t n);
  // Room for application data to send, and how much was put there.
  mut_bytes app_room();
  void app_put(std::size_t n);
  // Seals buffered application data into a record.
  void flush_app();
  // Starts the closing handshake (close_notify).
  void close_notify();

  // True once the peer's close_notify has arrived.
  bool peer_closed() const;
  // Why the engine stopped (after closed_bit), or what the transport did.
  tls_error error() const;
  bool closed_cleanly() const;
  void fail(tls_error e);
  // Called when the handshake has completed: records the session for
  // resumption (clients).
  void handshake_done();

  // What was negotiated.
  std::string_view alpn() const;
  std::string_view server_name() const;
  cipher_suite suite() const;
  bool resumed() const { return _resumed; }
  const server_options* server_opts() const;
  const client_options* client_opts() const;

  // Set by the session cache when this handshake resumed a session.
  bool resumption_hit = false;

  struct engine;

 private:
  session();
  std::unique_ptr<engine> _e;
  tls_error _failure{};
  bool _resumed = false;
  friend struct engine;
};

}  // namespace detail

}  // namespace fata::tls
