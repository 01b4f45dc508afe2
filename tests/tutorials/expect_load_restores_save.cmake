# cmake -DPROGRAM=... -DARGS=a;b -DWORK=dir [-DNAMES=a;b] -P expect_load_restores_save.cmake
# What --save writes, --load restores whole: a run of no epochs from a saved file, with another --seed,
# saves the same tensors (names, shapes and bytes; only the metadata's epoch count differs) and reports
# the same test accuracy. NAMES: tensors the file must hold (a program of several models saves each).
include(${CMAKE_CURRENT_LIST_DIR}/run_program.cmake)
file(REMOVE_RECURSE "${WORK}")
function(run label)
  run_program("${label}" 0 "${PROGRAM}" ${ARGS} ${ARGN})
  string(REGEX MATCH "test accuracy: [^\n]*\n$" last "${stdout}")
  set(last "${last}" PARENT_SCOPE)
endfunction()

# A safetensors file without its metadata: the JSON header (whose length its first 8 bytes hold,
# little-endian) less "__metadata__", and the hash of the tensors' bytes after it.
function(tensors file out)
  file(READ "${file}" size LIMIT 4 HEX)
  string(REGEX REPLACE "(..)(..)(..)(..)" "0x\\4\\3\\2\\1" size "${size}")
  math(EXPR size "${size}")
  math(EXPR data "8 + ${size}")
  file(READ "${file}" header OFFSET 8 LIMIT ${size})
  string(REGEX REPLACE ",?\"__metadata__\":{[^}]*}" "" header "${header}")
  file(READ "${file}" bytes OFFSET ${data} HEX)
  string(SHA256 bytes "${bytes}")
  set(${out} "${header}\n${bytes}" PARENT_SCOPE)
endfunction()

run("trained and saved" --epochs 1 --out "${WORK}/trained" --save "${WORK}/trained.safetensors")
set(trained_accuracy "${last}")
run("loaded and saved" --epochs 0 --seed 7 --load "${WORK}/trained.safetensors" --out "${WORK}/loaded"
    --save "${WORK}/loaded.safetensors")
tensors("${WORK}/trained.safetensors" trained)
tensors("${WORK}/loaded.safetensors" loaded)
foreach(name IN LISTS NAMES)
  if(NOT trained MATCHES "\"${name}\":")
    message(FATAL_ERROR "--save wrote no ${name}:\n${trained}")
  endif()
endforeach()
if(NOT trained STREQUAL loaded)
  message(FATAL_ERROR "--load did not restore what --save wrote:\nsaved:\n${trained}\nloaded and saved again:\n${loaded}")
endif()
if(NOT trained_accuracy STREQUAL last)
  message(FATAL_ERROR "the loaded model tests otherwise: ${trained_accuracy} then ${last}")
endif()
