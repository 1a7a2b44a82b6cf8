// client/src/client.cpp — see client.hpp; the background worker and the
// event stream are in client_worker.cpp.
//
// Threads: API calls use store_ under api_mutex_. Sync rounds (the worker's
// and sync_now's) and the event stream each use their own SQLite connection (WAL lets them read while
// another writes; writes queue on SQLite's busy timeout), so a slow network
// never holds a lock the UI needs. A sync round holds sync_mutex_ and the
// database's RoundLock, so rounds never overlap, in this process or another,
// and in-flight events are always the running round's.
#include "client.hpp"

#include "apply.hpp"
#include "failed_writes.hpp"
#include "legacy_migration.hpp"
#include "legacy_parity.hpp"
#include "local_query.hpp"
#include "outbox.hpp"
#include "round_lock.hpp"
#include "session.hpp"
#include "shop_data.hpp"
#include "sqlite_statement.hpp"

#include <algorithm>
#include <chrono>

namespace shopsync::client {

using json = nlohmann::json;

Client::Client(const std::string &path) : path_(path), store_(path) {
    token_hook_.owner = this;
    if (store_.Get("device_id").empty())
        store_.Put("device_id", "device-" + NewUuid());
}

Client::~Client() {
    Stop();
}

void Client::SetServer(const std::string &url) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
        throw ClientError("the server URL must start with http:// or https://", SHOPSYNC_INVALID);
    std::lock_guard<std::mutex> lock(api_mutex_);
    store_.Put("server_url", url);
}

static double NumberOption(const std::string &name, const std::string &value, double low, double high) {
    char *end = nullptr;
    double v = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || v < low || v > high)
        throw ClientError("option " + name + " must be a number from " + std::to_string(low) + " to " +
                              std::to_string(high),
                          SHOPSYNC_INVALID);
    return v;
}

void Client::SetOption(const std::string &name, const std::string &value) {
    std::lock_guard<std::mutex> lock(api_mutex_);
    Settings &s = settings_;
    if (name == "verify_tls") {
        if (value != "0" && value != "1")
            throw ClientError("option verify_tls is 0 or 1", SHOPSYNC_INVALID);
        s.transport.verify_tls = value == "1";
    } else if (name == "ca_file") {
        s.transport.ca_file = value;
    } else if (name == "interval_min") {
        s.interval_min = NumberOption(name, value, 0.05, 86400);
    } else if (name == "interval_max") {
        s.interval_max = NumberOption(name, value, 0.05, 86400);
    } else if (name == "poll_min") {
        s.poll_min = NumberOption(name, value, 0.05, 86400);
    } else if (name == "poll_max") {
        s.poll_max = NumberOption(name, value, 0.05, 86400);
    } else if (name == "backoff_base") {
        s.engine.backoff.base_seconds = NumberOption(name, value, 0.001, 3600);
    } else if (name == "backoff_cap") {
        s.engine.backoff.cap_seconds = NumberOption(name, value, 0.001, 86400);
    } else if (name == "write_delay_ms") {
        s.write_delay_ms = (int)NumberOption(name, value, 0, 60000);
    } else if (name == "timeout") {
        s.transport.timeout_seconds = NumberOption(name, value, 0.1, 600);
    } else {
        throw ClientError("unknown option \"" + name + "\"", SHOPSYNC_INVALID);
    }
    if (s.interval_max < s.interval_min)
        s.interval_max = s.interval_min;
    if (s.poll_max < s.poll_min)
        s.poll_max = s.poll_min;
}

std::string Client::DeviceId() {
    std::lock_guard<std::mutex> lock(api_mutex_);
    return store_.Get("device_id");
}

