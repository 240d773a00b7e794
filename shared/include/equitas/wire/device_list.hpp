// The server's signed list of the devices a relay may carry for.
//
// A collector that relays another post's USB bundle cannot ask the server
// anything (it may be offline for weeks), yet it must not spend a satellite
// link on junk: anyone can seal envelopes to the server, whose public key is
// in every enrollment code. So at every sync the collector fetches this list
// (when it changed), keeps it, and accepts to relay only envelopes that
// verify with the key of a device the list names as active, or a device the
// list names as pending whose bundle carries its own registration.
//
// "EQL1" | u8 version=1 | 32 server sign pk | u64be issued_at | varint count
// | count x (16 device id | u8 state: 1 active, 2 pending | 32 sign pk if active)
// | 64 Ed25519 signature by the server over kDeviceListSignContext || all before it
//
// Devices are sorted by id. About 49 bytes per active device.
#pragma once

#include <optional>
#include <vector>

#include "equitas/crypto/keys.hpp"
#include "equitas/status/status.hpp"
#include "equitas/wire/ids.hpp"

namespace equitas {

inline constexpr std::string_view kDeviceListMagic = "EQL1";
inline constexpr std::string_view kDeviceListSignContext{"equitas/device-list/v1\0", 23};
// Fits the collector's 1 MiB message limit with room to spare.
inline constexpr std::size_t kMaxDeviceListEntries = 16'000;

struct DeviceListEntry {
  DeviceId id;
  bool active = false;  // else pending: enrolled, never registered
  SignPublicKey key{};  // when active
};

struct DeviceList {
  SignPublicKey server{};
  std::int64_t issued_at = 0;
  std::vector<DeviceListEntry> devices;  // sorted by id

  // Puts `devices` in the order the encoding and find() rely on.
  void sort();
  const DeviceListEntry* find(const DeviceId& id) const;
};

// Sorts the entries and signs.
Bytes encode_device_list(DeviceList list, const SigningKey& server_key);
// Checks structure, order and the server's signature against `pinned`.
Result<DeviceList> decode_device_list(ByteView bytes, const SignPublicKey& pinned);
// What the (sorted) entries say, without the date: lets a collector ask
// "has it changed?" with 32 bytes.
std::array<std::uint8_t, 32> device_list_digest(const DeviceList& list);

}  // namespace equitas
