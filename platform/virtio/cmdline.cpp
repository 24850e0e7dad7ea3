// The kernel command line (PVH's `-append`) becomes the boot arguments that
// the runtime parses into its keys, exactly like a hosted argv: words split
// on blanks, with '...' or "..." quoting and backslash escapes.
//
// Two kinds of words are the platform's own and are removed:
// - virtio_mmio.device=SIZE@BASE:IRQ, which QEMU's microvm machine appends
//   for each virtio-mmio device (Linux's syntax): the drivers' device list;
// - fata.NAME (e.g. fata.boot-time): platform options.
#include <cstring>

#include "kernel.hpp"

namespace fata::virtio {

namespace {

constexpr std::size_t max_slots = 32;
mmio_slot slots[max_slots];
std::size_t slot_count = 0;

constexpr std::size_t max_options = 16;
std::string_view options[max_options];
std::size_t option_count = 0;

bool parse_number(std::string_view s, std::uint64_t* v) {
  std::uint64_t r = 0;
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return false;
  for (char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else return false;
    r = r * base + d;
  }
  *v = r;
  return true;
}

// SIZE[K|M]@BASE:IRQ
bool parse_mmio(std::string_view s, mmio_slot* slot) {
  const std::size_t at = s.find('@'), colon = s.find(':');
  if (at == std::string_view::npos || colon == std::string_view::npos || colon < at) return false;
  std::string_view size = s.substr(0, at);
  std::uint64_t scale = 1;
  if (!size.empty() && (size.back() == 'K' || size.back() == 'k')) scale = 1024, size.remove_suffix(1);
  if (!size.empty() && (size.back() == 'M' || size.back() == 'm')) scale = 1 << 20, size.remove_suffix(1);
  std::uint64_t n, base, irq;
  if (!parse_number(size, &n) || !parse_number(s.substr(at + 1, colon - at - 1), &base) ||
      !parse_number(s.substr(colon + 1), &irq))
    return false;
  *slot = {base, n * scale, static_cast<std::uint32_t>(irq)};
  return true;
}

}  // namespace

void cmdline_init(const char* command_line, int* argc, const char* const** argv) {
  static const char* no_words[1] = {nullptr};
  *argc = 0;
  *argv = no_words;
  const std::size_t length = command_line ? std::strlen(command_line) : 0;
  if (length == 0) return;
  // Words are at most as many as half the characters, plus one.
  auto* text = static_cast<char*>(heap_alloc(length + 1, 16));
  auto** words = static_cast<const char**>(heap_alloc((length / 2 + 2) * sizeof(char*), 16));
  if (!text || !words) return;
  std::size_t out = 0;
  int count = 0;
  const char* p = command_line;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == '\n') ++p;
    if (!*p) break;
    const std::size_t start = out;
    char quote = 0;
    for (; *p; ++p) {
      const char c = *p;
      if (quote) {
        if (c == quote) quote = 0;
        else if (c == '\\' && quote == '"' && p[1]) text[out++] = *++p;
        else text[out++] = c;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '\\' && p[1]) {
        text[out++] = *++p;
      } else if (c == ' ' || c == '\t' || c == '\n') {
        break;
      } else {
        text[out++] = c;
      }
    }
    text[out++] = 0;
    const std::string_view word(text + start);
    mmio_slot slot;
    if (word.starts_with("virtio_mmio.device=")) {
      if (slot_count < max_slots && parse_mmio(word.substr(19), &slot)) slots[slot_count++] = slot;
      continue;
    }
    if (word.starts_with("fata.")) {
      if (option_count < max_options) options[option_count++] = word.substr(5);
      continue;
    }
    words[count++] = text + start;
  }
  words[count] = nullptr;
  *argc = count;
  *argv = words;
}

std::span<const mmio_slot> mmio_slots() { return {slots, slot_count}; }

bool option_set(std::string_view name) {
  for (std::size_t i = 0; i < option_count; ++i)
    if (options[i] == name) return true;
  return false;
}

}  // namespace fata::virtio
