// test/client/token_profile_test.cpp — tokens issued outside the library
// (set_tokens, the app's token source) and the postgrest profile, against a
// scripted fake server: the routes and argument shapes, the apikey, the
// PostgREST error table mapped to the device's behaviour, 401 → the token
// source once → one retry, and the C API's rules for both (bad input, calls
// from inside the token source, replacing it while the worker runs).
#include <catch2/catch.hpp>

#include "apply.hpp"
#include "outbox.hpp"
#include "server_error.hpp"
#include "server_profile.hpp"
#include "session.hpp"
#include "sqlite_statement.hpp"
#include "sync_engine.hpp"

#include <atomic>
#include <thread>
#include <unistd.h>

using namespace shopsync::client;
using json = nlohmann::json;

namespace {

struct TokenDb {
    std::string path = "/tmp/shopsync-token-test-" + std::to_string(getpid()) + "-" + NewUuid() + ".db";
    ~TokenDb() {
        for (const char *suffix : {"", "-wal", "-shm", ".round-lock"})
            std::remove((path + suffix).c_str());
    }
};

std::string Base64Url(const std::string &in) {
    static const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (unsigned char c : in) {
        buffer = (buffer << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(abc[(buffer >> bits) & 63]);
        }
    }
    if (bits > 0)
        out.push_back(abc[(buffer << (6 - bits)) & 63]);
    return out;
}

// An unsigned-looking JWT with these claims (the device never verifies; the server does).
std::string Jwt(const json &claims) {
    return Base64Url(R"({"alg":"HS256","typ":"JWT"})") + "." + Base64Url(claims.dump()) + ".c2lnbmF0dXJl";
}

const std::string kShop = "11111111-1111-4111-8111-111111111111";
const std::string kOtherShop = "22222222-2222-4222-8222-222222222222";

std::string ShopToken(const std::string &shop, double exp, const std::string &marker = "a") {
    return Jwt({{"sub", "33333333-3333-4333-8333-333333333333"},
                {"email", "ann@example.com"},
                {"role", "authenticated"},
                {"app_metadata", {{"shop_id", shop}}},
                {"exp", (long long)exp},
                {"jti", marker}});
}

class ScriptedServer : public Transport {
  public:
    std::function<HttpResponse(const HttpRequest &)> handler;
    std::vector<HttpRequest> requests;
    HttpResponse Send(const HttpRequest &request) override {
        requests.push_back(request);
        return handler(request);
    }
    int Stream(const std::string &, const std::string &, const std::function<void(const std::string &)> &,
               const std::atomic<bool> &) override {
        return 0;
    }
};

HttpResponse Answer(int status, const json &body) {
    return {status, body.dump(), -1, ""};
}

std::string Header(const HttpRequest &r, const std::string &name) {
    for (const auto &[n, v] : r.headers)
        if (n == name)
            return v;
    return "(none)";
}

// A PostgREST server: accepts every pushed event, serves empty pulls.
HttpResponse PostgrestAcceptAll(const HttpRequest &r) {
    if (r.path == "/rest/v1/rpc/sync_push") {
        json accepted = json::array();
        const json args = json::parse(r.body);
        for (const auto &e : args["body"]["events"])
            accepted.push_back({{"idempotency_key", e["idempotency_key"]},
                                {"entity", e["entity"]},
                                {"entity_id", e["entity_id"]},
                                {"version", e["base_version"].get<int>() + 1}});
        return Answer(200,
                      {{"accepted", accepted}, {"conflicts", json::array()}, {"rejected", json::array()}});
    }
    if (r.path == "/rest/v1/rpc/sync_pull")
        return Answer(
            200,
            {{"changes", json::array()}, {"cursor", json::parse(r.body)["cursor"]}, {"has_more", false}});
    return Answer(404, {{"code", "PGRST125"}, {"message", "Invalid path specified in request URL"}});
}

struct Device {
    TokenDb file;
    LocalStore store{file.path};
    ScriptedServer server;
    std::mutex refresh_mutex;
    TokenHook hook;
    std::mt19937_64 rng{7};
    explicit Device(const std::string &profile = "postgrest") {
        SaveProfile(store, MakeProfile(profile, nullptr));
        store.Put("apikey", "anon-key");
        store.Put("device_id", "desk-1");
        store.Put("bootstrapped", "1");
        store.Put("entities_checked_at", std::to_string(UnixNow()));
    }
    Session NewSession() { return Session(store, server, refresh_mutex, &hook); }
    SyncReport Run() {
        Session session = NewSession();
        return SyncEngine(store, session, EngineOptions{}, rng).SyncOnce();
    }
    std::string Value(const std::string &sql) {
        Statement st(store, sql.c_str());
        return st.Step() ? st.Text(0) : "(none)";
    }
};

} // namespace

