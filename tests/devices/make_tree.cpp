// Builds the directory tree that the key-value store tests crunch at build
// time and read through kv_dir at run time: nested folders, an empty file,
// an empty folder, a binary file, a file over 1 MiB, names with spaces and
// UTF-8, links that stay inside (followed) and links that escape or are
// not files (absent). Every timestamp is fixed, so the tree is the same
// on every build.
//
//   make_kv_test_tree DIR     (DIR is replaced; DIR-outside.txt is made
//                              beside it as the target of an escaping link)
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

std::string root;
bool ok = true;

void fail(const std::string& what) {
  std::fprintf(stderr, "make_kv_test_tree: %s: %s\n", what.c_str(), std::strerror(errno));
  ok = false;
}

void write(const std::string& rel, const std::string& content) {
  const std::string path = root + "/" + rel;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return fail(path);
  if (std::fwrite(content.data(), 1, content.size(), f) != content.size()) fail(path);
  std::fclose(f);
}

void dir(const std::string& rel) {
  const std::string path = rel.empty() ? root : root + "/" + rel;
  if (::mkdir(path.c_str(), 0755) != 0) fail(path);
}

void make_symlink(const std::string& target, const std::string& rel) {
  if (::symlink(target.c_str(), (root + "/" + rel).c_str()) != 0) fail(rel);
}

// Distinct, fixed times with a nanosecond part.
void stamp(const std::string& rel, int index) {
  const std::string path = rel.empty() ? root : root + "/" + rel;
  timespec times[2];
  times[0].tv_sec = times[1].tv_sec = 1'700'000'000 + index * 3600;
  times[0].tv_nsec = times[1].tv_nsec = 123'456'789 + index;
  if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) fail(path);
}

int remove_entry(const char* path, const struct stat*, int, FTW*) { return ::remove(path); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_kv_test_tree DIR\n");
    return 64;
  }
  root = argv[1];
  if (::access(root.c_str(), F_OK) == 0 &&
      ::nftw(root.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
    fail("removing " + root);
  const std::string outside = root + "-outside.txt";
  FILE* f = std::fopen(outside.c_str(), "wb");
  if (!f) fail(outside);
  else {
    std::fputs("outside the tree\n", f);
    std::fclose(f);
  }

  dir("");
  write("hello.txt", "Hello, fata!\n");
  write("empty", "");
  std::string binary;
  for (int round = 0; round < 2; ++round)
    for (int b = 0; b < 256; ++b) binary += static_cast<char>(b);
  write("binary.bin", binary);
  dir("big");
  std::string large((std::size_t(3) << 19) + 7, '\0');  // 1.5 MiB + 7
  std::uint64_t x = 0x9e3779b97f4a7c15u;
  for (char& c : large) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  write("big/large.bin", large);
  dir("nested");
  dir("nested/a");
  dir("nested/a/b");
  dir("nested/a/b/c");
  write("nested/a/b/c/deep.txt", "deep\n");
  write("nested/a/sibling.txt", "sibling\n");
  dir("nested/empty-dir");
  // "x-y" sorts between "x" and "x/z" by full path: listing must not
  // confuse them.
  dir("x");
  write("x/z", "z");
  write("x-y", "x-y");
  write("name with spaces.txt", "spaces\n");
  write("\xc3\xbcn\xc3\xaf.txt", "utf-8 name\n");
  make_symlink("hello.txt", "link-inside");
  make_symlink("nested/a", "dir-link");
  make_symlink("../" + root.substr(root.rfind('/') + 1) + "-outside.txt", "escape-link");
  make_symlink("/etc/hostname", "absolute-link");
  make_symlink("does-not-exist", "dangling-link");
  if (::mkfifo((root + "/fifo").c_str(), 0644) != 0) fail("fifo");

  const char* files[] = {"hello.txt", "empty", "binary.bin", "big/large.bin",
                         "nested/a/b/c/deep.txt", "nested/a/sibling.txt", "x/z", "x-y",
                         "name with spaces.txt", "\xc3\xbcn\xc3\xaf.txt", "fifo"};
  int index = 0;
  for (const char* file : files) stamp(file, ++index);
  // Folders last, deepest first: adding entries changes a folder's time.
  const char* folders[] = {"nested/a/b/c", "nested/a/b", "nested/a", "nested/empty-dir",
                           "nested", "big", "x", ""};
  for (const char* folder : folders) stamp(folder, ++index);
  return ok ? 0 : 1;
}
