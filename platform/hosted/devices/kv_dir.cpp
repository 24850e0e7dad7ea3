#include <fata/devices/hosted/kv_dir.hpp>

#include <fata/devices/kv/digest.hpp>
#include <fata/devices/kv/key.hpp>

#include "host_tree.hpp"

#include <algorithm>
#include <cerrno>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fata::hosted {

using detail::host_entry;
using detail::host_kind;
using sig::kv_error;
using sig::kv_kind;

namespace {

struct resolved {
  std::string_view key;  // canonical
  host_entry entry;
};

result<resolved, kv_error> resolve(int root_fd, std::string_view key) {
  auto k = devices::kv::normalize_key(key);
  if (!k) return unexpected(k.error());
  const host_entry e = detail::stat_beneath(root_fd, *k);
  switch (e.kind) {
    case host_kind::value:
    case host_kind::dictionary:
      return resolved{*k, e};
    case host_kind::absent:
      return unexpected(kv_error::not_found);
    case host_kind::below_value:
      return unexpected(kv_error::dictionary_expected);
    case host_kind::error:
      break;
  }
  return unexpected(kv_error::io);
}

class descriptor {
 public:
  explicit descriptor(int fd) : _fd(fd) {}
  ~descriptor() {
    if (_fd >= 0) ::close(_fd);
  }
  descriptor(const descriptor&) = delete;
  descriptor& operator=(const descriptor&) = delete;
  int get() const { return _fd; }
  void reset(int fd) {
    if (_fd >= 0) ::close(_fd);
    _fd = fd;
  }

 private:
  int _fd;
};

// Opens a value for reading and returns its current size.
result<std::uint64_t, kv_error> open_value(int root_fd, std::string_view key, descriptor& out) {
  const int fd = detail::open_beneath(root_fd, key, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return unexpected(fd == -ENOENT ? kv_error::not_found : kv_error::io);
  out.reset(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) return unexpected(kv_error::io);
  // The entry may have been replaced since it was classified.
  if (S_ISDIR(st.st_mode)) return unexpected(kv_error::value_expected);
  if (!S_ISREG(st.st_mode)) return unexpected(kv_error::not_found);
  return static_cast<std::uint64_t>(st.st_size);
}

// Reads exactly out.size() bytes at `offset`.
bool read_fully(int fd, std::uint64_t offset, char* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // an error, or the file shrank
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string child_key(std::string_view parent, std::string_view name) {
  std::string key;
  key.reserve(parent.size() + 1 + name.size());
  key.append(parent);
  if (!parent.empty()) key += '/';
  key.append(name);
  return key;
}

// The members of dictionary `key`, sorted by name, as the store sees them.
result<std::vector<sig::kv_entry>, kv_error> members(int root_fd, std::string_view key) {
  const int fd = detail::open_beneath(root_fd, key, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return unexpected(fd == -ENOENT ? kv_error::not_found : kv_error::io);
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    ::close(fd);
    return unexpected(kv_error::io);
  }
  std::vector<sig::kv_entry> out;
  for (;;) {
    // readdir reports failure only through errno, which the calls below
    // may set: clear it before every call.
    errno = 0;
    const dirent* d = ::readdir(dir);
    if (!d) break;
    const std::string_view name(d->d_name);
    if (name == "." || name == "..") continue;
    if (key.size() + 1 + name.size() > devices::kv::max_key_size) continue;  // no key can name it
    // Plain files and directories cannot lead outside; links and unknown
    // types go through the confinement rule.
    if (d->d_type == DT_REG) {
      out.push_back(sig::kv_entry{std::string(name), kv_kind::value});
      continue;
    }
    if (d->d_type == DT_DIR) {
      out.push_back(sig::kv_entry{std::string(name), kv_kind::dictionary});
      continue;
    }
    const host_entry e = detail::stat_beneath(root_fd, child_key(key, name));
    if (e.kind == host_kind::value) out.push_back(sig::kv_entry{std::string(name), kv_kind::value});
    if (e.kind == host_kind::dictionary)
      out.push_back(sig::kv_entry{std::string(name), kv_kind::dictionary});
  }
  const bool failed = errno != 0;
  ::closedir(dir);
  if (failed) return unexpected(kv_error::io);
  std::sort(out.begin(), out.end(),
            [](const sig::kv_entry& a, const sig::kv_entry& b) { return a.name < b.name; });
  return out;
}

result<sig::kv_digest, kv_error> file_digest(int root_fd, std::string_view key) {
  descriptor fd(-1);
  auto size = open_value(root_fd, key, fd);
  if (!size) return unexpected(size.error());
  devices::kv::sha256 hash;
  char chunk[16384];
  std::uint64_t done = 0;
  while (done < *size) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof chunk, *size - done));
    if (!read_fully(fd.get(), done, chunk, n)) return unexpected(kv_error::io);
    hash.update(bytes(chunk, n));
    done += n;
  }
  return hash.finish();
}

struct ancestor {
  dev_t device;
  ino_t inode;
};

