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
// Number of elements (array) or pairs (object) of a container value.
int JsonbValueSize(const JsonbValue &value);

// A container value as a standalone Jsonb (for SPI parameters).
Jsonb *JsonbFromValue(const JsonbValue &value);
// A JSON text (built with the helpers above) as a jsonb Datum.
Datum JsonbDatumFromText_Unsafe(const char *text);

// Hex SHA-256 of text, palloc'd.
char *Sha256Hex_Unsafe(const char *text, size_t length);

} // namespace shopsync
