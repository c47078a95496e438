// toml++ compiled here, instrumented, instead of linked from Debian's shared library.
#define TOML_HEADER_ONLY 0
#define TOML_SHARED_LIB 1
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