void Client::SetDeviceId(const std::string &device_id) {
    bool ok = !device_id.empty() && device_id.size() <= 100;
    for (char c : device_id)
        ok = ok && (isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-');
    if (!ok)
        throw ClientError("a device id is 1 to 100 of A-Z a-z 0-9 . _ -", SHOPSYNC_INVALID);
    std::lock_guard<std::mutex> lock(api_mutex_);
    store_.Put("device_id", device_id);
}

Client::Settings Client::CurrentSettings() {
    std::lock_guard<std::mutex> lock(api_mutex_);
    return settings_;
}

std::unique_ptr<Transport> Client::NewTransport(const std::string &server, const Settings &settings) {
    if (server.empty())
        throw ClientError("no server is set (shopsync_set_server)", SHOPSYNC_NOT_CONFIGURED);
    return MakeCurlTransport(server, settings.transport);
}

void Client::Login(const std::string &email, const std::string &password, const std::string &shop_id) {
    if (email.empty() || password.empty())
        throw ClientError("an email and a password are required", SHOPSYNC_INVALID);
    Settings settings = CurrentSettings();
    std::lock_guard<std::mutex> lock(api_mutex_);
    auto transport = NewTransport(store_.Get("server_url"), settings);
    Session session(store_, *transport, refresh_mutex_, &token_hook_);
    session.Login(email, password, shop_id);
    Kick(false);
}

void Client::Logout() {
    Settings settings = CurrentSettings();
    std::lock_guard<std::mutex> lock(api_mutex_);
    std::string server = store_.Get("server_url");
    // Without a server nothing can be revoked, but the tokens are forgotten all the same.
    auto transport = server.empty() ? MakeOfflineTransport() : NewTransport(server, settings);
    Session(store_, *transport, refresh_mutex_, &token_hook_).Logout();
}

static json ParseObject(const std::string &text, const char *what) {
    json value = json::parse(text, nullptr, false);
    if (value.is_discarded() || !value.is_object())
        throw ClientError(std::string(what) + " must be a JSON object", SHOPSYNC_INVALID);
    return value;
}

std::string Client::Create(const std::string &entity, const std::string &text) {
    json payload = ParseObject(text, "a row");
    std::string id;
    {
        std::lock_guard<std::mutex> lock(api_mutex_);
        id = LocalWrite(store_, entity, WriteOp::Create, "", payload);
    }
    LocalChange(entity);
    return id;
}

void Client::Update(const std::string &entity, const std::string &id, const std::string &text,
                    bool override) {
    json payload = ParseObject(text, "a change");
    {
        std::lock_guard<std::mutex> lock(api_mutex_);
        LocalWrite(store_, entity, WriteOp::Update, id, payload, override);
    }
    LocalChange(entity);
}

void Client::Delete(const std::string &entity, const std::string &id) {
    {
        std::lock_guard<std::mutex> lock(api_mutex_);
        LocalWrite(store_, entity, WriteOp::Delete, id, json::object());
    }
    LocalChange(entity);
}

json Client::WriteGroup(const std::string &text) {
    json writes = json::parse(text, nullptr, false);
    if (writes.is_discarded() || !writes.is_array())
        throw ClientError("a write group is a JSON array of writes", SHOPSYNC_INVALID);
    std::vector<GroupWrite> group;
    std::set<std::string> entities;
    for (const auto &w : writes) {
        if (!w.is_object() || !w.contains("op") || !w["op"].is_string() || !w.contains("entity") ||
            !w["entity"].is_string())
            throw ClientError("each write of a group is {\"op\", \"entity\", \"id\", \"row\"}",
                              SHOPSYNC_INVALID);
        std::string op = w["op"];
        GroupWrite g{op == "create"   ? WriteOp::Create
                     : op == "update" ? WriteOp::Update
                                      : WriteOp::Delete,
                     w["entity"], "", w.value("row", json::object()), w.value("override", false)};
        if (op != "create" && op != "update" && op != "delete")
            throw ClientError("a write's op is create, update or delete", SHOPSYNC_INVALID);
        if (w.contains("id")) {
            if (!w["id"].is_string() || w["id"].get<std::string>().empty())
                throw ClientError("a write's id is a non-empty string", SHOPSYNC_INVALID);
            g.id = w["id"];
        } else if (op != "create") {
            throw ClientError("an " + op + " in a write group needs the row's id", SHOPSYNC_INVALID);
        }
        if (!g.payload.is_object())
            throw ClientError("a write's row is a JSON object of columns", SHOPSYNC_INVALID);
        if (g.override && op != "update")
            throw ClientError("override is for updates", SHOPSYNC_INVALID);
        entities.insert(g.entity);
        group.push_back(std::move(g));
    }
    std::vector<std::string> ids;
    {
        std::lock_guard<std::mutex> lock(api_mutex_);
        ids = LocalWriteGroup(store_, group);
    }
    Notify("local", entities);
    Kick(true);
    return ids;
}

void Client::AddEntity(const std::string &entity) {
    std::lock_guard<std::mutex> lock(api_mutex_);
    store_.AddEntity(entity);
}

json Client::Get(const std::string &entity, const std::string &id) {
    std::lock_guard<std::mutex> lock(api_mutex_);
    return GetRow(store_, entity, id);
}

json Client::Query(const std::string &entity, const std::string &filter_json) {
    json filter;
    if (!filter_json.empty())
        filter = ParseObject(filter_json, "a filter");
    std::lock_guard<std::mutex> lock(api_mutex_);
    return QueryRows(store_, entity, filter);
}

SyncReport Client::RunSync(LocalStore &store, const Settings &settings, std::mt19937_64 &rng) {
    std::lock_guard<std::mutex> lock(sync_mutex_);
    SyncReport report;
    std::unique_ptr<Transport> transport;
    try {
        transport = NewTransport(store.Get("server_url"), settings);
    } catch (const ClientError &e) {
        report.code = e.code;
        report.error = e.what();
        return report;
    }
    std::unique_ptr<RoundLock> round; // no round of another process overlaps this one
    try {
        round = std::make_unique<RoundLock>(path_);
    } catch (const ClientError &e) {
        report.code = e.code;
        report.error = e.what();
        return report;
    }
    Session session(store, *transport, refresh_mutex_, &token_hook_);
    report = SyncEngine(store, session, settings.engine, rng).SyncOnce();
    return report;
}

SyncReport Client::SyncNow() {
    // Its own connection, so the UI's reads and writes go on during the round.
    LocalStore store(path_);
    std::mt19937_64 rng(std::random_device{}());
    SyncReport report = RunSync(store, CurrentSettings(), rng);
    Notify(report.rebuilt ? "rebuild" : "pull", report.changed);
    return report;
}

void Client::LocalChange(const std::string &entity) {
    Notify("local", {entity});
    Kick(true);
}

void Client::OnChange(ChangeFn fn) {
    std::lock_guard<std::mutex> lock(callback_mutex_);
    on_change_ = std::move(fn);
}

// The client whose change callback this thread is running, if any.
thread_local const Client *tls_in_callback = nullptr;

bool Client::InChangeCallback() const {
    return tls_in_callback == this;
}

void Client::Notify(const std::string &source, const std::set<std::string> &entities) {
    ChangeFn fn;
    {
        std::lock_guard<std::mutex> lock(callback_mutex_);
        fn = on_change_;
    }
    if (!fn)
        return;
    struct Mark { // restores the outer value, also when the callback throws
        const Client *outer = tls_in_callback;
        explicit Mark(const Client *c) { tls_in_callback = c; }
        ~Mark() { tls_in_callback = outer; }
    } mark(this);
    for (const auto &entity : entities)
        fn(source, entity);
}

// Seconds until the oldest queued event may be retried (0 if now, -1 if none waits).
double NextRetryIn(LocalStore &store) {
    Statement st(store, "SELECT next_retry_at FROM sync_outbox ORDER BY id LIMIT 1");
    if (!st.Step())
        return -1;
    return st.IsNull(0) ? 0 : std::max(0.0, st.Real(0) - UnixNow());
}

json Client::Status() {
    bool running;
    {
        std::lock_guard<std::mutex> lock(worker_mutex_);
        running = running_;
    }
    std::lock_guard<std::mutex> lock(api_mutex_);
    json failed = json::array();
    for (const auto &entity : store_.Entities()) {
        std::string sql = "SELECT t.id, t.last_error, f.id, f.reason FROM " + entity +
                          " t LEFT JOIN sync_failed f ON f.entity_type = '" + entity +
                          "' AND f.entity_id = t.id WHERE t.sync_state = 'failed'";
        Statement st(store_, sql.c_str());
        while (st.Step())
            failed.push_back({{"entity", entity},
                              {"id", st.Text(0)},
                              {"last_error", st.Text(1)},
                              {"failure_id", st.IsNull(2) ? json() : json(st.Int(2))},
                              {"reason", st.IsNull(3) ? json() : json(st.Text(3))}});
    }
    Statement conflicts(store_, "SELECT count(*) FROM sync_conflicts WHERE dismissed = 0");
    conflicts.Step();
    double last_success = std::atof(store_.Get("last_success_at", "0").c_str());
    double retry = NextRetryIn(store_);
    auto or_null = [](const std::string &v) { return v.empty() ? json() : json(v); };
    return {{"device_id", store_.Get("device_id")},
            {"server", or_null(store_.Get("server_url"))},
            {"user", or_null(store_.Get("user_email"))},
            {"shop_id", or_null(store_.Get("shop_id"))},
            {"role", or_null(store_.Get("shop_role"))},
            {"signed_in", SignedInLocked()},
            {"profile", store_.Get("server_profile", "gateway")},
            {"pending", PendingCount(store_)},
            {"failed", failed},
            {"conflicts", conflicts.Int(0)},
            {"cursor", std::atoll(store_.Get("cursor", "0").c_str())},
            {"last_success_at", last_success > 0 ? json(last_success) : json()},
            {"last_error", or_null(store_.Get("last_error"))},
            {"worker_running", running},
            {"next_retry_in", retry > 0 ? json(retry) : json()},
            {"access_lost", or_null(store_.Get("access_lost"))}};
}

void Client::ForgetShop() {
    std::vector<std::string> entities;
    {
        std::lock_guard<std::mutex> lock(api_mutex_);
        Transaction tx(store_);
        ForgetShopData(store_);
        for (const char *key :
             {"shop_id", "shop_role", "access_token", "refresh_token", "access_expires_at", "token_source"})
            store_.Put(key, "");
        tx.Commit();
        entities = store_.Entities();
    }
    Notify("local", std::set<std::string>(entities.begin(), entities.end()));
}

json Client::FailedWrites() {
    std::lock_guard<std::mutex> lock(api_mutex_);
    return ListFailed(store_);
}

void Client::RetryFailed(long long failure_id, const std::string &changes_json, bool override) {
    json changes;
    if (!changes_json.empty())
        changes = ParseObject(changes_json, "changes");
    std::string entity;
    {
        std::lock_guard<std::mutex> lock(api_mutex_);
        Transaction tx(store_);
        entity = FailureEntity(store_, failure_id);
        shopsync::client::RetryFailed(store_, failure_id, changes, override);
        tx.Commit();
    }
    LocalChange(entity);
}

void Client::DiscardFailed(long long failure_id) {
    std::string entity;
    {
        std::lock_guard<std::mutex> lock(api_mutex_);
        Transaction tx(store_);
        entity = FailureEntity(store_, failure_id);
        shopsync::client::DiscardFailed(store_, failure_id);
        tx.Commit();
    }
    Notify("local", {entity});
    Kick(false); // a discard may ask for the server's row again
}

json Client::Conflicts() {
    std::lock_guard<std::mutex> lock(api_mutex_);
    Statement st(store_, "SELECT id, entity_type, entity_id, local_payload, server_record, created_at"
                         " FROM sync_conflicts WHERE dismissed = 0 ORDER BY id DESC");
    json out = json::array();
    while (st.Step())
        out.push_back({{"id", st.Int(0)},
                       {"entity", st.Text(1)},
                       {"entity_id", st.Text(2)},
                       {"local_payload", json::parse(st.Text(3))},
                       {"server_record", json::parse(st.Text(4))},
                       {"created_at", st.Real(5)}});
    return out;
}

void Client::DismissConflict(long long id) {
    std::lock_guard<std::mutex> lock(api_mutex_);
    Statement st(store_, "UPDATE sync_conflicts SET dismissed = 1 WHERE id = ? AND dismissed = 0");
    st.Bind(1, id);
    st.Step();
    if (sqlite3_changes(store_.db()) == 0)
        throw ClientError("no open conflict record " + std::to_string(id), SHOPSYNC_NOTFOUND);
}

json Client::MigrateLegacy(const std::string &legacy_path) {
    LegacyReport report;
    {
        std::lock_guard<std::mutex> lock(api_mutex_);
        report = shopsync::client::MigrateLegacy(store_, legacy_path);
    }
    Notify("local", {"customers", "orders", "order_items", "shop_settings"});
    Kick(true);
    json members = json::array();
    for (const auto &[email, role] : report.members)
        members.push_back({{"email", email}, {"role", role}});
    return {{"customers", report.customers},     {"orders", report.orders},
            {"order_items", report.order_items}, {"settings", report.settings},
            {"members_to_invite", members},      {"warnings", report.warnings}};
}

json Client::CallServer(const std::string &function, const json &args, const char *what) {
    Settings settings = CurrentSettings();
    std::lock_guard<std::mutex> lock(api_mutex_);
    auto transport = NewTransport(store_.Get("server_url"), settings);
    Session session(store_, *transport, refresh_mutex_);
    HttpResponse response = session.Send({"POST", "/rpc/" + function, args.dump(), ""});
    if (response.status != 200)
        throw ClientError(std::string(what) + ": " + ErrorText(response), ResultCodeFor(response));
    json answer = json::parse(response.body, nullptr, false);
    if (answer.is_discarded())
        throw ClientError(std::string(what) + ": the server's answer is not JSON", SHOPSYNC_SERVER);
    return answer;
}

json Client::ParityLegacy(const std::string &legacy_path) {
    LegacyData legacy = ReadLegacy(legacy_path); // first: a bad file needs no server
    std::map<std::string, json> server;
    for (const char *entity : {"customers", "orders", "order_items"}) {
        json rows = json::array(), after = nullptr;
        for (;;) {
            json page = CallServer("sync_snapshot", {{"entity", entity}, {"after", after}, {"lim", 1000}},
                                   "reading the server's rows");
            if (!page.is_object() || !page.contains("rows") || !page["rows"].is_array())
                throw ClientError("the server's snapshot page is not a page", SHOPSYNC_SERVER);
            for (auto &row : page["rows"])
                rows.push_back(std::move(row));
            if (!page.value("has_more", false))
                break;
            after = page["next_after"];
        }
        server[entity] = std::move(rows);
    }
    return CompareLegacy(legacy, server);
}

json Client::ExportShop(const std::string &format) {
    if (format != "json" && format != "csv")
        throw ClientError("the export format is json or csv", SHOPSYNC_INVALID);
    std::string device;
    {
        std::lock_guard<std::mutex> lock(api_mutex_);
        device = store_.Get("device_id");
    }
    return CallServer("export_shop",
                      {{"format", format}, {"device_id", device.empty() ? json(nullptr) : json(device)}},
                      "export");
}

} // namespace shopsync::client