TEST_CASE("the PostgREST error table: every answer maps to one device behaviour", "[profile]") {
    struct Row {
        int status;
        json body;
        Verdict verdict;
        int code;
    };
    auto e = [](const char *code, const char *message) {
        return json{{"code", code}, {"message", message}, {"details", nullptr}, {"hint", nullptr}};
    };
    std::vector<Row> table = {
        {0, nullptr, Verdict::Retry, SHOPSYNC_NETWORK},
        {500, e("XX000", "internal error"), Verdict::Retry, SHOPSYNC_SERVER},
        {503, e("PGRST000", "Database connection error"), Verdict::Retry, SHOPSYNC_SERVER},
        {503, e("PGRST003", "timed out acquiring connection"), Verdict::Retry, SHOPSYNC_SERVER},
        {504, e("PGRST002", "schema cache not loaded"), Verdict::Retry, SHOPSYNC_SERVER},
        {429, e("PT429", "too many requests"), Verdict::Retry, SHOPSYNC_SERVER},
        {408, json::object(), Verdict::Retry, SHOPSYNC_SERVER},
        {409, e("PT409", "this idempotency key is still being applied"), Verdict::Retry, SHOPSYNC_INVALID},
        {401, e("PGRST301", "JWT expired"), Verdict::Unauthorized, SHOPSYNC_AUTH},
        {401, e("PGRST303", "JWT expired"), Verdict::Unauthorized, SHOPSYNC_AUTH},
        {401, e("42501", "permission denied for function sync_push"), Verdict::Unauthorized, SHOPSYNC_AUTH},
        {401, {{"message", "Invalid API key"}}, Verdict::Unauthorized, SHOPSYNC_AUTH}, // Supabase's gateway
        {403, e("42501", "the caller is not a member of this shop"), Verdict::MoveOut, SHOPSYNC_FORBIDDEN},
        {403, e("42501", "no shop in the caller's claims"), Verdict::TokenUnfit, SHOPSYNC_AUTH},
        {403, e("42501", "no user (sub) in the caller's claims"), Verdict::TokenUnfit, SHOPSYNC_AUTH},
        {403, e("42501", "viewers cannot push changes"), Verdict::Refused, SHOPSYNC_FORBIDDEN},
        {400, e("0A000", "client protocol 2 is no longer served"), Verdict::UpdateRequired,
         SHOPSYNC_UPDATE_REQUIRED},
        {410, e("PT410", "cursor_expired"), Verdict::CursorExpired, SHOPSYNC_SERVER},
        {413, e("PT413", "too many events"), Verdict::TooLarge, SHOPSYNC_SERVER},
        {404, e("PGRST202", "Could not find the function api.sync_push(body)"), Verdict::Misconfigured,
         SHOPSYNC_NOT_CONFIGURED},
        {404, e("42883", "function api.sync_push(unknown) does not exist"), Verdict::Misconfigured,
         SHOPSYNC_NOT_CONFIGURED},
        {404, json::object(), Verdict::Misconfigured, SHOPSYNC_NOT_CONFIGURED},
        {405, json::object(), Verdict::Misconfigured, SHOPSYNC_NOT_CONFIGURED},
        {406, e("PGRST106", "The schema must be one of the following: public"), Verdict::Misconfigured,
         SHOPSYNC_NOT_CONFIGURED},
        {400, e("22023", "events must be an array"), Verdict::Refused, SHOPSYNC_INVALID},
        {400, e("PGRST102", "Empty or invalid json"), Verdict::Refused, SHOPSYNC_INVALID},
        {422, e("PT422", "idempotency_key_reused"), Verdict::Refused, SHOPSYNC_INVALID},
    };
    for (const auto &row : table) {
        HttpResponse response{row.status, row.body.is_null() ? "" : row.body.dump(), -1,
                              row.status ? "" : "connection refused"};
        ServerError error = ClassifyError(response);
        CAPTURE(row.status, row.body.dump());
        CHECK(VerdictName(error.verdict) == std::string(VerdictName(row.verdict)));
        CHECK(error.code == row.code);
        if (row.body.contains("message"))
            CHECK(error.text.find(row.body["message"].get<std::string>()) != std::string::npos);
    }
    // The hints the device adds say what to do.
    CHECK(ClassifyError({404, e("PGRST202", "x").dump(), -1, ""}).text.find("profile") != std::string::npos);
    CHECK(ClassifyError({400,
                         json{{"code", "0A000"},
                              {"message", "client protocol 2 is no longer served"},
                              {"hint", "Update the app; this server serves protocol 3 or newer."}}
                             .dump(),
                         -1, ""})
              .text.find("serves protocol 3") != std::string::npos);
}

