// The headers most test files include, parsed once per build into a
// precompiled header (tests/CMakeLists.txt) instead of once per file: Catch2
// and Boost's HTTP and JSON headers are most of a test file's compile time
// at -O0. Test files still include what they use; this changes only speed.
#pragma once

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
