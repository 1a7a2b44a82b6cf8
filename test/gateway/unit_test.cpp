// test/gateway/unit_test.cpp — Catch2 tests of the gateway's pure parts:
// JWT checks, rate limiting, PostgREST status mapping, RPC call building.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "cors.hpp"
#include "jwt.hpp"
#include "metrics.hpp"
#include "postgrest_errors.hpp"
#include "rate_limit.hpp"
#include "replica.hpp"
#include "rpc.hpp"
#include "rpc_request.hpp"
#include "static_files.hpp"
#include "text.hpp"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <fstream>

using namespace gateway;
using nlohmann::json;

static const std::string kSecret = "0123456789abcdef0123456789abcdef";
static const long kNow = 1700000000;

static json Claims() {
    return json{{"sub", "a1a1a1a1-0000-0000-0000-000000000001"},
                {"role", "authenticated"},
                {"aud", "authenticated"},
                {"exp", kNow + 900},
                {"shop_id", "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"}};
}

TEST_CASE("VerifyJwt accepts a good HS256 token and refuses every bad one", "[jwt]") {
    SECTION("a good token") {
        JwtResult r = VerifyJwt(SignJwt(Claims(), kSecret), kSecret, "authenticated", kNow);
        REQUIRE(r.ok);
        CHECK(r.claims["shop_id"] == "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa");
    }
    SECTION("an audience list containing ours") {
        json c = Claims();
        c["aud"] = json::array({"other", "authenticated"});
        CHECK(VerifyJwt(SignJwt(c, kSecret), kSecret, "authenticated", kNow).ok);
    }
    SECTION("expired") {
        json c = Claims();
        c["exp"] = kNow - 60;
        JwtResult r = VerifyJwt(SignJwt(c, kSecret), kSecret, "authenticated", kNow);
        CHECK_FALSE(r.ok);
        CHECK(r.error == "token expired");
    }
    SECTION("no expiry") {
        json c = Claims();
        c.erase("exp");
        CHECK_FALSE(VerifyJwt(SignJwt(c, kSecret), kSecret, "authenticated", kNow).ok);
    }
    SECTION("signed with another secret") {
        JwtResult r =
            VerifyJwt(SignJwt(Claims(), "another-secret-another-secret-xx"), kSecret, "authenticated", kNow);
        CHECK(r.error == "invalid signature");
    }
    SECTION("a payload changed after signing") {
        std::string token = SignJwt(Claims(), kSecret);
        json c = Claims();
        c["shop_id"] = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";
        size_t a = token.find('.'), b = token.find('.', a + 1);
        std::string forged = token.substr(0, a + 1) + Base64UrlEncode(c.dump()) + token.substr(b);
        CHECK(VerifyJwt(forged, kSecret, "authenticated", kNow).error == "invalid signature");
    }
    SECTION("alg none") {
        std::string token =
            Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." + Base64UrlEncode(Claims().dump()) + ".";
        CHECK(VerifyJwt(token, kSecret, "authenticated", kNow).error == "unsupported algorithm");
    }
    SECTION("algorithm confusion: RS256 header with an HMAC signature") {
        std::string input =
            Base64UrlEncode(R"({"alg":"RS256","typ":"JWT"})") + "." + Base64UrlEncode(Claims().dump());
        std::string good = SignJwt(Claims(), kSecret);
        std::string token = input + good.substr(good.rfind('.'));
        CHECK(VerifyJwt(token, kSecret, "authenticated", kNow).error == "unsupported algorithm");
    }
    SECTION("wrong audience") {
        json c = Claims();
        c["aud"] = "anon";
        CHECK(VerifyJwt(SignJwt(c, kSecret), kSecret, "authenticated", kNow).error == "wrong audience");
    }
    SECTION("malformed") {
        CHECK_FALSE(VerifyJwt("", kSecret, "authenticated", kNow).ok);
        CHECK_FALSE(VerifyJwt("a.b", kSecret, "authenticated", kNow).ok);
        CHECK_FALSE(VerifyJwt("a.b.c.d", kSecret, "authenticated", kNow).ok);
        CHECK_FALSE(VerifyJwt("!!.??.**", kSecret, "authenticated", kNow).ok);
    }
}

