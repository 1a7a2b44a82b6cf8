// test/fuzz/rpc_args_fuzz.cpp — libFuzzer target: a /rpc/<fn> request's
// function name (first line) and JSON body (the rest) through the depth-limited
// parser and the RPC argument builder, whose SQL must only ever name api.<fn>
// with $n placeholders; then the error paths (UTF-8-safe dumps and cuts).
#include "rpc.hpp"
#include "text.hpp"

#include <cstdint>
#include <cstdlib>
#include <regex>

using namespace gateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string input(reinterpret_cast<const char *>(data), size);
    size_t newline = input.find('\n');
    std::string function = newline == std::string::npos ? "sync_pull" : input.substr(0, newline);
    std::string body = newline == std::string::npos ? input : input.substr(newline + 1);
    nlohmann::json args;
    if (!ParseJson(body, &args)) {
        ErrorJson("PGRST102", "invalid json " + CutUtf8(body, 64));
        return 0;
    }
    std::string sql, error;
    std::vector<std::optional<std::string>> params;
    if (!BuildRpcCall(function, args, &sql, &params, &error)) {
        ErrorJson("PGRST100", error); // must not throw on any bytes
        return 0;
    }
    // Only names matching [a-z_][a-z0-9_]* reach the SQL text.
    static const std::regex kSql(
        "^SELECT to_json\\(api\\.[a-z_][a-z0-9_]*\\("
        "([a-z_][a-z0-9_]* := \\$[0-9]+(, [a-z_][a-z0-9_]* := \\$[0-9]+)*)?\\)\\)::text$");
    if (!std::regex_match(sql, kSql))
        std::abort();
    for (const auto &p : params)
        if (p)
            nlohmann::json(*p).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return 0;
}
