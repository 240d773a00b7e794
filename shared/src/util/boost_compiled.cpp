// Boost.Asio's and Boost.Beast's non-template code, compiled once here rather
// than inline in every file that includes their headers (the top-level
// CMakeLists.txt defines BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION for the whole build). Beast's WebSocket
// code (its deflate and masking included) was compiled again in each of the
// server's session, the collector's sync client and the tests' raw client:
// this is the build's CPU time, which CI's 60-minute budget counts.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
