// The unikernel description: what a unikernel's config.cpp is written in
// (MirageOS's config.ml, in C++ and type-checked).
//
//   #include <fata/config/description.hpp>
//   #include "unikernel.hpp"
//   using namespace fata::config;
//
//   void configure() {
//     auto greeting = key<std::string>("hello", "Hello World!", "How to say hello");
//     register_unikernel("hello-key", main<hello>("unikernel.hpp", sleeper(), greeting));
//   }
//
// A description names the devices a unikernel needs as typed values (a
// `device<kinds::block_device>` is a block device, whatever it will be on
// the target), declares runtime keys, and says which class template is the
// unikernel and which devices and keys its `start` receives, in order. The
// `fata` tool compiles config.cpp with this header, runs `configure()` for
// one target, and generates the image's main from the result; which
// implementation each device gets on each target is the tool's business
// (its device table), not the description's.
//
// Guarantees:
// - main<U>(...) checks at compile time that U accepts the devices given
//   (U<archetype...> satisfies U's constraints), that U is
//   default-constructible, and that `start` takes the devices and keys in
//   the order given and returns fata::task<int>, fata::task<void> or
//   fata::task<fata::result<void, E>>. A mismatch is a compile error in
//   config.cpp whose message names the signature's concept
//   (fata::sig::block_device...), not an error inside generated code.
// - errors found while configure() runs (a duplicate device or key name, a
//   directory that does not exist, no unikernel registered) are reported
//   with the config.cpp line of the call that caused them, all of them,
//   and the description fails.
// - device combinators for platform devices (console, clocks, sleeper,
//   random) return the same device every time they are called: a
//   unikernel has one of each.
#pragma once

#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <cstdint>
#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fata/config/signatures.hpp>
#include <fata/core/keys.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>

namespace fata::config {

using device_id = std::uint32_t;
using key_id = std::uint32_t;

// A device of the unikernel's graph, of kind K (see signatures.hpp).
// Cheap to copy: it names a node of the description.
template <device_kind K>
class device {
 public:
  using kind = K;
  // Made by the combinators (make_device); public for extensions.
  explicit device(device_id id) : _id(id) {}
  device_id id() const { return _id; }

 private:
  device_id _id;
};

// A runtime key of type T declared by the description; passed to main<>,
// the unikernel's start receives its value as `const T&`.
template <class T>
class runtime_key {
 public:
  using value_type = T;
  explicit runtime_key(key_id id) : _id(id) {}
  key_id id() const { return _id; }

