// client/cli/main.cpp — shopsync-device: a thin command line over the C API
// (include/shopsync/shopsync.h). It is what make demo and the end-to-end tests
// drive, and what a person uses to look inside a device's database.
#include "shopsync/shopsync.h"

#include "cli.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <sys/stat.h>
#include <termios.h>
#include <thread>
#include <unistd.h>
#include <vector>

using json = nlohmann::json;
using shopsync_cli::Args;

namespace {

const char *kUsage =
    R"(usage: shopsync-device [--db PATH] [--json] [--option NAME=VALUE]... [--token-file PATH] COMMAND [ARGS]
       shopsync-device --help | --version

  init --server URL [--device-id ID] [--profile gateway|postgrest] [--rpc-prefix PATH] [--apikey KEY]
  login EMAIL [--shop ID]      sign in; the password comes from $SHOPSYNC_PASSWORD or stdin
  use-token [--token-file PATH] [--refresh-token-file PATH]   sign in with a token issued elsewhere
  logout
  add ENTITY FIELD=VALUE...    create a row (FIELD:=JSON for a raw JSON value)
  edit ENTITY REF FIELD=VALUE... [--override]   (--override: an owner's exception, e.g. a status moved back)
  delete ENTITY REF
  get ENTITY REF
  group JSON                   several writes as one group: [{"op","entity","id","row"},…]
  list ENTITY [--all] [FIELD=VALUE...]
  sync                         push the outbox and pull, once
  status
  conflicts [dismiss ID]
  failed                       writes the server refused: reason, your attempt, the server's row
  failed retry ID [FIELD=VALUE...] [--override]   send it again (edited first; --override: owners)
  failed discard ID            drop it: the row becomes the server's again
  forget-shop                  after losing access: drop the shop's rows and refused writes, sign out
  watch [--for SECONDS]        background sync with server pokes until Ctrl-C
  migrate-legacy PATH          import the app's former shop.db (integer ids)
  parity legacy PATH           compare the former shop.db with the server row by row
                               (by display code); exit status 1 when anything differs
  export [--csv] [--out PATH]  owners: the shop's data from the server, audited; JSON to
                               PATH (or stdout), or --csv: one ENTITY.csv per entity into
                               directory PATH (default .)
  device-id

init sets the server (stored in the database). --profile gateway (default) talks to
shopsync-gateway; postgrest to PostgREST or Supabase: POST <server><prefix>/rpc/<fn>,
where --rpc-prefix is /rest/v1 (Supabase) unless given ('' for PostgREST itself), no
event stream (the device polls: --option poll_min=5 poll_max=10). --apikey, or
$SHOPSYNC_APIKEY, is Supabase's anon key, sent as the apikey header.
Tokens never go on the command line (other users see it in ps): use-token stores
the access token of $SHOPSYNC_TOKEN or --token-file (a JWT from Supabase Auth or
the app's sign-in) and the refresh token of $SHOPSYNC_REFRESH_TOKEN or
--refresh-token-file, if any. --token-file PATH before the command makes the file
the device's token source: read again whenever a token is needed or the server
refused one, so another program can keep it fresh.

ENTITY: customer, order, item (order_items) or settings. REF: a row's uuid, or
the customer_code / order_code of a customer or order. The database is
$SHOPSYNC_DB or ./shopsync-device.db unless --db is given.
)";

volatile std::sig_atomic_t g_interrupted = 0;

bool WriteFile(const std::string &path, const std::string &text) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) {
        std::cerr << "shopsync-device: cannot write " << path << "\n";
        return false;
    }
    return true;
}

class Device {
  public:
    Device(shopsync_client *h, bool json_out) : h_(h), json_(json_out) {}

    // Prints the failure and gives the process's exit code.
    int Fail(int rc) {
        std::string message = shopsync_errmsg(h_);
        if (json_)
            std::cout << json{{"error", message}, {"code", rc}}.dump() << "\n";
        std::cerr << "shopsync-device: " << message << "\n";
        return 1;
    }

