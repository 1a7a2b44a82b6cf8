// bench/gateway/fanout_reader.cpp — the reading side of the event-stream
// benchmark, in C++ with epoll so the figures are the gateway's, not a
// Python loop's. Opens one /sync/events stream per token line (stdin of the
// file TOKENS), in batches of 500; then, driven by sse_bench.py on stdin:
//   "arm"      → forget arrivals, answer "armed"
//   "t0 <ns>"  → the commit's CLOCK_MONOTONIC time; wait until every stream
//                has a poke (10 s at most), answer "done <delivered> <ms of each>"
// Usage: fanout_reader PORT TOKENS_FILE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

static long NowNs() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        std::cerr << "usage: fanout_reader PORT TOKENS_FILE\n";
        return 2;
    }
    int port = std::atoi(argv[1]);
    std::vector<std::string> tokens;
    std::ifstream in(argv[2]);
    for (std::string line; std::getline(in, line);)
        if (!line.empty())
            tokens.push_back(line);
    size_t n = tokens.size();
    std::vector<int> fds(n, -1);
    std::vector<std::string> seen(n);
    std::vector<long> arrival(n, 0);
    std::vector<bool> open(n, false);
    int ep = epoll_create1(0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    char buf[65536];
    size_t opened = 0, refused = 0;
    epoll_event events[1024];
    for (size_t first = 0; first < n; first += 500) {
        size_t last = std::min(n, first + 500), pending = last - first;
        for (size_t i = first; i < last; i++) {
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            if (connect(fd, (sockaddr *)&addr, sizeof addr) != 0) {
                perror("connect");
                return 1;
            }
            std::string req =
                "GET /sync/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tokens[i] + "\r\n\r\n";
            send(fd, req.data(), req.size(), 0);
            fds[i] = fd;
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.u64 = i;
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
        long deadline = NowNs() + 60000000000L;
        while (pending > 0 && NowNs() < deadline) {
            int k = epoll_wait(ep, events, 1024, 1000);
            for (int e = 0; e < k; e++) {
                size_t i = events[e].data.u64;
                ssize_t got = recv(fds[i], buf, sizeof buf, MSG_DONTWAIT);
                if (got <= 0)
                    continue;
                if (!open[i] && seen[i].size() < 12) {
                    seen[i].append(buf, got);
                    if (seen[i].size() >= 12) {
                        open[i] = true;
                        pending--;
                        if (seen[i].compare(0, 12, "HTTP/1.1 200") == 0)
                            opened++;
                        else
                            refused++;
                    }
                }
            }
        }
    }
    printf("open %zu %zu\n", opened, refused);
    fflush(stdout);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = UINT64_MAX;
    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
    std::string command;
    long t0 = 0;
    bool measuring = false;
    size_t delivered = 0;
    long measure_deadline = 0;
    for (;;) {
        int k = epoll_wait(ep, events, 1024, 10);
        long now = NowNs();
        for (int e = 0; e < k; e++) {
            if (events[e].data.u64 == UINT64_MAX) {
                ssize_t got = read(0, buf, sizeof buf);
                if (got <= 0)
                    return 0;
                command.append(buf, got);
                size_t nl;
                while ((nl = command.find('\n')) != std::string::npos) {
                    std::string line = command.substr(0, nl);
                    command.erase(0, nl + 1);
                    if (line == "arm") {
                        std::fill(arrival.begin(), arrival.end(), 0);
                        for (auto &s : seen)
                            s.clear();
                        delivered = 0;
                        printf("armed\n");
                        fflush(stdout);
                    } else if (line.rfind("t0 ", 0) == 0) {
                        t0 = std::stol(line.substr(3));
                        measuring = true;
                        measure_deadline = now + 10000000000L;
                    }
                }
                continue;
            }
            size_t i = events[e].data.u64;
            ssize_t got = recv(fds[i], buf, sizeof buf, MSG_DONTWAIT);
            if (got <= 0 || arrival[i] != 0)
                continue;
            seen[i].append(buf, got);
            if (seen[i].find("event: poke") != std::string::npos) {
                arrival[i] = now;
                delivered++;
            }
        }
        if (measuring && (delivered == opened || now > measure_deadline)) {
            measuring = false;
            printf("done %zu", delivered);
            for (size_t i = 0; i < n; i++)
                if (arrival[i] != 0)
                    printf(" %.3f", (arrival[i] - t0) / 1e6);
            printf("\n");
            fflush(stdout);
        }
    }
}
