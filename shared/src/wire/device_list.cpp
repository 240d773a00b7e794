#include "equitas/wire/device_list.hpp"

#include <algorithm>

#include "signed_file.hpp"

namespace equitas {
namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kActive = 1;
constexpr std::uint8_t kPending = 2;

bool by_id(const DeviceListEntry& a, const DeviceListEntry& b) { return a.id.bytes < b.id.bytes; }

void write_entries(ByteWriter& w, const std::vector<DeviceListEntry>& devices) {
  w.varint(devices.size());
  for (const auto& d : devices) {
    w.raw(d.id.bytes);
    w.u8(d.active ? kActive : kPending);
    if (d.active) w.raw(d.key);
  }
}

Bytes with_context(ByteView body) {
  Bytes out(kDeviceListSignContext.begin(), kDeviceListSignContext.end());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace

void DeviceList::sort() { std::sort(devices.begin(), devices.end(), by_id); }

const DeviceListEntry* DeviceList::find(const DeviceId& id) const {
  DeviceListEntry probe;
  probe.id = id;
  auto it = std::lower_bound(devices.begin(), devices.end(), probe, by_id);
  return it != devices.end() && it->id == id ? &*it : nullptr;
}

Bytes encode_device_list(DeviceList list, const SigningKey& server_key) {
  list.sort();
  ByteWriter w(64 + list.devices.size() * 49);
  w.raw(kDeviceListMagic);
  w.u8(kVersion);
  w.raw(server_key.public_key());
  w.u64be(static_cast<std::uint64_t>(list.issued_at));
  write_entries(w, list.devices);
  Bytes out = w.take();
  const Signature sig = server_key.sign(with_context(out));
  out.insert(out.end(), sig.begin(), sig.end());
  return out;
}

Result<DeviceList> decode_device_list(ByteView bytes, const SignPublicKey& pinned) {
  const auto file = wire_detail::split_signed(bytes, kDeviceListMagic);
  if (!file) return Status::invalid_argument("this is not an Equitas device list");
  const ByteView body = file->body;
  if (!verify_signature(pinned, with_context(body), file->signature)) {
    return Status::unauthenticated("the device list is not signed by this collector's server");
  }
  DeviceList list;
  ByteReader r(body.subspan(kDeviceListMagic.size()));
  std::uint8_t version = 0;
  std::uint64_t issued = 0, count = 0;
  if (!r.u8(version) || version != kVersion || !r.fixed(list.server) || !r.u64be(issued) ||
      !r.varint(count, kMaxDeviceListEntries)) {
    return Status::corruption("the device list header is damaged");
  }
  list.issued_at = static_cast<std::int64_t>(issued);
  list.devices.resize(count);
  for (auto& d : list.devices) {
    std::uint8_t state = 0;
    if (!r.fixed(d.id.bytes) || !r.u8(state) || (state != kActive && state != kPending) ||
        (state == kActive && !r.fixed(d.key))) {
      return Status::corruption("the device list is damaged");
    }
    d.active = state == kActive;
  }
  if (!r.at_end()) return Status::corruption("the device list has trailing bytes");
  for (std::size_t i = 1; i < list.devices.size(); ++i) {
    if (!by_id(list.devices[i - 1], list.devices[i]))
      return Status::corruption("the device list is out of order");
  }
  return list;
}

std::array<std::uint8_t, 32> device_list_digest(const DeviceList& list) {
  ByteWriter w;
  write_entries(w, list.devices);
  std::array<std::uint8_t, 32> h{};
  crypto_generichash(h.data(), h.size(), w.bytes().data(), w.bytes().size(), nullptr, 0);
  return h;
}

}  // namespace equitas
