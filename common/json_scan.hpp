// common/json_scan.hpp — one-pass JSON scanning without a document, one source
// for the gateway (the sync-latency metric reads changed_at out of a pull
// answer) and the device client (a snapshot page checked and read in one pass,
// rows kept as the server's text). Header-only, so both hot loops inline it.
//   StringEnd: lenient, no validation (the gateway's scan of its own answers);
//   Cursor:    strict RFC 8259 (strings with valid escapes and UTF-8, numbers,
//              literals, nesting up to kMaxDepth, skipped without recursion).
#pragma once

#include <cctype>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace shopsync::json_scan {

constexpr int kMaxDepth = 256; // containers nested deeper are refused

// JSON's whitespace (not isspace: no \v, \f).
inline bool IsSpace(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

// The end of the string that opens at text[open] (a '"'): the index of its
// closing quote, or text.size() when it is cut. Escapes are not checked.
inline size_t StringEnd(std::string_view text, size_t open) {
    // memchr to each quote (payload strings are most of an answer), then
    // an odd run of backslashes before it escapes it.
    for (size_t from = open + 1; from < text.size();) {
        const char *q = static_cast<const char *>(std::memchr(text.data() + from, '"', text.size() - from));
        if (q == nullptr)
            break;
        size_t at = (size_t)(q - text.data()), slashes = 0;
        while (at - slashes > open + 1 && text[at - slashes - 1] == '\\')
            slashes++;
        if (slashes % 2 == 0)
            return at;
        from = at + 1;
    }
    return text.size();
}

// A strict cursor over a text. Every reader skips whitespace first and
// returns false on anything that is not JSON; after false the position is
// unspecified (callers give up on the whole text).
class Cursor {
  public:
    explicit Cursor(std::string_view text)
        : start_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}

    size_t Offset() const { return (size_t)(p_ - start_); }
    const char *At() const { return p_; }
    void Ws() {
        while (p_ != end_ && IsSpace(*p_))
            p_++;
    }
    bool AtEnd() {
        Ws();
        return p_ == end_;
    }
    bool Eat(char c) {
        Ws();
        if (p_ == end_ || *p_ != c)
            return false;
        p_++;
        return true;
    }
    bool Peek(char c) {
        Ws();
        return p_ != end_ && *p_ == c;
    }

    // A string. `raw` (if given) takes the text between its quotes as written;
    // `escaped` (if given) says whether it holds an escape (then raw is not
    // its value: unescape raw with its quotes, raw.data() - 1 to raw.end() + 1).
    bool String(std::string_view *raw = nullptr, bool *escaped = nullptr) {
        Ws();
        if (p_ == end_ || *p_ != '"')
            return false;
        const char *open = p_++;
        bool any_escape = false;
        while (p_ != end_) {
            unsigned char c = (unsigned char)*p_;
            if (c == '"') {
                p_++;
                if (raw != nullptr)
                    *raw = std::string_view(open + 1, (size_t)(p_ - 1 - (open + 1)));
                if (escaped != nullptr)
                    *escaped = any_escape;
                return true;
            }
            if (c < 0x20)
                return false;
            if (c == '\\') {
                any_escape = true;
                if (++p_ == end_)
                    return false;
                char e = *p_++;
                if (e == 'u') {
                    for (int i = 0; i < 4; i++, p_++)
                        if (p_ == end_ || !isxdigit((unsigned char)*p_))
                            return false;
                } else if (!std::strchr("\"\\/bfnrt", e) || e == '\0') {
                    return false;
                }
                continue;
            }
            if (c < 0x80) {
                p_++;
                continue;
            }
            if (!Utf8())
                return false;
        }
        return false;
    }

    // A number (JSON's grammar).
    bool Number() {
        Ws();
        if (p_ != end_ && *p_ == '-')
            p_++;
        if (p_ == end_)
            return false;
        if (*p_ == '0')
            p_++;
        else if (!Digits())
            return false;
        if (p_ != end_ && *p_ == '.') {
            p_++;
            if (!Digits())
                return false;
        }
        if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
            p_++;
            if (p_ != end_ && (*p_ == '+' || *p_ == '-'))
                p_++;
            if (!Digits())
                return false;
        }
        return true;
    }

    bool Literal(const char *word) {
        Ws();
        size_t n = std::strlen(word);
        if ((size_t)(end_ - p_) < n || std::memcmp(p_, word, n) != 0)
            return false;
        p_ += n;
        return true;
    }

    // Any value, validated and skipped. `depth` is how deep the value already
    // is; a value that would start deeper than kMaxDepth is refused. A stack
    // of closers, not recursion, so no input reaches the C++ stack's limit.
    bool SkipValue(int depth = 0) {
        if (depth < 0)
            depth = 0;
        char closers[kMaxDepth + 1]; // a container is opened only at depth <= kMaxDepth
        int open = 0;
        for (;;) {
            // A value starts here, at depth + open.
            if (depth + open > kMaxDepth)
                return false;
            Ws();
            if (p_ == end_)
                return false;
            char c = *p_;
            if (c == '{' || c == '[') {
                p_++;
                char close = c == '{' ? '}' : ']';
                if (!Eat(close)) {
                    closers[open++] = close;
                    if (close == '}' && !(String() && Eat(':')))
                        return false;
                    continue; // its first member's value
                }
            } else if (!Scalar(c)) {
                return false;
            }
            // A value ended: a comma starts the next member, else containers close.
            for (;;) {
                if (open == 0)
                    return true;
                if (Eat(',')) {
                    if (closers[open - 1] == '}' && !(String() && Eat(':')))
                        return false;
                    break;
                }
                if (!Eat(closers[open - 1]))
                    return false;
                open--;
            }
        }
    }

    // An object, member by member: member(raw_key, escaped) is called after
    // each key and its ':' and must read the value (false refuses the object).
    template <class Member> bool Object(Member &&member) {
        if (!Eat('{'))
            return false;
        if (Eat('}'))
            return true;
        do {
            std::string_view key;
            bool escaped;
            if (!String(&key, &escaped) || !Eat(':') || !member(key, escaped))
                return false;
        } while (Eat(','));
        return Eat('}');
    }

  private:
    bool Scalar(char c) {
        switch (c) {
        case '"':
            return String();
        case 't':
            return Literal("true");
        case 'f':
            return Literal("false");
        case 'n':
            return Literal("null");
        default:
            return Number();
        }
    }
    bool Digits() {
        const char *begin = p_;
        while (p_ != end_ && *p_ >= '0' && *p_ <= '9')
            p_++;
        return p_ != begin;
    }
    // One multi-byte UTF-8 sequence (no overlongs, surrogates or values past U+10FFFF).
    bool Utf8() {
        unsigned char c = (unsigned char)*p_;
        int more;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            more = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            more = 2;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else
            return false;
        p_++;
        for (int i = 0; i < more; i++, p_++) {
            if (p_ == end_)
                return false;
            unsigned char b = (unsigned char)*p_;
            if (b < (i == 0 ? lo : 0x80) || b > (i == 0 ? hi : 0xBF))
                return false;
        }
        return true;
    }

    const char *start_, *p_, *end_;
};

} // namespace shopsync::json_scan
