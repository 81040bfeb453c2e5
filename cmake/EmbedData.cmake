# Bakes the readable data files under models/ into one generated C++ source, as raw string
# literals, so the core (native and wasm) needs no file I/O and the page works offline.
function(headroom_embed_data)
  cmake_parse_arguments(ARG "" "OUTPUT;GPU_CATALOG;CALIBRATION;CONFIG_DIR" "" ${ARGN})
  file(GLOB config_files CONFIGURE_DEPENDS "${ARG_CONFIG_DIR}/*.json")
  list(SORT config_files)
  set(inputs "${ARG_GPU_CATALOG}" "${ARG_CALIBRATION}" ${config_files})
  add_custom_command(
    OUTPUT "${ARG_OUTPUT}"
    COMMAND "${CMAKE_COMMAND}"
      -DOUTPUT=${ARG_OUTPUT}
      -DGPU_CATALOG=${ARG_GPU_CATALOG}
      -DCALIBRATION=${ARG_CALIBRATION}
      -DCONFIG_DIR=${ARG_CONFIG_DIR}
      -P "${CMAKE_SOURCE_DIR}/cmake/WriteEmbeddedData.cmake"
    DEPENDS ${inputs} "${CMAKE_SOURCE_DIR}/cmake/WriteEmbeddedData.cmake"
    COMMENT "Embedding models/ data")
endfunction()
