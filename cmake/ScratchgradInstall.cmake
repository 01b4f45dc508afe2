# cmake --install: headers under include/scratchgrad, the libraries, and a package config so that an
# outside project can find_package(scratchgrad) and link scratchgrad::scratchgrad.
include(CMakePackageConfigHelpers)

foreach(folder autograd nn datasets distributed)
  if(EXISTS "${PROJECT_SOURCE_DIR}/${folder}" AND (NOT folder STREQUAL "distributed" OR TARGET sg_distributed))
    install(DIRECTORY "${folder}/" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/scratchgrad/${folder}"
            FILES_MATCHING PATTERN "*.h" PATTERN "embedded" EXCLUDE PATTERN "data" EXCLUDE)
  endif()
endforeach()
install(DIRECTORY include/scratchgrad/ DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/scratchgrad"
        PATTERN "distributed.h" EXCLUDE)
if(TARGET sg_distributed)
  install(FILES include/scratchgrad/distributed.h DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/scratchgrad")
  # scratchgrad::distributed is a static library: whoever links it links MPI and Boost.MPI too.
  string(APPEND SG_EXTRA_DEPENDENCIES "find_dependency(MPI COMPONENTS CXX)\nfind_dependency(Boost 1.74 CONFIG COMPONENTS mpi)\n")
endif()

set(sg_targets)
foreach(target sg_autograd sg_nn sg_datasets sg_distributed sg_scratchgrad)
  if(TARGET ${target})
    list(APPEND sg_targets ${target})
  endif()
endforeach()
install(TARGETS ${sg_targets} EXPORT scratchgradTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT scratchgradTargets NAMESPACE scratchgrad:: DESTINATION "${CMAKE_INSTALL_LIBDIR}/cmake/scratchgrad")

configure_package_config_file(cmake/scratchgradConfig.cmake.in "${PROJECT_BINARY_DIR}/scratchgradConfig.cmake"
                              INSTALL_DESTINATION "${CMAKE_INSTALL_LIBDIR}/cmake/scratchgrad")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/scratchgradConfigVersion.cmake" COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/scratchgradConfig.cmake" "${PROJECT_BINARY_DIR}/scratchgradConfigVersion.cmake"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}/cmake/scratchgrad")
