// What kind of file a byte string is, told from its first bytes (the
// "magic numbers" of each format) and, failing that, from its name; and
// whether the formats whose end is marked are whole. For file questions
// (forms/file_answer.hpp): a photo cut short by a full card, or a PDF
// renamed .jpg, is refused at capture with a reason, not discovered by an
// analyst months later.
#pragma once

#include <string>
#include <string_view>

#include "equitas/util/bytes.hpp"

namespace equitas {

// "image/jpeg", "application/pdf", ...; "application/octet-stream" when
// neither the bytes nor the name's extension say.
std::string sniff_media_type(ByteView bytes, std::string_view name);
// Why a file of `type` is not whole ("the JPEG image has no end marker:
// it was cut short"), or "" when it is, or when the format has no end to
// check.
std::string truncation_problem(ByteView bytes, std::string_view type);
// ".jpg" for "image/jpeg"; ".bin" when unknown. For export file names.
std::string_view extension_for(std::string_view type);

}  // namespace equitas
