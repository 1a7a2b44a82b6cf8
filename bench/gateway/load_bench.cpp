// bench/gateway/load_bench.cpp — the same workload through the gateway (HTTP)
// and over direct libpq, for the gateway/direct ratio. One client code for
// both sides: the same bodies, threads (one per connection) and latency
// accounting, so the ratio measures the path, not the client. The two sides
// alternate in rounds (gateway, direct, gateway, …) so load that other
// processes put on the machine falls on both alike.
// The direct side is the best a client of libpq alone can do, and what the
// gateway does: BEGIN, the caller's settings, the call and COMMIT sent as one
// pipeline (one round trip). The ratio is then the gateway's own cost.
// Usage: load_bench push|pull PORT CONNECTIONS ROUNDS SECONDS MEMBERS_FILE
//   MEMBERS_FILE: lines "user shop token"; connection c acts as line c mod n.
// Prints {"gateway": {...}, "direct": {...}}: requests/s, p50, p99 (ms).
#include "../../test/cpp/pg_session.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

using namespace shopsync_test;
using Clock = std::chrono::steady_clock;

struct Member {
    std::string user, shop, token;
};

// Fresh keys and ids in every request of every run: a repeated key is a
// replay (much cheaper than a push), which would flatter either side.
static std::string PushBody(std::mt19937_64 &rng, const char *device) {
    std::string body = std::string("{\"device_id\":\"") + device + "\",\"events\":[";
    for (int i = 0; i < 100; i++)
        body += std::string(i ? "," : "") + "{\"idempotency_key\":\"" + RandomUuid(rng) +
                "\",\"entity\":\"customers\",\"entity_id\":\"" + RandomUuid(rng) +
                "\",\"op\":\"create\",\"base_version\":0,\"payload\":{\"name\":\"Bench " + std::to_string(i) +
                "\"}}";
    return body + "]}";
}

// One api call as user of shop, pipelined as the gateway sends it; throws on
// failure.
static void DirectCall(PGconn *conn, const Member &m, const std::string &sql, const std::string &param) {
    std::string claims =
        "{\"sub\":\"" + m.user + "\",\"shop_id\":\"" + m.shop + "\",\"role\":\"authenticated\"}";
    const char *settings[] = {"authenticated", claims.c_str(), "5000"};
    const char *values[] = {param.c_str()};
    bool sent =
        PQenterPipelineMode(conn) == 1 &&
        PQsendQueryParams(conn, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) &&
        PQsendQueryParams(conn,
                          "SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true),"
                          " set_config('statement_timeout', $3, true)",
                          3, nullptr, settings, nullptr, nullptr, 0) &&
        PQsendQueryParams(conn, sql.c_str(), 1, nullptr, values, nullptr, nullptr, 0) &&
        PQsendQueryParams(conn, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) && PQpipelineSync(conn);
    bool ok = sent;
    for (int statement = 0; sent && statement < 4; statement++) {
        PGresult *res = PQgetResult(conn);
        ExecStatusType status = PQresultStatus(res);
        ok = ok && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK);
        PQclear(res);
        while (PGresult *rest = PQgetResult(conn))
            PQclear(rest);
    }
    while (PQexitPipelineMode(conn) != 1)
        PQclear(PQgetResult(conn));
    if (!ok)
        throw std::runtime_error(std::string("direct call failed: ") + PQerrorMessage(conn));
}

// One keep-alive HTTP/1.1 connection to the gateway, blocking, TCP_NODELAY.
class HttpClient {
  public:
    explicit HttpClient(int port) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
        if (connect(fd_, (sockaddr *)&addr, sizeof addr) != 0)
            throw std::runtime_error("connect to the gateway failed");
    }
    ~HttpClient() { close(fd_); }
    // Sends one request, reads the whole answer; returns its status.
    int Request(const std::string &method, const std::string &target, const std::string &token,
                const std::string &body) {
        std::string req =
            method + " " + target + " HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + token + "\r\n";
        if (!body.empty())
            req +=
                "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
        req += "\r\n" + body;
        for (size_t sent = 0; sent < req.size();) {
            ssize_t n = send(fd_, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
            if (n <= 0)
                throw std::runtime_error("send failed");
            sent += n;
        }
        size_t header_end;
        while ((header_end = in_.find("\r\n\r\n")) == std::string::npos)
            Fill();
        int status = std::atoi(in_.c_str() + 9);
        std::string head = in_.substr(0, header_end);
        std::transform(head.begin(), head.end(), head.begin(), ::tolower);
        size_t cl = head.find("content-length:");
        size_t length = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 15));
        while (in_.size() < header_end + 4 + length)
            Fill();
        in_.erase(0, header_end + 4 + length);
        return status;
    }

  private:
    void Fill() {
        char buf[65536];
        ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n <= 0)
            throw std::runtime_error("the gateway closed the connection");
        in_.append(buf, n);
    }
    int fd_;
    std::string in_;
};