TEST_CASE("profiles: names, prefixes and apikeys are checked; nothing unsafe reaches a header", "[profile]") {
    CHECK(MakeProfile("gateway", nullptr).rpc_prefix == "");
    CHECK(MakeProfile("postgrest", nullptr).rpc_prefix == "/rest/v1");
    CHECK(MakeProfile("postgrest", "").rpc_prefix == "");
    CHECK(MakeProfile("postgrest", "/api/rest/").rpc_prefix == "/api/rest");
    for (const char *bad : {"rest/v1", "/a b", "/a?x=1", "/a#b", "/a\r\nX: y"})
        CHECK_THROWS_AS(MakeProfile("postgrest", bad), ClientError);
    CHECK_THROWS_AS(MakeProfile("supabase", nullptr), ClientError);
    CHECK_THROWS_AS(CheckApiKey("key\r\nX-Injected: 1"), ClientError);
    CHECK_THROWS_AS(CheckApiKey("a key"), ClientError);
    try {
        CheckApiKey("secret-value\n");
        FAIL("accepted");
    } catch (const ClientError &e) {
        CHECK(std::string(e.what()).find("secret-value") == std::string::npos); // a key is never echoed
    }
}

TEST_CASE("postgrest profile: every call is POST <prefix>/rpc/<fn> with PostgREST's arguments and the apikey",
          "[profile]") {
    Device d;
    d.store.Put("access_token", ShopToken(kShop, UnixNow() + 3600));
    d.store.Put("access_expires_at", std::to_string(UnixNow() + 3600));
    d.store.Put("token_source", "external");
    d.store.Put("cursor", "7");
    LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    d.server.handler = PostgrestAcceptAll;
    SyncReport report = d.Run();
    CHECK(report.ok);
    CHECK(report.accepted == 1);
    REQUIRE(d.server.requests.size() == 2);
    const HttpRequest &push = d.server.requests[0], &pull = d.server.requests[1];
    CHECK(push.method == "POST");
    CHECK(push.path == "/rest/v1/rpc/sync_push");
    json envelope = json::parse(push.body);
    CHECK(envelope.size() == 1); // the one named argument: body
    CHECK(envelope["body"]["device_id"] == "desk-1");
    CHECK(envelope["body"]["protocol"] == SyncEngine::kProtocol);
    CHECK(envelope["body"]["events"].size() == 1);
    CHECK(pull.method == "POST");
    CHECK(pull.path == "/rest/v1/rpc/sync_pull");
    CHECK(json::parse(pull.body) ==
          json{{"cursor", 7}, {"lim", EngineOptions{}.pull_limit}, {"protocol", SyncEngine::kProtocol}});
    for (const auto &r : d.server.requests) {
        CHECK(Header(r, "apikey") == "anon-key");
        CHECK(Header(r, "Content-Profile") == "api");
        CHECK(r.bearer == d.store.Get("access_token"));
    }

    SECTION("self-hosted PostgREST: an empty prefix") {
        SaveProfile(d.store, MakeProfile("postgrest", ""));
        d.server.requests.clear();
        d.server.handler = [](const HttpRequest &r) {
            HttpRequest moved = r;
            moved.path = "/rest/v1" + r.path;
            return PostgrestAcceptAll(moved);
        };
        d.store.Put("entities_checked_at", "0"); // and the health check and snapshot go there too
        d.store.Put("bootstrapped", "");
        json health{{"entities", json::array()},
                    {"role", "owner"},
                    {"protocol_version", 2},
                    {"min_client_protocol", 1}};
        auto inner = d.server.handler;
        d.server.handler = [inner, health](const HttpRequest &r) {
            if (r.path == "/rpc/sync_health")
                return Answer(200, health);
            return inner(r);
        };
        CHECK(d.Run().ok);
        std::vector<std::string> paths;
        for (const auto &r : d.server.requests)
            paths.push_back(r.path);
        CHECK(paths == std::vector<std::string>{"/rpc/sync_health", "/rpc/sync_health", "/rpc/sync_pull"});
    }
    SECTION("the gateway profile keeps its routes") {
        SaveProfile(d.store, MakeProfile("gateway", nullptr));
        d.store.Put("apikey", "");
        LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Bob"}});
        d.server.requests.clear();
        d.server.handler = [](const HttpRequest &r) {
            if (r.path == "/sync/push")
                return Answer(
                    200,
                    {{"accepted", json::array()}, {"conflicts", json::array()}, {"rejected", json::array()}});
            return Answer(200, {{"changes", json::array()}, {"cursor", 7}, {"has_more", false}});
        };
        d.Run();
        REQUIRE(d.server.requests.size() == 2);
        CHECK(d.server.requests[0].path == "/sync/push");
        CHECK(json::parse(d.server.requests[0].body).contains("events"));
        CHECK(d.server.requests[1].path ==
              "/sync/pull?cursor=7&limit=1000&protocol=" + std::to_string(SyncEngine::kProtocol));
        CHECK(Header(d.server.requests[0], "apikey") == "(none)");
    }
}