 private:
  key_id _id;
};

namespace detail {

// What a combinator contributes to the graph.
struct device_spec {
  std::string combinator;  // the tool's device table is keyed by it
  std::string name;        // unique among the description's devices
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<device_id> dependencies;
  // One per unikernel: a second call returns the first device.
  bool singleton = false;
};

// Parses a configure-time value and prints it back in canonical form, or
// says why it is not a value of the key's type.
using key_normalizer = result<std::string, std::string> (*)(std::string_view text);

struct key_spec {
  std::string name;
  std::string cpp_type;   // how generated code spells T
  std::string type_name;  // the metavariable --help shows (STRING, INT...)
  std::string default_text;
  std::string doc;
  bool required = false;
  key_normalizer normalize = nullptr;
};

struct job_argument {
  bool is_key;
  std::uint32_t id;
};

struct job_spec {
  std::string header;          // as #included by generated code
  std::string unikernel;       // the class template (or class), qualified
  bool is_template = true;     // instantiated with the devices' types
  std::string returns;         // int, void or result
  std::vector<job_argument> arguments;
  std::source_location where;
};

device_id add_device(std::string_view signature, device_spec spec, const std::source_location& where);
// The device of match_target: the case for the current target, else
// `otherwise`; every case's target must exist.
device_id match_target(const std::vector<std::pair<std::string_view, device_id>>& cases,
                       device_id otherwise, const std::source_location& where);
key_id add_key(key_spec spec, const std::source_location& where);
void register_job(std::string_view name, std::string_view summary, job_spec job,
                  const std::source_location& where);

template <class T>
constexpr std::string_view pretty_type_name() {
  return __PRETTY_FUNCTION__;
}
template <template <class...> class U>
constexpr std::string_view pretty_template_name() {
  return __PRETTY_FUNCTION__;
}

// The entity named after "[with T = " (or "U = ") in a g++ function
// signature, up to the next ';' or ']' at bracket depth 0.
std::string name_from_signature(std::string_view signature, std::string_view parameter);

template <class T>
std::string cpp_type_name() {
  if constexpr (std::same_as<T, std::string>) return "std::string";
  else if constexpr (std::same_as<T, duration>) return "fata::duration";
  else return name_from_signature(pretty_type_name<T>(), "T");
}

template <class T>
result<std::string, std::string> normalize_key(std::string_view text) {
  auto v = key_codec<T>::parse(text);
  if (!v) return unexpected(v.error());
  return key_codec<T>::print(*v);
}

// --- compile-time checks of main<> -----------------------------------------

template <class... T>
struct type_list {};

template <class A>
struct argument_traits {
  static constexpr bool valid = false;
};
template <class K>
struct argument_traits<device<K>> {
  static constexpr bool valid = true;
  static constexpr bool is_device = true;
  using kind = K;
  using archetype = typename K::archetype;
  using parameter = typename K::archetype&;
};
template <class T>
struct argument_traits<runtime_key<T>> {
  static constexpr bool valid = true;
  static constexpr bool is_device = false;
  using parameter = const T&;
};

template <class A>
concept job_argument_type = argument_traits<A>::valid;

template <class L1, class L2>
struct concat;
template <class... A, class... B>
struct concat<type_list<A...>, type_list<B...>> {
  using type = type_list<A..., B...>;
};

// The archetypes of the device arguments, in order (keys are not template
// arguments of the unikernel).
template <class... Args>
struct device_archetypes {
  using type = type_list<>;
};
template <class A, class... Rest>
struct device_archetypes<A, Rest...> {
  using rest = typename device_archetypes<Rest...>::type;
  using type = std::conditional_t<
      argument_traits<A>::is_device,
      typename concat<type_list<typename argument_traits<std::conditional_t<
                          argument_traits<A>::is_device, A, device<kinds::console>>>::archetype>,
                      rest>::type,
      rest>;
};

// The kinds of the device arguments, and their 1-based positions among all
// arguments of main<> (for the diagnostics).
template <std::size_t Position, class... Args>
struct device_positions {
  using kinds = type_list<>;
  using positions = std::index_sequence<>;
};
template <std::size_t... I, std::size_t... J>
constexpr std::index_sequence<I..., J...> join_sequences(std::index_sequence<I...>,
                                                         std::index_sequence<J...>) {
  return {};
}
template <std::size_t Position, class A, class... Rest>
struct device_positions<Position, A, Rest...> {
  using next = device_positions<Position + 1, Rest...>;
  static constexpr bool is_device = argument_traits<A>::is_device;
  using kinds = std::conditional_t<
      is_device,
      typename concat<type_list<typename argument_traits<
                          std::conditional_t<is_device, A, device<kinds::console>>>::kind>,
                      typename next::kinds>::type,
      typename next::kinds>;
  using positions = std::conditional_t<
      is_device,
      decltype(join_sequences(std::index_sequence<Position>{}, typename next::positions{})),
      typename next::positions>;
};

template <template <class...> class U, class List>
struct instantiable;
template <template <class...> class U, class... A>
struct instantiable<U, type_list<A...>> : std::bool_constant<requires { typename U<A...>; }> {};

template <template <class...> class U, class List>
struct apply_list;
template <template <class...> class U, class... A>
struct apply_list<U, type_list<A...>> {
  using type = U<A...>;
};

template <class Sequence, std::size_t I, class T, class... A>
struct replace_at_impl;
template <std::size_t... J, std::size_t I, class T, class... A>
struct replace_at_impl<std::index_sequence<J...>, I, T, A...> {
  using type = type_list<std::conditional_t<J == I, T, A>...>;
};
template <class List, std::size_t I, class T>
struct replace_at;
template <std::size_t I, class T, class... A>
struct replace_at<type_list<A...>, I, T> {
  using type = typename replace_at_impl<std::index_sequence_for<A...>, I, T, A...>::type;
};

// The first kind whose archetype, put at position I, makes U accept the
// list; void if none does.
template <template <class...> class U, class List, std::size_t I, class Kinds>
struct fitting_kind {
  using type = void;
};
template <template <class...> class U, class List, std::size_t I, class K, class... Rest>
struct fitting_kind<U, List, I, kind_list<K, Rest...>> {
  using type = std::conditional_t<
      instantiable<U, typename replace_at<List, I, typename K::archetype>::type>::value, K,
      typename fitting_kind<U, List, I, kind_list<Rest...>>::type>;
};

template <class L, std::size_t I>
struct list_at;
template <class A, class... Rest>
struct list_at<type_list<A, Rest...>, 0> {
  using type = A;
};
template <class A, class... Rest, std::size_t I>
struct list_at<type_list<A, Rest...>, I> {
  using type = typename list_at<type_list<Rest...>, I - 1>::type;
};

// Instantiated only for a rejected device: the static_assert in
// Needed::required names the concept; this function's template arguments
// (shown by the compiler) say which argument of main<> and what was given.
template <std::size_t Argument, class Given, class Needed>
constexpr bool wrong_device_at_argument() {
  Needed::template required<false>();
  return false;
}

template <template <class...> class U, class Archetypes, class Kinds, std::size_t Argument,
          std::size_t I>
constexpr int check_position() {
  using fit = typename fitting_kind<U, Archetypes, I, all_kinds>::type;
  if constexpr (std::is_void_v<fit>) {
    return 0;
  } else {
    wrong_device_at_argument<Argument, typename list_at<Kinds, I>::type, fit>();
    return 1;
  }
}

template <template <class...> class U, class Archetypes, class Kinds, std::size_t... Argument,
          std::size_t... I>
constexpr int check_positions(std::index_sequence<Argument...>, std::index_sequence<I...>) {
  return (0 + ... + check_position<U, Archetypes, Kinds, Argument, I>());
}

template <template <class...> class U, class... Args>
constexpr bool check_unikernel_template() {
  using archetypes = typename device_archetypes<Args...>::type;
  if constexpr (instantiable<U, archetypes>::value) {
    return true;
  } else {
    // Positions count main<>'s arguments, the header being the first.
    using where = device_positions<2, Args...>;
    constexpr int reported = check_positions<U, archetypes, typename where::kinds>(
        typename where::positions{}, std::make_index_sequence<where::positions::size()>{});
    if constexpr (reported == 0) {
      static_assert(reported != 0,
                    "main<>: the unikernel's template does not accept the devices given (a "
                    "wrong number of devices, or several of the wrong kind); the compiler's "
                    "notes below name the constraint that failed");
      // Let the compiler explain the constraint.
      using explain = typename apply_list<U, archetypes>::type;
      return sizeof(explain*) == 0;
    }
    return false;
  }
}

template <class T>
struct task_value;
template <class T>
struct task_value<task<T>> {
  using type = T;
};

template <class T>
struct is_result_void : std::false_type {};
template <class E>
struct is_result_void<result<void, E>> : std::true_type {};

template <class App, class... Params>
concept startable = requires(App& app, Params&&... p) { app.start(std::forward<Params>(p)...); };

template <class App, class... Args>
constexpr std::string_view check_start() {
  static_assert(std::is_default_constructible_v<App>,
                "main<>: the unikernel must be default-constructible (its devices and keys are "
                "passed to start(), not to its constructor)");
  constexpr bool callable = startable<App, typename argument_traits<Args>::parameter...>;
  static_assert(callable,
                "main<>: the unikernel has no start() that takes the devices and keys given to "
                "main<>, in that order (devices by reference, keys as const T&)");
  if constexpr (!callable) {
    return "int";
  } else {
    using returned = decltype(std::declval<App&>().start(
        std::declval<typename argument_traits<Args>::parameter>()...));
    if constexpr (std::is_same_v<returned, task<int>>) {
      return "int";
    } else if constexpr (std::is_same_v<returned, task<void>>) {
      return "void";
    } else if constexpr (requires { typename task_value<returned>::type; }) {
      static_assert(is_result_void<typename task_value<returned>::type>::value,
                    "main<>: start() must return fata::task<int>, fata::task<void> or "
                    "fata::task<fata::result<void, E>>");
      return "result";
    } else {
      static_assert(requires { typename task_value<returned>::type; },
                    "main<>: start() must be a coroutine returning fata::task<int>, "
                    "fata::task<void> or fata::task<fata::result<void, E>>");
      return "int";
    }
  }
}

template <class... Args>
std::vector<job_argument> job_arguments(const Args&... args) {
  return {job_argument{!argument_traits<Args>::is_device, args.id()}...};
}

}  // namespace detail

// The header that declares the unikernel, as generated code #includes it
// (relative to the unikernel's folder). Records where main<> was called.
struct header_file {
  header_file(const char* path, std::source_location where = std::source_location::current())
      : path(path), where(where) {}
  header_file(std::string_view path, std::source_location where = std::source_location::current())
      : path(path), where(where) {}
  std::string_view path;
  std::source_location where;
};

// The job: which unikernel runs, and what its start() receives.
class job {
 public:
  explicit job(detail::job_spec spec) : _spec(std::move(spec)) {}
  const detail::job_spec& spec() const { return _spec; }