    // Calls `fn(&out)` and hands back what it returned: JSON text, or (for ids)
    // plain text as a JSON string.
    template <class Fn> int Json(Fn fn, json *result) {
        char *out = nullptr;
        int rc = fn(&out);
        if (rc != SHOPSYNC_OK) {
            shopsync_free(out);
            return rc;
        }
        *result = out == nullptr ? json() : json::parse(out, nullptr, false);
        if (result->is_discarded())
            *result = std::string(out);
        shopsync_free(out);
        return SHOPSYNC_OK;
    }

    shopsync_client *h_;
    bool json_;
};

// An export's answer: JSON to a file or stdout, or one ENTITY.csv per entity
// into a directory. Prints what was written (one JSON line with --json).
int WriteExport(Device &d, const json &answer, bool csv, const std::string &out) {
    json written = json::array();
    if (!csv) {
        std::string text = answer.dump(2) + "\n";
        if (out.empty() || out == "-") {
            std::cout << text;
            return 0;
        }
        if (!WriteFile(out, text))
            return 1;
        written.push_back(out);
    } else {
        std::string dir = out.empty() ? "." : out;
        if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
            std::cerr << "shopsync-device: cannot create " << dir << "\n";
            return 1;
        }
        const json files = answer.value("files", json::object()); // a named copy: items() keeps a reference
        for (const auto &[name, text] : files.items()) {
            if (name.find('/') != std::string::npos || !text.is_string())
                continue; // entity names only; never a path from the server
            if (!WriteFile(dir + "/" + name, text.get<std::string>()))
                return 1;
            written.push_back(dir + "/" + name);
        }
    }
    std::string counts;
    const json counted = answer.value("counts", json::object()); // a named copy: items() keeps a reference
    for (const auto &[entity, n] : counted.items())
        counts += (counts.empty() ? "" : ", ") + std::to_string(n.get<long long>()) + " " + entity;
    return shopsync_cli::Print(d.json_,
                               {{"written", written}, {"counts", answer.value("counts", json::object())}},
                               "exported " + counts + " to " + (csv ? (out.empty() ? "." : out) : out));
}

std::string ReadPassword() {
    if (const char *env = std::getenv("SHOPSYNC_PASSWORD"))
        return env;
    termios saved{};
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (tty) {
        std::cerr << "password: ";
        termios quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string password;
    std::getline(std::cin, password);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::cerr << "\n";
    }
    return password;
}

// A token from the environment variable, or the file when one is named (its
// first line, trimmed). False after saying why the file could not be read.
bool TokenFrom(const char *env, const std::string &file, std::string *token) {
    if (file.empty()) {
        const char *value = std::getenv(env);
        *token = value ? value : "";
        return true;
    }
    std::ifstream in(file);
    if (!in) {
        shopsync_cli::Usage("cannot read " + file);
        return false;
    }
    std::getline(in, *token);
    while (!token->empty() && std::isspace((unsigned char)token->back()))
        token->pop_back();
    return true;
}

// --token-file before the command: the device's token source reads the file
// whenever the library asks (a token is needed, or the server refused one).
int TokenFileSource(void *context, int, shopsync_token_reply *reply) {
    std::string token;
    if (!TokenFrom("", *static_cast<const std::string *>(context), &token) || token.empty())
        return SHOPSYNC_AUTH;
    return shopsync_token_reply_set(reply, token.c_str(), 0);
}

// A row's uuid, from a uuid or a display code.
int Resolve(Device &d, const std::string &entity, const std::string &ref, std::string *id) {
    std::string code_column = entity == "customers" ? "customer_code"
                              : entity == "orders"  ? "order_code"
                                                    : "";
    if (code_column.empty() || shopsync_cli::LooksLikeUuid(ref)) {
        *id = ref;
        return SHOPSYNC_OK;
    }
    json filter{{"where", {{code_column, ref}}}, {"include_deleted", true}};
    json rows;
    int rc = d.Json(
        [&](char **out) { return shopsync_query(d.h_, entity.c_str(), filter.dump().c_str(), out); }, &rows);
    if (rc != SHOPSYNC_OK)
        return rc;
    if (rows.empty()) { // let the library say "no row"
        *id = ref;
        return SHOPSYNC_OK;
    }
    for (const auto &row : rows) // a live row wins over a tombstone with the same code
        if (row["deleted_at"].is_null()) {
            *id = row["id"];
            return SHOPSYNC_OK;
        }
    *id = rows[0]["id"];
    return SHOPSYNC_OK;
}

