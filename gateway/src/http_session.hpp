// gateway/src/http_session.hpp — one client connection, asynchronous from
// end to end (after Beast's advanced_server): wait for a request (idle
// deadline), read its header (header deadline) and body (body deadline),
// answer inline or from a database worker, write (write deadline), repeat.
// An event stream request hands the socket over to an EventStream.
#pragma once

#include "context.hpp"
#include "http_types.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <optional>
#include <string>

namespace gateway {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
  public:
    HttpSession(Context &ctx, boost::asio::ip::tcp::socket socket);
    ~HttpSession();
    void Start();

  private:
    void WaitForRequest();
    void ReadHeader();
    void OnHeader(boost::beast::error_code ec);
    void OnBody(boost::beast::error_code ec);
    void Dispatch(Request req);
    void StartEventStream(Request req);
    void Write(Response res, bool head_only);
    void Close();
    Context &ctx_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::shared_ptr<void> answer_; // the response being written
    std::string remote_;
    std::optional<Request> cors_request_; // the current request's Origin, for Write
    bool closed_ = false;
};

} // namespace gateway
