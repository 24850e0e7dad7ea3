// The C++ runtime support an image needs without libsupc++'s exception
// machinery: operator new and delete in every form, static-initialisation
// guards, atexit registration, pure virtual calls, and the std::__throw_*
// functions that libstdc++'s headers call to raise an exception (with
// -fno-exceptions each one is a panic naming the exception).
#include <bits/functexcept.h>
#include <memory>

#include <cstddef>
#include <new>
#include <typeinfo>

#include "kernel.hpp"

using fata::virtio::exit_status::panic;
using fata::virtio::panic_with;

namespace {

void* allocate_or_die(std::size_t n, std::size_t align) {
  void* p = fata::virtio::heap_alloc(n == 0 ? 1 : n, align);
  if (!p) fata::virtio::out_of_memory(n);
  return p;
}

void* allocate_or_null(std::size_t n, std::size_t align) noexcept {
  return fata::virtio::heap_alloc(n == 0 ? 1 : n, align);
}

}  // namespace

// A throwing new cannot report failure without exceptions: it ends the
// image with the out-of-memory report. Code that can cope uses
// new (std::nothrow) or malloc and gets null.
void* operator new(std::size_t n) { return allocate_or_die(n, 16); }
void* operator new[](std::size_t n) { return allocate_or_die(n, 16); }
void* operator new(std::size_t n, std::align_val_t a) { return allocate_or_die(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate_or_die(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return allocate_or_null(n, 16); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return allocate_or_null(n, 16); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate_or_null(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate_or_null(n, static_cast<std::size_t>(a));
}

void operator delete(void* p) noexcept { fata::virtio::heap_free(p); }
void operator delete[](void* p) noexcept { fata::virtio::heap_free(p); }
void operator delete(void* p, std::size_t) noexcept { fata::virtio::heap_free(p); }
void operator delete[](void* p, std::size_t) noexcept { fata::virtio::heap_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { fata::virtio::heap_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { fata::virtio::heap_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { fata::virtio::heap_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { fata::virtio::heap_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { fata::virtio::heap_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { fata::virtio::heap_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { fata::virtio::heap_free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { fata::virtio::heap_free(p); }

extern "C" {

// One thread: a guard is a byte saying "initialised".
int __cxa_guard_acquire(std::uint64_t* guard) { return *reinterpret_cast<std::uint8_t*>(guard) == 0; }
void __cxa_guard_release(std::uint64_t* guard) { *reinterpret_cast<std::uint8_t*>(guard) = 1; }
void __cxa_guard_abort(std::uint64_t*) {}

// Static destructors never run: an image ends by powering off.
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
int atexit(void (*)()) { return 0; }
void* __dso_handle = &__dso_handle;

[[noreturn]] void __cxa_pure_virtual() { panic_with("panic", "pure virtual function called", panic); }
[[noreturn]] void __cxa_deleted_virtual() { panic_with("panic", "deleted virtual function called", panic); }

}  // extern "C"

namespace std {

// make_shared without RTTI compares the tag by address.
bool _Sp_make_shared_tag::_S_eq(const type_info&) noexcept { return false; }

#define FATA_THROW(name, text) \
  void name() { panic_with("panic", text, panic); }
#define FATA_THROW_MSG(name, text) \
  void name(const char*) { panic_with("panic", text, panic); }

FATA_THROW(__throw_bad_exception, "std::bad_exception")
FATA_THROW(__throw_bad_alloc, "std::bad_alloc")
FATA_THROW(__throw_bad_array_new_length, "std::bad_array_new_length")
FATA_THROW(__throw_bad_cast, "std::bad_cast")
FATA_THROW(__throw_bad_typeid, "std::bad_typeid")
FATA_THROW(__throw_bad_function_call, "std::bad_function_call")
FATA_THROW_MSG(__throw_logic_error, "std::logic_error")
FATA_THROW_MSG(__throw_domain_error, "std::domain_error")
FATA_THROW_MSG(__throw_invalid_argument, "std::invalid_argument")
FATA_THROW_MSG(__throw_length_error, "std::length_error")
FATA_THROW_MSG(__throw_out_of_range, "std::out_of_range")
FATA_THROW_MSG(__throw_runtime_error, "std::runtime_error")
FATA_THROW_MSG(__throw_range_error, "std::range_error")
FATA_THROW_MSG(__throw_overflow_error, "std::overflow_error")
FATA_THROW_MSG(__throw_underflow_error, "std::underflow_error")
FATA_THROW_MSG(__throw_ios_failure, "std::ios_base::failure")
void __throw_out_of_range_fmt(const char*, ...) { panic_with("panic", "std::out_of_range", panic); }
void __throw_ios_failure(const char*, int) { panic_with("panic", "std::ios_base::failure", panic); }
void __throw_system_error(int) { panic_with("panic", "std::system_error", panic); }
void __throw_future_error(int) { panic_with("panic", "std::future_error", panic); }

#undef FATA_THROW
#undef FATA_THROW_MSG

}  // namespace std
