// gateway/src/static_files.cpp — see static_files.hpp.
#include "static_files.hpp"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace gateway {

namespace http = boost::beast::http;

static int HexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Percent-decoding; false for a bad escape.
static bool Decode(const std::string &in, std::string *out) {
    out->clear();
    for (size_t i = 0; i < in.size(); i++) {
        if (in[i] != '%') {
            out->push_back(in[i]);
            continue;
        }
        if (i + 2 >= in.size() || HexValue(in[i + 1]) < 0 || HexValue(in[i + 2]) < 0)
            return false;
        out->push_back((char)(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
        i += 2;
    }
    return true;
}

static bool IsRegularFile(const std::string &path, size_t *size) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    *size = (size_t)st.st_size;
    return true;
}

// The decoded path when every segment is a plain name: no "." or "..", no
// NUL, no backslash; false otherwise.
static bool CleanPath(const std::string &url_path, std::string *path) {
    if (url_path.empty() || url_path[0] != '/' || !Decode(url_path, path))
        return false;
    std::stringstream segments(path->substr(1));
    std::string segment;
    while (std::getline(segments, segment, '/'))
        if (segment == "." || segment == ".." || segment.find('\0') != std::string::npos ||
            segment.find('\\') != std::string::npos)
            return false;
    return true;
}

std::optional<std::string> ResolveStaticPath(const std::string &root, const std::string &url_path) {
    std::string path;
    if (!CleanPath(url_path, &path))
        return std::nullopt;
    std::string candidate = root + path;
    if (!candidate.empty() && candidate.back() == '/')
        candidate += "index.html";
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        candidate += "/index.html";
    // Symlinks may not lead out of root: compare canonical paths.
    char resolved[PATH_MAX];
    if (realpath(candidate.c_str(), resolved) == nullptr)
        return std::nullopt;
    std::string real(resolved);
    size_t size = 0;
    if (real.compare(0, root.size() + 1, root + "/") != 0 || !IsRegularFile(real, &size))
        return std::nullopt;
    return real;
}

std::string ContentTypeFor(const std::string &file) {
    static const std::pair<const char *, const char *> kTypes[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".webmanifest", "application/manifest+json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".webp", "image/webp"},
        {".ico", "image/x-icon"},
        {".woff", "font/woff"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".wasm", "application/wasm"},
    };
    size_t dot = file.rfind('.');
    size_t slash = file.rfind('/');
    if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) {
        std::string ext = file.substr(dot);
        for (char &c : ext)
            c = (char)std::tolower((unsigned char)c);
        for (const auto &[e, type] : kTypes)
            if (ext == e)
                return type;
    }
    return "application/octet-stream";
}

static Response NotFound(const Request &req) {
    return Reply(req, 404, "not found\n", "text/plain; charset=utf-8");
}

Response ServeStatic(const std::string &root, const Request &req, const std::string &url_path) {
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        Response res = Reply(req, 405, "use GET\n", "text/plain; charset=utf-8");
        res.set(http::field::allow, "GET, HEAD");
        return res;
    }
    std::optional<std::string> file = ResolveStaticPath(root, url_path);
    // A clean path naming no file and no extension is a route of the app: its page.
    std::string decoded;
    if (!file && CleanPath(url_path, &decoded) &&
        decoded.substr(decoded.rfind('/') + 1).find('.') == std::string::npos)
        file = ResolveStaticPath(root, "/index.html");
    size_t size = 0;
    if (!file || !IsRegularFile(*file, &size) || size > kMaxStaticFileBytes)
        return NotFound(req);
    std::ifstream in(*file, std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof())
        return NotFound(req);
    Response res = Reply(req, 200, body, ContentTypeFor(*file));
    res.set("X-Content-Type-Options", "nosniff");
    // Vite puts content-hashed names under /assets/: those never change.
    bool hashed = url_path.rfind("/assets/", 0) == 0 && file->find("/assets/") != std::string::npos;
    res.set(http::field::cache_control, hashed ? "public, max-age=31536000, immutable" : "no-cache");
    return res;
}

} // namespace gateway
