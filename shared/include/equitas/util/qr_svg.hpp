// A QR code as an SVG image, drawn from Debian's libqrencode: the
// collector's admin page shows the LAN address so officers can open the
// survey on their phones, and the server's response code slips carry their
// code.
#pragma once

#include <string>

#include "equitas/status/status.hpp"

namespace equitas {

// invalid_argument when `text` is too long for a QR code.
Result<std::string> qr_svg(const std::string& text);

}  // namespace equitas
