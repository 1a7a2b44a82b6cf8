// client/src/sync_engine.hpp — one sync round (DESIGN §7): push every due
// outbox event, oldest first, in batches of up to 100; then pull until the
// server has nothing more; rebuild from the snapshot when the cursor has
// expired or the device is new.
#pragma once

#include "backoff.hpp"
#include "local_store.hpp"
#include "session.hpp"
#include "transport.hpp"

#include <random>
#include <set>
#include <string>
#include <vector>

namespace shopsync::client {

struct SyncReport {
    int pushed = 0, accepted = 0, conflicts = 0, rejected = 0, pulled = 0;
    bool rebuilt = false;
    bool recovered = false; // the server was restored: what it lacked was given back (restore_recovery.hpp)
    int reuploaded = 0;
    bool ok = false; // the server was reached and every step finished
    int code = SHOPSYNC_OK;
    std::string error;
    double seconds = 0;
    std::set<std::string> changed; // entities whose local rows changed
};

struct EngineOptions {
    int batch_size = 100;  // events per push (the server's default max_batch)
    int pull_limit = 1000; // changes per pull page (the server's default max_pull)
    int snapshot_limit = 5000;
    BackoffPolicy backoff;
};

class SyncEngine {
  public:
    SyncEngine(LocalStore &store, Session &session, const EngineOptions &options, std::mt19937_64 &rng)
        : store_(store), session_(session), options_(options), rng_(rng) {}

    // Never throws for network or server trouble: the report says what happened.
    // The caller owns the round (RoundLock): events still in flight when it
    // starts were left by a round that died, and are sent again at once.
    // Losing access to the shop (not a member) moves out: every queued write
    // ends refused ("not_a_member"), rounds stop until the next sign-in.
    SyncReport SyncOnce();

    // The sync protocol this client speaks (push envelope "protocol"; absent = 1).
    // 3: the envelope's "outbox" report and "restore_epoch" (the epoch its
    // events were made for; a server of another epoch applies none of them),
    // sent to servers that speak 3.
    static constexpr int kProtocol = 3;

    // How often a round asks the server which entities it syncs.
    static constexpr double kEntityCheckSeconds = 60;

  private:
    bool LearnEntities(SyncReport &report, std::vector<std::string> *entities);
    bool Push(SyncReport &report);
    bool Pull(SyncReport &report);
    bool Rebuild(SyncReport &report);
    // After a restore of the server (a new restore epoch): give back what it
    // lacks, push, rebuild, adopt the epoch. True when done (or not needed).
    bool Recover(SyncReport &report);
    bool Fail(SyncReport &report, const HttpResponse &response, const std::string &what);
    bool MoveOut(SyncReport &report, const std::string &why);
    // Another restore met during a recovery: the round ends, the next starts over.
    bool RestoredAgain(SyncReport &report);
    LocalStore &store_;
    Session &session_;
    EngineOptions options_;
    std::mt19937_64 &rng_;
    bool recovering_ = false; // inside Recover: its push and rebuild are for the target epoch
};

} // namespace shopsync::client
