#include <zlib.h>

/* zlib's checksums, for the journal's batches and the snapshot files (AgnerStore's CRC32). */
