// gateway/src/schema_cache.cpp — see schema_cache.hpp.
#include "schema_cache.hpp"

#include <memory>

namespace gateway {

// proargnames/proargmodes as text arrays; only IN (and INOUT, VARIADIC) parameters name arguments.
static const char *kQuery =
    "SELECT p.proname, p.provolatile, p.pronargdefaults,"
    "       array_to_string(array(SELECT coalesce(p.proargnames[i], '')"
    "                              FROM generate_subscripts(coalesce(p.proargnames, '{}'), 1) i"
    "                             WHERE coalesce(p.proargmodes[i], 'i') IN ('i', 'b', 'v')), ',')"
    "  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
    " WHERE n.nspname = 'api' AND p.prokind = 'f'";

void SchemaCache::Load(PGconn *conn) {
    std::unique_ptr<PGresult, void (*)(PGresult *)> res(PQexec(conn, kQuery), PQclear);
    loaded_at_ = std::chrono::steady_clock::now();
    if (PQresultStatus(res.get()) != PGRES_TUPLES_OK)
        return; // keep what we had; the call will be refused as unknown
    std::vector<ApiFunction> loaded;
    for (int row = 0; row < PQntuples(res.get()); row++) {
        ApiFunction f;
        f.name = PQgetvalue(res.get(), row, 0);
        f.is_volatile = PQgetvalue(res.get(), row, 1)[0] == 'v';
        size_t defaults = (size_t)std::atoi(PQgetvalue(res.get(), row, 2));
        std::string names = PQgetvalue(res.get(), row, 3);
        for (size_t start = 0; !names.empty() && start <= names.size();) {
            size_t comma = names.find(',', start);
            f.params.push_back(
                names.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
        f.required = f.params.size() > defaults ? f.params.size() - defaults : 0;
        loaded.push_back(std::move(f));
    }
    functions_ = std::move(loaded);
    loaded_ = true;
}

bool SchemaCache::Match(const std::string &name, const std::set<std::string> &args, ApiFunction *out) const {
    for (const ApiFunction &f : functions_) {
        if (f.name != name)
            continue;
        std::set<std::string> known(f.params.begin(), f.params.end());
        bool fits = true;
        for (const std::string &a : args)
            fits = fits && known.count(a) > 0;
        for (size_t i = 0; i < f.required; i++)
            fits = fits && args.count(f.params[i]) > 0;
        if (fits) {
            *out = f;
            return true;
        }
    }
    return false;
}

bool SchemaCache::Find(PGconn *conn, const std::string &name, const std::set<std::string> &args,
                       ApiFunction *out) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!loaded_ ||
        (!Match(name, args, out) && std::chrono::steady_clock::now() - loaded_at_ > std::chrono::seconds(5)))
        Load(conn);
    return Match(name, args, out);
}

std::vector<std::string> SchemaCache::Names() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> names;
    for (const ApiFunction &f : functions_)
        names.push_back(f.name);
    return names;
}

} // namespace gateway