 private:
  detail::job_spec _spec;
};

// main<U>(header, args...): the unikernel is the class template U, declared
// in `header`, instantiated with the types the devices among `args` have on
// the target; its start() is called with `args` in order (devices by
// reference, runtime keys by value). Checked at compile time (see above).
template <template <class...> class U, detail::job_argument_type... Args>
job main(header_file header, const Args&... args) {
  constexpr bool accepted = detail::check_unikernel_template<U, Args...>();
  detail::job_spec spec;
  if constexpr (accepted) {
    using app = typename detail::apply_list<U, typename detail::device_archetypes<Args...>::type>::type;
    spec.returns = std::string(detail::check_start<app, Args...>());
  }
  spec.header = std::string(header.path);
  spec.unikernel = detail::name_from_signature(detail::pretty_template_name<U>(), "U");
  spec.is_template = true;
  spec.arguments = detail::job_arguments(args...);
  spec.where = header.where;
  return job(std::move(spec));
}

// main<U>(header, args...) for a unikernel that is a plain class (it uses
// no device, or none whose type varies): only start() is checked.
template <class U, detail::job_argument_type... Args>
job main(header_file header, const Args&... args) {
  detail::job_spec spec;
  spec.returns = std::string(detail::check_start<U, Args...>());
  spec.header = std::string(header.path);
  spec.unikernel = detail::cpp_type_name<U>();
  spec.is_template = false;
  spec.arguments = detail::job_arguments(args...);
  spec.where = header.where;
  return job(std::move(spec));
}

// Registers the unikernel `name` (the image's name: letters, digits, '-'
// and '_') running `j`. `summary` is the paragraph --help prints. Exactly
// one unikernel per description.
inline void register_unikernel(std::string_view name, job j,
                               std::source_location where = std::source_location::current()) {
  detail::register_job(name, "", j.spec(), where);
}
inline void register_unikernel(std::string_view name, std::string_view summary, job j,
                               std::source_location where = std::source_location::current()) {
  detail::register_job(name, summary, j.spec(), where);
}

// --- runtime keys ----------------------------------------------------------

// A runtime key `--NAME=VALUE` of type T (any type fata::key supports) with
// a default and a line of documentation for --help. `fata configure
// NAME=VALUE` changes the default compiled into the image.
template <class T>
runtime_key<T> key(std::string_view name, std::type_identity_t<T> default_value,
                   std::string_view doc,
                   std::source_location where = std::source_location::current()) {
  detail::key_spec spec;
  spec.name = std::string(name);
  spec.cpp_type = detail::cpp_type_name<T>();
  spec.type_name = std::string(key_codec<T>::type_name);
  spec.default_text = key_codec<T>::print(default_value);
  spec.doc = std::string(doc);
  spec.normalize = &detail::normalize_key<T>;
  return runtime_key<T>(detail::add_key(std::move(spec), where));
}

// A runtime key that has no default: the image refuses to start without it
// (unless `fata configure NAME=VALUE` gives one).
template <class T>
runtime_key<T> key(std::string_view name, required_t, std::string_view doc,
                   std::source_location where = std::source_location::current()) {
  detail::key_spec spec;
  spec.name = std::string(name);
  spec.cpp_type = detail::cpp_type_name<T>();
  spec.type_name = std::string(key_codec<T>::type_name);
  spec.doc = std::string(doc);
  spec.required = true;
  spec.normalize = &detail::normalize_key<T>;
  return runtime_key<T>(detail::add_key(std::move(spec), where));
}

// --- devices -----------------------------------------------------------------

// Adds a device of kind K: the building block of every combinator below,
// public so that new device families can add their own.
template <device_kind K>
device<K> make_device(detail::device_spec spec, const std::source_location& where) {
  return device<K>(detail::add_device(K::signature, std::move(spec), where));
}

// The console (stdout on hosted, the serial port in a VM).
device<kinds::console> default_console(std::source_location where = std::source_location::current());
// The monotonic clock.
device<kinds::mclock> mclock(std::source_location where = std::source_location::current());
// The wall clock (POSIX time).
device<kinds::pclock> pclock(std::source_location where = std::source_location::current());
// Sleeping on the event loop's timers.
device<kinds::sleeper> sleeper(std::source_location where = std::source_location::current());
// The cryptographically secure generator, seeded from the platform. (Not
// called random(): that name is the C library's.)
device<kinds::random> default_random(std::source_location where = std::source_location::current());

// Block device `name`. `file` is the backing file on hosted (relative to
// the unikernel's folder; default NAME.img), overridable at run time with
// --block:NAME=FILE.
device<kinds::block_device> block(std::string_view name, std::string_view file = {},
                                  std::source_location where = std::source_location::current());

// An in-memory read-write store of at most `capacity` bytes (see
// fata/devices/kv_mem.hpp).
device<kinds::kv_rw> kv_mem(std::string_view name = "kv_mem", std::size_t capacity = 16u << 20,
                            std::source_location where = std::source_location::current());

// The read-only store of the files under `directory` (relative to the
// unikernel's folder): crunched into the image on VM targets, read from the
// host directory on hosted (`fata configure kv_ro=crunch` crunches there
// too). `name` defaults to the directory's last segment.
device<kinds::kv_ro> generic_kv_ro(std::string_view directory, std::string_view name = {},
                                   std::source_location where = std::source_location::current());
// The files under `directory`, always compiled into the image.
device<kinds::kv_ro> crunch(std::string_view directory, std::string_view name = {},
                            std::source_location where = std::source_location::current());
// The host directory itself, read at run time (hosted only); the path can
// be changed at run time with --kv_ro:NAME=DIR.
device<kinds::kv_ro> direct_kv_ro(std::string_view directory, std::string_view name = {},
                                  std::source_location where = std::source_location::current());

// The network interface `name` (a TAP device on hosted, virtio-net in a
// VM), chosen at run time with --net:NAME=RESOURCE.
device<kinds::netif> default_network(std::string_view name = "service",
                                     std::source_location where = std::source_location::current());

namespace detail {
template <class Kind, device_kind K>
device<Kind> stack_over(device<K> net, std::string_view combinator, std::string_view name,
                        std::source_location where) {
  device_spec spec;
  spec.combinator = std::string(combinator);
  spec.name = std::string(name);
  spec.dependencies.push_back(net.id());
  return make_device<Kind>(std::move(spec), where);
}
}  // namespace detail

// An IPv4 stack over `net` (fata's own, or the host's sockets on hosted:
// `fata configure net=socket|direct`).
template <device_kind K>
  requires sig::netif<typename K::archetype>
device<kinds::stackv4> generic_stackv4(device<K> net,
                                       std::source_location where = std::source_location::current()) {
  return detail::stack_over<kinds::stackv4>(net, "generic_stackv4", "stackv4", where);
}

// A dual-stack (IPv4 and IPv6) stack over `net`: the same choices, with
// IPv6 keys on fata's own (--ipv6=auto by default: SLAAC from router
// advertisements; ADDR/PREFIX; none).
template <device_kind K>
  requires sig::netif<typename K::archetype>
device<kinds::stackv4v6> generic_stackv4v6(device<K> net,
                                           std::source_location where = std::source_location::current()) {
  return detail::stack_over<kinds::stackv4v6>(net, "generic_stackv4v6", "stackv4v6", where);
}

// The DNS client (fata/dns/client.hpp: a stub resolver asking recursive
// servers) over `stack`, with the default random generator (query IDs)
// and the monotonic clock (the cache's TTLs). Its runtime keys:
// --dns-server (the servers, in order), --dns-server-port, --dns-timeout
// and --dns-tries.
template <device_kind K>
  requires sig::stackv4<typename K::archetype>
device<kinds::dns_client> generic_dns_client(device<K> stack,
                                             std::source_location where = std::source_location::current()) {
  detail::device_spec spec;
  spec.combinator = "generic_dns_client";
  spec.name = "dns_client";
  spec.dependencies = {stack.id(), default_random(where).id(), mclock(where).id()};
  return make_device<kinds::dns_client>(std::move(spec), where);
}

// The device for the target being configured (MirageOS's match_impl):
//
//   auto store = match_target({{"hosted", direct_kv_ro("data", "data-dir")}},
//                             crunch("data", "data-crunched"));
//
// The first case naming the target, else `otherwise`. A case naming a
// target the tool does not have is an error at this line. The devices not
// chosen are left out of the image (they may have no implementation on
// this target) and are not reported as unused.
template <device_kind K>
device<K> match_target(std::initializer_list<std::pair<std::string_view, device<K>>> cases,
                       device<K> otherwise,
                       std::source_location where = std::source_location::current()) {
  std::vector<std::pair<std::string_view, device_id>> ids;
  for (const auto& [name, d] : cases) ids.emplace_back(name, d.id());
  return device<K>(detail::match_target(ids, otherwise.id(), where));
}

// --- libraries ---------------------------------------------------------------

// fata libraries the unikernel's own code uses beyond what its devices
// bring (MirageOS's ~packages), as CMake targets of fata's export:
//
//   libraries({"fata::http", "fata::tls"});
//
// Each must be named `fata::NAME`; the image links them. (The description
// itself never links them: it only includes the unikernel's header.)
void libraries(std::initializer_list<std::string_view> names,
               std::source_location where = std::source_location::current());

// --- the description's context ----------------------------------------------

// The target being configured ("hosted", "virtio"...), for descriptions
// that differ per target.
std::string_view target();
// The unikernel's folder (absolute).
std::string_view source_dir();
// Reports an error of the description at `where`; the description fails.
void report_error(std::string_view message,
                  std::source_location where = std::source_location::current());

}  // namespace fata::config

// Written by the unikernel's config.cpp: declares the devices, keys and
// job. Called once by the tool's description driver.
void configure();