TEST_CASE("base64url round-trips every length", "[jwt]") {
    std::string s;
    for (int i = 0; i < 40; i++) {
        s += (char)(i * 37);
        REQUIRE(Base64UrlDecode(Base64UrlEncode(s)) == s);
    }
    CHECK_FALSE(Base64UrlDecode("a").has_value());
    CHECK_FALSE(Base64UrlDecode("ab+c").has_value());
    CHECK_FALSE(Base64UrlDecode("YQ==").has_value()); // JWS never pads
    // The device client's reading of a token it was given (common/base64url.hpp):
    // base64's + and / and = padding too, never other bytes.
    using shopsync::Base64Alphabet;
    CHECK(Base64UrlDecode("YQ==", Base64Alphabet::UrlOrStandard) == "a");
    CHECK(Base64UrlDecode("Pz8/", Base64Alphabet::UrlOrStandard) == "???");
    CHECK(Base64UrlDecode("Pz8_", Base64Alphabet::UrlOrStandard) == "???");
    CHECK_FALSE(Base64UrlDecode("Pz8*", Base64Alphabet::UrlOrStandard).has_value());
}

TEST_CASE("RateLimiter allows a burst, then says how long to wait", "[limits]") {
    RateLimiter limiter(2, 4); // 2 per second, burst 4
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 4; i++)
        REQUIRE(limiter.Take("user:a", t0) == 0);
    int wait = limiter.Take("user:a", t0);
    CHECK(wait >= 1);
    CHECK(limiter.Take("user:b", t0) == 0);                           // keys are independent
    CHECK(limiter.Take("user:a", t0 + std::chrono::seconds(1)) == 0); // refilled
    RateLimiter off(0, 0);
    for (int i = 0; i < 100; i++)
        REQUIRE(off.Take("x", t0) == 0);
}

TEST_CASE("StatusForSqlState follows PostgREST", "[rpc]") {
    CHECK(StatusForSqlState("PT410", true) == 410);
    CHECK(StatusForSqlState("PT413", true) == 413);
    CHECK(StatusForSqlState("42501", true) == 403);
    CHECK(StatusForSqlState("42501", false) == 401);
    CHECK(StatusForSqlState("22023", true) == 400);
    CHECK(StatusForSqlState("22P02", true) == 400);
    CHECK(StatusForSqlState("42883", true) == 404);
    CHECK(StatusForSqlState("23505", true) == 409);
    // 40*: a transaction rolled back (serialization failure, deadlock): 500, as
    // PostgREST; every client retries a 5xx under the same keys.
    CHECK(StatusForSqlState("40001", true) == 500);
    CHECK(StatusForSqlState("40P01", true) == 500);
    CHECK(StatusForSqlState("57014", true) == 504);
    CHECK(StatusForSqlState("08006", true) == 503);
    CHECK(StatusForSqlState("XX000", true) == 500);
}

TEST_CASE("BuildRpcCall binds named arguments and refuses bad names", "[rpc]") {
    std::string sql, error;
    std::vector<std::optional<std::string>> params;
    REQUIRE(BuildRpcCall("sync_pull", json{{"cursor", 5}, {"lim", 10}}, &sql, &params, &error));
    CHECK(sql == "SELECT to_json(api.sync_pull(cursor := $1, lim := $2))::text");
    CHECK(params[0] == "5");
    params.clear();
    REQUIRE(BuildRpcCall("sync_push", json{{"body", {{"device_id", "d"}}}}, &sql, &params, &error));
    CHECK(params[0] == R"({"device_id":"d"})");
    params.clear();
    CHECK_FALSE(BuildRpcCall("sync_pull; DROP TABLE x", json::object(), &sql, &params, &error));
    CHECK_FALSE(BuildRpcCall("sync_pull", json{{"cursor) ; --", 1}}, &sql, &params, &error));
    CHECK_FALSE(BuildRpcCall("sync_pull", json::array(), &sql, &params, &error));
    CHECK(ErrorJson("22023", "bad") == R"({"code":"22023","details":null,"hint":null,"message":"bad"})");
}

TEST_CASE("ScanPushEnvelope validates without building and finds the device", "[rpc]") {
    std::optional<std::string> device;
    REQUIRE(ScanPushEnvelope(R"({"events":[{"device_id":"inner"}],"device_id":"d1"})", &device));
    REQUIRE(device == std::optional<std::string>("d1"));
    device.reset();
    REQUIRE(ScanPushEnvelope(R"({"device_id":7,"events":[]})", &device));
    REQUIRE(!device);
    REQUIRE(ScanPushEnvelope(R"(["device_id","x"])", &device));
    REQUIRE(!device);
    REQUIRE(!ScanPushEnvelope(R"({"device_id":"d1",)", &device));
    REQUIRE(!ScanPushEnvelope("", &device));
    REQUIRE(!ScanPushEnvelope(std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']'),
                              &device));
    REQUIRE(ScanPushEnvelope(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']'), &device));
}

