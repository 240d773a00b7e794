// A QR code as an SVG image, drawn from Debian's libqrencode: the admin page
// shows the LAN address so officers can open the survey on their phones.
#pragma once

#include <string>

#include "equitas/status/status.hpp"

namespace equitas::collector {

Result<std::string> qr_svg(const std::string& text);

}  // namespace equitas::collector
