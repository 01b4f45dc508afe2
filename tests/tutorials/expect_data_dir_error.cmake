# cmake -DPROGRAM=... -DARGS=a;b -DWORK=dir -DCOLLECTION=mnist|fashion-mnist -DDEFAULT_DIR=dir -P expect_data_dir_error.cmake
# A --data-dir that does not hold the files (a typo, an empty folder, a file) is an error naming the
# folder, the files looked for and how to fetch them, before any work; never a silent switch to the
# embedded subset. Without --data-dir and SG_DATA_DIR, a default folder without the files falls back to
# the embedded subset, and the first line of output says so.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/empty")
file(WRITE "${WORK}/a_file" "not a folder")
foreach(dir "${WORK}/typo" "${WORK}/empty" "${WORK}/a_file")
  execute_process(COMMAND "${PROGRAM}" ${ARGS} --data-dir "${dir}" --out "${WORK}/out"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "--data-dir ${dir}: expected exit code 1, got ${rc}\n${stdout}${stderr}")
  endif()
  foreach(part "${dir}/${COLLECTION}" "train-images-idx3-ubyte" "train-labels-idx1-ubyte" "datasets/fetch --data-dir ${dir}")
    string(FIND "${stderr}" "${part}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "--data-dir ${dir}: the error does not name \"${part}\":\n${stderr}")
    endif()
  endforeach()
  if(NOT stdout STREQUAL "")
    message(FATAL_ERROR "--data-dir ${dir}: the program did some work before stopping:\n${stdout}")
  endif()
endforeach()

set(have_full TRUE)
foreach(stem train-images-idx3-ubyte train-labels-idx1-ubyte)
  if(NOT EXISTS "${DEFAULT_DIR}/${COLLECTION}/${stem}" AND NOT EXISTS "${DEFAULT_DIR}/${COLLECTION}/${stem}.gz")
    set(have_full FALSE)
  endif()
endforeach()
if(have_full)
  return()  # the full data was fetched into the default folder: nothing falls back
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=SG_DATA_DIR "${PROGRAM}" ${ARGS} --out "${WORK}/out"
                RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "default folder: expected exit code 0, got ${rc}\n${stdout}${stderr}")
endif()
if(NOT stdout MATCHES "^note: no full [-A-Za-z]+ in [^\n]*${COLLECTION}: using the embedded subset")
  message(FATAL_ERROR "default folder without the data: the first line must say that the embedded subset is used:\n${stdout}")
endif()
