// client/src/legacy_migration.cpp — see legacy_migration.hpp for the rules.
#include "legacy_migration.hpp"

#include "outbox.hpp"
#include "sqlite_statement.hpp"

#include <shopsync_limits.h>

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <map>
#include <regex>
#include <sys/stat.h>
#include <unordered_map>
#include <utility>

namespace shopsync::client {

namespace {

using json = nlohmann::json;

const char *kImportKey = "legacy_import";
const char *kNoName = "(no name)";

// The legacy file, opened read-only: SQLite neither creates a missing file nor
// writes to this one (no journal, no schema change).
class LegacyDb {
  public:
    explicit LegacyDb(const std::string &path) : path_(path) {
        struct stat st;
        if (stat(path.c_str(), &st) != 0)
            throw ClientError("legacy database " + path + " does not exist", SHOPSYNC_INVALID);
        if (!S_ISREG(st.st_mode))
            throw ClientError("legacy database " + path + " is not a file", SHOPSYNC_INVALID);
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            throw ClientError("cannot open legacy database " + path + ": " + message, SHOPSYNC_INVALID);
        }
    }
    ~LegacyDb() {
        if (!sqlite3_get_autocommit(db_))
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(db_);
    }
    LegacyDb(const LegacyDb &) = delete;
    LegacyDb &operator=(const LegacyDb &) = delete;

    sqlite3 *db() { return db_; }
    const std::string &path() const { return path_; }
    // SQLite reports a non-database file only at the first read.
    [[noreturn]] void Fail() {
        int rc = sqlite3_errcode(db_);
        if (rc == SQLITE_NOTADB)
            throw ClientError("legacy database " + path_ + " is not a SQLite database", SHOPSYNC_INVALID);
        throw ClientError("reading legacy database " + path_ + ": " + sqlite3_errmsg(db_));
    }

