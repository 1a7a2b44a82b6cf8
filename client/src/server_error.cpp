// client/src/server_error.cpp — see server_error.hpp.
#include "server_error.hpp"

#include "session.hpp"

#include <nlohmann/json.hpp>

namespace shopsync::client {

using json = nlohmann::json;

const char *VerdictName(Verdict verdict) {
    switch (verdict) {
    case Verdict::Retry:
        return "retry";
    case Verdict::Unauthorized:
        return "unauthorized";
    case Verdict::TokenUnfit:
        return "token_unfit";
    case Verdict::MoveOut:
        return "move_out";
    case Verdict::UpdateRequired:
        return "update_required";
    case Verdict::CursorExpired:
        return "cursor_expired";
    case Verdict::TooLarge:
        return "too_large";
    case Verdict::Misconfigured:
        return "misconfigured";
    case Verdict::Refused:
        return "refused";
    }
    return "?";
}

static std::string Field(const json &body, const char *key) {
    return body.is_object() && body.contains(key) && body[key].is_string() ? body[key].get<std::string>()
                                                                           : "";
}

ServerError ClassifyError(const HttpResponse &response) {
    json body = json::parse(response.body, nullptr, false);
    std::string code = Field(body, "code"), message = Field(body, "message");
    int status = response.status;
    auto verdict = [&]() {
        if (status == 0 || status == 408 || status == 409 || status == 429 || status >= 500)
            return Verdict::Retry;
        if (status == 401)
            return Verdict::Unauthorized;
        if (code == "0A000")
            return Verdict::UpdateRequired;
        if (status == 403 && code == "42501" && message.find("not a member") != std::string::npos)
            return Verdict::MoveOut;
        if (status == 403 && code == "42501" && message.find("claims") != std::string::npos)
            return Verdict::TokenUnfit;
        if (status == 410 || code == "PT410")
            return Verdict::CursorExpired;
        if (status == 413 || code == "PT413")
            return Verdict::TooLarge;
        if (status == 404 || status == 405 || status == 406 || code == "PGRST202" || code == "PGRST106" ||
            code == "42883")
            return Verdict::Misconfigured;
        return Verdict::Refused;
    }();
    ServerError e{verdict, ResultCodeFor(response), code, ErrorText(response)};
    switch (verdict) {
    case Verdict::UpdateRequired:
        e.code = SHOPSYNC_UPDATE_REQUIRED;
        e.text = (message.empty() ? "this client is too old" : message) + ". " +
                 (Field(body, "hint").empty() ? "Update the app." : Field(body, "hint"));
        break;
    case Verdict::TokenUnfit:
        e.code = SHOPSYNC_AUTH;
        e.text += "; the access token names no shop or user: sign in to a shop (on Supabase, the "
                  "access-token hook puts shop_id into app_metadata)";
        break;
    case Verdict::Misconfigured:
        e.code = SHOPSYNC_NOT_CONFIGURED;
        e.text += "; the server has no such route: check the server URL, the profile (gateway or "
                  "postgrest), its rpc prefix and that schema api is exposed";
        break;
    case Verdict::MoveOut:
        e.code = SHOPSYNC_FORBIDDEN;
        break;
    default:
        break;
    }
    return e;
}

} // namespace shopsync::client
