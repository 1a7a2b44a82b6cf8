// extension/pg/jsonb_tree.hpp — a JsonbValue tree to a Jsonb datum, the way
// JsonbValueToJsonb builds it, except that a jbvBinary node (a container read
// from a stored jsonb) is copied byte for byte instead of being taken apart
// and rebuilt token by token. A pull page embeds 1,000 stored payloads so.
#pragma once

#include "pg_headers.hpp"

namespace shopsync {

// root: a jbvObject or jbvArray whose nodes are scalars (null, string,
// numeric, bool), jbvObject / jbvArray (object keys in any order; they are
// sorted here, and must be distinct) or jbvBinary (an object or array
// container, never a raw scalar). size_hint: the expected size in bytes
// (saves regrowing the buffer). palloc'd in CurrentMemoryContext.
Jsonb *JsonbFromTree_Unsafe(JsonbValue *root, int size_hint);

// A stored jsonb object as a node for the tree (no copy); ERROR unless an object.
void JsonbObjectNode_Unsafe(Jsonb *stored, JsonbValue *out);

} // namespace shopsync
