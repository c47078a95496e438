# Sanitizer builds (`make test-asan`, `make test-tsan`): REACTOR_SANITIZE=address builds
# with ASan and UBSan, =thread with TSan. The flags go on every target of the project (the
# library, the UI table, the binary, the unit tests): TSan misses races, and reports false
# ones, through code built without it. Third-party libraries stay as Debian built them.
set(REACTOR_SANITIZE "" CACHE STRING "Sanitizers to build with: empty, address (ASan+UBSan) or thread (TSan)")
set_property(CACHE REACTOR_SANITIZE PROPERTY STRINGS "" address thread)

if(REACTOR_SANITIZE STREQUAL "")
  return()
elseif(REACTOR_SANITIZE STREQUAL "address")
  # Any UB report aborts instead of carrying on, so a test run cannot miss it. No vptr
  # check: it probes the vtable through a pipe(2), so once the process is out of descriptors
  # (open_files.test.mjs does that on purpose) every virtual call reports "invalid vptr".
  set(reactor_sanitize_flags -fsanitize=address,undefined -fno-sanitize=vptr
    -fno-sanitize-recover=undefined)
elseif(REACTOR_SANITIZE STREQUAL "thread")
  set(reactor_sanitize_flags -fsanitize=thread)
  # g++ 12 warns (as an error with REACTOR_WERROR) that TSan ignores the
  # std::atomic_thread_fence in Asio's headers. Asio hands handlers between threads under
  # mutexes, which TSan does see; a false report this could cause goes in tsan.supp.
  add_compile_options(-Wno-tsan)
else()
  message(FATAL_ERROR "REACTOR_SANITIZE must be empty, address or thread, not '${REACTOR_SANITIZE}'")
endif()

# Frame pointers give whole stacks in reports; -O1 keeps the run fast and the compile
# shorter than -O2, and -g1 (line tables, all the reports' stacks need) compiles about a
# third faster than -g on 2 cores. They come after the build type's own -O and -g.
add_compile_options(${reactor_sanitize_flags} -fno-omit-frame-pointer -O1 -g1)
add_link_options(${reactor_sanitize_flags})
