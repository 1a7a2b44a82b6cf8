// client/src/round_lock.hpp — one sync round at a time per local database,
// across processes: an exclusive flock on "<database>.round-lock", held for the
// round and released by the kernel when the process dies. So a round that
// starts knows every event still marked in flight belongs to a round that is
// gone (no wall-clock lease), and sends it again at once.
#pragma once

#include <string>

namespace shopsync::client {

class RoundLock {
  public:
    // Blocks until no other process runs a round on this database.
    // Throws ClientError when the lock file cannot be opened.
    explicit RoundLock(const std::string &database_path);
    ~RoundLock();
    RoundLock(const RoundLock &) = delete;
    RoundLock &operator=(const RoundLock &) = delete;

  private:
    int fd_ = -1;
};

} // namespace shopsync::client