TEST_CASE("CountPushOutcomes counts the answer's top-level arrays", "[rpc]") {
    long a = -1, c = -1, r = -1;
    REQUIRE(CountPushOutcomes(R"({"accepted":[{"seq":1,"x":[1,2]},{"seq":2}],"conflicts":[],)"
                              R"("rejected":[{"reason":"x"}],"other":[1,2,3]})",
                              &a, &c, &r));
    REQUIRE((a == 2 && c == 0 && r == 1));
    REQUIRE(CountPushOutcomes(R"({"accepted":[]})", &a, &c, &r));
    REQUIRE((a == 0 && c == 0 && r == 0));
    REQUIRE(!CountPushOutcomes("[1]", &a, &c, &r));
    REQUIRE(!CountPushOutcomes("{", &a, &c, &r));
}

TEST_CASE("Metrics render in Prometheus text format", "[metrics]") {
    Metrics m;
    m.Request("/sync/push", 200, 0.003);
    m.PushOutcomes(3, 1, 2);
    std::string text = m.Render(8, 2);
    CHECK(text.find("shopsync_http_requests_total{route=\"/sync/push\",status=\"200\"} 1") !=
          std::string::npos);
    CHECK(text.find("shopsync_push_events_total{outcome=\"conflict\"} 1") != std::string::npos);
    CHECK(text.find("shopsync_db_pool_connections{state=\"in_use\"} 2") != std::string::npos);
    CHECK(text.find("le=\"0.005\"} 1") != std::string::npos);
}

TEST_CASE("Sync metrics: pull answers give sync latency, push envelopes retry depth and outbox age",
          "[metrics]") {
    double t = 0;
    REQUIRE(ParseTimestamp("2026-11-25T03:25:54.5+00:00", &t));
    CHECK(t == 1795577154.5);
    REQUIRE(ParseTimestamp("2026-11-25T04:25:54.5+01:00", &t));
    CHECK(t == 1795577154.5);
    REQUIRE(ParseTimestamp("2026-11-24T22:55:54.5-04:30", &t));
    CHECK(t == 1795577154.5);
    REQUIRE(ParseTimestamp("2026-11-25T03:25:54Z", &t));
    CHECK(t == 1795577154);
    CHECK_FALSE(ParseTimestamp("yesterday", &t));
    CHECK_FALSE(ParseTimestamp("2026-11-25T03:25:54 UTC", &t));
    CHECK_FALSE(ParseTimestamp("2026-11-25T03:25:54", &t)); // no zone
    CHECK_FALSE(ParseTimestamp("2026-11-25T03:25:54+0", &t));
    CHECK_FALSE(ParseTimestamp("2026-13-25T03:25:54Z", &t));
    REQUIRE(ParseTimestamp("2026-11-25T08:25:54.25+05", &t)); // PostgreSQL's whole-hour offset
    CHECK(t == 1795577154.25);
    REQUIRE(ParseTimestamp("1969-12-31T23:59:59Z", &t));
    CHECK(t == -1);
    REQUIRE(ParseTimestamp("2024-02-29T00:00:00Z", &t));
    CHECK(t == 1709164800);

    // The pull answer is scanned, not parsed: only the changes' own changed_at
    // count, never one inside a payload, a string that looks like one, or
    // another top-level key's array.
    std::vector<std::string> seen;
    ForEachChangeTime(R"({"other": [{"changed_at": "x0"}],
                          "changes": [{"changed_at" : "a", "payload": {"changed_at": "x1", "s": "}]\"{"}},
                                      {"note": "changed_at", "changed_at": "b"}, [{"changed_at": "x2"}]],
                          "cursor": {"changed_at": "x3"}})",
                      [&](std::string_view v) { seen.emplace_back(v); });
    CHECK(seen == std::vector<std::string>{"a", "b"});
    seen.clear();
    ForEachChangeTime("[{\"changes\": [{\"changed_at\": \"x\"}]}]",
                      [&](std::string_view v) { seen.emplace_back(v); });
    ForEachChangeTime("{\"changes\": [{\"changed_at\": \"unterminated",
                      [&](std::string_view v) { seen.emplace_back(v); });
    CHECK(seen.empty()); // not an object; a cut text

    Metrics m;
    auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795577154500LL + 300));
    m.PullAnswer(R"({"changes": [{"seq": 1, "changed_at": "2026-11-25T03:25:54.5+00:00"},
                                 {"seq": 2, "changed_at": "2026-11-25T03:25:44.5+00:00"},
                                 {"seq": 3, "changed_at": "2026-11-25T03:26:54.5+00:00"},
                                 {"seq": 4}], "cursor": 4, "has_more": false})",
                 now);
    m.PullAnswer("not json", now);
    m.PushEnvelope(json{{"device_id", "d"}, {"outbox", {{"retry_depth", 3}, {"oldest_age_ms", 90000}}}});
    m.PushEnvelope(json{{"device_id", "d"}, {"outbox", {{"retry_depth", -1}}}}); // not a count: ignored
    m.PushEnvelope(json{{"device_id", "d"}}); // an old client reports nothing
    std::string text = m.Render(1, 0);
    // 0.3 s, 10.3 s, and a change "from the future" (clocks apart) counted as 0
    CHECK(text.find("shopsync_sync_latency_seconds_count 3\n") != std::string::npos);
    CHECK(text.find("shopsync_sync_latency_seconds_bucket{le=\"0.05\"} 1\n") != std::string::npos);
    CHECK(text.find("shopsync_sync_latency_seconds_bucket{le=\"0.5\"} 2\n") != std::string::npos);
    CHECK(text.find("shopsync_sync_latency_seconds_bucket{le=\"30\"} 3\n") != std::string::npos);
    CHECK(text.find("# TYPE shopsync_sync_latency_seconds histogram") != std::string::npos);
    CHECK(text.find("shopsync_push_retry_depth_count 1\n") != std::string::npos);
    CHECK(text.find("shopsync_push_retry_depth_bucket{le=\"2\"} 0\n") != std::string::npos);
    CHECK(text.find("shopsync_push_retry_depth_bucket{le=\"3\"} 1\n") != std::string::npos);
    CHECK(text.find("shopsync_push_outbox_age_seconds_sum 90\n") != std::string::npos);
    CHECK(text.find("shopsync_push_outbox_age_seconds_bucket{le=\"60\"} 0\n") != std::string::npos);
    CHECK(text.find("shopsync_push_outbox_age_seconds_bucket{le=\"300\"} 1\n") != std::string::npos);

    // From the envelope's text: the top-level "outbox" only, never one inside an event.
    std::string found;
    CHECK(TopLevelObject(R"({"device_id": "d", "events": [{"payload": {"outbox": {"retry_depth": 9}}}],
                            "outbox" : {"retry_depth": 1, "note": "}\"{"}})",
                         "outbox", &found));
    CHECK(found == R"({"retry_depth": 1, "note": "}\"{"})");
    CHECK_FALSE(
        TopLevelObject(R"({"events": [{"payload": {"outbox": {"retry_depth": 9}}}]})", "outbox", &found));
    CHECK_FALSE(TopLevelObject(R"({"name": "outbox", "x": 1})", "outbox", &found));
    Metrics from_text;
    from_text.PushEnvelopeText(
        R"({"device_id": "d", "outbox": {"retry_depth": 4, "oldest_age_ms": 1000}, "events": []})");
    from_text.PushEnvelopeText(
        R"({"device_id": "d", "events": [{"payload": {"outbox": {"retry_depth": 9}}}]})");
    std::string rendered = from_text.Render(1, 0);
    CHECK(rendered.find("shopsync_push_retry_depth_count 1\n") != std::string::npos);
    CHECK(rendered.find("shopsync_push_retry_depth_sum 4\n") != std::string::npos);
}

