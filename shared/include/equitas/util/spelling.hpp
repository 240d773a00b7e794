// "Did you mean ...?" for names a person typed: question names in answers,
// command names on the command line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace equitas {

// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into
// `b`, counted over bytes, ignoring ASCII case.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidates nearest to `word`, at most `max` of them, in the order of
// `candidates`, among those close enough to be a plausible typo: at most 1
// edit for a word of up to 4 characters, 2 up to 8, 3 beyond (a difference
// of case alone is the closest of all). Empty when none is that close, or
// when `word` is itself a candidate.
std::vector<std::string> closest_names(std::string_view word,
                                       const std::vector<std::string>& candidates,
                                       std::size_t max = 3);

}  // namespace equitas
