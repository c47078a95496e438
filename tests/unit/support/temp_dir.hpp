#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace reactor::testing {

// A fresh directory below the system temp directory (or `below`), removed with everything
// in it.
class TempDir
{
public:
  explicit TempDir(const std::filesystem::path& below = std::filesystem::temp_directory_path())
  {
    std::string pattern = (below / "reactor-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    m_path = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir()
  {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }

  const std::filesystem::path& path() const { return m_path; }

private:
  std::filesystem::path m_path;
};

} // namespace reactor::testing
