# Run by the build (see embed_ui.cmake) as
#   cmake -DUI_DIR=… -DDIST_DIR=… -DOUTPUT=… -DNPM=… -P build_ui.cmake
# Builds the web UI into DIST_DIR and writes OUTPUT: a C++ source defining
# reactor::api::embedded_ui_files() with every file of DIST_DIR (path, content type,
# ETag, bytes, and a gzip variant of text files worth compressing).
cmake_minimum_required(VERSION 3.25)

foreach(variable UI_DIR DIST_DIR OUTPUT NPM)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "build_ui.cmake needs -D${variable}=…")
  endif()
endforeach()

# Build trees share ui/node_modules: one `npm ci` at a time. (file(LOCK) empties the file
# it locks, so the lock lives in the temporary directory.)
string(SHA256 ui_key "${UI_DIR}")
string(SUBSTRING ${ui_key} 0 16 ui_key)
if(DEFINED ENV{TMPDIR})
  set(lock_file $ENV{TMPDIR}/reactor-ui-${ui_key}.lock)
else()
  set(lock_file /tmp/reactor-ui-${ui_key}.lock)
endif()
file(LOCK ${lock_file} GUARD PROCESS TIMEOUT 900 RESULT_VARIABLE locked)

set(installed ${UI_DIR}/node_modules/.package-lock.json)
if(NOT EXISTS ${installed} OR ${UI_DIR}/package-lock.json IS_NEWER_THAN ${installed})
  message(STATUS "ui: npm ci")
  execute_process(COMMAND ${NPM} ci --no-audit --no-fund --loglevel=error
    WORKING_DIRECTORY ${UI_DIR} RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "ui: `npm ci` failed in ${UI_DIR}")
  endif()
endif()

# Each build tree gets its own output, so parallel builds never share a dist folder.
execute_process(
  COMMAND ${NPM} run build --silent -- --outDir ${DIST_DIR} --emptyOutDir --logLevel warn
  WORKING_DIRECTORY ${UI_DIR} RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "ui: `npm run build` failed in ${UI_DIR}")
endif()
file(LOCK ${lock_file} RELEASE)

function(content_type_of path result)
  string(REGEX MATCH "[^.]*$" extension "${path}")
  string(TOLOWER "${extension}" extension)
  set(type "application/octet-stream")
  if(extension MATCHES "^html?$")
    set(type "text/html; charset=utf-8")
  elseif(extension MATCHES "^m?js$")
    set(type "text/javascript; charset=utf-8")
  elseif(extension STREQUAL "css")
    set(type "text/css; charset=utf-8")
  elseif(extension STREQUAL "txt")
    set(type "text/plain; charset=utf-8")
  elseif(extension MATCHES "^(json|map)$")
    set(type "application/json")
  elseif(extension STREQUAL "webmanifest")
    set(type "application/manifest+json")
  elseif(extension STREQUAL "svg")
    set(type "image/svg+xml")
  elseif(extension MATCHES "^(png|gif|webp|avif)$")
    set(type "image/${extension}")
  elseif(extension MATCHES "^jpe?g$")
    set(type "image/jpeg")
  elseif(extension STREQUAL "ico")
    set(type "image/x-icon")
  elseif(extension MATCHES "^(woff2?|ttf|otf)$")
    set(type "font/${extension}")
  elseif(extension STREQUAL "wasm")
    set(type "application/wasm")
  endif()
  set(${result} "${type}" PARENT_SCOPE)
endfunction()

# "0x3c,0x21,…" with a line break every 24 bytes.
function(byte_array file result)
  file(READ ${file} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REPEAT "0x..," 24 row)
  string(REGEX REPLACE "(${row})" "\\1\n  " bytes "${bytes}")
  set(${result} "${bytes}" PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE ${DIST_DIR} ${DIST_DIR}/*)
list(SORT files)
if(NOT "index.html" IN_LIST files)
  message(FATAL_ERROR "ui: the build wrote no index.html to ${DIST_DIR}")
endif()

set(arrays "")
set(entries "")
set(index 0)
foreach(relative IN LISTS files)
  set(path ${DIST_DIR}/${relative})
  content_type_of(${relative} type)
  file(SHA256 ${path} hash)
  string(SUBSTRING ${hash} 0 32 hash)
  file(SIZE ${path} size)
  if(size GREATER 0)
    byte_array(${path} bytes)
    string(APPEND arrays "// /${relative}\nconstexpr unsigned char file_${index}[] = {\n  ${bytes}\n};\n")
  endif()

  # Text worth compressing also gets a gzip variant, kept when it saves a tenth.
  set(gzip "{}")  # an empty span
  if(size GREATER 1024 AND type MATCHES "^(text/|application/(json|manifest|wasm)|image/svg)")
    set(compressed ${DIST_DIR}.gz/${relative}.gz)
    get_filename_component(compressed_dir ${compressed} DIRECTORY)
    file(MAKE_DIRECTORY ${compressed_dir})
    file(ARCHIVE_CREATE OUTPUT ${compressed} PATHS ${path}
      FORMAT raw COMPRESSION GZip COMPRESSION_LEVEL 9)
    file(SIZE ${compressed} compressed_size)
    math(EXPR compressed_tenfold "${compressed_size} * 10")
    math(EXPR size_ninefold "${size} * 9")
    if(compressed_tenfold LESS size_ninefold)
      byte_array(${compressed} gzip_bytes)
      string(APPEND arrays "constexpr unsigned char file_${index}_gz[] = {\n  ${gzip_bytes}\n};\n")
      set(gzip "std::span<const unsigned char>(file_${index}_gz)")
    endif()
  endif()
  if(size EQUAL 0)
    set(data "{}")
  else()
    set(data "std::span<const unsigned char>(file_${index})")
  endif()
  string(APPEND entries
    "  { \"/${relative}\", \"${type}\", R\"(\"${hash}\")\", ${data}, ${gzip} },\n")
  math(EXPR index "${index} + 1")
endforeach()
file(REMOVE_RECURSE ${DIST_DIR}.gz)

file(WRITE ${OUTPUT}
  "// Generated by cmake/build_ui.cmake from the web UI's build: do not edit.\n"
  "#include \"reactor/api/ui.hpp\"\n\n"
  "namespace reactor::api {\n\nnamespace {\n\n"
  "${arrays}\n"
  "constexpr EmbeddedFile k_files[] = {\n${entries}};\n\n"
  "} // namespace\n\n"
  "std::span<const EmbeddedFile>\nembedded_ui_files()\n{\n  return k_files;\n}\n\n"
  "} // namespace reactor::api\n")
list(LENGTH files count)
message(STATUS "ui: embedded ${count} files")
