// client/src/snapshot_page.cpp — see snapshot_page.hpp. A strict JSON scanner
// (RFC 8259: strings with valid escapes and UTF-8, numbers, literals, nesting
// up to kMaxDepth) that records where each row starts and ends.
#include "snapshot_page.hpp"

#include <cstring>

namespace shopsync::client {

using json = nlohmann::json;

namespace {

constexpr int kMaxDepth = 256;

class Scanner {
  public:
    Scanner(const char *begin, const char *end) : start_(begin), p_(begin), end_(end) {}

    size_t Offset() const { return (size_t)(p_ - start_); }
    const char *At() const { return p_; }
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

    // A string; `out` (if given) takes its value.
    bool String(std::string *out) {
        Ws();
        if (p_ == end_ || *p_ != '"')
            return false;
        const char *open = p_++;
        bool escaped = false;
        while (p_ != end_) {
            unsigned char c = (unsigned char)*p_;
            if (c == '"') {
                p_++;
                if (out != nullptr) {
                    if (!escaped)
                        out->assign(open + 1, p_ - 1);
                    else // rare in a row's key columns: let the full parser unescape
                        *out = json::parse(open, p_).get<std::string>();
                }
                return true;
            }
            if (c < 0x20)
                return false;
            if (c == '\\') {
                escaped = true;
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

    void Ws() {
        while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t'))
            p_++;
    }

    // Any value, validated and skipped.
    bool Value(int depth = 0) {
        if (depth > kMaxDepth)
            return false;
        Ws();
        if (p_ == end_)
            return false;
        switch (*p_) {
        case '"':
            return String(nullptr);
        case '{':
            p_++;
            if (Eat('}'))
                return true;
            do {
                if (!String(nullptr) || !Eat(':') || !Value(depth + 1))
                    return false;
            } while (Eat(','));
            return Eat('}');
        case '[':
            p_++;
            if (Eat(']'))
                return true;
            do {
                if (!Value(depth + 1))
                    return false;
            } while (Eat(','));
            return Eat(']');
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

    bool Literal(const char *word) {
        Ws();
        size_t n = std::strlen(word);
        if ((size_t)(end_ - p_) < n || std::memcmp(p_, word, n) != 0)
            return false;
        p_ += n;
        return true;
    }

  private:
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

// A row's version: a plain integer by hand (the common case), any other
// number as the json library reads it; not a number: 0.
long long Version(std::string_view text) {
    if (text.empty() || !(text[0] == '-' || (text[0] >= '0' && text[0] <= '9')))
        return 0;
    bool negative = text[0] == '-';
    std::string_view digits = text.substr(negative ? 1 : 0);
    bool plain = !digits.empty() && digits.size() <= 18;
    for (char c : digits)
        plain = plain && c >= '0' && c <= '9';
    if (!plain) { // 2.0, 1e3; a value no long long holds reads as 0
        double d = json::parse(text).get<double>();
        return d > -9e18 && d < 9e18 ? (long long)d : 0;
    }
    long long v = 0;
    for (char c : digits)
        v = v * 10 + (c - '0');
    return negative ? -v : v;
}

// One row object: its key columns taken out, every value validated.
bool Row(Scanner &s, SnapshotRow *row) {
    if (!s.Peek('{'))
        return false;
    row->begin = s.Offset();
    s.Eat('{');
    if (!s.Eat('}')) {
        std::string key;
        do {
            key.clear();
            if (!s.String(&key) || !s.Eat(':'))
                return false;
            bool ok;
            if (key == "id")
                ok = s.Peek('"') ? s.String(&row->id) : s.Value(1);
            else if (key == "shop_id")
                ok = s.Peek('"') ? s.String(&row->shop_id) : s.Value(1);
            else if (key == "updated_at")
                ok = s.Peek('"') ? s.String(&row->updated_at) : s.Value(1);
            else if (key == "deleted_at") {
                row->deleted = s.Peek('"');
                ok = row->deleted ? s.String(&row->deleted_at) : s.Value(1);
            } else if (key == "version") {
                s.Ws();
                const char *at = s.At();
                ok = s.Value(1);
                if (ok)
                    row->version = Version(std::string_view(at, (size_t)(s.At() - at)));
            } else
                ok = s.Value(1);
            if (!ok)
                return false;
        } while (s.Eat(','));
        if (!s.Eat('}'))
            return false;
    }
    row->size = s.Offset() - row->begin;
    return true;
}

} // namespace

bool ParseSnapshotPage(std::string &&body, SnapshotPage *out) {
    out->rows.clear();
    out->meta = json::object();
    const char *begin = body.data();
    Scanner s(begin, begin + body.size());
    bool has_rows = false;
    try {
        if (!s.Eat('{'))
            return false;
        if (!s.Eat('}')) {
            std::string key;
            do {
                key.clear();
                if (!s.String(&key) || !s.Eat(':'))
                    return false;
                if (key == "rows") {
                    if (!s.Eat('['))
                        return false;
                    has_rows = true;
                    out->rows.clear();
                    if (!s.Eat(']')) {
                        do {
                            out->rows.emplace_back();
                            if (!Row(s, &out->rows.back()))
                                return false;
                        } while (s.Eat(','));
                        if (!s.Eat(']'))
                            return false;
                    }
                } else {
                    s.Ws();
                    const char *at = s.At();
                    if (!s.Value())
                        return false;
                    out->meta[key] = json::parse(at, s.At());
                }
            } while (s.Eat(','));
            if (!s.Eat('}'))
                return false;
        }
        if (!s.AtEnd() || !has_rows)
            return false;
    } catch (const json::exception &) { // a number out of range, say
        return false;
    }
    out->body = std::move(body); // the rows' offsets stay valid: the text is the same
    return true;
}

SnapshotPage SnapshotPageOf(const json &rows) {
    SnapshotPage page;
    if (!ParseSnapshotPage(json{{"rows", rows}}.dump(), &page))
        throw std::invalid_argument("snapshot rows are an array of objects");
    return page;
}

} // namespace shopsync::client
