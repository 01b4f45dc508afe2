# cmake -DPROGRAM=... -DARGS=a;b -DOUT=dir -P expect_divergence.cmake
# A learning rate far too large makes the loss overflow. The tutorial must stop with exit code 1 and one
# error line naming the epoch, the step, the loss value and the first op whose output stopped being finite.
include(${CMAKE_CURRENT_LIST_DIR}/run_program.cmake)
file(REMOVE_RECURSE "${OUT}")
run_program("a diverging run" 1 "${PROGRAM}" ${ARGS} --out "${OUT}")
expect_match("a diverging run" "${stderr}"
             "error: training stopped at epoch [0-9]+, step [0-9]+: the loss is -?(inf|nan); anomaly: '[a-z_0-9]+' produced")
string(REGEX MATCH "error: [^\n]*" line "${stderr}")
message("${line}")
