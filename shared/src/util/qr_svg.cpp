#include "equitas/util/qr_svg.hpp"

#include <qrencode.h>

#include <memory>

namespace equitas {

Result<std::string> qr_svg(const std::string& text) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
  if (!code) return Status::invalid_argument("the text is too long for a QR code");
  const int w = code->width;
  constexpr int kQuiet = 4;  // the quiet zone scanners need around the code
  const int size = w + 2 * kQuiet;
  std::string path;
  for (int y = 0; y < w; ++y) {
    for (int x = 0; x < w; ++x) {
      if (code->data[y * w + x] & 1) {
        path += "M" + std::to_string(x + kQuiet) + " " + std::to_string(y + kQuiet) + "h1v1h-1z";
      }
    }
  }
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(size) + " " +
         std::to_string(size) +
         "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">" +
         "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path +
         "\"/></svg>";
}

}  // namespace equitas