// customer_id / order_id given as a display code become the row's uuid.
int ResolveReferences(Device &d, json *fields) {
    for (const auto &[column, entity] :
         {std::pair<const char *, const char *>{"customer_id", "customers"}, {"order_id", "orders"}}) {
        if (!fields->contains(column) || !(*fields)[column].is_string())
            continue;
        std::string id;
        int rc = Resolve(d, entity, (*fields)[column].get<std::string>(), &id);
        if (rc != SHOPSYNC_OK)
            return rc;
        (*fields)[column] = id;
    }
    return SHOPSYNC_OK;
}

void OnChange(void *, const char *source, const char *entity) {
    std::printf("%s\t%s changed\n", source, entity);
    std::fflush(stdout);
}

int Run(Device &d, Args &args) {
    const std::string cmd = args.command;
    json result;
    int rc = SHOPSYNC_OK;
    if (cmd == "init") {
        std::string server = args.Flag("--server");
        if (server.empty())
            return shopsync_cli::Usage("init needs --server URL");
        if ((rc = shopsync_set_server(d.h_, server.c_str())) != SHOPSYNC_OK)
            return d.Fail(rc);
        std::string profile = args.Has("--profile") ? args.Flag("--profile") : "gateway";
        std::string prefix = args.Flag("--rpc-prefix");
        if ((rc = shopsync_set_profile(d.h_, profile.c_str(),
                                       args.Has("--rpc-prefix") ? prefix.c_str() : nullptr)) != SHOPSYNC_OK)
            return d.Fail(rc);
        const char *env_key = std::getenv("SHOPSYNC_APIKEY");
        std::string apikey = args.Has("--apikey") ? args.Flag("--apikey") : env_key ? env_key : "";
        if ((rc = shopsync_set_apikey(d.h_, apikey.c_str())) != SHOPSYNC_OK)
            return d.Fail(rc);
        std::string device_id = args.Flag("--device-id");
        if (!device_id.empty() && (rc = shopsync_set_device_id(d.h_, device_id.c_str())) != SHOPSYNC_OK)
            return d.Fail(rc);
        if ((rc = d.Json([&](char **out) { return shopsync_device_id(d.h_, out); }, &result)) != SHOPSYNC_OK)
            return d.Fail(rc);
        return shopsync_cli::Print(d.json_, {{"server", server}, {"profile", profile}, {"device_id", result}},
                                   "device " + result.get<std::string>() + " syncs with " + server + " (" +
                                       profile + ")");
    }
    if (cmd == "device-id") {
        if ((rc = d.Json([&](char **out) { return shopsync_device_id(d.h_, out); }, &result)) != SHOPSYNC_OK)
            return d.Fail(rc);
        return shopsync_cli::Print(d.json_, {{"device_id", result}}, result.get<std::string>());
    }
    if (cmd == "login") {
        if (args.positional.size() != 1)
            return shopsync_cli::Usage("login EMAIL");
        std::string shop = args.Flag("--shop"), password = ReadPassword();
        rc = shopsync_login(d.h_, args.positional[0].c_str(), password.c_str(),
                            shop.empty() ? nullptr : shop.c_str());
        if (rc != SHOPSYNC_OK)
            return d.Fail(rc);
        d.Json([&](char **out) { return shopsync_status(d.h_, out); }, &result);
        return shopsync_cli::Print(
            d.json_, {{"user", result["user"]}, {"shop_id", result["shop_id"]}, {"role", result["role"]}},
            "signed in as " + args.positional[0] + " (" + result.value("role", "?") + ")");
    }
    if (cmd == "use-token") {
        std::string access, refresh;
        std::string file = args.Has("--token-file") ? args.Flag("--token-file") : args.token_file;
        if (!TokenFrom("SHOPSYNC_TOKEN", file, &access) || access.empty())
            return shopsync_cli::Usage("use-token needs $SHOPSYNC_TOKEN or --token-file PATH");
        if (!TokenFrom("SHOPSYNC_REFRESH_TOKEN", args.Flag("--refresh-token-file"), &refresh))
            return 2;
        if ((rc = shopsync_set_tokens(d.h_, access.c_str(), refresh.empty() ? nullptr : refresh.c_str(),
                                      0)) != SHOPSYNC_OK)
            return d.Fail(rc);
        d.Json([&](char **out) { return shopsync_status(d.h_, out); }, &result);
        return shopsync_cli::Print(
            d.json_, {{"user", result["user"]}, {"shop_id", result["shop_id"]}, {"signed_in", true}},
            "signed in with the given token (shop " + result.value("shop_id", "none") + ")");
    }
    if (cmd == "logout") {
        if ((rc = shopsync_logout(d.h_)) != SHOPSYNC_OK)
            return d.Fail(rc);
        return shopsync_cli::Print(d.json_, {{"signed_in", false}}, "signed out");
    }
    if (cmd == "add" || cmd == "edit" || cmd == "delete" || cmd == "get") {
        size_t needed = cmd == "add" ? 1 : 2;
        if (args.positional.size() < needed)
            return shopsync_cli::Usage(cmd + " needs ENTITY" + (needed == 2 ? " REF" : ""));
        std::string entity = shopsync_cli::EntityName(args.positional[0]);
        if (cmd == "add") {
            json row;
            if (!shopsync_cli::Fields(entity, args.positional, 1, &row))
                return 2;
            if (row.empty())
                return shopsync_cli::Usage("add " + args.positional[0] + " needs at least one FIELD=VALUE");
            if ((rc = ResolveReferences(d, &row)) != SHOPSYNC_OK)
                return d.Fail(rc);
            rc = d.Json(
                [&](char **out) { return shopsync_create(d.h_, entity.c_str(), row.dump().c_str(), out); },
                &result);
            if (rc != SHOPSYNC_OK)
                return d.Fail(rc);
            return shopsync_cli::Print(d.json_, {{"entity", entity}, {"id", result}},
                                       "created " + entity + " " + result.get<std::string>());
        }
        std::string id;
        if ((rc = Resolve(d, entity, args.positional[1], &id)) != SHOPSYNC_OK)
            return d.Fail(rc);
        if (cmd == "edit") {
            json change;
            if (!shopsync_cli::Fields(entity, args.positional, 2, &change))
                return 2;
            if ((rc = ResolveReferences(d, &change)) != SHOPSYNC_OK)
                return d.Fail(rc);
            int flags = args.Has("--override") ? SHOPSYNC_WRITE_OVERRIDE : 0;
            if ((rc = shopsync_update_flags(d.h_, entity.c_str(), id.c_str(), change.dump().c_str(),
                                            flags)) != SHOPSYNC_OK)
                return d.Fail(rc);
            return shopsync_cli::Print(d.json_, {{"entity", entity}, {"id", id}},
                                       "updated " + entity + " " + id);
        }
        if (cmd == "delete") {
            if ((rc = shopsync_delete(d.h_, entity.c_str(), id.c_str())) != SHOPSYNC_OK)
                return d.Fail(rc);
            return shopsync_cli::Print(d.json_, {{"entity", entity}, {"id", id}},
                                       "deleted " + entity + " " + id);
        }
        rc = d.Json([&](char **out) { return shopsync_get(d.h_, entity.c_str(), id.c_str(), out); }, &result);
        if (rc != SHOPSYNC_OK)
            return d.Fail(rc);
        return shopsync_cli::Print(d.json_, result, result.dump(2));
    }
    if (cmd == "group") {
        if (args.positional.size() != 1)
            return shopsync_cli::Usage("group JSON (an array of {\"op\",\"entity\",\"id\",\"row\"})");
        rc = d.Json([&](char **out) { return shopsync_write_group(d.h_, args.positional[0].c_str(), out); },
                    &result);
        if (rc != SHOPSYNC_OK)
            return d.Fail(rc);
        return shopsync_cli::Print(d.json_, {{"ids", result}},
                                   "wrote a group of " + std::to_string(result.size()));
    }
    if (cmd == "list") {
        if (args.positional.empty())
            return shopsync_cli::Usage("list ENTITY");
        std::string entity = shopsync_cli::EntityName(args.positional[0]);
        json where;
        if (!shopsync_cli::Fields(entity, args.positional, 1, &where))
            return 2;
        json filter{{"where", where}, {"include_deleted", args.Has("--all")}, {"limit", 100000}};
        rc = d.Json(
            [&](char **out) { return shopsync_query(d.h_, entity.c_str(), filter.dump().c_str(), out); },
            &result);
        if (rc != SHOPSYNC_OK)
            return d.Fail(rc);
        return shopsync_cli::Print(d.json_, result, shopsync_cli::Table(entity, result));
    }
    if (cmd == "sync") {
        char *out = nullptr; // the report comes back even when the round fails
        rc = shopsync_sync_now(d.h_, &out);
        result = out ? json::parse(out) : json{{"ok", false}, {"error", shopsync_errmsg(d.h_)}};
        shopsync_free(out);
        result["code"] = rc;
        shopsync_cli::Print(d.json_, result, shopsync_cli::SyncLine(result));
        return rc == SHOPSYNC_OK ? 0 : 1;
    }
    if (cmd == "status") {
        if ((rc = d.Json([&](char **out) { return shopsync_status(d.h_, out); }, &result)) != SHOPSYNC_OK)
            return d.Fail(rc);
        return shopsync_cli::Print(d.json_, result, shopsync_cli::StatusText(result));
    }
    if (cmd == "conflicts") {
        if (!args.positional.empty() && args.positional[0] == "dismiss") {
            if (args.positional.size() != 2)
                return shopsync_cli::Usage("conflicts dismiss ID");
            if ((rc = shopsync_dismiss_conflict(d.h_, std::atoll(args.positional[1].c_str()))) != SHOPSYNC_OK)
                return d.Fail(rc);
            return shopsync_cli::Print(d.json_, {{"dismissed", std::atoll(args.positional[1].c_str())}},
                                       "dismissed");
        }
        if ((rc = d.Json([&](char **out) { return shopsync_conflicts(d.h_, out); }, &result)) != SHOPSYNC_OK)
            return d.Fail(rc);
        return shopsync_cli::Print(d.json_, result, shopsync_cli::ConflictText(result));
    }
    if (cmd == "failed") {
        if (args.positional.empty()) {
            if ((rc = d.Json([&](char **out) { return shopsync_failed_writes(d.h_, out); }, &result)) !=
                SHOPSYNC_OK)
                return d.Fail(rc);
            return shopsync_cli::Print(d.json_, result, shopsync_cli::FailedText(result));
        }
        const std::string action = args.positional[0];
        if ((action != "retry" && action != "discard") || args.positional.size() < 2 ||
            (action == "discard" && args.positional.size() != 2))
            return shopsync_cli::Usage("failed [retry ID [FIELD=VALUE...] [--override] | discard ID]");
        long long id = std::atoll(args.positional[1].c_str());
        if (action == "discard") {
            if ((rc = shopsync_discard_failed(d.h_, id)) != SHOPSYNC_OK)
                return d.Fail(rc);
            return shopsync_cli::Print(d.json_, {{"discarded", id}},
                                       "discarded; the row is the server's again");
        }
        json failures, changes = json::object();
        if ((rc = d.Json([&](char **out) { return shopsync_failed_writes(d.h_, out); }, &failures)) !=
            SHOPSYNC_OK)
            return d.Fail(rc);
        std::string entity;
        for (const auto &f : failures)
            if (f["id"] == id)
                entity = f["entity"];
        if (!shopsync_cli::Fields(entity, args.positional, 2, &changes))
            return 2;
        if ((rc = ResolveReferences(d, &changes)) != SHOPSYNC_OK)
            return d.Fail(rc);
        int flags = args.Has("--override") ? SHOPSYNC_WRITE_OVERRIDE : 0;
        std::string text = changes.dump();
        if ((rc = shopsync_retry_failed(d.h_, id, changes.empty() ? nullptr : text.c_str(), flags)) !=
            SHOPSYNC_OK)
            return d.Fail(rc);
        return shopsync_cli::Print(d.json_, {{"retried", id}}, "queued again; run sync");
    }
    if (cmd == "forget-shop") {
        if ((rc = shopsync_forget_shop(d.h_)) != SHOPSYNC_OK)
            return d.Fail(rc);
        return shopsync_cli::Print(d.json_, {{"forgotten", true}},
                                   "forgot this device's shop data; signed out");
    }
    if (cmd == "watch") {
        double seconds = args.Has("--for") ? std::atof(args.Flag("--for").c_str()) : 0;
        std::signal(SIGINT, [](int) { g_interrupted = 1; });
        std::signal(SIGTERM, [](int) { g_interrupted = 1; });
        shopsync_on_change(d.h_, OnChange, nullptr);
        if ((rc = shopsync_start(d.h_)) != SHOPSYNC_OK)
            return d.Fail(rc);
        std::fprintf(stderr, "watching (Ctrl-C stops)\n");
        auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (!g_interrupted && (seconds <= 0 || std::chrono::steady_clock::now() < until))
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        shopsync_stop(d.h_);
        shopsync_on_change(d.h_, nullptr, nullptr);
        return 0;
    }
    if (cmd == "migrate-legacy") {
        if (args.positional.size() != 1)
            return shopsync_cli::Usage("migrate-legacy PATH");
        rc =
            d.Json([&](char **out) { return shopsync_migrate_legacy(d.h_, args.positional[0].c_str(), out); },
                   &result);
        if (rc != SHOPSYNC_OK)
            return d.Fail(rc);
        return shopsync_cli::Print(d.json_, result, shopsync_cli::LegacyText(result));
    }
    if (cmd == "parity") {
        if (args.positional.size() != 2 || args.positional[0] != "legacy")
            return shopsync_cli::Usage("parity legacy PATH");
        rc = d.Json([&](char **out) { return shopsync_parity_legacy(d.h_, args.positional[1].c_str(), out); },
                    &result);
        if (rc != SHOPSYNC_OK)
            return d.Fail(rc);
        shopsync_cli::Print(d.json_, result, shopsync_cli::ParityText(result));
        return result.value("equal", false) ? 0 : 1;
    }
    if (cmd == "export") {
        if (!args.positional.empty())
            return shopsync_cli::Usage("export [--csv] [--out PATH]");
        bool csv = args.Has("--csv");
        rc = d.Json([&](char **out) { return shopsync_export(d.h_, csv ? "csv" : "json", out); }, &result);
        if (rc != SHOPSYNC_OK)
            return d.Fail(rc);
        return WriteExport(d, result, csv, args.Flag("--out"));
    }
    return shopsync_cli::Usage("unknown command \"" + cmd + "\"");
}

} // namespace

