// The C library subset that fata, libstdc++'s headers and BearSSL need in
// an image: memory and string functions, the malloc family over the heap,
// abort, and the stack-protector hook. Nothing else of the C library exists
// in an image; formatted output is fata's own fmt.
//
// Built with -fno-builtin -fno-tree-loop-distribute-patterns (see
// CMakeLists.txt) so that the compiler does not turn these loops back into
// calls to themselves.
#include <cstddef>
#include <cstdint>

#include "kernel.hpp"

using fata::virtio::heap_alloc;
using fata::virtio::heap_free;
using fata::virtio::heap_usable_size;

extern "C" {

// glibc's flag that libstdc++ reads to skip atomic reference counts
// (shared_ptr): an image has one thread.
char __libc_single_threaded = 1;

void* memcpy(void* __restrict dst, const void* __restrict src, std::size_t n) {
  void* d = dst;
  asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
  return dst;
}

void* memmove(void* dst, const void* src, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d == s || n == 0) return dst;
  if (d < s || d >= s + n) return memcpy(dst, src, n);
  // Overlapping with the destination above: copy backwards.
  unsigned char* dl = d + n - 1;
  const unsigned char* sl = s + n - 1;
  asm volatile("std; rep movsb; cld" : "+D"(dl), "+S"(sl), "+c"(n) : : "memory");
  return dst;
}

void* memset(void* dst, int c, std::size_t n) {
  void* d = dst;
  asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return dst;
}

int memcmp(const void* a, const void* b, std::size_t n) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (std::size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

void* memchr(const void* p, int c, std::size_t n) {
  const auto* s = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i)
    if (s[i] == static_cast<unsigned char>(c)) return const_cast<unsigned char*>(s + i);
  return nullptr;
}

std::size_t strlen(const char* s) {
  std::size_t n = 0;
  while (s[n]) ++n;
  return n;
}

int strcmp(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

int strncmp(const char* a, const char* b, std::size_t n) {
  for (; n > 0; --n, ++a, ++b) {
    if (*a != *b) return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
    if (!*a) return 0;
  }
  return 0;
}

char* strchr(const char* s, int c) {
  for (;; ++s) {
    if (*s == static_cast<char>(c)) return const_cast<char*>(s);
    if (!*s) return nullptr;
  }
}

char* strrchr(const char* s, int c) {
  const char* found = nullptr;
  for (;; ++s) {
    if (*s == static_cast<char>(c)) found = s;
    if (!*s) return const_cast<char*>(found);
  }
}

// malloc and friends return null when the heap cannot serve the request:
// that is the error value (see docs/virtio.md).
void* malloc(std::size_t n) { return heap_alloc(n, 16); }
void free(void* p) { heap_free(p); }

void* calloc(std::size_t count, std::size_t size) {
  std::size_t n;
  if (__builtin_mul_overflow(count, size, &n)) return nullptr;
  void* p = heap_alloc(n, 16);
  if (p) memset(p, 0, n);
  return p;
}

void* realloc(void* p, std::size_t n) {
  if (!p) return heap_alloc(n, 16);
  if (n == 0) {
    heap_free(p);
    return nullptr;
  }
  const std::size_t have = heap_usable_size(p);
  if (n <= have) return p;
  void* q = heap_alloc(n, 16);
  if (!q) return nullptr;
  memcpy(q, p, have);
  heap_free(p);
  return q;
}

void* aligned_alloc(std::size_t align, std::size_t n) {
  if (align == 0 || (align & (align - 1)) != 0) return nullptr;
  return heap_alloc(n, align);
}

int posix_memalign(void** out, std::size_t align, std::size_t n) {
  if (align < sizeof(void*) || (align & (align - 1)) != 0) return 22;  // EINVAL
  void* p = heap_alloc(n, align);
  if (!p) return 12;  // ENOMEM
  *out = p;
  return 0;
}

std::size_t malloc_usable_size(void* p) { return heap_usable_size(p); }

[[noreturn]] void abort() {
  fata::virtio::panic_with("panic", "abort() called", fata::virtio::exit_status::panic);
}

// Called by code built with a stack protector when the canary at
// %fs:0x28 was overwritten.
[[noreturn]] void __stack_chk_fail() {
  fata::virtio::panic_with("panic", "stack smashing detected", fata::virtio::exit_status::panic);
}

}  // extern "C"
