// client/src/local_query.cpp — see local_query.hpp.
#include "local_query.hpp"

#include "sqlite_statement.hpp"

namespace shopsync::client {

using json = nlohmann::json;

void RequireEntity(LocalStore &store, const std::string &entity) {
    if (store.HasEntity(entity))
        return;
    throw ClientError("unknown entity \"" + entity + "\"", SHOPSYNC_INVALID);
}

// Column names reach SQL text (json paths), so only plain identifiers pass.
static void RequireColumn(const std::string &column) {
    bool ok = !column.empty() && column.size() <= 63 && !isdigit((unsigned char)column[0]);
    for (char c : column)
        ok = ok && (islower((unsigned char)c) || isdigit((unsigned char)c) || c == '_');
    if (!ok)
        throw ClientError("\"" + column + "\" is not a column name", SHOPSYNC_INVALID);
}

static const char *kColumns = "data, id, shop_id, version, updated_at, deleted_at, sync_state, last_error";

static json RowFrom(Statement &st) {
    json row = json::parse(st.Text(0));
    row["id"] = st.Text(1);
    row["shop_id"] = st.IsNull(2) || st.Text(2).empty() ? json() : json(st.Text(2));
    row["version"] = st.Int(3);
    row["updated_at"] = st.IsNull(4) || st.Text(4).empty() ? json() : json(st.Text(4));
    row["deleted_at"] = st.IsNull(5) ? json() : json(st.Text(5));
    row["sync_state"] = st.Text(6);
    row["last_error"] = st.IsNull(7) ? json() : json(st.Text(7));
    return row;
}

json GetRow(LocalStore &store, const std::string &entity, const std::string &id) {
    RequireEntity(store, entity);
    std::string sql = std::string("SELECT ") + kColumns + " FROM " + entity + " WHERE id = ?";
    Statement st(store, sql.c_str());
    st.Bind(1, id);
    if (!st.Step())
        throw ClientError(entity + " has no row " + id, SHOPSYNC_NOTFOUND);
    return RowFrom(st);
}

json QueryRows(LocalStore &store, const std::string &entity, const json &filter) {
    RequireEntity(store, entity);
    if (!filter.is_null() && !filter.is_object())
        throw ClientError("a filter is a JSON object", SHOPSYNC_INVALID);
    json f = filter.is_null() ? json::object() : filter;
    std::string sql = std::string("SELECT ") + kColumns + " FROM " + entity + " WHERE 1 = 1";
    if (!f.value("include_deleted", false))
        sql += " AND deleted_at IS NULL";
    std::vector<json> values;
    const json where = f.value("where", json::object());
    if (!where.is_object())
        throw ClientError("\"where\" is an object of column: value", SHOPSYNC_INVALID);
    for (const auto &[column, value] : where.items()) {
        RequireColumn(column);
        if (value.is_null()) {
            sql += " AND json_extract(data, '$." + column + "') IS NULL";
        } else if (value.is_primitive()) {
            sql += " AND json_extract(data, '$." + column + "') = ?";
            values.push_back(value);
        } else {
            throw ClientError("filter values are strings, numbers, booleans or null", SHOPSYNC_INVALID);
        }
    }
    std::string order = f.value("order_by", std::string());
    if (!order.empty()) {
        RequireColumn(order);
        sql += " ORDER BY json_extract(data, '$." + order + "'), id";
    } else {
        sql += " ORDER BY rowid";
    }
    long long limit = f.value("limit", 1000LL), offset = f.value("offset", 0LL);
    if (limit < 0 || offset < 0)
        throw ClientError("limit and offset must not be negative", SHOPSYNC_INVALID);
    sql += " LIMIT ? OFFSET ?";
    Statement st(store, sql.c_str());
    int i = 1;
    for (const auto &v : values) {
        if (v.is_string())
            st.Bind(i++, v.get<std::string>());
        else if (v.is_boolean())
            st.Bind(i++, (long long)v.get<bool>());
        else if (v.is_number_integer())
            st.Bind(i++, v.get<long long>());
        else
            st.Bind(i++, v.get<double>());
    }
    st.Bind(i, limit);
    st.Bind(i + 1, offset);
    json rows = json::array();
    while (st.Step())
        rows.push_back(RowFrom(st));
    return rows;
}

} // namespace shopsync::client
