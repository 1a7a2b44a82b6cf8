// client/cli/cli.hpp — shopsync-device's argument parsing (args.cpp) and its
// output for people (output.cpp); main.cpp runs the commands.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace shopsync_cli {

struct Args {
    std::string db;
    bool json = false;
    std::vector<std::pair<std::string, std::string>> options; // --option NAME=VALUE
    std::string token_file; // --token-file before the command: a token source
    std::string command;
    bool help = false;    // --help or -h anywhere
    bool version = false; // --version before the command
    std::vector<std::string> positional;
    std::vector<std::pair<std::string, std::string>> flags; // after the command: --shop ID, --all …

    std::string Flag(const std::string &name) const;
    bool Has(const std::string &name) const;
};

bool Parse(int argc, char **argv, Args *args);
int Usage(const std::string &problem); // prints, returns exit code 2

// The lines of `usage` that document `command` (those starting "  command"),
// with the usage's first line; empty when the usage does not list it.
std::string CommandUsage(const std::string &usage, const std::string &command);

// "customer" → "customers", "item" → "order_items", …; unknown names pass through.
std::string EntityName(const std::string &name);
bool LooksLikeUuid(const std::string &text);

// FIELD=VALUE (text; a number for the built-in entities' numeric columns) and
// FIELD:=JSON, from positional[first] on, into an object. False after printing why.
bool Fields(const std::string &entity, const std::vector<std::string> &positional, size_t first,
            nlohmann::json *out);

// Prints `value` as one JSON line, or `text` for people; returns 0.
int Print(bool json, const nlohmann::json &value, const std::string &text);
std::string Table(const std::string &entity, const nlohmann::json &rows);
std::string SyncLine(const nlohmann::json &report);
std::string StatusText(const nlohmann::json &status);
std::string ConflictText(const nlohmann::json &conflicts);
std::string FailedText(const nlohmann::json &failures);
std::string LegacyText(const nlohmann::json &report);
// The parity report as a table: KIND ENTITY KEY FIELD LEGACY SERVER, then a summary line.
std::string ParityText(const nlohmann::json &report);

} // namespace shopsync_cli