// ---- JWKS: ES256 and RS256 ----------------------------------------------------------
#include "jwks.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

namespace {

std::string Bin(const BIGNUM *bn, int width = 0) {
    std::string out(width ? width : BN_num_bytes(bn), '\0');
    if (width)
        BN_bn2binpad(bn, (unsigned char *)out.data(), width);
    else
        BN_bn2bin(bn, (unsigned char *)out.data());
    return out;
}

std::string SignWith(EVP_PKEY *key, const std::string &alg, const json &claims, const std::string &kid) {
    std::string input = Base64UrlEncode(json{{"alg", alg}, {"typ", "JWT"}, {"kid", kid}}.dump()) + "." +
                        Base64UrlEncode(claims.dump());
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t length = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(ctx, nullptr, &length, (const unsigned char *)input.data(), input.size());
    std::string sig(length, '\0');
    EVP_DigestSign(ctx, (unsigned char *)sig.data(), &length, (const unsigned char *)input.data(),
                   input.size());
    sig.resize(length);
    EVP_MD_CTX_free(ctx);
    if (alg == "ES256") { // DER → r||s
        const unsigned char *p = (const unsigned char *)sig.data();
        ECDSA_SIG *s = d2i_ECDSA_SIG(nullptr, &p, (long)sig.size());
        sig = Bin(ECDSA_SIG_get0_r(s), 32) + Bin(ECDSA_SIG_get0_s(s), 32);
        ECDSA_SIG_free(s);
    }
    return input + "." + Base64UrlEncode(sig);
}

struct TestKeys {
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    EVP_PKEY *rsa = EVP_RSA_gen(2048);
    ~TestKeys() {
        EVP_PKEY_free(ec);
        EVP_PKEY_free(rsa);
    }
    std::string JwksText() const {
        BIGNUM *x = nullptr, *y = nullptr, *n = nullptr, *e = nullptr;
        EVP_PKEY_get_bn_param(ec, OSSL_PKEY_PARAM_EC_PUB_X, &x);
        EVP_PKEY_get_bn_param(ec, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
        EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_N, &n);
        EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_E, &e);
        json keys{{"keys",
                   {{{"kty", "EC"},
                     {"crv", "P-256"},
                     {"kid", "ec-1"},
                     {"alg", "ES256"},
                     {"x", Base64UrlEncode(Bin(x, 32))},
                     {"y", Base64UrlEncode(Bin(y, 32))}},
                    {{"kty", "RSA"},
                     {"kid", "rsa-1"},
                     {"n", Base64UrlEncode(Bin(n))},
                     {"e", Base64UrlEncode(Bin(e))}}}}};
        BN_free(x);
        BN_free(y);
        BN_free(n);
        BN_free(e);
        return keys.dump();
    }
};

} // namespace