  private:
    std::string path_;
    sqlite3 *db_ = nullptr;
};

class LegacyQuery {
  public:
    LegacyQuery(LegacyDb &legacy, const std::string &sql) : legacy_(legacy) {
        if (sqlite3_prepare_v2(legacy.db(), sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
            legacy.Fail();
    }
    ~LegacyQuery() { sqlite3_finalize(stmt_); }
    LegacyQuery(const LegacyQuery &) = delete;
    LegacyQuery &operator=(const LegacyQuery &) = delete;

    bool Step() {
        int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW)
            return true;
        if (rc != SQLITE_DONE)
            legacy_.Fail();
        return false;
    }
    int Type(int c) { return sqlite3_column_type(stmt_, c); }
    bool IsNull(int c) { return Type(c) == SQLITE_NULL; }
    long long Int(int c) { return sqlite3_column_int64(stmt_, c); }
    double Real(int c) { return sqlite3_column_double(stmt_, c); }
    std::string Text(int c) {
        const unsigned char *t = sqlite3_column_text(stmt_, c);
        return t ? std::string((const char *)t, sqlite3_column_bytes(stmt_, c)) : "";
    }

  private:
    LegacyDb &legacy_;
    sqlite3_stmt *stmt_ = nullptr;
};

// The tables and columns the import reads (others, e.g. customers.created_at, are ignored).
const std::vector<std::pair<std::string, std::vector<std::string>>> &NeededSchema() {
    static const std::vector<std::pair<std::string, std::vector<std::string>>> kSchema = {
        {"customers", {"id", "code", "name", "phone", "email", "address", "notes"}},
        {"orders",
         {"id", "code", "customer_id", "status", "subtotal", "discount", "tax", "total", "notes",
          "created_at"}},
        {"order_items", {"id", "order_id", "product_name", "sku", "quantity", "unit_price"}},
    };
    return kSchema;
}

void CheckSchema(LegacyDb &legacy) {
    std::vector<std::string> missing;
    for (const auto &[table, columns] : NeededSchema()) {
        LegacyQuery info(legacy, "PRAGMA table_info(" + table + ")");
        std::vector<std::string> have;
        while (info.Step())
            have.push_back(info.Text(1));
        if (have.empty()) {
            missing.push_back("table " + table);
            continue;
        }
        for (const auto &column : columns) {
            bool found = false;
            for (const auto &h : have)
                found = found || sqlite3_stricmp(h.c_str(), column.c_str()) == 0;
            if (!found)
                missing.push_back("column " + table + "." + column);
        }
    }
    if (missing.empty())
        return;
    std::string list;
    for (const auto &m : missing)
        list += (list.empty() ? "" : ", ") + m;
    throw ClientError("legacy database " + legacy.path() + " is not a legacy shop database: missing " + list,
                      SHOPSYNC_INVALID);
}

// Code points in valid UTF-8, or -1: the server measures text in characters,
// and the outbox could not hold invalid bytes as JSON (the same check as its dump).
long Utf8Length(const std::string &s) {
    try {
        json(s).dump();
    } catch (const json::type_error &) {
        return -1;
    }
    long n = 0;
    for (unsigned char c : s)
        n += (c & 0xc0) != 0x80;
    return n;
}

std::string Trim(const std::string &s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace((unsigned char)s[b]))
        b++;
    while (e > b && std::isspace((unsigned char)s[e - 1]))
        e--;
    return s.substr(b, e - b);
}

std::string Lower(std::string s) {
    for (auto &c : s)
        c = (char)std::tolower((unsigned char)c);
    return s;
}

// Text as the server will take it, or a ClientError naming the row: valid
// UTF-8, at most `max` characters (the column's CHECK) and at most the
// server's byte limit for any text value (shopsync.max_field_bytes).
std::string CheckedText(const std::string &text, long max, const std::string &row, const char *column) {
    long length = Utf8Length(text);
    if (length < 0)
        throw ClientError(row + ": " + column + " is not valid UTF-8", SHOPSYNC_INVALID);
    if (length > max)
        throw ClientError(row + ": " + column + " has " + std::to_string(length) +
                              " characters, the server takes " + std::to_string(max),
                          SHOPSYNC_INVALID);
    if (text.size() > SHOPSYNC_DEFAULT_MAX_FIELD_BYTES)
        throw ClientError(row + ": " + column + " has " + std::to_string(text.size()) +
                              " bytes, the server takes " + std::to_string(SHOPSYNC_DEFAULT_MAX_FIELD_BYTES),
                          SHOPSYNC_INVALID);
    return text;
}

// Optional text: NULL or empty stays absent (the server's NULL).
void PutText(json &payload, const char *key, LegacyQuery &q, int c, long max, const std::string &row,
             bool trim = false) {
    if (q.IsNull(c))
        return;
    std::string text = trim ? Trim(q.Text(c)) : q.Text(c);
    if (!text.empty())
        payload[key] = CheckedText(text, max, row, key);
}

// Required text (name, product_name): a blank one gets a placeholder.
std::string NameOrPlaceholder(LegacyQuery &q, int c, const std::string &row, const char *column,
                              LegacyReport &report) {
    std::string text = q.IsNull(c) ? "" : q.Text(c);
    if (Trim(text).empty()) {
        report.warnings.push_back(row + ": blank " + column + ", imported as \"" + kNoName + "\"");
        return kNoName;
    }
    return CheckedText(text, 200, row, column);
}

// A REAL column as a JSON number rounded to `decimals`. NULL money is 0 (the
// app left an unused discount or tax empty); quantities have no such default.
double Number(LegacyQuery &q, int c, int decimals, bool null_is_zero, const std::string &row,
              const char *column) {
    double v;
    int type = q.Type(c);
    if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
        v = q.Real(c);
    } else if (type == SQLITE_NULL) {
        if (!null_is_zero)
            throw ClientError(row + ": " + column + " is empty", SHOPSYNC_INVALID);
        return 0;
    } else {
        std::string text = Trim(q.Text(c));
        char *end = nullptr;
        v = text.empty() ? 0 : std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0')
            throw ClientError(row + ": " + column + " \"" + q.Text(c) + "\" is not a number",
                              SHOPSYNC_INVALID);
    }
    double scale = std::pow(10.0, decimals);
    double limit = decimals == 2 ? 1e10 : 1e9; // numeric(12, 2) and numeric(12, 3)
    if (!std::isfinite(v) || std::fabs(v) >= limit)
        throw ClientError(row + ": " + column + " " + std::to_string(v) + " is out of range",
                          SHOPSYNC_INVALID);
    // Rounding first: float noise such as 0.1 + 0.2 - 0.3 is not a negative amount.
    return std::round(v * scale) / scale + 0.0; // + 0.0 turns -0 into 0
}

