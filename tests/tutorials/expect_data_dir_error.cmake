# cmake -DPROGRAM=... -DARGS=a;b -DWORK=dir -DCOLLECTION=mnist|fashion-mnist -DDEFAULT_DIR=dir -P expect_data_dir_error.cmake
# A --data-dir that does not hold the files (a typo, an empty folder, a file) is an error naming the
# folder, the files looked for and how to fetch them, before any work; never a silent switch to the
# embedded subset. Without --data-dir and SG_DATA_DIR, a default folder without the files falls back to
# the embedded subset, and the first line of output says so.
include(${CMAKE_CURRENT_LIST_DIR}/run_program.cmake)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/empty")
file(WRITE "${WORK}/a_file" "not a folder")
foreach(dir "${WORK}/typo" "${WORK}/empty" "${WORK}/a_file")
  run_program("--data-dir ${dir}" 1 "${PROGRAM}" ${ARGS} --data-dir "${dir}" --out "${WORK}/out")
  foreach(part "${dir}/${COLLECTION}" "train-images-idx3-ubyte" "train-labels-idx1-ubyte" "datasets/fetch --data-dir ${dir}")
    string(FIND "${stderr}" "${part}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "--data-dir ${dir}: the error does not name \"${part}\":\n${stderr}")
    endif()
  endforeach()
  expect_no_work("--data-dir ${dir}")
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
run_program("default folder" 0 ${CMAKE_COMMAND} -E env --unset=SG_DATA_DIR "${PROGRAM}" ${ARGS} --out "${WORK}/out")
expect_match("default folder without the data: the first line must say so" "${stdout}"
             "^note: no full [-A-Za-z]+ in [^\n]*${COLLECTION}: using the embedded subset")