TEST_CASE("postgrest errors on a push: the same device behaviour as behind the gateway", "[profile]") {
    auto push_answering = [](int status, json body) {
        return [status, body](const HttpRequest &r) {
            if (r.path == "/rest/v1/rpc/sync_push")
                return Answer(status, body);
            return PostgrestAcceptAll(r);
        };
    };
    auto setup = [](Device &d) {
        d.store.Put("access_token", ShopToken(kShop, UnixNow() + 3600));
        d.store.Put("access_expires_at", std::to_string(UnixNow() + 3600));
        d.store.Put("token_source", "external");
        LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
        LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Bob"}});
    };
    SECTION("404 PGRST202 (no such function, wrong prefix): the writes stay queued, not refused") {
        Device d;
        setup(d);
        d.server.handler =
            push_answering(404, {{"code", "PGRST202"}, {"message", "Could not find the function"}});
        SyncReport report = d.Run();
        CHECK(report.code == SHOPSYNC_NOT_CONFIGURED);
        CHECK(PendingCount(d.store) == 2);
        CHECK(d.Value("SELECT count(*) FROM sync_failed") == "0");
        CHECK(d.Value("SELECT max(retry_count) FROM sync_outbox") == "0");
    }
    SECTION("406 PGRST106 (schema api not exposed): queued") {
        Device d;
        setup(d);
        d.server.handler =
            push_answering(406, {{"code", "PGRST106"}, {"message", "The schema must be one of public"}});
        CHECK(d.Run().code == SHOPSYNC_NOT_CONFIGURED);
        CHECK(PendingCount(d.store) == 2);
        CHECK(d.Value("SELECT count(*) FROM sync_failed") == "0");
    }
    SECTION("403 42501 not a member: move out") {
        Device d;
        setup(d);
        d.server.handler =
            push_answering(403, {{"code", "42501"}, {"message", "the caller is not a member of this shop"}});
        SyncReport report = d.Run();
        CHECK(report.code == SHOPSYNC_FORBIDDEN);
        CHECK_FALSE(d.store.Get("access_lost").empty());
        CHECK(d.Value("SELECT count(*) FROM sync_failed WHERE reason = 'not_a_member'") == "2");
    }
    SECTION("403 42501 no shop in the claims (a token without the hook): queued, an auth error") {
        Device d;
        setup(d);
        d.server.handler =
            push_answering(403, {{"code", "42501"}, {"message", "no shop in the caller's claims"}});
        SyncReport report = d.Run();
        CHECK(report.code == SHOPSYNC_AUTH);
        CHECK(report.error.find("hook") != std::string::npos);
        CHECK(PendingCount(d.store) == 2);
        CHECK(d.Value("SELECT count(*) FROM sync_failed") == "0");
        CHECK(d.store.Get("access_lost").empty());
    }
    SECTION("403 42501 a viewer's push: refused, visible") {
        Device d;
        setup(d);
        d.server.handler =
            push_answering(403, {{"code", "42501"}, {"message", "viewers cannot push changes"}});
        CHECK(d.Run().code == SHOPSYNC_FORBIDDEN);
        CHECK(d.Value("SELECT count(*) FROM sync_failed WHERE reason = 'forbidden'") == "2");
    }
    SECTION("400 0A000: update required, queued") {
        Device d;
        setup(d);
        d.server.handler = push_answering(400, {{"code", "0A000"},
                                                {"message", "client protocol 2 is no longer served"},
                                                {"hint", "Update the app."}});
        CHECK(d.Run().code == SHOPSYNC_UPDATE_REQUIRED);
        CHECK(PendingCount(d.store) == 2);
        CHECK(d.Value("SELECT max(retry_count) FROM sync_outbox") == "0");
    }
    SECTION("409 PT409 and 503 PGRST003: backoff with the same keys") {
        for (auto answer : {std::pair<int, const char *>{409, "PT409"}, {503, "PGRST003"}}) {
            Device d;
            setup(d);
            d.server.handler = push_answering(answer.first, {{"code", answer.second}, {"message", "later"}});
            CHECK_FALSE(d.Run().ok);
            CHECK(PendingCount(d.store) == 2);
            CHECK(d.Value("SELECT min(retry_count) FROM sync_outbox") == "1");
        }
    }
    SECTION("413 PT413: smaller batches") {
        Device d;
        setup(d);
        d.server.handler = [](const HttpRequest &r) {
            if (r.path == "/rest/v1/rpc/sync_push" && json::parse(r.body)["body"]["events"].size() > 1)
                return Answer(413, {{"code", "PT413"}, {"message", "too many events"}});
            return PostgrestAcceptAll(r);
        };
        CHECK(d.Run().ok);
        CHECK(PendingCount(d.store) == 0);
    }
    SECTION("410 PT410 on a pull: rebuild from the snapshot") {
        Device d;
        setup(d);
        d.store.Put("cursor", "99");
        int pulls = 0;
        d.server.handler = [&pulls](const HttpRequest &r) {
            if (r.path == "/rest/v1/rpc/sync_pull" && pulls++ == 0)
                return Answer(410, {{"code", "PT410"}, {"message", "cursor_expired"}});
            if (r.path == "/rest/v1/rpc/sync_health")
                return Answer(
                    200, {{"entities", json::array()}, {"protocol_version", 2}, {"min_client_protocol", 1}});
            return PostgrestAcceptAll(r);
        };
        SyncReport report = d.Run();
        CHECK(report.ok);
        CHECK(report.rebuilt);
    }
}