struct Side {
    std::vector<double> latencies;
    double seconds = 0;
    long failures = 0;
};

// Connections live for the whole run, like the gateway's pool: a fresh
// backend per round would run its first calls with cold caches.
struct Connections {
    std::vector<std::unique_ptr<HttpClient>> http;
    std::vector<PGconn *> db;
    ~Connections() {
        for (PGconn *c : db)
            PQfinish(c);
    }
};

// One round of one side: every connection loops for `seconds`.
static void RunRound(bool gateway, const std::string &mode, Connections &conns, int seconds,
                     const std::vector<Member> &members, Side *side) {
    int connections = (int)conns.db.size();
    std::vector<std::vector<double>> latencies(connections);
    std::vector<long> failures(connections, 0);
    auto start = Clock::now(), stop = start + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; c++)
        threads.emplace_back([&, c] {
            std::mt19937_64 rng(std::random_device{}() ^ ((uint64_t)c << 32));
            const Member &m = members[c % members.size()];
            do {
                std::string body = mode == "push" ? PushBody(rng, gateway ? "gateway" : "direct") : "";
                auto t0 = Clock::now();
                bool ok = true;
                if (gateway) {
                    int status =
                        mode == "push"
                            ? conns.http[c]->Request("POST", "/sync/push", m.token, body)
                            : conns.http[c]->Request("GET", "/sync/pull?cursor=0&limit=100", m.token, "");
                    ok = status == 200;
                } else if (mode == "push") {
                    DirectCall(conns.db[c], m, "SELECT api.sync_push($1::jsonb)::text", body);
                } else {
                    DirectCall(conns.db[c], m, "SELECT api.sync_pull($1::bigint, 100)::text", "0");
                }
                if (!ok)
                    failures[c]++;
                latencies[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            } while (Clock::now() < stop);
        });
    for (auto &t : threads)
        t.join();
    side->seconds += std::chrono::duration<double>(Clock::now() - start).count();
    for (int c = 0; c < connections; c++) {
        side->latencies.insert(side->latencies.end(), latencies[c].begin(), latencies[c].end());
        side->failures += failures[c];
    }
}

static std::string Summary(Side &s) {
    std::sort(s.latencies.begin(), s.latencies.end());
    size_t n = s.latencies.size();
    char out[256];
    snprintf(out, sizeof out,
             "{\"requests_per_s\": %.1f, \"p50_ms\": %.2f, \"p99_ms\": %.2f, \"requests\": %zu, "
             "\"failures\": %ld}",
             n / s.seconds, n ? s.latencies[n / 2] : 0.0, n ? s.latencies[n * 99 / 100] : 0.0, n, s.failures);
    return out;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: load_bench push|pull PORT CONNECTIONS ROUNDS SECONDS MEMBERS_FILE\n");
        return 2;
    }
    std::string mode = argv[1];
    int port = atoi(argv[2]), connections = atoi(argv[3]), rounds = atoi(argv[4]), seconds = atoi(argv[5]);
    std::vector<Member> members;
    std::ifstream in(argv[6]);
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        Member m;
        if (words >> m.user >> m.shop >> m.token)
            members.push_back(m);
    }
    if (members.empty()) {
        fprintf(stderr, "load_bench: no members in %s\n", argv[6]);
        return 2;
    }
    Connections conns;
    for (int c = 0; c < connections; c++) {
        conns.http.push_back(std::make_unique<HttpClient>(port));
        conns.db.push_back(PQconnectdb(""));
        if (PQstatus(conns.db.back()) != CONNECTION_OK) {
            fprintf(stderr, "load_bench: %s", PQerrorMessage(conns.db.back()));
            return 1;
        }
    }
    Side gateway, direct, warm_up;
    RunRound(true, mode, conns, 0, members, &warm_up); // one call per connection, not counted
    RunRound(false, mode, conns, 0, members, &warm_up);
    for (int r = 0; r < rounds; r++) {
        RunRound(true, mode, conns, seconds, members, &gateway);
        RunRound(false, mode, conns, seconds, members, &direct);
    }
    printf("{\"gateway\": %s, \"direct\": %s}\n", Summary(gateway).c_str(), Summary(direct).c_str());
    return gateway.failures > 0 ? 1 : 0;
}
