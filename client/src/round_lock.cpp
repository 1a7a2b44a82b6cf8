// client/src/round_lock.cpp — see round_lock.hpp.
#include "round_lock.hpp"

#include "local_store.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace shopsync::client {

RoundLock::RoundLock(const std::string &database_path) {
    std::string path = database_path + ".round-lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0)
        throw ClientError("cannot open " + path + ": " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int error = errno;
            ::close(fd_);
            fd_ = -1;
            throw ClientError("cannot lock " + path + ": " + std::strerror(error));
        }
    }
}

RoundLock::~RoundLock() {
    if (fd_ >= 0)
        ::close(fd_); // releases the lock
}

} // namespace shopsync::client
