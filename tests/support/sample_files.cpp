#include "sample_files.hpp"

#include <sodium.h>
#include <zip.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "equitas/util/bytes.hpp"

namespace equitas::test {
namespace {

std::map<std::string, std::string> entries_of(zip_t* z) {
  std::map<std::string, std::string> out;
  const zip_int64_t n = zip_get_num_entries(z, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    REQUIRE(zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st) == 0);
    zip_file_t* f = zip_fopen_index(z, static_cast<zip_uint64_t>(i), 0);
    REQUIRE(f != nullptr);
    std::string data(static_cast<std::size_t>(st.size), '\0');
    REQUIRE(zip_fread(f, data.data(), st.size) == static_cast<zip_int64_t>(st.size));
    zip_fclose(f);
    out[st.name] = std::move(data);
  }
  return out;
}

}  // namespace

std::string fake_jpeg(std::size_t size, const std::string& marker) {
  REQUIRE(size >= 128);
  REQUIRE(marker.size() <= size - 66);
  Bytes b(size);
  randombytes_buf(b.data(), b.size());
  b[0] = 0xFF, b[1] = 0xD8, b[2] = 0xFF, b[3] = 0xE0;
  std::copy(marker.begin(), marker.end(), b.begin() + 64);
  b[size - 2] = 0xFF, b[size - 1] = 0xD9;
  return std::string(b.begin(), b.end());
}

std::string fake_pdf(const std::string& body) { return "%PDF-1.7\n" + body + "\n%%EOF\n"; }

std::string sha256_hex(const std::string& bytes) {
  std::array<std::uint8_t, 32> h{};
  crypto_hash_sha256(h.data(), reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return to_hex(ByteView(h));
}

std::map<std::string, std::string> read_zip(const std::filesystem::path& path) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
  REQUIRE(z != nullptr);
  auto out = entries_of(z);
  zip_close(z);
  return out;
}

std::map<std::string, std::string> read_zip_bytes(const std::string& bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  REQUIRE(src != nullptr);
  zip_t* z = zip_open_from_source(src, ZIP_RDONLY, &error);
  REQUIRE(z != nullptr);
  auto out = entries_of(z);
  zip_close(z);
  zip_error_fini(&error);
  return out;
}

bool found_under(const std::filesystem::path& root, const std::string& needle) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (all.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace equitas::test