int main(int argc, char **argv) {
    Args args;
    if (!shopsync_cli::Parse(argc, argv, &args)) {
        std::cerr << kUsage;
        return 2;
    }
    if (args.version) {
        std::cout << "shopsync-device " << shopsync_libversion() << "\n";
        return 0;
    }
    if (args.help && !args.command.empty() && args.command != "help") {
        std::string usage = shopsync_cli::CommandUsage(kUsage, args.command);
        if (usage.empty())
            return shopsync_cli::Usage("unknown command \"" + args.command + "\"");
        std::cout << usage;
        return 0;
    }
    if (args.command.empty() || args.command == "help") {
        std::cout << kUsage;
        return args.command.empty() && !args.help ? 2 : 0;
    }
    shopsync_client *h = nullptr;
    int rc = shopsync_open(args.db.c_str(), &h);
    Device device(h, args.json);
    if (rc != SHOPSYNC_OK) {
        int code = device.Fail(rc);
        shopsync_close(h);
        return code;
    }
    for (const auto &[name, value] : args.options)
        if ((rc = shopsync_set_option(h, name.c_str(), value.c_str())) != SHOPSYNC_OK) {
            int code = device.Fail(rc);
            shopsync_close(h);
            return code;
        }
    if (!args.token_file.empty() &&
        (rc = shopsync_set_token_source(h, TokenFileSource, &args.token_file)) != SHOPSYNC_OK) {
        int code = device.Fail(rc);
        shopsync_close(h);
        return code;
    }
    int code = Run(device, args);
    shopsync_close(h);
    return code;
}
