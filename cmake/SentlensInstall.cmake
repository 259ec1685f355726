# install() rules and the CMake package, so `find_package(sentlens)` works for consumers.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS sentlens sentlens_core EXPORT sentlensTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS sentlens_sentencepiece LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sentlens DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET sentlens_cli)
  install(TARGETS sentlens_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(EXPORT sentlensTargets NAMESPACE sentlens::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sentlens)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sentlensConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sentlensConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sentlens)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sentlensConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sentlensConfig.cmake
              ${PROJECT_BINARY_DIR}/sentlensConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/SentlensDependencies.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sentlens)
# The bundled demo model and its example traces (src/workflow/demo.cpp finds them here).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/demo
  DESTINATION ${CMAKE_INSTALL_DATADIR}/sentlens/models OPTIONAL)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/traces
  DESTINATION ${CMAKE_INSTALL_DATADIR}/sentlens/examples OPTIONAL)
