# Compiles one source file as the build does, but with clang++ and only its
# thread-safety analysis, which fails on any finding: a member marked
# EQ_GUARDED_BY used without its mutex, a function marked EQ_REQUIRES called
# without it (equitas/util/thread_annotations.hpp). GCC, which builds the
# programs, ignores the annotations; this is where they are checked. Run by
# ctest as "thread safety: ..." (tests/CMakeLists.txt):
#   cmake -DCLANGXX=clang++ -DCOMPILE_COMMANDS=<build>/compile_commands.json \
#         -DSOURCE=<absolute path of a .cpp> -P tests/thread_safety.cmake
cmake_minimum_required(VERSION 3.25)

file(READ "${COMPILE_COMMANDS}" db)
string(JSON count LENGTH "${db}")
math(EXPR last "${count} - 1")
set(command "")
foreach(i RANGE ${last})
  string(JSON file GET "${db}" ${i} file)
  if(file STREQUAL SOURCE)
    string(JSON command GET "${db}" ${i} command)
    string(JSON directory GET "${db}" ${i} directory)
    break()
  endif()
endforeach()
if(command STREQUAL "")
  message(FATAL_ERROR "${SOURCE} is not in ${COMPILE_COMMANDS}: reconfigure, or drop it from the check")
endif()

# What decides how the file parses (include paths, definitions, the
# standard); GCC's warning and code generation flags are left behind.
separate_arguments(args UNIX_COMMAND "${command}")
set(flags "")
set(take_next FALSE)
foreach(arg IN LISTS args)
  if(take_next)
    list(APPEND flags "${arg}")
    set(take_next FALSE)
  elseif(arg MATCHES "^-(I|D|std=).")
    list(APPEND flags "${arg}")
  elseif(arg MATCHES "^-(I|D|isystem|include)$")
    list(APPEND flags "${arg}")
    set(take_next TRUE)
  endif()
endforeach()

# Every other warning off: this check is about locks only.
execute_process(COMMAND "${CLANGXX}" ${flags} -fsyntax-only -Wno-everything -Wthread-safety -Werror "${SOURCE}"
                WORKING_DIRECTORY "${directory}" RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "clang's thread-safety analysis fails on ${SOURCE} (above)")
endif()
