# cmake -DPROGRAM=... -DWORK=dir -P expect_load_refuses_other_run.cmake
# fashion_cnn's second model depends on --fix and --conv-bias: a file saved under one must not load
# under another (it would run a model other than the one trained). Refused as a bad option (exit 2,
# naming the file and the option to pass, before any work); loaded under the same ones, it runs.
include(${CMAKE_CURRENT_LIST_DIR}/run_program.cmake)
file(REMOVE_RECURSE "${WORK}")
set(small --epochs 0 --train-size 20 --test-size 20 --out "${WORK}")
set(file "${WORK}/leaky.safetensors")
run_program("saved with --fix leaky_relu" 0 "${PROGRAM}" ${small} --fix leaky_relu --save "${file}")
run_program("loaded with the default --fix" 2 "${PROGRAM}" ${small} --load "${file}")
expect_match("another --fix" "${stderr}"
             "^error: --load [^\n]*leaky.safetensors: its models were trained with --fix leaky_relu, not small_init; pass --fix leaky_relu")
expect_no_work("another --fix")
run_program("loaded with --conv-bias false" 2 "${PROGRAM}" ${small} --fix leaky_relu --conv-bias false --load "${file}")
expect_match("another --conv-bias" "${stderr}"
             "^error: --load [^\n]*: its models were trained with --conv-bias true, not false; pass --conv-bias true")
run_program("loaded with the same options" 0 "${PROGRAM}" ${small} --fix leaky_relu --load "${file}")
