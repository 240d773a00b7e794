#include "equitas/util/json_text.hpp"

#include <boost/json/stream_parser.hpp>

namespace equitas {

TextPosition text_position(std::string_view text, std::size_t offset) {
  TextPosition pos;
  const std::size_t end = std::min(offset, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n') {
      ++pos.line;
      pos.column = 1;
    } else if ((byte & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
      ++pos.column;
    }
  }
  return pos;
}

Result<boost::json::value> parse_json_text(std::string_view text, std::string_view what,
                                           const boost::json::parse_options& options) {
  boost::json::stream_parser parser({}, options);
  boost::system::error_code ec;
  // On an error, write() returns the offset of the byte it stopped at.
  std::size_t offset = parser.write(text.data(), text.size(), ec);
  if (!ec) {
    parser.finish(ec);
    offset = text.size();  // "incomplete JSON": the text ended too soon
  }
  if (ec) {
    const TextPosition pos = text_position(text, offset);
    return Status::invalid_argument(std::string(what) + ": " + ec.message() + " at line " +
                                    std::to_string(pos.line) + ", column " +
                                    std::to_string(pos.column));
  }
  return parser.release();
}

}  // namespace equitas
