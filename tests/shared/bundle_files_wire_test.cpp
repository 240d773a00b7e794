// Bundles and receipts that carry files (bundle.hpp, version 3): what they
// hold survives the round trip, older versions stay as they were, and a
// damaged file entry is refused with the file it names.
#include <catch2/catch.hpp>

#include "equitas/wire/bundle.hpp"
#include "equitas/wire/file_transfer.hpp"

using namespace equitas;

namespace {

struct Signed {
  SigningKey server = SigningKey::generate();
  SigningKey device = SigningKey::generate();
  Bundle bundle;
  Signed() {
    bundle.device_id = DeviceId::random();
    bundle.server = server.public_key();
    bundle.created_at = 1'800'000'000;
    bundle.envelopes = {Bytes(300, 7)};
  }
};

BundleFile file_of(std::size_t size) {
  Bytes plain(size, 0x5A);
  auto sealed = seal_file(plain);
  REQUIRE(sealed.is_ok());
  BundleFile f;
  f.id = sealed->id;
  f.sha256 = sealed->sha256;
  f.size = sealed->size;
  f.submission_id = SubmissionId::random();
  f.revision = 2;
  f.chunks = sealed->chunks;
  return f;
}

}  // namespace

TEST_CASE("a bundle with files is version 3 and gives back every chunk", "[bundle][files]") {
  Signed s;
  const Bytes without = encode_bundle(s.bundle, s.device);
  CHECK(without[kBundleMagic.size()] == 1);  // no files, no registration: older servers read it
  s.bundle.files = {file_of(3 * kFileChunkBytes + 5), file_of(10)};
  const Bytes with = encode_bundle(s.bundle, s.device);
  CHECK(with[kBundleMagic.size()] == 3);
  auto d = decode_bundle(with);
  REQUIRE(d.is_ok());
  CHECK(verify_bundle(*d, s.device.public_key()).is_ok());
  REQUIRE(d->bundle.files.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const BundleFile& a = s.bundle.files[i];
    const BundleFile& b = d->bundle.files[i];
    CHECK(b.id == a.id);
    CHECK(b.sha256 == a.sha256);
    CHECK(b.size == a.size);
    CHECK(b.submission_id == a.submission_id);
    CHECK(b.revision == 2);
    CHECK(b.chunks == a.chunks);
  }
  CHECK(d->bundle.files[0].chunks.size() == 4);
  CHECK(d->bundle.files[0].sealed_bytes() == sealed_file_size(3 * kFileChunkBytes + 5));
}

TEST_CASE("a file entry whose chunks do not match its size is damage, named by file",
          "[bundle][files]") {
  Signed s;
  BundleFile f = file_of(2 * kFileChunkBytes);
  f.chunks.pop_back();  // 1 chunk for a 2-chunk file
  s.bundle.files = {file_of(50), f};
  auto d = decode_bundle(encode_bundle(s.bundle, s.device));
  REQUIRE_FALSE(d.is_ok());
  CHECK_THAT(d.status().message(), Catch::Contains("damaged at file 2"));
  // Cut short anywhere in the files: damaged, never read past the end.
  s.bundle.files = {file_of(kFileChunkBytes + 1)};
  const Bytes whole = encode_bundle(s.bundle, s.device);
  for (std::size_t cut : {std::size_t{200}, whole.size() / 2, whole.size() - 65}) {
    const Bytes part(whole.begin(), whole.begin() + static_cast<long>(cut));
    CHECK_FALSE(decode_bundle(part).is_ok());
  }
}

TEST_CASE("a receipt says which files the server holds and why the others are not",
          "[bundle][files]") {
  Signed s;
  Receipt rc;
  rc.created_at = 1'800'000'100;
  ReceiptItem item;
  item.submission_id = SubmissionId::random();
  item.origin = s.bundle.device_id;
  item.result.status = ItemStatus::kAccepted;
  rc.items.push_back(item);
  const Bytes plain = encode_receipt(rc, s.server);
  CHECK(plain[kReceiptMagic.size()] == 2);
  FileId held{}, refused{};
  held[0] = 1;
  refused[0] = 2;
  rc.files = {{held, true, ""}, {refused, false, "the server could not store the file now"}};
  const Bytes with = encode_receipt(rc, s.server);
  CHECK(with[kReceiptMagic.size()] == 3);
  auto back = decode_receipt(with, s.server.public_key());
  REQUIRE(back.is_ok());
  REQUIRE(back->files.size() == 2);
  CHECK(back->files[0].id == held);
  CHECK(back->files[0].held);
  CHECK_FALSE(back->files[1].held);
  CHECK(back->files[1].detail == "the server could not store the file now");
  // Signed like the rest: another server's key does not open it.
  CHECK_FALSE(decode_receipt(with, SigningKey::generate().public_key()).is_ok());
}
