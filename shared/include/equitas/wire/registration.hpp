// Offline registration: what a collector that has never reached its server
// gives the server so that the enrollment completes without a session.
//
// Online, a collector proves its one-time enrollment secret inside the
// authenticated channel at its first sync (secure_channel.hpp). A post with
// no link at all carries a USB bundle instead, or has a neighbour relay it;
// the server cannot check the bundle's signature before it knows the
// device's key. So the bundle (and, through a relay, the first push) carries
// a registration document:
//
//   "EQG1" | u8 version=1 | 16 device id | 32 device sign key
//   | 32 server sign key (pinned) | lp(sealed)
//   | 64 Ed25519 signature by the device over kRegistrationSignContext || all before it
//
//   sealed = crypto_box_seal(server box key,
//            kRegistrationSealContext || 16 device id || 32 device sign key || 32 secret)
//
// Only the server can open the sealed part, so the secret never travels in a
// form a USB stick or a relay could read. The secret is sealed together with
// the device id and key it vouches for, and the device signs the whole, so
// nobody can attach a stolen document to another key. Replaying a document
// only registers the same device with the same key again.
#pragma once

#include "equitas/crypto/keys.hpp"
#include "equitas/crypto/secret.hpp"
#include "equitas/status/status.hpp"
#include "equitas/wire/enrollment_code.hpp"
#include "equitas/wire/ids.hpp"

namespace equitas {

inline constexpr std::string_view kRegistrationMagic = "EQG1";
inline constexpr std::string_view kRegistrationSignContext{"equitas/registration/v1\0", 24};
inline constexpr std::string_view kRegistrationSealContext{"equitas/registration-secret/v1\0", 31};
// A document is about 260 bytes; anything much larger is not one.
inline constexpr std::size_t kMaxRegistrationBytes = 1024;

struct Registration {
  DeviceId device_id;
  SignPublicKey device_key{};
  SignPublicKey server{};  // the server it is meant for
  Bytes sealed;            // the secret, sealed to the server
};

// Made by the collector from its pinned server keys and its enrollment secret.
Bytes make_registration(const DeviceId& device_id, const SigningKey& device_key,
                        const ServerPublicKeys& server,
                        const SecretBytes<kEnrollSecretBytes>& secret);

// Structure and the device's own signature (by the key it names). Anyone can
// check this much; only the server can go further.
Result<Registration> decode_registration(ByteView bytes);

// The server's part: opens the sealed secret with its box key and checks
// that it names the same device and key as the signed document. The secret
// is the caller's to compare (against the stored hash) and then drop.
Result<SecretBytes<kEnrollSecretBytes>> open_registration(const Registration& r,
                                                          const BoxKey& server_box);

}  // namespace equitas
