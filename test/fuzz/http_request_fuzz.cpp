// test/fuzz/http_request_fuzz.cpp — libFuzzer target: bytes from the network
// through the HTTP request reader as the gateway configures it (Beast's
// parser, header and body limits), then route classification, bearer
// verification, query parsing and the answer of every route that needs no
// database. Nothing may crash, leak or throw out.
#include "bearer.hpp"
#include "context.hpp"
#include "routes.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

using namespace gateway;
namespace http = boost::beast::http;

static Context &SharedContext() {
    static Context *ctx = [] {
        Config c;
        c.database_url = "host=/nonexistent dbname=none connect_timeout=1";
        c.jwt_secret = "fuzz-secret-fuzz-secret-fuzz-secret-0001";
        c.pool_size = 1;
        return new Context(c);
    }();
    return *ctx;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Context &ctx = SharedContext();
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(ctx.config.max_body_bytes);
    parser.eager(true);
    // Fed in pieces, as a socket delivers them; bytes the parser did not take
    // are offered again with more, as Beast's own read loop does.
    size_t offset = 0, window = size / 2 + 1;
    while (!parser.is_done() && offset < size) {
        size_t end = std::min(size, offset + window);
        boost::beast::error_code ec;
        size_t used = parser.put(boost::asio::buffer(data + offset, end - offset), ec);
        offset += used;
        if (ec == http::error::need_more) {
            if (end == size)
                break;
            window *= 2;
            continue;
        }
        if (ec || used == 0)
            break;
    }
    if (!parser.is_header_done())
        return 0;
    Request req = parser.release();
    RouteKind kind = Classify(req);
    std::string target(req.target());
    QueryParam(target, "cursor");
    QueryParam(target, "access_token");
    Bearer bearer;
    Response refusal;
    VerifyBearer(ctx, req, kind == RouteKind::EventStream, &bearer, &refusal);
    if (kind == RouteKind::Inline) {
        std::string route;
        Response res = HandleRequest(ctx, req, "127.0.0.1", &route);
        if (res.result_int() == 500)
            std::abort(); // an inline route never fails: a 500 means something threw
    }
    return 0;
}
