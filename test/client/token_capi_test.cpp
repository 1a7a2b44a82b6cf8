// test/client/token_capi_test.cpp — the token and profile calls of the C API,
// through shopsync.h only: bad input, who owns what, a token source that calls
// into its handle (refused), and a token source replaced while the worker runs
// (the old one is never called once the replacing call returned).
#include <catch2/catch.hpp>

#include "shopsync/shopsync.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <unistd.h>

using json = nlohmann::json;

namespace {

struct TokenApiDb {
    std::string path =
        "/tmp/shopsync-token-capi-" + std::to_string(getpid()) + "-" + std::to_string(rand()) + ".db";
    ~TokenApiDb() {
        for (const char *suffix : {"", "-wal", "-shm", ".round-lock"})
            std::remove((path + suffix).c_str());
    }
};

struct Handle {
    TokenApiDb file;
    shopsync_client *h = nullptr;
    Handle() { REQUIRE(shopsync_open(file.path.c_str(), &h) == SHOPSYNC_OK); }
    ~Handle() { shopsync_close(h); }
    json Status() {
        char *out = nullptr;
        REQUIRE(shopsync_status(h, &out) == SHOPSYNC_OK);
        json s = json::parse(out);
        shopsync_free(out);
        return s;
    }
};

// {"alg":"HS256"} . {"sub":"u","exp":4102444800,"app_metadata":{"shop_id":"11111111-…"}} . sig
const char *kToken =
    "eyJhbGciOiJIUzI1NiJ9."
    "eyJzdWIiOiJ1IiwiZXhwIjo0MTAyNDQ0ODAwLCJhcHBfbWV0YWRhdGEiOnsic2hvcF9pZCI6IjExMTExMTExLTExMTEtNDExMS04"
    "MTExLTExMTExMTExMTExMSJ9fQ.c2ln";

} // namespace

TEST_CASE("shopsync_set_tokens, set_profile and set_apikey: codes for bad input, status shows the result",
          "[capi][token]") {
    Handle d;
    CHECK(shopsync_set_tokens(nullptr, kToken, nullptr, 0) == SHOPSYNC_MISUSE);
    CHECK(shopsync_set_tokens(d.h, nullptr, nullptr, 0) == SHOPSYNC_MISUSE);
    CHECK(shopsync_set_tokens(d.h, "x.y", nullptr, 0) == SHOPSYNC_INVALID);
    CHECK(std::string(shopsync_errmsg(d.h)).find("JWT") != std::string::npos);
    CHECK(d.Status()["signed_in"] == false);
    CHECK(shopsync_set_tokens(d.h, kToken, nullptr, 0) == SHOPSYNC_OK);
    json status = d.Status();
    CHECK(status["signed_in"] == true);
    CHECK(status["shop_id"] == "11111111-1111-4111-8111-111111111111");
    CHECK(status.dump().find(kToken) == std::string::npos); // status never shows a token
    CHECK(status["profile"] == "gateway");

    CHECK(shopsync_set_profile(d.h, nullptr, nullptr) == SHOPSYNC_MISUSE);
    CHECK(shopsync_set_profile(d.h, "graphql", nullptr) == SHOPSYNC_INVALID);
    CHECK(shopsync_set_profile(d.h, "postgrest", "no-slash") == SHOPSYNC_INVALID);
    CHECK(shopsync_set_profile(d.h, "postgrest", nullptr) == SHOPSYNC_OK);
    CHECK(d.Status()["profile"] == "postgrest");
    CHECK(shopsync_set_apikey(d.h, "bad\nkey") == SHOPSYNC_INVALID);
    CHECK(shopsync_set_apikey(d.h, "anon.key.value") == SHOPSYNC_OK);
    CHECK(shopsync_set_apikey(d.h, nullptr) == SHOPSYNC_OK);
    CHECK(shopsync_set_option(d.h, "poll_min", "0.01") == SHOPSYNC_INVALID);
    CHECK(shopsync_set_option(d.h, "poll_min", "1") == SHOPSYNC_OK);
    CHECK(shopsync_set_option(d.h, "poll_max", "2") == SHOPSYNC_OK);

    CHECK(shopsync_token_reply_set(nullptr, kToken, 0) == SHOPSYNC_MISUSE);
    CHECK(shopsync_logout(d.h) == SHOPSYNC_OK);
    CHECK(d.Status()["signed_in"] == false);
}