result<sig::kv_digest, kv_error> tree_digest(int root_fd, std::string_view key, host_entry self,
                                             std::vector<ancestor>& path) {
  if (self.kind == host_kind::value) return file_digest(root_fd, key);
  auto listed = members(root_fd, key);
  if (!listed) return unexpected(listed.error());
  path.push_back(ancestor{self.device, self.inode});
  devices::kv::dictionary_digest digest;
  for (const sig::kv_entry& m : *listed) {
    const std::string member_key = child_key(key, m.name);
    const host_entry e = detail::stat_beneath(root_fd, member_key);
    if (e.kind != host_kind::value && e.kind != host_kind::dictionary) continue;  // vanished
    const bool cycle = e.kind == host_kind::dictionary &&
                       std::any_of(path.begin(), path.end(), [&](const ancestor& a) {
                         return a.device == e.device && a.inode == e.inode;
                       });
    if (cycle) continue;
    auto member = tree_digest(root_fd, member_key, e, path);
    if (!member) {
      path.pop_back();
      return unexpected(member.error());
    }
    digest.add(m.name, e.kind == host_kind::value ? kv_kind::value : kv_kind::dictionary, *member);
  }
  path.pop_back();
  return digest.finish();
}

}  // namespace

result<kv_dir, kv_error> kv_dir::open(std::string_view path) {
  const std::string p(path.empty() ? std::string_view(".") : path);
  const int fd = ::open(p.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return unexpected(kv_error::not_found);
    if (errno == ENOTDIR) return unexpected(kv_error::dictionary_expected);
    return unexpected(kv_error::io);
  }
  return kv_dir(fd);
}

kv_dir::kv_dir(kv_dir&& other) noexcept : _root_fd(std::exchange(other._root_fd, -1)) {}

kv_dir& kv_dir::operator=(kv_dir&& other) noexcept {
  if (this != &other) {
    if (_root_fd >= 0) ::close(_root_fd);
    _root_fd = std::exchange(other._root_fd, -1);
  }
  return *this;
}

kv_dir::~kv_dir() {
  if (_root_fd >= 0) ::close(_root_fd);
}

result<std::optional<kv_kind>, kv_error> kv_dir::exists_now(std::string_view key) const {
  auto r = resolve(_root_fd, key);
  if (!r) {
    if (r.error() == kv_error::not_found) return {};  // nothing there
    return unexpected(r.error());
  }
  return std::optional<kv_kind>(r->entry.kind == host_kind::value ? kv_kind::value
                                                                  : kv_kind::dictionary);
}

result<std::string, kv_error> kv_dir::get_partial_now(std::string_view key, std::uint64_t offset,
                                                      std::size_t length) const {
  auto r = resolve(_root_fd, key);
  if (!r) return unexpected(r.error());
  if (r->entry.kind != host_kind::value) return unexpected(kv_error::value_expected);
  descriptor fd(-1);
  auto size = open_value(_root_fd, r->key, fd);
  if (!size) return unexpected(size.error());
  if (offset > *size) return unexpected(kv_error::out_of_bounds);
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(length, *size - offset));
  std::string out(n, '\0');
  if (!read_fully(fd.get(), offset, out.data(), n)) return unexpected(kv_error::io);
  return out;
}

result<std::vector<sig::kv_entry>, kv_error> kv_dir::list_now(std::string_view key) const {
  auto r = resolve(_root_fd, key);
  if (!r) return unexpected(r.error());
  if (r->entry.kind != host_kind::dictionary) return unexpected(kv_error::dictionary_expected);
  return members(_root_fd, r->key);
}

result<wall_time, kv_error> kv_dir::last_modified_now(std::string_view key) const {
  auto r = resolve(_root_fd, key);
  if (!r) return unexpected(r.error());
  return wall_from_ns(r->entry.modified_ns);
}

result<sig::kv_digest, kv_error> kv_dir::digest_now(std::string_view key) const {
  auto r = resolve(_root_fd, key);
  if (!r) return unexpected(r.error());
  // The directories above the key, so that a link back to any of them is
  // recognised as a cycle, as fata-crunch does walking from the root.
  std::vector<ancestor> path;
  if (!r->key.empty()) {
    std::string_view above = devices::kv::parent_of(r->key);
    for (std::size_t end = 0;;) {
      const host_entry e = detail::stat_beneath(_root_fd, above.substr(0, end));
      if (e.kind != host_kind::dictionary) return unexpected(kv_error::io);
      path.push_back(ancestor{e.device, e.inode});
      if (end >= above.size()) break;
      end = above.find('/', end + 1);
      if (end == std::string_view::npos) end = above.size();
    }
  }
  return tree_digest(_root_fd, r->key, r->entry, path);
}

result<std::uint64_t, kv_error> kv_dir::size_now(std::string_view key) const {
  auto r = resolve(_root_fd, key);
  if (!r) return unexpected(r.error());
  if (r->entry.kind != host_kind::value) return unexpected(kv_error::value_expected);
  return r->entry.size;
}

task<result<std::optional<kv_kind>, kv_error>> kv_dir::exists(std::string_view key) {
  co_return exists_now(key);
}
task<result<std::string, kv_error>> kv_dir::get(std::string_view key) {
  co_return get_partial_now(key, 0, static_cast<std::size_t>(-1));
}
task<result<std::string, kv_error>> kv_dir::get_partial(std::string_view key, std::uint64_t offset,
                                                        std::size_t length) {
  co_return get_partial_now(key, offset, length);
}
task<result<std::vector<sig::kv_entry>, kv_error>> kv_dir::list(std::string_view key) {
  co_return list_now(key);
}
task<result<wall_time, kv_error>> kv_dir::last_modified(std::string_view key) {
  co_return last_modified_now(key);
}
task<result<sig::kv_digest, kv_error>> kv_dir::digest(std::string_view key) {
  co_return digest_now(key);
}
task<result<std::uint64_t, kv_error>> kv_dir::size(std::string_view key) {
  co_return size_now(key);
}

}  // namespace fata::hosted
