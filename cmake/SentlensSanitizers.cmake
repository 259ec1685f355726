# Sanitizer and fuzzing flags for every target of the build (see docs/fuzzing.md). Applied through
# directory-wide options so the library, its tests and the fuzz targets share one instrumentation.
if(SENTLENS_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SENTLENS_BUILD_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++")
  endif()
  set(SENTLENS_SANITIZE ON)
  # Coverage instrumentation for the fuzzer everywhere; only fuzz targets link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(SENTLENS_SANITIZE)
  # Any UB report fails the run instead of printing and continuing.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()
