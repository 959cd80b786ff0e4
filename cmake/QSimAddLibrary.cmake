# qsim_add_library(name SOURCES... [DEPENDS targets...] [LINK_LIBS libs...])
#
# A static library that is installed and exported in QSimTargets, so that an
# embedding project can find_package(QSim) and link QSim::<name>. Upstream's
# add_mlir_library exports into MLIRTargets, which is wrong for an out-of-tree
# project, hence this small wrapper. MLIR itself is linked as the shared
# library target `MLIR`.
function(qsim_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  add_library(QSim::${name} ALIAS ${name})
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LINK_LIBS})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${QSIM_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${QSIM_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:include>)
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  if(NOT LLVM_ENABLE_RTTI)
    target_compile_options(${name} PRIVATE -fno-rtti)
  endif()
  install(TARGETS ${name} EXPORT QSimTargets ARCHIVE DESTINATION lib)
  set_property(GLOBAL APPEND PROPERTY QSIM_EXPORTED_LIBS ${name})
endfunction()