TEST_CASE("set_tokens: a token issued elsewhere signs the device in; bad input changes nothing", "[token]") {
    Device d;
    Session session = d.NewSession();
    double exp = std::floor(UnixNow()) + 3600;
    std::string token = ShopToken(kShop, exp);
    SECTION("bad input: INVALID, a message that never repeats the token, nothing stored") {
        struct Bad {
            std::string access, refresh;
            double expires_at;
            const char *says;
        };
        std::vector<Bad> bad = {
            {"", "", 0, "access token"},
            {"not-a-jwt", "", 0, "not a JWT"},
            {"a.b", "", 0, "not a JWT"},
            {"a.!!!.c", "", 0, "not a JWT"},
            {Jwt({{"sub", "x"}}), "", 0, "exp"},
            {ShopToken(kShop, UnixNow() - 10), "", 0, "expired"},
            {token + "\r\nX-Evil: 1", "", 0, "printable"},
            {token, "refresh with space", 0, "refresh token"},
            {token, "", (UnixNow() + 3600) * 1000, "unix seconds"},
            {token, "", -5, "unix seconds"},
        };
        for (const auto &b : bad) {
            CAPTURE(b.says);
            try {
                session.SetTokens(b.access, b.refresh, b.expires_at);
                FAIL("accepted");
            } catch (const ClientError &e) {
                CHECK(e.code == SHOPSYNC_INVALID);
                CHECK(std::string(e.what()).find(b.says) != std::string::npos);
                if (b.access.size() > 20)
                    CHECK(std::string(e.what()).find(b.access.substr(0, 20)) == std::string::npos);
            }
            CHECK(d.store.Get("access_token").empty());
        }
    }
    SECTION("a good token: stored with its claims; exp is the expiry") {
        session.SetTokens(token, "", 0);
        CHECK(d.store.Get("access_token") == token);
        CHECK(d.store.Get("shop_id") == kShop);
        CHECK(d.store.Get("user_email") == "ann@example.com");
        CHECK(std::atof(d.store.Get("access_expires_at").c_str()) == Approx(exp));
        CHECK(session.SignedIn());
        CHECK(session.AccessToken() == token);
        CHECK(d.server.requests.empty());
    }
    SECTION("an expired token with a refresh token is renewed through GoTrue (postgrest)") {
        session.SetTokens(ShopToken(kShop, UnixNow() - 10), "refresh-1", 0);
        std::string fresh = ShopToken(kShop, exp, "fresh");
        d.server.handler = [&](const HttpRequest &r) {
            if (r.path == "/auth/v1/token?grant_type=refresh_token" &&
                json::parse(r.body)["refresh_token"] == "refresh-1")
                return Answer(200, {{"access_token", fresh},
                                    {"refresh_token", "refresh-2"},
                                    {"expires_in", 3600},
                                    {"user", {{"id", "u"}, {"email", "ann@example.com"}}}});
            return Answer(401, {{"msg", "bad"}});
        };
        CHECK(session.AccessToken() == fresh);
        CHECK(d.store.Get("refresh_token") == "refresh-2");
        CHECK(Header(d.server.requests.at(0), "apikey") == "anon-key");
    }
    SECTION("a token of another shop switches, refused while this shop has unsent writes") {
        session.SetTokens(token, "", 0);
        LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
        try {
            session.SetTokens(ShopToken(kOtherShop, exp), "", 0);
            FAIL("switched");
        } catch (const ClientError &e) {
            CHECK(e.code == SHOPSYNC_UNSENT);
        }
        CHECK(d.store.Get("shop_id") == kShop);
        CHECK(d.store.Get("access_token") == token);
        d.store.Exec("DELETE FROM sync_outbox; DELETE FROM customers");
        d.store.Put("cursor", "5");
        session.SetTokens(ShopToken(kOtherShop, exp), "", 0);
        CHECK(d.store.Get("shop_id") == kOtherShop);
        CHECK(d.store.Get("cursor") == "0"); // the new shop starts from its snapshot
    }
    SECTION("a token the server refuses, with nothing to renew it: AUTH, saying what the server said") {
        session.SetTokens(token, "", 0);
        LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
        d.server.handler = [](const HttpRequest &) {
            return Answer(401, {{"code", "PGRST301"}, {"message", "Invalid API key: token expired"}});
        };
        SyncReport report = d.Run();
        CHECK(report.code == SHOPSYNC_AUTH);
        CHECK(report.error.find("refused the access token") != std::string::npos);
        CHECK(report.error.find("Invalid API key") != std::string::npos);
        CHECK(report.error.find(token.substr(0, 20)) == std::string::npos);
        CHECK(PendingCount(d.store) == 1);
        CHECK(d.server.requests.size() == 1); // not sent again with the same token
    }
    SECTION("an expired token without a refresh token or source: the round ends with AUTH, writes stay") {
        session.SetTokens(ShopToken(kShop, UnixNow() + 2), "", 0);
        d.store.Put("access_expires_at", std::to_string(UnixNow() - 1));
        LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
        SyncReport report = d.Run();
        CHECK(report.code == SHOPSYNC_AUTH);
        CHECK(report.error.find("shopsync_set_tokens") != std::string::npos);
        CHECK(PendingCount(d.store) == 1);
        CHECK(d.server.requests.empty());
    }
}

