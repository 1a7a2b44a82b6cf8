// client/src/sqlite_statement.hpp — a prepared SQLite statement that finalizes
// itself and throws ClientError on failure.
#pragma once

#include "local_store.hpp"

#include <string>
#include <string_view>

namespace shopsync::client {

class Statement {
  public:
    Statement(LocalStore &store, const char *sql) : db_(store.db()) {
        if (sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr) != SQLITE_OK)
            throw ClientError(sqlite3_errmsg(db_));
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    Statement &Bind(int i, const std::string &v) {
        sqlite3_bind_text(stmt_, i, v.c_str(), -1, SQLITE_TRANSIENT);
        return *this;
    }
    // Text SQLite does not copy: it must stay unchanged until the next Reset.
    Statement &BindStatic(int i, std::string_view v) {
        sqlite3_bind_text(stmt_, i, v.data(), (int)v.size(), SQLITE_STATIC);
        return *this;
    }
    Statement &Bind(int i, long long v) {
        sqlite3_bind_int64(stmt_, i, v);
        return *this;
    }
    Statement &Bind(int i, double v) {
        sqlite3_bind_double(stmt_, i, v);
        return *this;
    }
    Statement &BindNull(int i) {
        sqlite3_bind_null(stmt_, i);
        return *this;
    }
    // True for a row; false when done; throws on an error.
    bool Step() {
        int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW)
            return true;
        if (rc != SQLITE_DONE)
            throw ClientError(sqlite3_errmsg(db_));
        return false;
    }
    // Ready for new bindings (a statement reused across rows).
    void Reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    bool IsNull(int c) { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
    std::string Text(int c) {
        const unsigned char *t = sqlite3_column_text(stmt_, c);
        return t ? (const char *)t : "";
    }
    long long Int(int c) { return sqlite3_column_int64(stmt_, c); }
    double Real(int c) { return sqlite3_column_double(stmt_, c); }

  private:
    sqlite3 *db_;
    sqlite3_stmt *stmt_ = nullptr;
};

} // namespace shopsync::client
