#include "host_tree.hpp"

#include <fata/devices/kv/key.hpp>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace fata::hosted::detail {

int open_beneath(int root_fd, std::string_view key, int flags) {
  // The longest canonical key plus its terminator; "." for the root.
  char path[devices::kv::max_key_size + 1];
  if (key.empty()) key = ".";
  if (key.size() > devices::kv::max_key_size) return -ENAMETOOLONG;
  std::memcpy(path, key.data(), key.size());
  path[key.size()] = '\0';
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (;;) {
    const long fd = ::syscall(SYS_openat2, root_fd, path, &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno == EINTR || errno == EAGAIN) continue;  // EAGAIN: a racing rename; retry
    return -errno;
  }
}

namespace {

host_entry from_stat(const struct stat& st) {
  host_entry e;
  if (S_ISREG(st.st_mode)) {
    e.kind = host_kind::value;
    e.size = static_cast<std::uint64_t>(st.st_size);
  } else if (S_ISDIR(st.st_mode)) {
    e.kind = host_kind::dictionary;
  } else {
    e.kind = host_kind::absent;
  }
  e.modified_ns = std::int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  e.device = st.st_dev;
  e.inode = st.st_ino;
  return e;
}

host_entry stat_one(int root_fd, std::string_view key, int* error) {
  const int fd = open_beneath(root_fd, key, O_PATH);
  if (fd < 0) {
    *error = -fd;
    return host_entry{};
  }
  struct stat st;
  const int r = ::fstat(fd, &st);
  *error = r == 0 ? 0 : errno;
  ::close(fd);
  if (r != 0) return host_entry{host_kind::error};
  return from_stat(st);
}

}  // namespace

host_entry stat_beneath(int root_fd, std::string_view key) {
  int error = 0;
  host_entry e = stat_one(root_fd, key, &error);
  switch (error) {
    case 0:
      return e;
    case ENOENT:
    case EXDEV:         // resolution would leave the root
    case ELOOP:         // a link loop, or a magic link
    case ENAMETOOLONG:
      return host_entry{host_kind::absent};
    case ENOTDIR:
      break;
    default:
      return host_entry{host_kind::error};
  }
  // Some prefix is not a directory. The key is below a value only if the
  // first such prefix is a regular file (a FIFO, say, is absent, and so is
  // everything below it).
  std::size_t end = 0;
  while (end < key.size()) {
    end = key.find('/', end);
    if (end == std::string_view::npos) end = key.size();
    host_entry prefix = stat_one(root_fd, key.substr(0, end), &error);
    if (error != 0 && error != ENOTDIR) return host_entry{host_kind::absent};
    if (error == 0 && prefix.kind == host_kind::value && end < key.size())
      return host_entry{host_kind::below_value};
    if (error == 0 && prefix.kind != host_kind::dictionary) return host_entry{host_kind::absent};
    ++end;
  }
  return host_entry{host_kind::absent};
}

}  // namespace fata::hosted::detail