bool ValidDate(int y, int m, int d) {
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// Legacy created_at → ISO 8601. The app wrote SQLite's CURRENT_TIMESTAMP
// ("YYYY-MM-DD HH:MM:SS", UTC), so a time without a zone is UTC; a zone that
// is there is kept; a number (or all digits) is Unix seconds. Empty when it
// cannot be read.
std::string IsoTimestamp(LegacyQuery &q, int c) {
    char out[64];
    // created_at has TEXT affinity, so stored seconds come back as digits.
    static const std::regex kSeconds(R"(^\d{9,11}(\.\d+)?$)");
    std::string text = Trim(q.Text(c));
    if (q.Type(c) == SQLITE_INTEGER || q.Type(c) == SQLITE_FLOAT || std::regex_match(text, kSeconds)) {
        double seconds = q.Real(c);
        if (!(seconds > 0 && seconds < 32503680000.0)) // before year 3000
            return "";
        time_t t = (time_t)seconds;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
        return out;
    }
    static const std::regex kPattern(
        R"(^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?\s*([Zz]|[+-]\d{2}:?\d{2})?$)");
    std::smatch m;
    if (!std::regex_match(text, m, kPattern))
        return "";
    int y = std::stoi(m[1]), mo = std::stoi(m[2]), d = std::stoi(m[3]);
    int h = m[4].matched ? std::stoi(m[4]) : 0, mi = m[5].matched ? std::stoi(m[5]) : 0;
    int s = m[6].matched ? std::stoi(m[6]) : 0;
    if (!ValidDate(y, mo, d) || h > 23 || mi > 59 || s > 59)
        return "";
    std::string zone = "Z";
    if (m[8].matched && m[8].str() != "Z" && m[8].str() != "z") {
        std::string z = m[8].str();
        if (z.find(':') == std::string::npos)
            z.insert(3, ":");
        if (std::stoi(z.substr(1, 2)) > 14 || std::stoi(z.substr(4, 2)) > 59)
            return "";
        zone = z;
    }
    snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
    return out + m[7].str() + zone;
}

// Legacy status spellings → the server's statuses. The app's spellings over the years:
//   new, open, pending                     → pending
//   confirmed, accepted, paid              → confirmed
//   shipped, shipping, sent                → shipping
//   done, completed, complete, delivered   → delivered
//   canceled, cancelled, void              → cancelled
// Matched trimmed and case-insensitively; anything else (or NULL) → pending with a warning.
std::string MapStatus(LegacyQuery &q, int c, const std::string &row, LegacyReport &report) {
    static const std::map<std::string, std::string> kMap = {
        {"new", "pending"},         {"open", "pending"},        {"pending", "pending"},
        {"confirmed", "confirmed"}, {"accepted", "confirmed"},  {"paid", "confirmed"},
        {"shipped", "shipping"},    {"shipping", "shipping"},   {"sent", "shipping"},
        {"done", "delivered"},      {"completed", "delivered"}, {"complete", "delivered"},
        {"delivered", "delivered"}, {"canceled", "cancelled"},  {"cancelled", "cancelled"},
        {"void", "cancelled"},
    };
    std::string legacy = q.IsNull(c) ? "" : q.Text(c);
    auto it = kMap.find(Lower(Trim(legacy)));
    if (it != kMap.end())
        return it->second;
    report.warnings.push_back(row + ": unknown status " + (q.IsNull(c) ? "NULL" : "\"" + legacy + "\"") +
                              ", imported as pending");
    return "pending";
}

// A legacy key column: its integer, or false for none (NULL, '') or not a key.
bool LegacyKey(LegacyQuery &q, int c, long long &key) {
    if (q.Type(c) != SQLITE_INTEGER)
        return false;
    key = q.Int(c);
    return true;
}

std::string Label(const char *what, long long id, const std::string &code) {
    std::string label = std::string(what) + " #" + std::to_string(id);
    return code.empty() ? label : label + " (" + code + ")";
}

// Display codes are unique per shop on the server; a clash would be rejected
// at push, long after the legacy file is gone.
void CheckUniqueCode(std::map<std::string, std::string> &seen, const std::string &code,
                     const std::string &row) {
    if (code.empty())
        return;
    auto [it, fresh] = seen.emplace(code, row);
    if (!fresh)
        throw ClientError(row + ": code \"" + code + "\" is used by " + it->second + " too",
                          SHOPSYNC_INVALID);
}

void CheckNotImported(LocalStore &store) {
    std::string previous = store.Get(kImportKey);
    if (previous.empty())
        return;
    json record = json::parse(previous, nullptr, false);
    std::string from = record.is_object() && record.contains("path") && record["path"].is_string()
                           ? record["path"].get<std::string>()
                           : previous;
    throw ClientError("already imported a legacy database (from " + from +
                          "); a second import would duplicate every row",
                      SHOPSYNC_INVALID);
}

// Codes of the store's live rows: the server's unique index covers them too.
std::map<std::string, std::string> LocalCodes(LocalStore &store, const std::string &entity, const char *key) {
    std::map<std::string, std::string> codes;
    std::string sql = "SELECT id, json_extract(data, '$." + std::string(key) + "') FROM " + entity +
                      " WHERE deleted_at IS NULL AND json_extract(data, '$." + key + "') IS NOT NULL";
    Statement st(store, sql.c_str());
    while (st.Step())
        codes.emplace(st.Text(1), "local " + entity + " row " + st.Text(0));
    return codes;
}

std::string NowIso() {
    time_t t = time(nullptr);
    struct tm tm;
    gmtime_r(&t, &tm);
    char out[32];
    strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

bool HasTable(LegacyDb &legacy, const char *table) {
    LegacyQuery q(legacy,
                  std::string("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '") + table + "'");
    return q.Step();
}

// The legacy app's settings (key → value) as the server's shop_settings row.
json ReadSettings(LegacyDb &legacy, LegacyReport &report) {
    if (!HasTable(legacy, "shop_settings"))
        return nullptr;
    json payload = json::object();
    LegacyQuery q(legacy, "SELECT key, value FROM shop_settings ORDER BY key");
    while (q.Step()) {
        std::string key = Lower(Trim(q.Text(0))), value = Trim(q.Text(1)), row = "setting " + key;
        if (value.empty())
            continue;
        if (key == "shop_name" || key == "name" || key == "display_name") {
            payload["display_name"] = CheckedText(value, 200, row, "value");
        } else if (key == "currency") {
            std::string code = value;
            for (auto &c : code)
                c = (char)std::toupper((unsigned char)c);
            if (!std::regex_match(code, std::regex("^[A-Z]{3}$")))
                throw ClientError(row + ": \"" + value + "\" is not a 3-letter currency code",
                                  SHOPSYNC_INVALID);
            payload["currency"] = code;
        } else if (key == "tax_rate" || key == "tax") {
            char *end = nullptr;
            double rate = std::strtod(value.c_str(), &end);
            if (*end == '%')
                rate /= 100, end++;
            if (*end != '\0' || !(rate >= 0 && rate < 1))
                throw ClientError(row + ": \"" + value +
                                      "\" is not a tax rate between 0 and 1 (or 0% and 100%)",
                                  SHOPSYNC_INVALID);
            payload["tax_rate"] = std::round(rate * 10000) / 10000;
        } else if (key == "timezone") {
            payload["timezone"] = CheckedText(value, 64, row, "value");
        } else {
            report.warnings.push_back(row + ": not a setting the server keeps, skipped");
        }
    }
    return payload.empty() ? json(nullptr) : payload;
}

// The legacy users as members to invite: email and role only.
void ReadMembers(LegacyDb &legacy, LegacyReport &report) {
    if (!HasTable(legacy, "users"))
        return;
    LegacyQuery info(legacy, "PRAGMA table_info(users)");
    bool has_email = false, has_role = false;
    while (info.Step()) {
        has_email = has_email || sqlite3_stricmp(info.Text(1).c_str(), "email") == 0;
        has_role = has_role || sqlite3_stricmp(info.Text(1).c_str(), "role") == 0;
    }
    if (!has_email) {
        report.warnings.push_back("users: no email column, no member to invite");
        return;
    }
    static const std::map<std::string, std::string> kRoles = {
        {"admin", "owner"}, {"owner", "owner"},   {"administrator", "owner"}, {"manager", "staff"},
        {"staff", "staff"}, {"cashier", "staff"}, {"clerk", "staff"},         {"employee", "staff"}};
    LegacyQuery q(legacy, std::string("SELECT email, ") + (has_role ? "role" : "NULL") +
                              " FROM users ORDER BY rowid");
    std::map<std::string, bool> seen;
    while (q.Step()) {
        std::string email = Lower(Trim(q.Text(0)));
        if (email.empty() || email.find('@') == std::string::npos || seen[email]) {
            if (!email.empty() && !seen[email])
                report.warnings.push_back("user \"" + email + "\": not an email, not invited");
            continue;
        }
        seen[email] = true;
        auto it = kRoles.find(Lower(Trim(q.Text(1))));
        report.members.emplace_back(CheckedText(email, 320, "user " + email, "email"),
                                    it == kRoles.end() ? "viewer" : it->second);
    }
}

} // namespace

LegacyData ReadLegacy(const std::string &legacy_path, std::map<std::string, std::string> customer_codes,
                      std::map<std::string, std::string> order_codes) {
    LegacyDb legacy(legacy_path);
    CheckSchema(legacy);
    // One read transaction: a consistent snapshot even if the old app is still open.
    if (sqlite3_exec(legacy.db(), "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK)
        legacy.Fail();
    LegacyData data;
    LegacyReport &report = data.report;
    std::map<long long, std::string> customer_code_of, order_code_of;

    LegacyQuery customers(legacy,
                          "SELECT id, code, name, phone, email, address, notes FROM customers ORDER BY id");
    while (customers.Step()) {
        long long id = customers.Int(0);
        std::string code = customers.IsNull(1) ? "" : Trim(customers.Text(1));
        std::string row = Label("customer", id, code);
        CheckUniqueCode(customer_codes, code, row);
        json payload = json::object();
        PutText(payload, "customer_code", customers, 1, 40, row, true);
        payload["name"] = NameOrPlaceholder(customers, 2, row, "name", report);
        PutText(payload, "phone", customers, 3, 40, row);
        PutText(payload, "email", customers, 4, 320, row);
        PutText(payload, "address", customers, 5, 1000, row);
        PutText(payload, "notes", customers, 6, 4000, row);
        data.customers.push_back({id, code, row, payload, 0, false});
        customer_code_of[id] = code;
    }

    LegacyQuery orders(legacy, "SELECT id, code, customer_id, status, subtotal, discount, tax, total, notes,"
                               " created_at FROM orders ORDER BY id");
    while (orders.Step()) {
        long long id = orders.Int(0);
        std::string code = orders.IsNull(1) ? "" : Trim(orders.Text(1));
        std::string row = Label("order", id, code);
        CheckUniqueCode(order_codes, code, row);
        json payload = json::object();
        PutText(payload, "order_code", orders, 1, 40, row, true);
        long long customer = 0;
        bool has_customer = LegacyKey(orders, 2, customer);
        bool linked = has_customer && customer_code_of.count(customer);
        if (!linked && (has_customer || !(orders.IsNull(2) || Trim(orders.Text(2)).empty()))) {
            // The legacy app deleted customers without touching their orders: keep the order.
            report.warnings.push_back(row + ": customer " + orders.Text(2) +
                                      " does not exist, imported without a customer");
        }
        payload["status"] = MapStatus(orders, 3, row, report);
        const char *money[] = {"subtotal", "discount", "tax", "total"};
        for (int k = 0; k < 4; k++) {
            double v = Number(orders, 4 + k, 2, true, row, money[k]);
            if (v < 0)
                throw ClientError(row + ": " + money[k] + " " + orders.Text(4 + k) + " is negative",
                                  SHOPSYNC_INVALID);
            payload[money[k]] = v;
        }
        PutText(payload, "notes", orders, 8, 4000, row);
        if (!orders.IsNull(9) && !Trim(orders.Text(9)).empty()) {
            std::string at = IsoTimestamp(orders, 9);
            if (at.empty())
                throw ClientError(row + ": created_at \"" + orders.Text(9) + "\" is not a date and time",
                                  SHOPSYNC_INVALID);
            payload["ordered_at"] = at;
        }
        data.orders.push_back({id, code, row, payload, linked ? customer : 0, linked});
        order_code_of[id] = code;
    }

    LegacyQuery items(
        legacy, "SELECT id, order_id, product_name, sku, quantity, unit_price FROM order_items ORDER BY id");
    while (items.Step()) {
        long long id = items.Int(0);
        long long order = 0;
        bool has_order = LegacyKey(items, 1, order);
        std::string row = "order item #" + std::to_string(id);
        if (!has_order || !order_code_of.count(order)) {
            // Nothing on the server could hold it (order_id is NOT NULL there).
            report.warnings.push_back(row + ": order " + (items.IsNull(1) ? "NULL" : items.Text(1)) +
                                      " does not exist, item skipped");
            continue;
        }
        row += " (in " + Label("order", order, order_code_of[order]) + ")";
        json payload = json::object();
        payload["product_name"] = NameOrPlaceholder(items, 2, row, "product_name", report);
        PutText(payload, "sku", items, 3, 64, row);
        double quantity = Number(items, 4, 3, false, row, "quantity");
        if (quantity <= 0)
            throw ClientError(row + ": quantity " + items.Text(4) + " must be more than 0", SHOPSYNC_INVALID);
        double price = Number(items, 5, 2, false, row, "unit_price");
        if (price < 0)
            throw ClientError(row + ": unit_price " + items.Text(5) + " is negative", SHOPSYNC_INVALID);
        payload["quantity"] = quantity;
        payload["unit_price"] = price;
        data.items.push_back({id, "", row, payload, order, true});
    }
    data.settings = ReadSettings(legacy, report);
    ReadMembers(legacy, report);
    report.customers = (int)data.customers.size();
    report.orders = (int)data.orders.size();
    report.order_items = (int)data.items.size();
    return data;
}

LegacyReport MigrateLegacy(LocalStore &store, const std::string &legacy_path) {
    CheckNotImported(store);         // first: the clearest answer, even if the old file is gone
    { LegacyDb probe(legacy_path); } // a missing or unreadable file fails before the store is locked
    Transaction tx(store);
    CheckNotImported(store); // again under the write lock: another import may have won
    LegacyData data = ReadLegacy(legacy_path, LocalCodes(store, "customers", "customer_code"),
                                 LocalCodes(store, "orders", "order_code"));
    std::unordered_map<long long, std::string> customer_ids, order_ids;
    for (const auto &c : data.customers)
        customer_ids[c.id] = LocalWriteInTransaction(store, "customers", WriteOp::Create, "", c.payload);
    for (const auto &o : data.orders) {
        json payload = o.payload;
        if (o.has_parent)
            payload["customer_id"] = customer_ids[o.parent];
        order_ids[o.id] = LocalWriteInTransaction(store, "orders", WriteOp::Create, "", payload);
    }
    for (const auto &i : data.items) {
        json payload = i.payload;
        payload["order_id"] = order_ids[i.parent];
        LocalWriteInTransaction(store, "order_items", WriteOp::Create, "", payload);
    }
    if (!data.settings.is_null()) {
        // One settings row per shop: the one the device holds (from the server) is updated.
        Statement held(store, "SELECT id FROM shop_settings WHERE deleted_at IS NULL LIMIT 1");
        if (held.Step())
            LocalWriteInTransaction(store, "shop_settings", WriteOp::Update, held.Text(0), data.settings);
        else
            LocalWriteInTransaction(store, "shop_settings", WriteOp::Create, "", data.settings);
        data.report.settings = true;
    }
    LegacyReport &report = data.report;
    if (!report.members.empty()) {
        json members = json::array();
        for (const auto &[email, role] : report.members)
            members.push_back({{"email", email}, {"role", role}});
        store.Put("legacy_members", members.dump());
    }
    json record = {{"path", legacy_path},
                   {"customers", report.customers},
                   {"orders", report.orders},
                   {"order_items", report.order_items},
                   {"warnings", report.warnings.size()},
                   {"imported_at", NowIso()}};
    store.Put(kImportKey, record.dump());
    tx.Commit();
    return report;
}

} // namespace shopsync::client
