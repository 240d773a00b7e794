// The post administrator's PIN and what it unlocks.
//
// `collector init --admin-pin-file` (or `collector admin-pin`) creates an
// admin box key pair. The public half is stored in clear: drafts of forms
// that are not anonymous seal their key to it without needing the PIN. The
// secret half is stored encrypted (XChaCha20-Poly1305) under a key derived
// from the PIN with Argon2id at libsodium's MODERATE limits, so checking a
// PIN guess costs an attacker with the disk about half a second and 256 MiB.
// A short numeric PIN is still guessable offline by a patient attacker; the
// README asks for six characters at least and says so.
#pragma once

#include <optional>
#include <string>

#include "collector_store.hpp"
#include "equitas/crypto/keys.hpp"

namespace equitas::collector {

namespace meta_key {
inline constexpr std::string_view kAdminBoxPk = "admin_box_pk";
inline constexpr std::string_view kAdminBoxSkWrapped = "admin_box_sk_wrapped";
}  // namespace meta_key

inline constexpr std::size_t kMinPinLength = 6;

// Sets (or replaces) the PIN. Replacing it keeps the admin key, so drafts
// stay resumable; `old_pin` must then be the current PIN.
Status set_admin_pin(CollectorStore& store, std::string_view pin,
                     std::optional<std::string_view> old_pin);
Result<bool> admin_pin_is_set(CollectorStore& store);
Result<std::optional<BoxPublicKey>> admin_public_key(CollectorStore& store);
// The admin box key, when `pin` is right; kPermissionDenied when it is not.
Result<BoxKey> unlock_admin(CollectorStore& store, std::string_view pin);

}  // namespace equitas::collector