namespace {

struct Reentry {
    shopsync_client *h = nullptr;
    std::atomic<int> calls{0};
    std::atomic<int> inner_rc{-1};
    std::atomic<int> reply_rc{-1};
};

int ReentrantSource(void *context, int, shopsync_token_reply *reply) {
    auto *r = static_cast<Reentry *>(context);
    r->calls++;
    char *out = nullptr;
    r->inner_rc = shopsync_status(r->h, &out); // not allowed from here
    shopsync_free(out);
    r->reply_rc = shopsync_token_reply_set(reply, "bad token with spaces", 0);
    return shopsync_token_reply_set(reply, kToken, 0);
}

} // namespace

TEST_CASE("the token source may not call into its handle; its reply is checked", "[capi][token]") {
    Handle d;
    Reentry r;
    r.h = d.h;
    REQUIRE(shopsync_set_server(d.h, "http://127.0.0.1:9") ==
            SHOPSYNC_OK); // nothing listens: no server needed
    REQUIRE(shopsync_set_token_source(d.h, ReentrantSource, &r) == SHOPSYNC_OK);
    CHECK(d.Status()["signed_in"] == true);
    char *report = nullptr;
    int rc = shopsync_sync_now(d.h, &report); // asks for a token, then cannot reach the server
    shopsync_free(report);
    CHECK(rc == SHOPSYNC_NETWORK);
    CHECK(r.calls == 1);
    CHECK(r.inner_rc == SHOPSYNC_MISUSE);
    CHECK(r.reply_rc == SHOPSYNC_INVALID);
    CHECK(d.Status()["shop_id"] == "11111111-1111-4111-8111-111111111111");
    CHECK(shopsync_set_token_source(d.h, nullptr, nullptr) == SHOPSYNC_OK);
}

namespace {

struct Generation {
    std::atomic<bool> retired{false};
    std::atomic<int> calls{0};
    std::atomic<int> after_retired{0};
};

int CountingSource(void *context, int, shopsync_token_reply *reply) {
    auto *g = static_cast<Generation *>(context);
    if (g->retired)
        g->after_retired++;
    g->calls++;
    std::this_thread::sleep_for(std::chrono::milliseconds(2)); // widen the window for a race
    if (g->retired)
        g->after_retired++;
    // Expired at once: each round asks again.
    return shopsync_token_reply_set(reply, kToken, (int64_t)std::time(nullptr) + 1);
}

} // namespace

TEST_CASE("replacing the token source while the worker asks it: the old one is never called afterwards",
          "[capi][token]") {
    Handle d;
    REQUIRE(shopsync_set_server(d.h, "http://127.0.0.1:9") == SHOPSYNC_OK);
    REQUIRE(shopsync_set_profile(d.h, "postgrest", "") == SHOPSYNC_OK); // no event stream: the worker polls
    REQUIRE(shopsync_set_option(d.h, "poll_min", "0.05") == SHOPSYNC_OK);
    REQUIRE(shopsync_set_option(d.h, "poll_max", "0.05") == SHOPSYNC_OK);
    REQUIRE(shopsync_set_option(d.h, "backoff_base", "0.01") == SHOPSYNC_OK);
    REQUIRE(shopsync_set_option(d.h, "timeout", "0.2") == SHOPSYNC_OK);
    std::vector<std::unique_ptr<Generation>> generations;
    generations.push_back(std::make_unique<Generation>());
    REQUIRE(shopsync_set_token_source(d.h, CountingSource, generations.back().get()) == SHOPSYNC_OK);
    REQUIRE(shopsync_start(d.h) == SHOPSYNC_OK);
    std::thread syncer([&] { // a second thread needing tokens too
        for (int i = 0; i < 20; i++) {
            char *out = nullptr;
            shopsync_sync_now(d.h, &out);
            shopsync_free(out);
        }
    });
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    while (std::chrono::steady_clock::now() < until) {
        generations.push_back(std::make_unique<Generation>());
        REQUIRE(shopsync_set_token_source(d.h, CountingSource, generations.back().get()) == SHOPSYNC_OK);
        generations[generations.size() - 2]->retired = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    syncer.join();
    REQUIRE(shopsync_stop(d.h) == SHOPSYNC_OK);
    int total = 0, late = 0;
    for (const auto &g : generations) {
        total += g->calls;
        late += g->after_retired;
    }
    CHECK(total > 10); // the sources were asked, from both threads
    CHECK(late == 0);
}