TEST_CASE("the token source: asked when a token is needed, and once after a 401, then one retry", "[token]") {
    Device d;
    std::vector<int> reasons;
    int issued = 0;
    d.hook.fn = [&](TokenReason reason, TokenReply &reply) {
        reasons.push_back((int)reason);
        reply.access_token = ShopToken(kShop, UnixNow() + 3600, "t" + std::to_string(++issued));
        return SHOPSYNC_OK;
    };
    LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    SECTION("no token yet: NEEDED; a 401: REFUSED once, the retry carries the new token") {
        std::vector<std::string> bearers;
        d.server.handler = [&](const HttpRequest &r) {
            if (r.path == "/rest/v1/rpc/sync_push") {
                bearers.push_back(r.bearer);
                if (bearers.size() == 1)
                    return Answer(401, {{"code", "PGRST303"}, {"message", "JWT expired"}});
            }
            return PostgrestAcceptAll(r);
        };
        SyncReport report = d.Run();
        CHECK(report.ok);
        CHECK(reasons == std::vector<int>{SHOPSYNC_TOKEN_NEEDED, SHOPSYNC_TOKEN_REFUSED});
        REQUIRE(bearers.size() == 2);
        CHECK(bearers[0] != bearers[1]);
        CHECK(ReadJwt(bearers[1]).shop_id == kShop);
        CHECK(d.store.Get("shop_id") == kShop); // learnt from the token
        CHECK(PendingCount(d.store) == 0);
    }
    SECTION("a 401 again after the new token: AUTH, the source was asked once, writes stay queued") {
        d.server.handler = [&](const HttpRequest &r) {
            if (r.path == "/rest/v1/rpc/sync_push")
                return Answer(401, {{"code", "PGRST301"}, {"message", "JWSError"}});
            return PostgrestAcceptAll(r);
        };
        SyncReport report = d.Run();
        CHECK(report.code == SHOPSYNC_AUTH);
        CHECK(reasons == std::vector<int>{SHOPSYNC_TOKEN_NEEDED, SHOPSYNC_TOKEN_REFUSED});
        CHECK(PendingCount(d.store) == 1);
        CHECK(d.Value("SELECT max(retry_count) FROM sync_outbox") == "0");
    }
    SECTION("a source that has no token, throws, or answers garbage: AUTH, nothing sent") {
        for (int mode = 0; mode < 5; mode++) {
            d.hook.fn = [mode](TokenReason, TokenReply &reply) -> int {
                if (mode == 1)
                    throw std::runtime_error("boom");
                if (mode == 2)
                    reply.access_token = "not-a-jwt";
                if (mode == 4) // a header injection
                    reply.access_token = ShopToken(kShop, UnixNow() + 600) + "\r\nX-Evil: 1";
                if (mode == 3)
                    reply.access_token = ShopToken(kShop, UnixNow() - 5);
                return mode == 0 ? SHOPSYNC_AUTH : SHOPSYNC_OK;
            };
            d.server.requests.clear();
            CAPTURE(mode);
            CHECK(d.Run().code == SHOPSYNC_AUTH);
            CHECK(d.server.requests.empty());
            CHECK(d.store.Get("access_token").empty());
        }
    }
    SECTION("a token of another shop than the device holds is refused") {
        d.store.Put("shop_id", kOtherShop);
        d.server.handler = PostgrestAcceptAll;
        SyncReport report = d.Run();
        CHECK(report.code == SHOPSYNC_AUTH);
        CHECK(report.error.find(kShop) != std::string::npos);
        CHECK(d.server.requests.empty());
    }
    SECTION("it replaces the refresh token: never /auth/v1/token while it is registered") {
        d.store.Put("refresh_token", "refresh-1");
        d.server.handler = PostgrestAcceptAll;
        CHECK(d.Run().ok);
        for (const auto &r : d.server.requests)
            CHECK(r.path.find("/auth/") == std::string::npos);
    }
}