TEST_CASE("Jwks verifies ES256 and RS256 tokens and refuses confusion", "[jwt][jwks]") {
    TestKeys keys;
    Jwks jwks = Jwks::Parse(keys.JwksText());
    REQUIRE(jwks.size() == 2);
    SECTION("ES256 and RS256 tokens of the published keys pass") {
        CHECK(jwks.Verify(SignWith(keys.ec, "ES256", Claims(), "ec-1"), "authenticated", kNow).ok);
        CHECK(jwks.Verify(SignWith(keys.rsa, "RS256", Claims(), "rsa-1"), "authenticated", kNow).ok);
    }
    SECTION("a key that is not in the set fails") {
        EVP_PKEY *other = EVP_EC_gen("P-256");
        CHECK(jwks.Verify(SignWith(other, "ES256", Claims(), "ec-1"), "authenticated", kNow).error ==
              "invalid signature");
        EVP_PKEY_free(other);
    }
    SECTION("claims are still checked") {
        json c = Claims();
        c["exp"] = kNow - 100;
        CHECK(jwks.Verify(SignWith(keys.ec, "ES256", c, "ec-1"), "authenticated", kNow).error ==
              "token expired");
    }
    SECTION("algorithm confusion: HS256 keyed with the public key, and none") {
        std::string confused = SignJwt(Claims(), keys.JwksText());
        CHECK(jwks.Verify(confused, "authenticated", kNow).error == "unsupported algorithm");
        std::string none =
            Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode(Claims().dump()) + ".";
        CHECK_FALSE(jwks.Verify(none, "authenticated", kNow).ok);
        CHECK(JwtAlgorithm(none) == "none");
    }
    SECTION("bad key sets are refused with a reason") {
        CHECK_THROWS(Jwks::Parse("[]"));
        CHECK_THROWS(Jwks::Parse(R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})"));
        CHECK_THROWS(Jwks::Parse(R"({"keys":[{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]})"));
    }
}

// ---- network text: depth limit, UTF-8-safe dumps and cuts (issue 11 §Found 1, 2) ----
#include "claims.hpp"
#include "text.hpp"

TEST_CASE("ParseJson refuses nesting deeper than the limit before parsing", "[text]") {
    json out;
    CHECK(ParseJson(std::string(64, '[') + std::string(64, ']'), &out));
    CHECK_FALSE(ParseJson(std::string(65, '[') + std::string(65, ']'), &out));
    CHECK_FALSE(ParseJson(std::string(100000, '['), &out));
    CHECK(ParseJson(R"({"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]"})",
                    &out));
    CHECK(out["a"].get<std::string>().back() == ']');
    CHECK_FALSE(ParseJson("{not json", &out));
    CHECK(JsonDepth(R"({"a": [1, {"b": []}]})", 10) == 4);
}

TEST_CASE("SafeDump replaces invalid UTF-8 instead of throwing", "[text]") {
    json j{{"message", std::string("no route for /\xff\xfe")}};
    CHECK_THROWS(j.dump());
    std::string out = SafeDump(j);
    CHECK(out == "{\"message\":\"no route for /\xEF\xBF\xBD\xEF\xBF\xBD\"}");
}

TEST_CASE("CutUtf8 never ends inside a character", "[text]") {
    std::string name = std::string(63, 'a') + "\xC3\xA9"; // é straddles byte 64
    CHECK(CutUtf8(name, 64) == std::string(63, 'a'));
    CHECK(CutUtf8(name, 65) == name);
    CHECK(CutUtf8("\xE2\x82\xAC\xE2\x82\xAC", 4) == "\xE2\x82\xAC"); // € is 3 bytes
    CHECK(CutUtf8("\xF0\x9F\x98\x80", 3).empty());
    CHECK(CutUtf8("abc", 10) == "abc");
    for (size_t n = 0; n < 8; n++)
        CHECK_NOTHROW(json(CutUtf8("\xE2\x82\xAC\xF0\x9F\x98\x80x", n)).dump());
}

