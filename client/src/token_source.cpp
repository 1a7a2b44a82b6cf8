// client/src/token_source.cpp — see token_source.hpp.
#include "token_source.hpp"

#include "base64url.hpp"
#include "client_error.hpp"

#include <nlohmann/json.hpp>

namespace shopsync::client {

using json = nlohmann::json;

static std::string Text(const json &object, const char *key) {
    return object.is_object() && object.contains(key) && object[key].is_string()
               ? object[key].get<std::string>()
               : "";
}

JwtInfo ReadJwt(const std::string &token) {
    JwtInfo info;
    size_t first = token.find('.');
    size_t second = first == std::string::npos ? first : token.find('.', first + 1);
    if (first == std::string::npos || second == std::string::npos ||
        token.find('.', second + 1) != std::string::npos)
        return info;
    // A token handed to the device is read, not verified: padded base64 is tolerated.
    auto decoded = Base64UrlDecode(std::string_view(token).substr(first + 1, second - first - 1),
                                   Base64Alphabet::UrlOrStandard);
    if (!decoded)
        return info;
    const std::string &payload = *decoded;
    json claims = json::parse(payload, nullptr, false);
    if (!claims.is_object())
        return info;
    info.ok = true;
    info.sub = Text(claims, "sub");
    info.email = Text(claims, "email");
    const json meta = claims.contains("app_metadata") ? claims["app_metadata"] : json();
    info.shop_id = Text(claims, "shop_id").empty() ? Text(meta, "shop_id") : Text(claims, "shop_id");
    info.shop_role = Text(claims, "shop_role").empty() ? Text(meta, "shop_role") : Text(claims, "shop_role");
    if (claims.contains("exp") && claims["exp"].is_number())
        info.exp = claims["exp"].get<double>();
    return info;
}

void CheckTokenText(const std::string &token, const char *what) {
    bool ok = !token.empty() && token.size() <= 16384;
    for (unsigned char c : token)
        ok = ok && c > 0x20 && c < 0x7f;
    if (!ok)
        throw ClientError(std::string(what) + " must be 1 to 16384 printable ASCII characters without spaces",
                          SHOPSYNC_INVALID);
}

thread_local const void *tls_token_source = nullptr;

TokenSourceMark::TokenSourceMark(const void *client) : outer_(tls_token_source) {
    tls_token_source = client;
}

TokenSourceMark::~TokenSourceMark() {
    tls_token_source = outer_;
}

bool TokenSourceMark::Inside(const void *client) {
    return client != nullptr && tls_token_source == client;
}

} // namespace shopsync::client
