// client/src/sync_engine.cpp — see sync_engine.hpp.
#include "sync_engine.hpp"

#include "apply.hpp"
#include "outbox.hpp"
#include "restore_recovery.hpp"
#include "server_error.hpp"
#include "outbox.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <future>
#include <set>
#include <map>

namespace shopsync::client {

using json = nlohmann::json;

bool SyncEngine::Fail(SyncReport &report, const HttpResponse &response, const std::string &what) {
    ServerError error = ClassifyError(response);
    if (error.verdict == Verdict::MoveOut)
        return MoveOut(report, error.text);
    report.code = error.code;
    report.error = what + ": " + error.text;
    return false;
}

static int Count(const json &response, const char *key) {
    return response.contains(key) && response[key].is_array() ? (int)response[key].size() : 0;
}

static void NoteEntities(SyncReport &report, const json &items, const char *key = "entity") {
    for (const auto &item : items)
        if (item.is_object() && item.contains(key) && item[key].is_string())
            report.changed.insert(item[key].get<std::string>());
}

bool SyncEngine::Push(SyncReport &report) {
    int batch_size = options_.batch_size;
    std::string device = store_.Get("device_id");
    for (;;) {
        json events = TakeBatch(store_, batch_size, UnixNow());
        if (events.empty())
            return true;
        json envelope{{"device_id", device}, {"protocol", kProtocol}, {"events", events}};
        // An older server refuses fields it does not know: report only to one that reads it.
        // The epoch the events were made for: a restored server (another epoch)
        // applies none of them, so none is judged against the versions it lost.
        std::string epoch = RecoveryTarget(store_);
        if (epoch.empty())
            epoch = store_.Get("restore_epoch");
        if (std::atoi(store_.Get("server_protocol", "0").c_str()) >= 3) {
            envelope["outbox"] = OutboxReport(store_, UnixNow());
            if (!epoch.empty())
                envelope["restore_epoch"] = epoch;
        }
        HttpResponse response;
        try {
            response = session_.Send(PushRequest(session_.profile(), envelope));
        } catch (...) {
            ReturnBatch(store_, events); // not sent: no backoff, same keys
            throw;
        }
        report.pushed += (int)events.size();
        if (response.status == 200) {
            json answer = json::parse(response.body, nullptr, false);
            if (!answer.is_object()) {
                ReleaseBatch(store_, events, options_.backoff, -1, UnixNow(), rng_);
                report.code = SHOPSYNC_SERVER;
                report.error = "the server's push answer is not JSON";
                return false;
            }
            if (envelope.contains("restore_epoch") && !AnswerRestoreEpoch(answer).empty() &&
                AnswerRestoreEpoch(answer) != epoch) { // restored: nothing applied, the keys unspent
                ReturnBatch(store_, events);
                report.pushed -= (int)events.size();
                NoteRestoreEpoch(store_, answer);
                return recovering_ ? RestoredAgain(report) : Recover(report);
            }
            ApplyPushResponse(store_, answer);
            report.accepted += Count(answer, "accepted");
            report.conflicts += Count(answer, "conflicts");
            report.rejected += Count(answer, "rejected");
            NoteEntities(report, answer.value("conflicts", json::array()));
            NoteEntities(report, answer.value("rejected", json::array()));
            if (NoteRestoreEpoch(store_, answer)) // the server was restored: give back what it lost
                return recovering_ ? RestoredAgain(report) : Recover(report);
            continue;
        }
        ServerError error = ClassifyError(response);
        if (error.verdict == Verdict::TooLarge && batch_size > 1) { // the server takes smaller batches
            ReturnBatch(store_, events);
            report.pushed -= (int)events.size();
            batch_size = std::max(1, batch_size / 2);
            continue;
        }
        switch (error.verdict) {
        case Verdict::Retry:         // the same events, keys and order, later. 409 (PT409): an earlier
        case Verdict::CursorExpired: // send of one of these keys is still being applied on the server
            ReleaseBatch(store_, events, options_.backoff, response.retry_after, UnixNow(), rng_);
            return Fail(report, response, "push");
        case Verdict::MoveOut: // removed from the shop: every queued write ends refused
            return MoveOut(report, error.text);
        case Verdict::Unauthorized:   // a second 401 (Session::Send threw on it already)
        case Verdict::TokenUnfit:     // the token names no shop: not these writes' fault
        case Verdict::UpdateRequired: // nothing applied: they wait for the updated app
        case Verdict::Misconfigured:  // no such route: they wait for a corrected profile
            ReturnBatch(store_, events);
            report.pushed -= (int)events.size();
            return Fail(report, response, "push");
        case Verdict::TooLarge: // a single event too large
        case Verdict::Refused:
            break;
        }
        // A refusal of the whole batch (403: a viewer; 400; 413 of a single
        // event): visible as failed rows, never dropped silently.
        json body = json::parse(response.body, nullptr, false);
        std::string reason = response.status == 403 ? "forbidden" : "invalid_event";
        std::string message =
            body.is_object() ? body.value("message", ErrorText(response)) : ErrorText(response);
        RejectBatch(store_, events, reason, message);
        report.rejected += (int)events.size();
        NoteEntities(report, events);
        Fail(report, response, "push refused");
    }
}

// Keeps every entity the server syncs that a local table can hold (so the
// app can write to a table the server started syncing); returns them.
bool SyncEngine::LearnEntities(SyncReport &report, std::vector<std::string> *entities) {
    HttpResponse health = session_.Send(RpcRequest(session_.profile(), "sync_health", json::object()));
    if (health.status != 200)
        return Fail(report, health, "health");
    json info = json::parse(health.body, nullptr, false);
    if (!info.is_object())
        return Fail(report, health, "health answer is not JSON");
    // Protocol 2 servers tell the caller's role and every entity's rules (the
    // offline pre-check reads them) and the oldest protocol they serve.
    if (info.contains("role") && info["role"].is_string())
        store_.Put("shop_role", info["role"].get<std::string>());
    if (info.contains("generated_columns") && info["generated_columns"].is_object())
        store_.Put("generated_columns", info["generated_columns"].dump());
    NoteRestoreEpoch(store_, info); // a new one is recovered to before the next push

    if (info.contains("rules") && info["rules"].is_object())
        store_.Put("rules", info["rules"].dump());
    if (info.contains("protocol_version") && info["protocol_version"].is_number_integer())
        store_.Put("server_protocol", std::to_string(info["protocol_version"].get<long long>()));
    long long oldest = info.contains("min_client_protocol") && info["min_client_protocol"].is_number_integer()
                           ? info["min_client_protocol"].get<long long>()
                           : 1;
    if (oldest > kProtocol) {
        report.code = SHOPSYNC_UPDATE_REQUIRED;
        report.error = "this app speaks sync protocol " + std::to_string(kProtocol) +
                       "; the server serves protocol " + std::to_string(oldest) +
                       " or newer. Update the app.";
        return false;
    }
    for (const auto &served : info.value("entities", json::array())) {
        if (!served.is_string())
            continue;
        try {
            store_.AddEntity(served.get<std::string>());
            entities->push_back(served.get<std::string>());
        } catch (const ClientError &) {
        }
    }
    store_.Put("entities_checked_at", std::to_string(UnixNow()));
    return true;
}

bool SyncEngine::Rebuild(SyncReport &report) {
    std::vector<std::string> entities;
    if (!LearnEntities(report, &entities))
        return false;
    // A new epoch noted (by this health call, or earlier): the snapshot would
    // replace synced rows the restored server lost; give them back first
    // (Recover rebuilds after its push).
    if (!recovering_ && !RecoveryTarget(store_).empty())
        return Recover(report);
    long long cursor = -1;
    std::map<std::string, std::unordered_set<std::string>> seen;
    // Pages are fetched one ahead: the next page travels while this one is
    // written to SQLite. The token is taken on this thread, outside any local
    // transaction; a 401 falls back to a plain Send, which refreshes.
    auto request = [&](const std::string &entity, const json &after) {
        json args{{"entity", entity}, {"after", after}, {"lim", options_.snapshot_limit}};
        HttpRequest r = RpcRequest(session_.profile(), "sync_snapshot", args);
        r.bearer = session_.AccessToken();
        return r;
    };
    // The page is read on the fetching thread too, beside the SQLite writes,
    // without a JSON document: its rows are stored as the text they came in.
    struct Fetched {
        HttpResponse response;
        SnapshotPage page;
        bool ok = false; // a 200 with a well-formed page
    };
    auto read = [](Fetched &f) {
        if (f.response.status == 200)
            f.ok = ParseSnapshotPage(std::move(f.response.body), &f.page);
    };
    auto fetch = [&](const HttpRequest &r) {
        return std::async(std::launch::async, [this, r, read] {
            Fetched f{session_.SendAsIs(r), {}, false};
            read(f);
            return f;
        });
    };
    // An entity with no local row and no queued event at the start takes the
    // snapshot's rows as they come: none can be pending, older or failed here
    // (a row written locally meanwhile has an id no later page holds).
    std::set<std::string> fresh;
    for (const auto &entity : entities)
        if (IsFreshEntity(store_, entity))
            fresh.insert(entity);
    size_t index = 0;
    std::future<Fetched> next;
    HttpRequest pending_request;
    if (!entities.empty()) {
        pending_request = request(entities[0], nullptr);
        next = fetch(pending_request);
    }
    while (next.valid()) {
        const std::string entity = entities[index];
        Fetched fetched = next.get();
        HttpResponse &response = fetched.response;
        if (response.status == 401) {
            fetched.response = session_.Send(pending_request);
            read(fetched);
        }
        if (response.status != 200)
            return Fail(report, response, "snapshot of " + entity);
        if (!fetched.ok)
            return Fail(report, response, "snapshot of " + entity + " is not a page");
        const SnapshotPage &page = fetched.page;
        const json &meta = page.meta;
        if (NoteRestoreEpoch(store_, meta)) { // restored: nothing of it applies before the recovery
            if (next.valid())
                next.wait();
            return recovering_ ? RestoredAgain(report) : Recover(report);
        }
        if (cursor < 0) // rows fetched later are at least this new; the pull replays the rest
            cursor = meta.value("cursor", 0LL);
        if (meta.value("has_more", false)) {
            pending_request = request(entity, meta.value("next_after", json()));
            next = fetch(pending_request);
        } else if (index + 1 < entities.size()) {
            pending_request = request(entities[++index], nullptr);
            next = fetch(pending_request);
        }
        bool is_fresh = fresh.count(entity) > 0;
        int applied = ApplySnapshotPage(store_, entity, page, is_fresh ? nullptr : &seen[entity]);
        report.pulled += applied;
        if (applied > 0)
            report.changed.insert(entity);
    }
    Transaction tx(store_);
    for (const auto &entity : entities) // a fresh entity's synced rows all came from this snapshot
        if (!fresh.count(entity) && FinishRebuild(store_, entity, seen[entity]) > 0)
            report.changed.insert(entity);
    store_.Put("cursor", std::to_string(std::max(cursor, 0LL)));
    store_.Put("bootstrapped", "1");
    tx.Commit();
    report.rebuilt = true;
    return true;
}

bool SyncEngine::Pull(SyncReport &report) {
    if (store_.Get("bootstrapped") != "1" && !Rebuild(report)) // a new device starts from the snapshot
        return false;
    bool rebuilt_now = false;
    for (;;) {
        long long cursor = std::atoll(store_.Get("cursor", "0").c_str());
        HttpResponse response =
            session_.Send(PullRequest(session_.profile(), cursor, options_.pull_limit, kProtocol));
        if (response.status != 200 && ClassifyError(response).verdict == Verdict::CursorExpired &&
            !rebuilt_now) { // cursor_expired: behind the server's retention
            rebuilt_now = true;
            if (!Rebuild(report))
                return false;
            continue;
        }
        if (response.status != 200)
            return Fail(report, response, "pull");
        json page = json::parse(response.body, nullptr, false);
        if (!page.is_object() || !page.contains("changes"))
            return Fail(report, response, "pull answer is not a page");
        if (NoteRestoreEpoch(store_, page)) // its seqs are another history's: recover, then rebuild
            return recovering_ ? RestoredAgain(report) : Recover(report);
        int applied = ApplyPullPage(store_, page);
        report.pulled += applied;
        if (applied > 0)
            NoteEntities(report, page["changes"]);
        if (!page.value("has_more", false))
            return true;
    }
}

bool SyncEngine::RestoredAgain(SyncReport &report) {
    report.code = SHOPSYNC_SERVER;
    report.error = "the server was restored again during the recovery; it starts over";
    return false;
}

// One owner of the recovering_ flag, whatever way the recovery ends.
bool SyncEngine::Recover(SyncReport &report) {
    if (RecoveryTarget(store_).empty())
        return true;
    struct Flag {
        bool &flag;
        ~Flag() { flag = false; }
    } reset{recovering_};
    recovering_ = true;
    std::vector<std::string> served;
    if (!LearnEntities(report, &served))
        return false;
    // Parents first (the built-in entities in their order), then the others.
    std::vector<std::string> entities;
    for (const auto &e : BuiltInEntities())
        if (store_.HasEntity(e))
            entities.push_back(e);
    for (const auto &e : store_.Entities())
        if (std::find(entities.begin(), entities.end(), e) == entities.end())
            entities.push_back(e);
    std::string target = RecoveryTarget(store_);
    ServerRows server;
    for (const auto &entity : entities) {
        json after = nullptr;
        for (;;) {
            json args{{"entity", entity}, {"after", after}, {"lim", options_.snapshot_limit}};
            HttpResponse page = session_.Send({"POST", "/rpc/sync_snapshot", args.dump(), ""});
            if (page.status != 200)
                return Fail(report, page, "recovery snapshot of " + entity);
            json body = json::parse(page.body, nullptr, false);
            if (!body.is_object() || !body.contains("rows") || !body["rows"].is_array())
                return Fail(report, page, "recovery snapshot of " + entity + " is not a page");
            if (AnswerRestoreEpoch(body) != target) { // restored once more meanwhile: next round
                NoteRestoreEpoch(store_, body);
                return RestoredAgain(report);
            }
            for (const auto &row : body["rows"])
                if (row.is_object() && row.contains("id") && row["id"].is_string())
                    server[entity][row["id"].get<std::string>()] =
                        ServerRow{row.value("version", 0LL),
                                  row.contains("deleted_at") && !row["deleted_at"].is_null(), row};
            if (!body.value("has_more", false))
                break;
            after = body["next_after"];
        }
    }
    RecoveryCounts counts = QueueRecovery(store_, entities, server);
    report.reuploaded += counts.reuploaded;
    if (!Push(report))
        return false; // what is queued stays, with its keys; the next round goes on
    SettleRecovery(store_);
    ForgetSyncedVersions(store_, entities);
    store_.Put("bootstrapped", "0");
    if (!Rebuild(report))
        return false;
    FinishRecovery(store_, target, counts);
    report.recovered = true;
    return true;
}

bool SyncEngine::MoveOut(SyncReport &report, const std::string &why) {
    store_.Put("access_lost", why);
    report.rejected += RejectAllQueued(store_, "not_a_member", why);
    report.code = SHOPSYNC_FORBIDDEN;
    report.error = "this device lost access to shop " + store_.Get("shop_id") + " (" + why +
                   "); its unsent writes are kept as refused: export them, then forget-shop";
    return false;
}

SyncReport SyncEngine::SyncOnce() {
    auto start = std::chrono::steady_clock::now();
    SyncReport report;
    try {
        RequeueStranded(store_); // the caller owns the round: what is in flight was left by a dead one
        std::string lost = store_.Get("access_lost");
        if (!lost.empty()) { // moved out: no more syncing of this shop until a new sign-in
            MoveOut(report, lost);
            report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            return report;
        }
        std::vector<std::string> served;
        double checked = std::atof(store_.Get("entities_checked_at", "0").c_str());
        bool learned = UnixNow() - checked < kEntityCheckSeconds || LearnEntities(report, &served);
        report.ok = learned && Recover(report) && Push(report) && Pull(report) && report.error.empty();
    } catch (const AccessLost &e) {
        MoveOut(report, e.what());
    } catch (const ClientError &e) {
        report.code = e.code;
        report.error = e.what();
    } catch (const std::exception &e) {
        report.code = SHOPSYNC_ERROR;
        report.error = e.what();
    }
    report.ok = report.ok && report.error.empty();
    if (report.ok && report.code == SHOPSYNC_OK)
        store_.Put("last_success_at", std::to_string(UnixNow()));
    store_.Put("last_error", report.error);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

} // namespace shopsync::client
