# cmake -DPROGRAM=... -DARGS=a;b -DOUT=dir -DFIGURE=name.svg -P expect_checkpoint_before_figures.cmake
# A picture that cannot be written (here a folder stands where FIGURE should go) fails the program, but
# only after the --save checkpoint is written: the model is what training was for.
include(${CMAKE_CURRENT_LIST_DIR}/run_program.cmake)
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}/${FIGURE}")
run_program("${FIGURE} cannot be written" 1 "${PROGRAM}" ${ARGS} --out "${OUT}" --save "${OUT}/model.safetensors")
expect_match("an error naming ${FIGURE}" "${stderr}" "^error: [^\n]*${FIGURE}")
if(NOT EXISTS "${OUT}/model.safetensors")
  message(FATAL_ERROR "the --save checkpoint was not written before the figure failed\n${stdout}${stderr}")
endif()
