# The shared library's areas share one include root (shared/include), so the
# compiler cannot stop an area from including one above it. This check does:
# each area may include only itself and the areas listed for it, the order
# shared/CMakeLists.txt links them in. Run by ctest as "layering":
#   cmake -DROOT=<checkout> -P tests/layering.cmake
cmake_minimum_required(VERSION 3.25)
set(allowed_status "")
set(allowed_util "status")
set(allowed_db "status;util")
set(allowed_crypto "status;util")
set(allowed_wire "status;util;crypto")
set(allowed_forms "status;util;crypto;wire")
set(allowed_web "status;util")
set(areas status util db crypto wire forms web)

set(failures "")
foreach(area IN LISTS areas)
  file(GLOB_RECURSE files "${ROOT}/shared/src/${area}/*.cpp" "${ROOT}/shared/src/${area}/*.hpp"
       "${ROOT}/shared/include/equitas/${area}/*.hpp")
  foreach(file IN LISTS files)
    file(STRINGS "${file}" lines REGEX "^#include \"equitas/[a-z_]+/")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^#include \"equitas/([a-z_]+)/.*" "\\1" target "${line}")
      if(NOT target STREQUAL area AND NOT target IN_LIST allowed_${area})
        file(RELATIVE_PATH rel "${ROOT}" "${file}")
        list(APPEND failures "${rel}: the ${area} area includes ${target} (${line})")
      endif()
    endforeach()
  endforeach()
endforeach()

if(failures)
  list(JOIN failures "\n  " text)
  message(FATAL_ERROR "Includes against the layering of shared/:\n  ${text}")
endif()
message(STATUS "shared/: every include goes down the layers")
