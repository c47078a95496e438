# Warnings for the project's own code; system headers (Boost, SQLite) stay quiet.
add_library(reactor_warnings INTERFACE)
target_compile_options(reactor_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Woverloaded-virtual -Wimplicit-fallthrough
  -Wno-missing-field-initializers
  # g++ 12 at -O2 misreports Asio's coroutine frame allocator as mismatched new/delete.
  -Wno-mismatched-new-delete
  $<$<BOOL:${REACTOR_WERROR}>:-Werror>)
