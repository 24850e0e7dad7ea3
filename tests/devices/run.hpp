// Test helper: runs one task to completion on a fresh loop with a virtual
// clock and returns its value.
#pragma once

#include <fata/core/loop.hpp>

#include <gtest/gtest.h>

namespace fata::test {

template <class T>
T run(task<T> t) {
  virtual_backend clock;
  loop l(clock);
  auto r = l.run(std::move(t));
  if (!r) ADD_FAILURE() << "the task did not finish";
  return std::move(*r);
}

}  // namespace fata::test
