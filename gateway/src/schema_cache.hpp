// gateway/src/schema_cache.hpp — the api schema's functions as PostgREST's
// schema cache sees them: name, named IN parameters (which of them have
// defaults) and volatility. A call is matched by its argument names, as
// PostgREST does, and GET is allowed for stable and immutable functions only.
// Loaded from pg_catalog on first use, and again (at most every 5 s) when a
// call names a function it does not know, so new functions show up.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace gateway {

struct ApiFunction {
    std::string name;
    std::vector<std::string> params; // IN parameters, in order
    size_t required = 0;             // the first `required` have no default
    bool is_volatile = true;
};

class SchemaCache {
  public:
    // The api function `name` callable with exactly the argument names
    // `args`; false when there is none (after a reload through conn, if due).
    bool Find(PGconn *conn, const std::string &name, const std::set<std::string> &args, ApiFunction *out);
    // Every function name (for PostgREST's "Perhaps you meant" hint).
    std::vector<std::string> Names();

  private:
    bool Match(const std::string &name, const std::set<std::string> &args, ApiFunction *out) const;
    void Load(PGconn *conn);
    std::mutex mutex_;
    std::vector<ApiFunction> functions_;
    std::chrono::steady_clock::time_point loaded_at_{};
    bool loaded_ = false;
};

} // namespace gateway
