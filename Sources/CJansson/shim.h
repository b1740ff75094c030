#include <jansson.h>

/* jansson's reference counting is done with inline functions and macros that Swift cannot
   import directly; these wrappers expose them. */
static inline json_t *agner_json_incref(json_t *json) { return json_incref(json); }
static inline void agner_json_decref(json_t *json) { json_decref(json); }
static inline int agner_json_is_object(const json_t *json) { return json_is_object(json); }
static inline int agner_json_is_array(const json_t *json) { return json_is_array(json); }
static inline int agner_json_is_string(const json_t *json) { return json_is_string(json); }
static inline int agner_json_is_integer(const json_t *json) { return json_is_integer(json); }
static inline int agner_json_is_real(const json_t *json) { return json_is_real(json); }
static inline int agner_json_is_number(const json_t *json) { return json_is_number(json); }
static inline int agner_json_is_boolean(const json_t *json) { return json_is_boolean(json); }
static inline int agner_json_is_null(const json_t *json) { return json_is_null(json); }
static inline int agner_json_is_true(const json_t *json) { return json_is_true(json); }
