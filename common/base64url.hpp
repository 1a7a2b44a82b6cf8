// common/base64url.hpp — base64url decoding (RFC 4648 §5, no padding), one
// function for the gateway (verifying tokens: the URL alphabet only, as JWS
// writes it) and the device client (reading claims of a token it was given:
// base64's + and / and = padding are tolerated too). Header-only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shopsync {

enum class Base64Alphabet {
    Url,           // A-Z a-z 0-9 - _, no padding; a length of 4n+1 is refused
    UrlOrStandard, // also + and /; stops at the first =
};

// The bytes text encodes, or nullopt when it is not base64url (as alphabet says).
inline std::optional<std::string> Base64UrlDecode(std::string_view text,
                                                  Base64Alphabet alphabet = Base64Alphabet::Url) {
    bool standard = alphabet == Base64Alphabet::UrlOrStandard;
    if (standard)
        text = text.substr(0, text.find('='));
    else if (text.size() % 4 == 1)
        return std::nullopt; // no whole byte in the last character
    auto value = [standard](char c) -> int {
        if (c >= 'A' && c <= 'Z')
            return c - 'A';
        if (c >= 'a' && c <= 'z')
            return c - 'a' + 26;
        if (c >= '0' && c <= '9')
            return c - '0' + 52;
        if (c == '-' || (standard && c == '+'))
            return 62;
        if (c == '_' || (standard && c == '/'))
            return 63;
        return -1;
    };
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned buffer = 0;
    int bits = 0;
    for (char c : text) {
        int v = value(c);
        if (v < 0)
            return std::nullopt;
        buffer = (buffer << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += (char)(buffer >> bits & 0xff);
        }
    }
    return out;
}

} // namespace shopsync