TEST_CASE("ReadClaims refuses claims of the wrong type and never throws", "[claims]") {
    Identity id;
    std::string error;
    REQUIRE(ReadClaims(Claims(), &id, &error));
    CHECK(id.sub == "a1a1a1a1-0000-0000-0000-000000000001");
    CHECK(id.shop_id == "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa");
    CHECK(id.role == "authenticated");
    json meta{{"sub", "u"}, {"app_metadata", {{"shop_id", "s"}}}};
    REQUIRE(ReadClaims(meta, &id, &error));
    CHECK(id.shop_id == "s");
    CHECK(id.role == "authenticated");
    for (const char *name : {"sub", "role", "shop_id"})
        for (json bad : {json(7), json(nullptr), json::array({"x"}), json::object(), json(true)}) {
            json c = Claims();
            c[name] = bad;
            CHECK_FALSE(ReadClaims(c, &id, &error));
            CHECK(error.find(name) != std::string::npos);
        }
    json c = Claims();
    c["app_metadata"] = "str";
    CHECK_FALSE(ReadClaims(c, &id, &error));
    c["app_metadata"] = json{{"shop_id", 5}};
    CHECK_FALSE(ReadClaims(c, &id, &error));
}

TEST_CASE("nbf: a token is refused before it becomes valid", "[jwt]") {
    json c = Claims();
    c["nbf"] = kNow + 60;
    CHECK(VerifyJwt(SignJwt(c, kSecret), kSecret, "authenticated", kNow).error == "token not valid yet");
    c["nbf"] = kNow + 3; // within the 5 s leeway
    CHECK(VerifyJwt(SignJwt(c, kSecret), kSecret, "authenticated", kNow).ok);
    c["nbf"] = "later";
    CHECK_FALSE(VerifyJwt(SignJwt(c, kSecret), kSecret, "authenticated", kNow).ok);
}

// ---- failed sign-ins slow down (issue 11 §Found 6) ----
#include "login_throttle.hpp"
#include "sign_in.hpp"

TEST_CASE("LoginThrottle: from the 5th failure on, waits of 1, 2, 4 … s, capped; a success clears",
          "[auth]") {
    LoginThrottle throttle(5, 900);
    auto t0 = LoginThrottle::Clock::now();
    for (int i = 0; i < 4; i++) {
        CHECK(throttle.RetryAfter("a@x", t0) == 0);
        throttle.Failed("a@x", t0);
    }
    CHECK(throttle.RetryAfter("a@x", t0) == 0);
    throttle.Failed("a@x", t0); // 5th
    CHECK(throttle.RetryAfter("a@x", t0) == 1);
    CHECK(throttle.RetryAfter("b@x", t0) == 0); // per key
    throttle.Failed("a@x", t0);                 // 6th
    CHECK(throttle.RetryAfter("a@x", t0) == 2);
    throttle.Failed("a@x", t0); // 7th
    CHECK(throttle.RetryAfter("a@x", t0) == 4);
    CHECK(throttle.RetryAfter("a@x", t0 + std::chrono::seconds(4)) == 0);
    for (int i = 0; i < 40; i++)
        throttle.Failed("a@x", t0);
    CHECK(throttle.RetryAfter("a@x", t0) == 900);
    throttle.Succeeded("a@x");
    CHECK(throttle.RetryAfter("a@x", t0) == 0);
}

TEST_CASE("AcceptablePassword: 8 to 1024 characters, not only whitespace", "[auth]") {
    std::string why;
    CHECK(AcceptablePassword("correct horse", &why));
    CHECK(AcceptablePassword("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9",
                             &why));                                           // 8 × é
    CHECK_FALSE(AcceptablePassword("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", &why)); // 4 × é = 8 bytes
    CHECK_FALSE(AcceptablePassword("1234567", &why));
    CHECK_FALSE(AcceptablePassword("        ", &why));
    CHECK(why == "a password cannot be only spaces");
    CHECK_FALSE(AcceptablePassword(" \t\n \r\v\f  ", &why));
    CHECK(AcceptablePassword(std::string(1024, 'x'), &why));
    CHECK_FALSE(AcceptablePassword(std::string(1025, 'x'), &why));
}

