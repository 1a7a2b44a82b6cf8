/* common/shopsync_limits.h — limits the server enforces and the device checks
 * before it sends, defined once for both: the extension (GUC defaults) and the
 * client (legacy import, local checks) include this file. Plain C. */
#ifndef SHOPSYNC_LIMITS_H
#define SHOPSYNC_LIMITS_H

/* Longest text value a push may carry, in bytes of UTF-8
 * (the default of the GUC shopsync.max_field_bytes). */
#define SHOPSYNC_DEFAULT_MAX_FIELD_BYTES 10000

#endif
