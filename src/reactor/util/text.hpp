#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Byte-string helpers every module shares. ASCII only on purpose: hostnames, header names,
// schemes and tokens are compared without the locale.
namespace reactor::util {

// `text` with A-Z turned into a-z.
std::string ascii_lowercase(std::string_view text);

// ASCII case-insensitive equality.
bool equals_ignoring_case(std::string_view a, std::string_view b);

// `text` without the characters of `blanks` around it (by default HTTP's optional
// whitespace: spaces and tabs).
std::string_view trim(std::string_view text, std::string_view blanks = " \t");

// Length of the well-formed UTF-8 sequence at the start of `bytes` (no overlongs,
// surrogates or values past U+10FFFF); 0 when it is ill-formed or `bytes` is empty.
std::size_t utf8_sequence_length(std::string_view bytes);

// True when the bytes are well-formed UTF-8.
bool is_valid_utf8(std::string_view bytes);

// A URL fit for a log or a message: the password in its authority (`user:secret@host`)
// becomes "***".
std::string without_password(std::string_view url);

// Milliseconds since the epoch as ISO 8601 UTC: "2026-11-26T01:10:33.123Z".
std::string iso8601(std::int64_t epoch_ms);

// The bytes "%XX" escapes spell, the rest as it is; nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

} // namespace reactor::util
