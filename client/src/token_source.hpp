// client/src/token_source.hpp — tokens that come from outside the library: an
// access token (a JWT) the app got from its own sign-in or from Supabase Auth
// (shopsync_set_tokens), and the app's token source, a callback the library
// asks for a fresh access token when it has none, when it is about to expire
// and once after a 401 (shopsync_set_token_source). The library reads the
// token's claims (sub, email, shop_id, shop_role, exp) without verifying it:
// the server verifies. Tokens are never written into a message or a log.
#pragma once

#include <functional>
#include <string>

namespace shopsync::client {

// Why the token source is asked (SHOPSYNC_TOKEN_* in shopsync.h).
enum class TokenReason { Needed = 1, Refused = 2 };

// What the token source hands back (shopsync_token_reply in the C API).
struct TokenReply {
    std::string access_token;
    double expires_at = 0; // unix seconds; 0: the token's exp claim
};

// Returns SHOPSYNC_OK with the reply filled, or any other code for "no token".
using TokenFn = std::function<int(TokenReason reason, TokenReply &reply)>;

struct JwtInfo {
    bool ok = false; // three base64url parts with a JSON object in the middle
    std::string sub, email, shop_id, shop_role;
    double exp = 0;
};

// Reads a JWT's payload (unverified). shop_id and shop_role are read at the
// top level or in app_metadata, as shopsync.current_shop_id() does.
JwtInfo ReadJwt(const std::string &token);

// Throws ClientError(SHOPSYNC_INVALID) naming `what` (never the value) unless
// the token is 1 to 16384 printable ASCII characters without spaces.
void CheckTokenText(const std::string &token, const char *what);

// True on a thread that is running this client's token source: calls into the
// handle from there are refused (SHOPSYNC_MISUSE), as they would deadlock.
class TokenSourceMark {
  public:
    explicit TokenSourceMark(const void *client);
    ~TokenSourceMark();
    static bool Inside(const void *client);

  private:
    const void *outer_;
};

} // namespace shopsync::client
