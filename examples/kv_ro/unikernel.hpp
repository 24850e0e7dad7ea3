// kv_ro: read-only key-value stores (MirageOS's device-usage/kv_ro). The
// same folder, data/, is given twice: crunched into the image, and as a
// store that is the host directory on hosted (crunched too on VM
// targets). The unikernel walks both and checks they agree on every key:
// listings, values, sizes and digests.
#pragma once

#include <string>

#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/kv.hpp>

namespace example {

inline fata::log::source kv_ro_log{"kv_ro", "The kv_ro example"};

template <fata::sig::kv_ro Crunched, fata::sig::kv_ro Files>
class kv_ro {
 public:
  fata::task<int> start(Crunched& crunched, Files& files) {
    _crunched = &crunched;
    _files = &files;
    auto hello = co_await crunched.get("/hello.txt");
    if (!hello) {
      kv_ro_log.error("/hello.txt: {}", hello.error());
      co_return 1;
    }
    kv_ro_log.info("/hello.txt says: {}", trimmed(*hello));
    const bool same = co_await compare("");
    if (!same) co_return 1;
    kv_ro_log.info("the two stores agree on {} values in {} dictionaries",
                   _values, _dictionaries);
    co_return 0;
  }

 private:
  static std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
    return s;
  }

  // Compares the dictionary `dir` ("" is the root) and everything below.
  fata::task<bool> compare(std::string dir) {
    auto a = co_await _crunched->list(dir);
    auto b = co_await _files->list(dir);
    if (!a || !b) {
      kv_ro_log.error("list {}/: {}", dir, !a ? a.error() : b.error());
      co_return false;
    }
    if (*a != *b) {
      kv_ro_log.error("the listings of {}/ differ", dir);
      co_return false;
    }
    ++_dictionaries;
    for (const auto& entry : *a) {
      const std::string key = dir + "/" + entry.name;
      if (entry.kind == fata::sig::kv_kind::dictionary) {
        const bool same = co_await compare(key);
        if (!same) co_return false;
        continue;
      }
      const bool same = co_await compare_value(key);
      if (!same) co_return false;
      ++_values;
    }
    co_return true;
  }

  fata::task<bool> compare_value(std::string key) {
    auto va = co_await _crunched->get(key);
    auto vb = co_await _files->get(key);
    auto sa = co_await _crunched->size(key);
    auto sb = co_await _files->size(key);
    auto da = co_await _crunched->digest(key);
    auto db = co_await _files->digest(key);
    if (!va || !vb || !sa || !sb || !da || !db) {
      kv_ro_log.error("{}: a store failed to read it", key);
      co_return false;
    }
    if (*va != *vb || *sa != *sb || *da != *db || *sa != va->size()) {
      kv_ro_log.error("{}: the stores disagree", key);
      co_return false;
    }
    kv_ro_log.info("{}: {} bytes, same in both", key, *sa);
    co_return true;
  }

  Crunched* _crunched = nullptr;
  Files* _files = nullptr;
  int _values = 0;
  int _dictionaries = 0;
};

}  // namespace example
