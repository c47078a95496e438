# Warnings for the project's own code; system headers (Boost, SQLite) stay quiet.
add_library(reactor_warnings INTERFACE)
target_compile_options(reactor_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Woverloaded-virtual -Wimplicit-fallthrough
  -Wno-missing-field-initializers
  $<$<BOOL:${REACTOR_WERROR}>:-Werror>)
