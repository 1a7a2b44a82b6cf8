// client/cli/output.cpp — what shopsync-device prints for people (--json
// prints the library's JSON instead).
#include "cli.hpp"

#include <algorithm>
#include <ctime>
#include <iostream>
#include <sstream>

namespace shopsync_cli {

using json = nlohmann::json;

int Print(bool as_json, const json &value, const std::string &text) {
    if (as_json)
        std::cout << value.dump() << "\n";
    else
        std::cout << text << (text.empty() || text.back() == '\n' ? "" : "\n");
    return 0;
}

static std::string Cell(const json &v) {
    if (v.is_null())
        return "";
    if (v.is_string())
        return v.get<std::string>();
    return v.dump();
}

// Columns worth a glance per entity; anything else prints whole rows.
static std::vector<std::string> ColumnsOf(const std::string &entity) {
    if (entity == "customers")
        return {"customer_code", "name", "phone", "email"};
    if (entity == "orders")
        return {"order_code", "status", "total", "customer_id"};
    if (entity == "order_items")
        return {"product_name", "quantity", "unit_price", "order_id"};
    return {};
}

std::string Table(const std::string &entity, const json &rows) {
    std::vector<std::string> columns = ColumnsOf(entity);
    if (columns.empty()) {
        std::string out;
        for (const auto &row : rows)
            out += row.dump() + "\n";
        return out.empty() ? "(none)" : out;
    }
    columns.insert(columns.begin(), "id");
    columns.push_back("sync_state");
    std::vector<std::vector<std::string>> cells{columns};
    for (const auto &row : rows) {
        std::vector<std::string> line;
        for (const auto &c : columns) {
            std::string v = Cell(row.value(c, json()));
            if (c == "id" || c == "customer_id" || c == "order_id")
                v = v.substr(0, 8); // enough to tell rows apart on screen
            if (c == "sync_state" && !row.value("deleted_at", json()).is_null())
                v += " (deleted)";
            if (c == "sync_state" && !row.value("last_error", json()).is_null())
                v += ": " + Cell(row["last_error"]);
            line.push_back(v);
        }
        cells.push_back(line);
    }
    std::vector<size_t> width(columns.size(), 0);
    for (const auto &line : cells)
        for (size_t i = 0; i < line.size(); i++)
            width[i] = std::max(width[i], std::min<size_t>(line[i].size(), 40));
    std::ostringstream out;
    for (const auto &line : cells) {
        for (size_t i = 0; i < line.size(); i++) {
            std::string v = line[i].size() > 40 ? line[i].substr(0, 39) + "…" : line[i];
            out << v
                << (i + 1 < line.size() ? std::string(width[i] - std::min(width[i], v.size()) + 2, ' ') : "");
        }
        out << "\n";
    }
    out << rows.size() << " row" << (rows.size() == 1 ? "" : "s");
    return out.str();
}

std::string SyncLine(const json &r) {
    std::ostringstream out;
    out << (r.value("ok", false) ? "synced" : "sync incomplete") << ": pushed " << r.value("pushed", 0)
        << " (" << r.value("accepted", 0) << " accepted, " << r.value("conflicts", 0) << " conflicts, "
        << r.value("rejected", 0) << " rejected), pulled " << r.value("pulled", 0)
        << (r.value("rebuilt", false) ? " (rebuilt from snapshot)" : "")
        << (r.value("recovered", false)
                ? " (server restored: " + std::to_string(r.value("reuploaded", 0)) + " rows given back)"
                : "")
        << " in " << (int)(r.value("seconds", 0.0) * 1000) << " ms";
    if (!r.value("error", json()).is_null())
        out << "\n  " << Cell(r["error"]);
    if (r.value("code", 0) == 10) // SHOPSYNC_NOT_CONFIGURED
        out << "\n  run: shopsync-device init --server URL";
    else if (r.value("code", 0) == 7) // SHOPSYNC_AUTH
        out << "\n  run: shopsync-device login EMAIL";
    return out.str();
}

static std::string Ago(const json &unix_seconds) {
    if (!unix_seconds.is_number())
        return "never";
    long seconds = (long)(std::time(nullptr) - unix_seconds.get<double>());
    return std::to_string(std::max(0L, seconds)) + " s ago";
}

std::string StatusText(const json &s) {
    std::ostringstream out;
    out << "device     " << Cell(s["device_id"]) << "\n"
        << "server     " << (s["server"].is_null() ? "(not set: run init --server URL)" : Cell(s["server"]))
        << "\n"
        << "user       "
        << (s.value("signed_in", false) ? Cell(s["user"]) + " (" + Cell(s["role"]) + ")" : "(signed out)")
        << "\n"
        << "pending    " << s.value("pending", 0) << " queued write(s)"
        << (s["next_retry_in"].is_number()
                ? ", next retry in " + std::to_string((int)s["next_retry_in"].get<double>()) + " s"
                : "")
        << "\n"
        << "conflicts  " << s.value("conflicts", 0) << "\n"
        << "cursor     " << s.value("cursor", 0) << "\n"
        << "last sync  " << Ago(s["last_success_at"]) << "\n";
    if (!s["last_error"].is_null())
        out << "last error " << Cell(s["last_error"]) << "\n";
    if (!s.value("access_lost", json()).is_null())
        out << "access     lost: " << Cell(s["access_lost"]) << "\n"
            << "           (unsent writes are kept as failed; see failed, then forget-shop)\n";
    out << "failed     " << s["failed"].size() << "\n";
    for (const auto &f : s["failed"])
        out << "  " << Cell(f["entity"]) << " " << Cell(f["id"]) << ": " << Cell(f["last_error"]) << "\n";
    return out.str();
}

std::string ConflictText(const json &conflicts) {
    if (conflicts.empty())
        return "no conflicts";
    std::ostringstream out;
    for (const auto &c : conflicts)
        out << "#" << c["id"] << " " << Cell(c["entity"]) << " " << Cell(c["entity_id"]).substr(0, 8)
            << ": the server kept version " << c["server_record"].value("version", 0) << "; your change "
            << c["local_payload"].dump() << " was not applied\n";
    return out.str();
}

std::string FailedText(const json &failures) {
    if (failures.empty())
        return "no refused writes";
    std::ostringstream out;
    for (const auto &f : failures) {
        out << "#" << f["id"] << " " << Cell(f["entity"]) << " " << Cell(f["entity_id"]).substr(0, 8) << " ("
            << Cell(f["op"]) << ") refused: " << Cell(f["reason"]) << ": " << Cell(f["message"]) << "\n"
            << "    yours:  " << f["attempt"].dump() << "\n"
            << "    server: " << (f["server_row"].is_null() ? "(no such row)" : f["server_row"].dump())
            << "\n";
        if (!f["cause"].is_null())
            out << "    cause:  " << f["cause"].dump() << "\n";
    }
    out << "retry: failed retry ID [FIELD=VALUE...] [--override]; drop: failed discard ID";
    return out.str();
}

std::string LegacyText(const json &r) {
    std::ostringstream out;
    out << "imported " << r.value("customers", 0) << " customers, " << r.value("orders", 0) << " orders, "
        << r.value("order_items", 0) << " items"
        << (r.value("settings", false) ? ", the shop's settings" : "") << "; queued for upload";
    for (const auto &m : r.value("members_to_invite", json::array()))
        out << "\n  invite: " << Cell(m["email"]) << " as " << Cell(m["role"]) << " (an owner: add_member)";
    for (const auto &w : r.value("warnings", json::array()))
        out << "\n  warning: " << Cell(w);
    return out.str();
}

std::string ParityText(const json &r) {
    std::vector<std::vector<std::string>> rows = {{"KIND", "ENTITY", "KEY", "FIELD", "LEGACY", "SERVER"}};
    auto clip = [](std::string text) { return text.size() > 40 ? text.substr(0, 37) + "..." : text; };
    for (const auto &m : r.value("missing", json::array()))
        rows.push_back({"missing", Cell(m["entity"]), clip(Cell(m["key"])), "", "(row)", "-"});
    for (const auto &e : r.value("extra", json::array()))
        rows.push_back({"extra", Cell(e["entity"]), clip(Cell(e["key"])), "", "-", "(row)"});
    for (const auto &d : r.value("different", json::array()))
        for (const auto &f : d["fields"])
            rows.push_back({"different", Cell(d["entity"]), clip(Cell(d["key"])), Cell(f["field"]),
                            clip(Cell(f["legacy"])), clip(Cell(f["server"]))});
    std::ostringstream out;
    if (rows.size() > 1) {
        std::vector<size_t> width(rows[0].size(), 0);
        for (const auto &row : rows)
            for (size_t c = 0; c < row.size(); c++)
                width[c] = std::max(width[c], row[c].size());
        for (const auto &row : rows) {
            std::string line;
            for (size_t c = 0; c < row.size(); c++)
                line += row[c] + (c + 1 < row.size() ? std::string(width[c] - row[c].size() + 2, ' ') : "");
            out << line << "\n";
        }
    }
    const json counts = r.value("counts", json::object());
    auto count = [&](const char *side, const char *entity) {
        return counts.contains(side) ? counts[side].value(entity, 0) : 0;
    };
    out << (r.value("equal", false) ? "equal" : "DIFFERENT") << ": legacy " << count("legacy", "customers")
        << " customers, " << count("legacy", "orders") << " orders, " << count("legacy", "order_items")
        << " items; server " << count("server", "customers") << ", " << count("server", "orders") << ", "
        << count("server", "order_items") << "; " << r.value("missing", json::array()).size() << " missing, "
        << r.value("extra", json::array()).size() << " extra, " << r.value("different", json::array()).size()
        << " different";
    return out.str();
}

} // namespace shopsync_cli
