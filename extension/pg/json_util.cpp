// extension/pg/json_util.cpp — jsonb access and JSON text building.
#include "json_util.hpp"

extern "C" {
#include "common/cryptohash.h"
#include "common/sha2.h"
}

extern "C" {
#include "mb/pg_wchar.h"
}

namespace shopsync {

void AppendJsonString(StringInfo out, const char *text) {
    if (text == nullptr)
        appendStringInfoString(out, "null");
    else
        escape_json(out, text);
}

void AppendJsonKey(StringInfo out, const char *key, bool first) {
    if (!first)
        appendStringInfoChar(out, ',');
    escape_json(out, key);
    appendStringInfoChar(out, ':');
}

bool JsonbGetKey(JsonbContainer *object, const char *key, JsonbValue *out) {
    return getKeyJsonValueFromContainer(object, key, strlen(key), out) != nullptr;
}

char *JsonbValueCString(const JsonbValue &value) {
    if (value.type != jbvString)
        return nullptr;
    return pnstrdup(value.val.string.val, value.val.string.len);
}

bool JsonbValueIsObject(const JsonbValue &value) {
    return value.type == jbvBinary && JsonContainerIsObject(value.val.binary.data);
}

bool JsonbValueIsArray(const JsonbValue &value) {
    return value.type == jbvBinary && JsonContainerIsArray(value.val.binary.data) &&
           !JsonContainerIsScalar(value.val.binary.data);
}

int JsonbValueSize(const JsonbValue &value) {
    return value.type == jbvBinary ? (int)JsonContainerSize(value.val.binary.data) : 0;
}

Jsonb *JsonbFromValue(const JsonbValue &value) {
    return JsonbValueToJsonb(const_cast<JsonbValue *>(&value));
}

Datum JsonbDatumFromText_Unsafe(const char *text) {
    return DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
}

bool JsonbNumberToInt64(const JsonbValue &value, int64 *out) {
    if (value.type != jbvNumeric)
        return false;
    char *text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(value.val.numeric)));
    size_t len = strlen(text);
    if (len == 0 || len > 18)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((text[i] < '0' || text[i] > '9') && !(i == 0 && text[i] == '-' && len > 1))
            return false;
    *out = strtoll(text, nullptr, 10);
    return true;
}

char *ClipText(const char *text, int length, int max_bytes) {
    if (text == nullptr)
        return pstrdup("");
    if (length < 0)
        length = (int)strnlen(text, (size_t)max_bytes + 8);
    int cut = length <= max_bytes ? length : pg_mbcliplen(text, length, max_bytes);
    return pnstrdup(text, cut);
}

char *Sha256Hex_Unsafe(const char *text, size_t length) {
    uint8 digest[PG_SHA256_DIGEST_LENGTH];
    pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
    if (ctx == nullptr || pg_cryptohash_init(ctx) < 0 ||
        pg_cryptohash_update(ctx, (const uint8 *)text, length) < 0 ||
        pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
        elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
    pg_cryptohash_free(ctx);
    char *hex = (char *)palloc(PG_SHA256_DIGEST_LENGTH * 2 + 1);
    static const char kHex[] = "0123456789abcdef";
    for (int i = 0; i < PG_SHA256_DIGEST_LENGTH; i++) {
        hex[2 * i] = kHex[digest[i] >> 4];
        hex[2 * i + 1] = kHex[digest[i] & 15];
    }
    hex[PG_SHA256_DIGEST_LENGTH * 2] = '\0';
    return hex;
}

} // namespace shopsync
