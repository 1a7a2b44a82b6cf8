// client/src/legacy_parity.cpp — see legacy_parity.hpp.
#include "legacy_parity.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <vector>

namespace shopsync::client {

namespace {

using json = nlohmann::json;

// A row keyed for matching, with the fields compared.
struct Keyed {
    std::string key;
    json fields;
};

const std::vector<std::string> kCustomerFields = {"customer_code", "name",    "phone",
                                                  "email",         "address", "notes"};
const std::vector<std::string> kOrderFields = {"order_code", "customer", "status",     "subtotal", "discount",
                                               "tax",        "total",    "ordered_at", "notes"};
const std::vector<std::string> kItemFields = {"product_name", "sku", "quantity", "unit_price"};

json Field(const json &row, const std::string &name) {
    return row.contains(name) ? row[name] : json(nullptr);
}

std::string Text(const json &v) {
    return v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
}

// Seconds since the epoch of an ISO 8601 time ("…Z" or "…±HH:MM"), or NAN.
double Instant(const json &v) {
    if (!v.is_string())
        return NAN;
    int y, mo, d, h, mi, n = 0;
    double s;
    std::string t = v.get<std::string>();
    if (std::sscanf(t.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &s, &n) != 6)
        return NAN;
    std::string zone = t.substr((size_t)n);
    int offset = 0, oh = 0, om = 0;
    char sign = '+';
    if (!zone.empty() && zone != "Z" && std::sscanf(zone.c_str(), "%c%2d:%2d", &sign, &oh, &om) >= 2)
        offset = (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return (double)timegm(&tm) + s - offset;
}

bool Same(const std::string &field, const json &a, const json &b) {
    if (a.is_number() || b.is_number()) // money and quantities: numeric(12, 2|3) on the server
        return a.is_number() && b.is_number() && std::fabs(a.get<double>() - b.get<double>()) < 0.0005;
    if (field == "ordered_at" && !a.is_null() && !b.is_null())
        return std::fabs(Instant(a) - Instant(b)) < 0.0005;
    return (a.is_null() ? json("") : a) == (b.is_null() ? json("") : b);
}

// Rows by key, several where a key repeats (two lines of one product in an order).
using Grouped = std::map<std::string, std::vector<json>>;

void Add(Grouped &out, const std::string &key, json fields) {
    out[key].push_back(std::move(fields));
}

// Keys unique within one side: rows sharing a key are ordered by content (the
// server's come in id order, the legacy file's in its own) and the second gets
// " #2", the third " #3", … so equal rows pair up on both sides.
std::map<std::string, json> Unique(Grouped grouped) {
    std::map<std::string, json> out;
    for (auto &[key, rows] : grouped) {
        std::sort(rows.begin(), rows.end(), [](const json &a, const json &b) { return a.dump() < b.dump(); });
        for (size_t n = 0; n < rows.size(); n++)
            out[n == 0 ? key : key + " #" + std::to_string(n + 1)] = rows[n];
    }
    return out;
}

std::string CustomerKey(const json &row) {
    std::string code = Text(Field(row, "customer_code"));
    return code.empty() ? "(no code) " + Text(Field(row, "name")) : code;
}

std::string OrderKey(const json &row) {
    std::string code = Text(Field(row, "order_code"));
    return code.empty() ? "(no code) " + Text(Field(row, "ordered_at")) : code;
}

json Pick(const json &row, const std::vector<std::string> &fields) {
    json out = json::object();
    for (const auto &f : fields)
        out[f] = Field(row, f);
    return out;
}

struct Side {
    Grouped customers, orders, items;
    double orders_total = 0, items_total = 0;
};

Side LegacySide(const LegacyData &legacy) {
    Side side;
    std::map<long long, std::string> customer_code, order_key;
    for (const auto &c : legacy.customers) {
        customer_code[c.id] = Text(Field(c.payload, "customer_code"));
        Add(side.customers, CustomerKey(c.payload), Pick(c.payload, kCustomerFields));
    }
    for (const auto &o : legacy.orders) {
        json fields = Pick(o.payload, kOrderFields);
        fields["customer"] = o.has_parent ? json(customer_code[o.parent]) : json(nullptr);
        std::string key = OrderKey(o.payload);
        order_key[o.id] = key;
        Add(side.orders, key, fields);
        side.orders_total += Field(o.payload, "total").get<double>();
    }
    for (const auto &i : legacy.items) {
        Add(side.items, order_key[i.parent] + " / " + Text(Field(i.payload, "product_name")),
            Pick(i.payload, kItemFields));
        side.items_total +=
            std::round(i.payload["quantity"].get<double>() * i.payload["unit_price"].get<double>() * 100) /
            100;
    }
    return side;
}

bool Live(const json &row) {
    return row.is_object() && (!row.contains("deleted_at") || row["deleted_at"].is_null());
}

double Number(const json &v) {
    if (v.is_number())
        return v.get<double>();
    return v.is_string() ? std::atof(v.get<std::string>().c_str()) : 0;
}

Side ServerSide(const std::map<std::string, json> &server) {
    Side side;
    auto rows = [&](const char *entity) {
        auto it = server.find(entity);
        return it == server.end() ? json::array() : it->second;
    };
    std::map<std::string, std::string> customer_code, order_key; // server id → code / key
    for (const auto &c : rows("customers")) {
        if (!Live(c))
            continue;
        customer_code[Text(c["id"])] = Text(Field(c, "customer_code"));
        Add(side.customers, CustomerKey(c), Pick(c, kCustomerFields));
    }
    for (const auto &o : rows("orders")) {
        if (!Live(o))
            continue;
        json fields = Pick(o, kOrderFields);
        std::string customer = Text(Field(o, "customer_id"));
        fields["customer"] = customer.empty()                ? json(nullptr)
                             : customer_code.count(customer) ? json(customer_code[customer])
                                                             : json("(deleted customer " + customer + ")");
        for (const char *money : {"subtotal", "discount", "tax", "total"})
            fields[money] = Number(Field(o, money));
        std::string key = OrderKey(o);
        order_key[Text(o["id"])] = key;
        Add(side.orders, key, fields);
        side.orders_total += Number(Field(o, "total"));
    }
    for (const auto &i : rows("order_items")) {
        if (!Live(i))
            continue;
        std::string order = Text(Field(i, "order_id"));
        if (!order_key.count(order))
            continue; // under a deleted order: not live in the shop
        json fields = Pick(i, kItemFields);
        fields["quantity"] = Number(Field(i, "quantity"));
        fields["unit_price"] = Number(Field(i, "unit_price"));
        Add(side.items, order_key[order] + " / " + Text(Field(i, "product_name")), fields);
        side.items_total +=
            i.contains("line_total")
                ? Number(i["line_total"])
                : std::round(Number(fields["quantity"]) * Number(fields["unit_price"]) * 100) / 100;
    }
    return side;
}

void Compare(const char *entity, const Grouped &legacy_rows, const Grouped &server_rows,
             const std::vector<std::string> &fields, json &report) {
    std::map<std::string, json> legacy = Unique(legacy_rows), server = Unique(server_rows);
    for (const auto &[key, row] : legacy) {
        auto it = server.find(key);
        if (it == server.end()) {
            report["missing"].push_back({{"entity", entity}, {"key", key}, {"legacy", row}});
            continue;
        }
        json diffs = json::array();
        for (const auto &f : fields)
            if (!Same(f, row[f], it->second[f]))
                diffs.push_back({{"field", f}, {"legacy", row[f]}, {"server", it->second[f]}});
        if (!diffs.empty())
            report["different"].push_back({{"entity", entity}, {"key", key}, {"fields", diffs}});
    }
    for (const auto &[key, row] : server)
        if (!legacy.count(key))
            report["extra"].push_back({{"entity", entity}, {"key", key}, {"server", row}});
}

double Cents(double v) {
    return std::round(v * 100) / 100;
}

} // namespace

json CompareLegacy(const LegacyData &legacy, const std::map<std::string, json> &server) {
    Side a = LegacySide(legacy), b = ServerSide(server);
    json report = {{"missing", json::array()}, {"extra", json::array()}, {"different", json::array()}};
    Compare("customers", a.customers, b.customers, kCustomerFields, report);
    Compare("orders", a.orders, b.orders, kOrderFields, report);
    Compare("order_items", a.items, b.items, kItemFields, report);
    auto count = [](const Grouped &g) {
        size_t n = 0;
        for (const auto &[key, rows] : g)
            n += rows.size();
        return n;
    };
    report["counts"] = {
        {"legacy",
         {{"customers", count(a.customers)}, {"orders", count(a.orders)}, {"order_items", count(a.items)}}},
        {"server",
         {{"customers", count(b.customers)}, {"orders", count(b.orders)}, {"order_items", count(b.items)}}}};
    report["totals"] = {
        {"legacy", {{"orders_total", Cents(a.orders_total)}, {"items_total", Cents(a.items_total)}}},
        {"server", {{"orders_total", Cents(b.orders_total)}, {"items_total", Cents(b.items_total)}}}};
    // Totals can only differ through rows listed above, but a sum that moved says how much.
    for (const char *total : {"orders_total", "items_total"})
        if (std::fabs(report["totals"]["legacy"][total].get<double>() -
                      report["totals"]["server"][total].get<double>()) >= 0.005)
            report["different"].push_back({{"entity", "totals"},
                                           {"key", total},
                                           {"fields",
                                            {{{"field", total},
                                              {"legacy", report["totals"]["legacy"][total]},
                                              {"server", report["totals"]["server"][total]}}}}});
    report["equal"] = report["missing"].empty() && report["extra"].empty() && report["different"].empty();
    report["warnings"] = legacy.report.warnings;
    return report;
}

} // namespace shopsync::client
