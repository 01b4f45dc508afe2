# cmake -DPROGRAM=... -DARGS=a;b -DOUT=dir -DFIGURE=name.svg -P expect_checkpoint_before_figures.cmake
# A picture that cannot be written (here a folder stands where FIGURE should go) fails the program, but
# only after the --save checkpoint is written: the model is what training was for.
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}/${FIGURE}")
execute_process(COMMAND "${PROGRAM}" ${ARGS} --out "${OUT}" --save "${OUT}/model.safetensors"
                RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit code 1 (the figure cannot be written), got ${rc}\n${stdout}${stderr}")
endif()
if(NOT stderr MATCHES "^error: [^\n]*${FIGURE}")
  message(FATAL_ERROR "expected an error naming ${FIGURE}, got:\n${stderr}")
endif()
if(NOT EXISTS "${OUT}/model.safetensors")
  message(FATAL_ERROR "the --save checkpoint was not written before the figure failed\n${stdout}${stderr}")
endif()