TEST_CASE("Static files: only regular files under the root, by safe paths", "[static]") {
    char tmpl[] = "/tmp/shopsync-static-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    char real[PATH_MAX];
    REQUIRE(realpath(tmpl, real) != nullptr);
    std::string root = std::string(real) + "/site", outside = std::string(real) + "/secret.txt";
    REQUIRE(system(("mkdir -p " + root + "/assets " + root + "/sub").c_str()) == 0);
    std::ofstream(root + "/index.html") << "<html>index</html>";
    std::ofstream(root + "/assets/app-1a2b.js") << "console.log(1)";
    std::ofstream(root + "/sub/index.html") << "sub";
    std::ofstream(outside) << "secret";
    REQUIRE(symlink(outside.c_str(), (root + "/link.txt").c_str()) == 0);

    CHECK(ResolveStaticPath(root, "/index.html") == root + "/index.html");
    CHECK(ResolveStaticPath(root, "/") == root + "/index.html");
    CHECK(ResolveStaticPath(root, "/sub") == root + "/sub/index.html");
    CHECK(ResolveStaticPath(root, "/assets/app%2D1a2b.js") == root + "/assets/app-1a2b.js");
    CHECK_FALSE(ResolveStaticPath(root, "/../secret.txt"));
    CHECK_FALSE(ResolveStaticPath(root, "/%2e%2e/secret.txt"));
    CHECK_FALSE(ResolveStaticPath(root, "/assets/../../secret.txt"));
    CHECK_FALSE(ResolveStaticPath(root, "/link.txt")); // a symlink out of the root
    CHECK_FALSE(ResolveStaticPath(root, "/index.html%00.js"));
    CHECK_FALSE(ResolveStaticPath(root, "/..%5csecret.txt"));
    CHECK_FALSE(ResolveStaticPath(root, "/bad%zz"));
    CHECK_FALSE(ResolveStaticPath(root, "index.html"));
    CHECK_FALSE(ResolveStaticPath(root, "/missing.js"));

    CHECK(ContentTypeFor("a/b/app.JS") == "text/javascript; charset=utf-8");
    CHECK(ContentTypeFor("index.html") == "text/html; charset=utf-8");
    CHECK(ContentTypeFor("x.woff2") == "font/woff2");
    CHECK(ContentTypeFor("dir.v1/noext") == "application/octet-stream");

    auto get = [&](const std::string &path, boost::beast::http::verb verb = boost::beast::http::verb::get) {
        Request req{verb, path, 11};
        return ServeStatic(root, req, path);
    };
    CHECK(get("/orders/today").result_int() == 200); // an app route: index.html
    CHECK(get("/orders/today").body() == "<html>index</html>");
    CHECK(get("/missing.js").result_int() == 404);
    CHECK(get("/../secret.txt").result_int() == 404);
    CHECK(get("/%2e%2e/%2e%2e/etc/passwd").result_int() == 404); // not the app's page either
    CHECK(get("/link.txt").result_int() == 404);
    CHECK(get("/index.html", boost::beast::http::verb::post).result_int() == 405);
    auto js = get("/assets/app-1a2b.js");
    CHECK(js[boost::beast::http::field::content_type] == "text/javascript; charset=utf-8");
    CHECK(js[boost::beast::http::field::cache_control] == "public, max-age=31536000, immutable");
    CHECK(js["X-Content-Type-Options"] == "nosniff");
    CHECK(get("/index.html")[boost::beast::http::field::cache_control] == "no-cache");
    {
        std::ofstream big(root + "/big.bin", std::ios::binary);
        big.seekp(kMaxStaticFileBytes);
        big.put('x');
    }
    CHECK(get("/big.bin").result_int() == 404); // over the size bound
    REQUIRE(system(("rm -rf " + std::string(real)).c_str()) == 0);
}

TEST_CASE("PostgREST request reading: form decoding, profiles, content types") {
    CHECK(UrlDecode("a+b%20c%2Fd") == "a b c/d");
    CHECK(UrlDecode("%") == "%"); // a cut escape stays as it is
    CHECK(UrlDecode("%4") == "%4");
    CHECK(UrlDecode("%zz") == "%zz");
    auto call = [](boost::beast::http::verb method, const std::string &target, const std::string &type,
                   const std::string &body, RpcRequest *out) {
        Request req{method, target, 11};
        if (!type.empty())
            req.set(boost::beast::http::field::content_type, type);
        req.body() = body;
        Response refusal;
        bool ok = ReadRpcRequest(req, "sync_pull", out, &refusal);
        return ok ? 0 : refusal.result_int();
    };
    RpcRequest r;
    CHECK(call(boost::beast::http::verb::get, "/rpc/sync_pull?cursor=5&lim=2&select=x", "", "", &r) == 0);
    CHECK(r.read_only);
    CHECK(r.args == json{{"cursor", "5"}, {"lim", "2"}}); // select shapes a set's result: not an argument
    CHECK(call(boost::beast::http::verb::post, "/rpc/sync_pull", "application/x-www-form-urlencoded",
               "cursor=1&lim=%33", &r) == 0);
    CHECK(r.args == json{{"cursor", "1"}, {"lim", "3"}});
    CHECK(call(boost::beast::http::verb::post, "/rpc/sync_pull", "application/x-www-form-urlencoded",
               " {\"cursor\": 4}", &r) == 0); // curl -d: JSON labelled as a form
    CHECK(r.args == json{{"cursor", 4}});
    CHECK(call(boost::beast::http::verb::post, "/rpc/sync_pull", "Application/JSON; charset=utf-8",
               "{\"cursor\":1}", &r) == 0);
    CHECK(call(boost::beast::http::verb::post, "/rpc/sync_pull", "text/csv", "a", &r) == 400);
    CHECK(call(boost::beast::http::verb::post, "/rpc/sync_pull", "text/plain", "a", &r) == 404);
    CHECK(call(boost::beast::http::verb::put, "/rpc/sync_pull", "", "", &r) == 405);
    Request profiled{boost::beast::http::verb::post, "/rpc/sync_pull", 11};
    profiled.set("Content-Profile", "public");
    Response refusal;
    CHECK(!ReadRpcRequest(profiled, "sync_pull", &r, &refusal));
    CHECK(refusal.result_int() == 406);
    CHECK(json::parse(refusal.body())["code"] == "PGRST106");
}

