// gateway/src/static_files.hpp — serves a built front end (the dashboard)
// from one directory: GET and HEAD only, no path leaves the directory (no
// "..", no symlink out, no NUL or backslash), a content type per extension,
// files up to a size bound, and index.html for paths that name no file (a
// single-page app's routes).
#pragma once

#include "http_types.hpp"

#include <optional>
#include <string>

namespace gateway {

// The largest file served; bigger ones get 404 (a front end has no such file).
constexpr size_t kMaxStaticFileBytes = 16 * 1024 * 1024;

// The file under root (a canonical directory path) that URL path names, or
// nullopt when it is outside root, malformed, or not a regular file.
std::optional<std::string> ResolveStaticPath(const std::string &root, const std::string &url_path);

// The Content-Type for a file name, by extension.
std::string ContentTypeFor(const std::string &file);

// The answer for req from root: the file, index.html, 404, or 405.
Response ServeStatic(const std::string &root, const Request &req, const std::string &url_path);

} // namespace gateway
