// gateway/src/postgrest_errors.cpp — see postgrest_errors.hpp.
#include "postgrest_errors.hpp"

#include "rpc.hpp"
#include "text.hpp"

#include <algorithm>

namespace gateway {

// Edit distance, for the hint (PostgREST uses a fuzzy set; the nearest name is close enough).
static size_t Distance(const std::string &a, const std::string &b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); j++)
        row[j] = j;
    for (size_t i = 1; i <= a.size(); i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); j++) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

std::string NoFunctionError(const std::string &function, const std::vector<std::string> &args,
                            const std::vector<std::string> &known) {
    std::string name = "api." + CutUtf8(function, 64), list;
    for (const std::string &a : args)
        list += (list.empty() ? "" : ", ") + CutUtf8(a, 64);
    std::string message = "Could not find the function " + name +
                          (args.empty() ? " without parameters" : "(" + list + ")") + " in the schema cache";
    std::string details =
        "Searched for the function " + name +
        (args.empty() ? " without parameters"
                      : std::string(" with parameter") + (args.size() > 1 ? "s " : " ") + list) +
        " or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.";
    std::string best;
    size_t best_distance = std::string::npos;
    for (const std::string &k : known) {
        size_t d = Distance(function.substr(0, 64), k);
        if (d < best_distance) {
            best_distance = d;
            best = k;
        }
    }
    bool close = !best.empty() && best_distance <= std::max<size_t>(2, best.size() / 3);
    return ErrorJson("PGRST202", message, details,
                     close ? "Perhaps you meant to call the function api." + best : "");
}

std::string NoSingleParameterFunctionError(const std::string &function, const std::string &type) {
    std::string name = "api." + CutUtf8(function, 64);
    return ErrorJson("PGRST202", "Could not find the function " + name + " in the schema cache",
                     "Searched for the function " + name + " with a single unnamed " + type +
                         " parameter, but no matches were found in the schema cache.");
}

std::string InvalidSchemaError(const std::string &schema) {
    return ErrorJson("PGRST106", "Invalid schema: " + CutUtf8(schema, 64), "",
                     "Only the following schemas are exposed: api");
}

std::string ContentTypeError(const std::string &type) {
    return ErrorJson("PGRST102", "Content-Type not acceptable: " + CutUtf8(type, 100));
}

std::string ReadOnlyCallError(const std::string &function) {
    return ErrorJson("25006", "cannot execute api." + CutUtf8(function, 64) + " in a read-only transaction",
                     "", "It changes data: call it with POST.");
}

std::string RpcMethodError(const std::string &method) {
    return ErrorJson("PGRST101", "Cannot use the " + CutUtf8(method, 20) + " method on RPC");
}

} // namespace gateway