TEST_CASE("postgrest profile: sign-in, refresh and sign-out go to GoTrue under /auth/v1",
          "[profile][token]") {
    Device d;
    Session session = d.NewSession();
    double exp = std::floor(UnixNow()) + 3600;
    std::string access = ShopToken(kShop, exp);
    json gotrue_session{
        {"access_token", access},
        {"token_type", "bearer"},
        {"expires_in", 3600},
        {"expires_at", (long long)exp},
        {"refresh_token", "gotrue-refresh-1"},
        {"user", {{"id", "u-1"}, {"email", "ann@example.com"}, {"app_metadata", {{"shop_id", kShop}}}}}};
    d.server.handler = [&](const HttpRequest &r) {
        if (r.path == "/auth/v1/token?grant_type=password") {
            json body = json::parse(r.body);
            if (body["password"] != "correct horse")
                return Answer(400, {{"code", 400},
                                    {"error_code", "invalid_credentials"},
                                    {"msg", "Invalid login credentials"}});
            return Answer(200, gotrue_session);
        }
        if (r.path == "/auth/v1/logout")
            return HttpResponse{204, "", -1, ""};
        return Answer(404, {{"code", 404}, {"msg", "Not Found"}});
    };
    SECTION("a wrong password: SHOPSYNC_AUTH with GoTrue's message") {
        try {
            session.Login("ann@example.com", "wrong", "");
            FAIL("signed in");
        } catch (const ClientError &e) {
            CHECK(e.code == SHOPSYNC_AUTH);
            CHECK(std::string(e.what()).find("Invalid login credentials") != std::string::npos);
        }
    }
    SECTION("the password grant: tokens, the shop from app_metadata, the apikey sent") {
        session.Login("ann@example.com", "correct horse", "");
        CHECK(d.store.Get("access_token") == access);
        CHECK(d.store.Get("refresh_token") == "gotrue-refresh-1");
        CHECK(d.store.Get("shop_id") == kShop);
        CHECK(d.store.Get("user_id") == "u-1");
        CHECK(std::atof(d.store.Get("access_expires_at").c_str()) == Approx(exp));
        const HttpRequest &login = d.server.requests.at(0);
        CHECK(json::parse(login.body) == json{{"email", "ann@example.com"}, {"password", "correct horse"}});
        CHECK(Header(login, "apikey") == "anon-key");
        session.Logout(); // GoTrue revokes the bearer's session
        CHECK(d.server.requests.back().path == "/auth/v1/logout");
        CHECK(d.server.requests.back().bearer == access);
        CHECK(d.store.Get("access_token").empty());
        CHECK(d.store.Get("refresh_token").empty());
    }
    SECTION("naming a shop the hook did not choose: refused, the new session revoked") {
        try {
            session.Login("ann@example.com", "correct horse", kOtherShop);
            FAIL("signed in");
        } catch (const ClientError &e) {
            CHECK(e.code == SHOPSYNC_FORBIDDEN);
        }
        CHECK(d.server.requests.back().path == "/auth/v1/logout");
        CHECK(d.store.Get("access_token").empty());
    }
}

TEST_CASE("gateway profile: a push answered 404 keeps its writes queued (it used to refuse them all)",
          "[profile]") {
    Device d("gateway");
    d.store.Put("access_token", ShopToken(kShop, UnixNow() + 3600));
    d.store.Put("access_expires_at", std::to_string(UnixNow() + 3600));
    d.store.Put("refresh_token", "refresh-1");
    LocalWrite(d.store, "customers", WriteOp::Create, "", {{"name", "Ann"}});
    d.server.handler = [](const HttpRequest &) { return Answer(404, json::object()); }; // e.g. a proxy's
    SyncReport report = d.Run();
    CHECK(report.code == SHOPSYNC_NOT_CONFIGURED);
    CHECK(PendingCount(d.store) == 1);
    CHECK(d.Value("SELECT count(*) FROM sync_failed") == "0");
    CHECK(d.Value("SELECT sync_state FROM customers") == "pending_create");
}
