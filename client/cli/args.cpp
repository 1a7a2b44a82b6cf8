// client/cli/args.cpp — see cli.hpp.
#include "cli.hpp"

#include <cstdlib>
#include <iostream>
#include <set>

namespace shopsync_cli {

using json = nlohmann::json;

// Flags that take a value after the command.
static const std::set<std::string> kValueFlags = {
    "--server",     "--shop",   "--for",        "--device-id",          "--profile",
    "--rpc-prefix", "--apikey", "--token-file", "--refresh-token-file", "--out"};
static const std::set<std::string> kBareFlags = {"--all", "--override", "--csv"};

std::string Args::Flag(const std::string &name) const {
    for (const auto &[n, v] : flags)
        if (n == name)
            return v;
    return "";
}

bool Args::Has(const std::string &name) const {
    for (const auto &[n, v] : flags)
        if (n == name)
            return true;
    return false;
}

int Usage(const std::string &problem) {
    std::cerr << "shopsync-device: " << problem << " (see shopsync-device help)\n";
    return 2;
}

std::string CommandUsage(const std::string &usage, const std::string &command) {
    std::string first = usage.substr(0, usage.find('\n') + 1), lines;
    size_t start = 0;
    while (start < usage.size()) {
        size_t end = usage.find('\n', start);
        std::string line =
            usage.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
        std::string key = "  " + command;
        if (line.rfind(key, 0) == 0 &&
            (line.size() == key.size() || line[key.size()] == ' ' || line[key.size()] == '\n'))
            lines += line;
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return lines.empty() ? "" : first + "\n" + lines;
}

bool Parse(int argc, char **argv, Args *args) {
    const char *env_db = std::getenv("SHOPSYNC_DB");
    args->db = env_db ? env_db : "shopsync-device.db";
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            args->help = true; // `--help` alone is `help`; after a command, that command's usage
            continue;
        }
        if (args->command.empty() && a == "--version") {
            args->version = true;
            continue;
        }
        if (args->command.empty()) {
            if (a == "--json") {
                args->json = true;
            } else if ((a == "--db" || a == "--option" || a == "--token-file") && i + 1 < argc) {
                std::string v = argv[++i];
                if (a == "--db") {
                    args->db = v;
                } else if (a == "--token-file") {
                    args->token_file = v;
                } else {
                    size_t eq = v.find('=');
                    if (eq == std::string::npos)
                        return Usage("--option takes NAME=VALUE") == 0;
                    args->options.emplace_back(v.substr(0, eq), v.substr(eq + 1));
                }
            } else if (a.rfind("--", 0) == 0) {
                return Usage("unknown option " + a) == 0;
            } else {
                args->command = a;
            }
        } else if (a == "--json") {
            args->json = true;
        } else if (kValueFlags.count(a)) {
            if (i + 1 >= argc)
                return Usage(a + " needs a value") == 0;
            args->flags.emplace_back(a, argv[++i]);
        } else if (kBareFlags.count(a)) {
            args->flags.emplace_back(a, "");
        } else {
            args->positional.push_back(a);
        }
    }
    return true;
}

std::string EntityName(const std::string &name) {
    if (name == "customer" || name == "customers")
        return "customers";
    if (name == "order" || name == "orders")
        return "orders";
    if (name == "item" || name == "items" || name == "order_item" || name == "order_items")
        return "order_items";
    if (name == "settings" || name == "shop_settings")
        return "shop_settings";
    return name;
}

bool LooksLikeUuid(const std::string &text) {
    if (text.size() != 36)
        return false;
    for (size_t i = 0; i < text.size(); i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? text[i] != '-' : !isxdigit((unsigned char)text[i]))
            return false;
    }
    return true;
}

// The built-in entities' numeric columns: FIELD=12.5 means the number there.
static bool NumericColumn(const std::string &entity, const std::string &column) {
    static const std::set<std::string> kNumeric = {
        "orders.subtotal",       "orders.discount",      "orders.tax",
        "orders.total",          "order_items.quantity", "order_items.unit_price",
        "shop_settings.tax_rate"};
    return kNumeric.count(entity + "." + column) > 0;
}

bool Fields(const std::string &entity, const std::vector<std::string> &positional, size_t first, json *out) {
    *out = json::object();
    for (size_t i = first; i < positional.size(); i++) {
        const std::string &f = positional[i];
        size_t eq = f.find('=');
        if (eq == std::string::npos || eq == 0) {
            Usage("\"" + f + "\" is not FIELD=VALUE or FIELD:=JSON");
            return false;
        }
        bool raw = f[eq - 1] == ':';
        std::string name = f.substr(0, raw ? eq - 1 : eq), value = f.substr(eq + 1);
        if (raw || NumericColumn(entity, name)) {
            json parsed = json::parse(value, nullptr, false);
            if (parsed.is_discarded() || (!raw && !parsed.is_number())) {
                Usage("the value of " + name + " is not " + (raw ? "JSON" : "a number") + ": " + value);
                return false;
            }
            (*out)[name] = parsed;
        } else {
            (*out)[name] = value;
        }
    }
    return true;
}

} // namespace shopsync_cli
