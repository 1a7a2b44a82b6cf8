// test/cpp/pg_session.hpp — a small libpq session for the database tests:
// connects with the PG* environment that test/lib/pgcluster.sh exports, runs
// SQL, and calls the api functions as a shop member, the way PostgREST does.
#pragma once

#include <libpq-fe.h>

#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace shopsync_test {

class PgError : public std::runtime_error {
  public:
    PgError(const std::string &sqlstate, const std::string &message)
        : std::runtime_error(message), sqlstate(sqlstate) {}
    std::string sqlstate;
};

class PgSession {
  public:
    PgSession() : conn_(PQconnectdb(""), PQfinish) {
        if (PQstatus(conn_.get()) != CONNECTION_OK)
            throw std::runtime_error(std::string("connect: ") + PQerrorMessage(conn_.get()));
    }

    // Runs sql (parameters as text) and returns the rows as text; throws PgError.
    std::vector<std::vector<std::string>> Query(const std::string &sql,
                                                const std::vector<std::string> &params = {}) {
        std::vector<const char *> values;
        for (const auto &p : params)
            values.push_back(p.c_str());
        std::unique_ptr<PGresult, void (*)(PGresult *)> res(PQexecParams(conn_.get(), sql.c_str(),
                                                                         (int)values.size(), nullptr,
                                                                         values.data(), nullptr, nullptr, 0),
                                                            PQclear);
        ExecStatusType status = PQresultStatus(res.get());
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            const char *state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
            throw PgError(state ? state : "", PQresultErrorMessage(res.get()));
        }
        std::vector<std::vector<std::string>> rows;
        for (int r = 0; r < PQntuples(res.get()); r++) {
            std::vector<std::string> row;
            for (int c = 0; c < PQnfields(res.get()); c++)
                row.push_back(PQgetisnull(res.get(), r, c) ? "" : PQgetvalue(res.get(), r, c));
            rows.push_back(row);
        }
        return rows;
    }

    std::string Value(const std::string &sql, const std::vector<std::string> &params = {}) {
        auto rows = Query(sql, params);
        return rows.empty() || rows[0].empty() ? "" : rows[0][0];
    }

    // Acts as user of shop for the current transaction (BEGIN first).
    void ActAs(const std::string &user, const std::string &shop) {
        Query("SELECT set_config('request.jwt.claims', $1, true)",
              {"{\"sub\":\"" + user + "\",\"shop_id\":\"" + shop + "\",\"role\":\"authenticated\"}"});
        Query("SET LOCAL ROLE authenticated");
    }

    // One api call in its own transaction, as user of shop; returns the JSON text.
    std::string Call(const std::string &user, const std::string &shop, const std::string &sql,
                     const std::vector<std::string> &params) {
        Query("BEGIN");
        try {
            ActAs(user, shop);
            std::string out = Value(sql, params);
            Query("COMMIT");
            return out;
        } catch (...) {
            Query("ROLLBACK");
            throw;
        }
    }

  private:
    std::unique_ptr<PGconn, void (*)(PGconn *)> conn_;
};

inline std::string RandomUuid(std::mt19937_64 &rng) {
    uint64_t a = rng(), b = rng();
    char out[37];
    snprintf(out, sizeof(out), "%08x-%04x-4%03x-a%03x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, (unsigned)(b >> 48) & 0xfff,
             (unsigned long long)(b & 0xffffffffffffULL));
    return out;
}

// A shop with its owner, made directly as the admin (test set-up).
struct TestShop {
    std::string id, owner;
};

inline TestShop MakeShop(std::mt19937_64 &rng, const std::string &name) {
    TestShop shop{RandomUuid(rng), RandomUuid(rng)};
    PgSession admin;
    admin.Query("INSERT INTO shopsync.shops (id, name) VALUES ($1, $2)", {shop.id, name});
    admin.Query("INSERT INTO shopsync.shop_members (shop_id, user_id, role) VALUES ($1, $2, 'owner')",
                {shop.id, shop.owner});
    return shop;
}

} // namespace shopsync_test
