#include "process.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fata/core/fmt.hpp>

namespace fata::tool {

namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

int status_of(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return 1;
}

}  // namespace

result<process_result, std::string> run_process(const std::vector<std::string>& argv,
                                                const std::filesystem::path& cwd,
                                                output_mode out, output_mode err) {
  if (argv.empty()) return unexpected(std::string("no program to run"));
  int out_pipe[2] = {-1, -1};
  int err_pipe[2] = {-1, -1};
  int exec_pipe[2] = {-1, -1};  // reports a failed exec to the parent
  if ((out != output_mode::inherit && ::pipe2(out_pipe, O_CLOEXEC) != 0) ||
      (err != output_mode::inherit && ::pipe2(err_pipe, O_CLOEXEC) != 0) ||
      ::pipe2(exec_pipe, O_CLOEXEC) != 0)
    return unexpected(fata::format("pipe: {}", std::strerror(errno)));
  auto args = c_argv(argv);
  const pid_t pid = ::fork();
  if (pid < 0) return unexpected(fata::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    if (out_pipe[1] >= 0) ::dup2(out_pipe[1], 1);
    if (err_pipe[1] >= 0) ::dup2(err_pipe[1], 2);
    int e = 0;
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) e = errno;
    if (e == 0) {
      ::execvp(args[0], args.data());
      e = errno;
    }
    (void)!::write(exec_pipe[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(exec_pipe[1]);
  if (out_pipe[1] >= 0) ::close(out_pipe[1]);
  if (err_pipe[1] >= 0) ::close(err_pipe[1]);

  process_result r;
  pollfd fds[2];
  std::string* sinks[2];
  int copy_to[2];  // the tool's own descriptor a tee copies to, else -1
  int n = 0;
  if (out_pipe[0] >= 0) {
    fds[n] = {out_pipe[0], POLLIN, 0};
    copy_to[n] = out == output_mode::tee ? 1 : -1;
    sinks[n++] = &r.out;
  }
  if (err_pipe[0] >= 0) {
    fds[n] = {err_pipe[0], POLLIN, 0};
    copy_to[n] = err == output_mode::tee ? 2 : -1;
    sinks[n++] = &r.err;
  }
  int open_count = n;
  char buf[65536];
  while (open_count > 0) {
    if (::poll(fds, static_cast<nfds_t>(n), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
        if (copy_to[i] >= 0) {
          for (ssize_t done = 0; done < got;) {
            const ssize_t w = ::write(copy_to[i], buf + done, static_cast<std::size_t>(got - done));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) break;  // our own output is gone: keep reading the child's
            done += w;
          }
          if (sinks[i]->size() > tee_tail) sinks[i]->erase(0, sinks[i]->size() - tee_tail);
        }
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {}
  int exec_errno = 0;
  const bool exec_failed = ::read(exec_pipe[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno;
  ::close(exec_pipe[0]);
  if (exec_failed)
    return unexpected(fata::format("cannot run {}: {}", argv[0], std::strerror(exec_errno)));
  r.status = status_of(wstatus);
  return r;
}

std::string exec_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd) {
  if (argv.empty()) return "no program to run";
  if (!cwd.empty() && ::chdir(cwd.c_str()) != 0)
    return fata::format("cannot enter {}: {}", cwd.string(), std::strerror(errno));
  auto args = c_argv(argv);
  ::execvp(args[0], args.data());
  return fata::format("cannot run {}: {}", argv[0], std::strerror(errno));
}

bool have_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string_view rest = path;
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) break;
    rest = rest.substr(colon + 1);
  }
  return false;
}

}  // namespace fata::tool
