#include "reactor/objects/s3/sigv4.hpp"
#include "reactor/util/sha256.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace reactor::objects::s3::sigv4 {

namespace {

namespace fs = std::filesystem;

const fs::path k_vectors = REACTOR_TESTDATA_DIR "/sigv4";

std::string
read_text(const fs::path& file)
{
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + file.string());
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string
percent_decode(std::string_view text)
{
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::vector<std::string_view>
split(std::string_view text, char separator)
{
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const auto at = text.find(separator, start);
    parts.push_back(text.substr(start, at == text.npos ? text.npos : at - start));
    if (at == text.npos) {
      return parts;
    }
    start = at + 1;
  }
}

struct Vector
{
  Request request;
  Credentials credentials;
  Options options;
};

// Reads request.txt ("METHOD target HTTP/1.1", headers with folded lines, blank line, body)
// and context.json of one test-vector folder.
Vector
load_vector(const fs::path& folder)
{
  Vector vector;
  const auto raw = read_text(folder / "request.txt");
  const auto head_end = raw.find("\n\n");
  const std::string_view head =
    std::string_view(raw).substr(0, head_end == raw.npos ? raw.size() : head_end);
  const std::string body = head_end == raw.npos ? "" : raw.substr(head_end + 2);
  auto lines = split(head, '\n');
  if (!lines.empty() && lines.back().empty()) {
    lines.pop_back();
  }

  const auto request_line = lines.at(0);
  const auto first_space = request_line.find(' ');
  const auto last_space = request_line.rfind(' ');
  vector.request.method = std::string(request_line.substr(0, first_space));
  const auto target = request_line.substr(first_space + 1, last_space - first_space - 1);
  const auto question = target.find('?');
  vector.request.path = std::string(target.substr(0, question));
  if (question != target.npos) {
    for (const auto parameter : split(target.substr(question + 1), '&')) {
      const auto equals = parameter.find('=');
      vector.request.query.emplace_back(
        percent_decode(parameter.substr(0, equals)),
        equals == parameter.npos ? "" : percent_decode(parameter.substr(equals + 1)));
    }
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto line = lines[i];
    if (line.front() == ' ' || line.front() == '\t') {
      vector.request.headers.back().value += "\n" + std::string(line);
      continue;
    }
    const auto colon = line.find(':');
    vector.request.headers.push_back(
      { std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)) });
  }
  vector.request.payload_hash = util::sha256_hex(body);

  const auto context = boost::json::parse(read_text(folder / "context.json")).as_object();
  const auto& credentials = context.at("credentials").as_object();
  vector.credentials.access_key_id = credentials.at("access_key_id").as_string().c_str();
  vector.credentials.secret_access_key = credentials.at("secret_access_key").as_string().c_str();
  if (const auto* token = credentials.if_contains("token")) {
    vector.credentials.session_token = token->as_string().c_str();
  }
  vector.options.region = context.at("region").as_string().c_str();
  vector.options.service = context.at("service").as_string().c_str();
  std::tm parts{};
  ::strptime(context.at("timestamp").as_string().c_str(), "%Y-%m-%dT%H:%M:%SZ", &parts);
  vector.options.timestamp = std::chrono::sys_seconds(std::chrono::seconds(::timegm(&parts)));
  vector.options.normalize_path = context.at("normalize").as_bool();
  vector.options.sign_payload_hash = context.at("sign_body").as_bool();
  if (const auto* omit = context.if_contains("omit_session_token")) {
    vector.options.sign_session_token = !omit->as_bool();
  }
  return vector;
}

std::string
lowercase(std::string_view text)
{
  std::string out(text);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// The signed request's header lines, name lowercased, value as written.
std::vector<Header>
signed_request_headers(const fs::path& folder)
{
  std::vector<Header> headers;
  const auto raw = read_text(folder / "header-signed-request.txt");
  const auto lines = split(std::string_view(raw).substr(0, raw.find("\n\n")), '\n');
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto colon = lines[i].find(':');
    if (lines[i].empty() || lines[i].front() == ' ' || colon == lines[i].npos) {
      continue;
    }
    headers.push_back(
      { lowercase(lines[i].substr(0, colon)), std::string(lines[i].substr(colon + 1)) });
  }
  return headers;
}

} // namespace

TEST(Sigv4, ReproducesEveryTestVector)
{
  ASSERT_TRUE(fs::is_directory(k_vectors)) << k_vectors;
  std::size_t count = 0;
  for (const auto& entry : fs::directory_iterator(k_vectors)) {
    if (!entry.is_directory()) {
      continue;
    }
    const auto& folder = entry.path();
    SCOPED_TRACE(folder.filename().string());
    const auto vector = load_vector(folder);
    const auto signature = sign(vector.request, vector.credentials, vector.options);
    EXPECT_EQ(signature.canonical_request, read_text(folder / "header-canonical-request.txt"));
    EXPECT_EQ(signature.string_to_sign, read_text(folder / "header-string-to-sign.txt"));
    EXPECT_EQ(signature.signature, read_text(folder / "header-signature.txt"));

    const auto expected_headers = signed_request_headers(folder);
    for (const auto& added : signature.headers) {
      const auto name = lowercase(added.name);
      const auto found = std::ranges::find_if(
        expected_headers, [&](const Header& header) { return header.name == name; });
      ASSERT_NE(found, expected_headers.end()) << added.name;
      EXPECT_EQ(found->value, added.value) << added.name;
    }
    const auto authorization = std::ranges::find_if(
      expected_headers, [](const Header& header) { return header.name == "authorization"; });
    ASSERT_NE(authorization, expected_headers.end());
    EXPECT_EQ(signature.authorization, authorization->value);
    ++count;
  }
  EXPECT_GE(count, 38u);
}

TEST(Sigv4, EncodesEverythingButUnreservedCharacters)
{
  EXPECT_EQ(uri_encode("blobs/a b+c%~_.-Z9", true), "blobs/a%20b%2Bc%25~_.-Z9");
  EXPECT_EQ(uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(uri_encode("\xe1\x88\xb4", true), "%E1%88%B4");
}

TEST(Sigv4, FormatsAmzDate)
{
  EXPECT_EQ(amz_date(std::chrono::sys_seconds(std::chrono::seconds(1440938160))),
            "20150830T123600Z");
}

} // namespace reactor::objects::s3::sigv4
