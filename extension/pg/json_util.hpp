// extension/pg/json_util.hpp — small helpers over PostgreSQL's jsonb API and
// JSON text building with StringInfo.
#pragma once

#include "pg_headers.hpp"

namespace shopsync {

// Appends a JSON string literal (quoted, escaped); null → JSON null.
void AppendJsonString(StringInfo out, const char *text);
// Appends `"key":` with a comma first unless at the start of an object.
void AppendJsonKey(StringInfo out, const char *key, bool first);

// Key lookup in an object container; false when absent.
bool JsonbGetKey(JsonbContainer *object, const char *key, JsonbValue *out);
// String value as a palloc'd C string (nullptr if not a string).
char *JsonbValueCString(const JsonbValue &value);
// True when value is a JSON object / array container.
bool JsonbValueIsObject(const JsonbValue &value);
bool JsonbValueIsArray(const JsonbValue &value);
// A JSON number that is an integer, as int64; false otherwise.
bool JsonbNumberToInt64(const JsonbValue &value, int64 *out);
// Number of elements (array) or pairs (object) of a container value.
int JsonbValueSize(const JsonbValue &value);

// A container value as a standalone Jsonb (for SPI parameters).
Jsonb *JsonbFromValue(const JsonbValue &value);
// A JSON text (built with the helpers above) as a jsonb Datum.
Datum JsonbDatumFromText_Unsafe(const char *text);

// The first bytes of text (length bytes, or up to its NUL when length < 0),
// at most max_bytes, cut on a character boundary (pg_mbcliplen), palloc'd:
// user text quoted in a message never ends in half a UTF-8 character.
char *ClipText(const char *text, int length, int max_bytes);

// Hex SHA-256 of text, palloc'd.
char *Sha256Hex_Unsafe(const char *text, size_t length);

} // namespace shopsync
