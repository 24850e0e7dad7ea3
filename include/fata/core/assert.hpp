// Contract checks for programmer errors.
//
// A violated contract (an out-of-bounds slice, a task destroyed while
// running, ...) is a bug in the calling code, not bad input: it prints the
// failed expression with its location through the platform's panic path and
// aborts the image. Bad input from outside never reaches a contract check;
// parsers reject it with an error value first. On the host, tests check
// contracts with death tests.
#pragma once

namespace fata {

// Prints "contract violated: EXPR at FILE:LINE" and aborts. Never returns.
[[noreturn]] void contract_violation(const char* expression, const char* file, int line);

// Aborts with a message. Never returns.
[[noreturn]] void panic(const char* message);

}  // namespace fata

#define FATA_ASSERT(condition)                                                     \
  do {                                                                             \
    if (!(condition)) [[unlikely]]                                                 \
      ::fata::contract_violation(#condition, __FILE__, __LINE__);                  \
  } while (0)