TEST_CASE("PGRST202 in PostgREST's words, with the nearest function as hint") {
    json e = json::parse(
        NoFunctionError("sync_pul", {"cursor", "lim"}, {"sync_pull", "sync_push", "create_shop"}));
    CHECK(e["code"] == "PGRST202");
    CHECK(e["message"] == "Could not find the function api.sync_pul(cursor, lim) in the schema cache");
    CHECK(e["details"] ==
          "Searched for the function api.sync_pul with parameters cursor, lim or with a single "
          "unnamed json/jsonb parameter, but no matches were found in the schema cache.");
    CHECK(e["hint"] == "Perhaps you meant to call the function api.sync_pull");
    CHECK(json::parse(NoFunctionError("zzzzzzzzzz", {}, {"sync_pull"}))["hint"].is_null()); // nothing close
}

TEST_CASE("CORS: any origin without credentials, or exactly the listed ones") {
    CHECK(ParseOrigins(" http://a.example , ,http://b.example") ==
          std::vector<std::string>{"http://a.example", "http://b.example"});
    Request req{boost::beast::http::verb::options, "/rpc/sync_push", 11};
    req.set(boost::beast::http::field::origin, "http://evil.example");
    Response any = Preflight({}, req);
    CHECK(any.result_int() == 204);
    CHECK(any[boost::beast::http::field::access_control_allow_origin] == "*");
    CHECK(any[boost::beast::http::field::access_control_allow_credentials] == "");
    Response listed = Preflight({"http://a.example"}, req);
    CHECK(listed[boost::beast::http::field::access_control_allow_origin] == "");
    CHECK(listed[boost::beast::http::field::access_control_allow_methods] == "");
    CHECK(listed[boost::beast::http::field::vary] == "Origin");
    req.set(boost::beast::http::field::origin, "http://a.example");
    CHECK(Preflight({"http://a.example"}, req)[boost::beast::http::field::access_control_allow_origin] ==
          "http://a.example");
    CHECK(CorsHeaderLines({}, req).find("Access-Control-Allow-Origin: *\r\n") == 0);
}

TEST_CASE("ParseLsn reads PostgreSQL's X/Y positions and nothing else", "[replica]") {
    CHECK(gateway::ParseLsn("0/0") == 0);
    CHECK(gateway::ParseLsn("16/B374D848") == ((uint64_t)0x16 << 32 | 0xB374D848u));
    CHECK(gateway::ParseLsn("FFFFFFFF/FFFFFFFF") == UINT64_MAX);
    CHECK(gateway::ParseLsn("16/B374D848x") == 0);
    CHECK(gateway::ParseLsn("") == 0);
    CHECK(gateway::ParseLsn(nullptr) == 0);
}

TEST_CASE("ReplicaReads sends reads to the primary until the replica is known to be fresh", "[replica]") {
    // No poller: the replica's replay position stays unknown (0).
    gateway::ReplicaReads reads("host=127.0.0.1 port=1 connect_timeout=1", 1, 0);
    gateway::Caller caller;
    caller.authenticated = true;
    SECTION("before the listener read a barrier") {
        CHECK_FALSE(reads.Call(caller, "shop", "SELECT 1", {}, 1000).has_value());
        CHECK(reads.Metrics().find("shopsync_replica_reads_total{served=\"primary_replica_behind\"} 1") !=
              std::string::npos);
    }
    SECTION("a barrier the replica has not replayed") {
        reads.Barrier(1);
        CHECK_FALSE(reads.Call(caller, "", "SELECT 1", {}, 1000).has_value());
        reads.Marks({"shop"}, 5);
        CHECK_FALSE(reads.Call(caller, "shop", "SELECT 1", {}, 1000).has_value());
    }
}
