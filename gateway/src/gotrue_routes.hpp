// gateway/src/gotrue_routes.hpp — the part of Supabase Auth's (GoTrue's) API
// that supabase-js and supabase-py use to sign in, under /auth/v1, over the
// gateway's own sign-in (sign_in.hpp: one implementation, two route shapes):
//
//   POST /auth/v1/signup                          {email, password} -> session (auto-confirmed)
//   POST /auth/v1/token?grant_type=password       {email, password[, shop_id]} -> session
//   POST /auth/v1/token?grant_type=refresh_token  {refresh_token[, shop_id]} -> session
//   GET  /auth/v1/user                            Bearer -> user
//   POST /auth/v1/logout?scope=global|local|others  Bearer -> 204
//
// A session is GoTrue's: access_token, token_type, expires_in, expires_at,
// refresh_token, user {id, aud, role, email, app_metadata {provider,
// providers, shop_id, shop_role}, user_metadata, ...}. Errors are GoTrue's
// {code, error_code, msg} (and the x-sb-error-code header), which
// supabase-js turns into AuthApiError(msg, status, code).
#pragma once

#include "context.hpp"
#include "http_types.hpp"

#include <string>

namespace gateway {

// The answer to a request whose path starts with /auth/v1/ (never throws).
Response HandleGoTrue(Context &ctx, const Request &req, const std::string &remote);

} // namespace gateway
