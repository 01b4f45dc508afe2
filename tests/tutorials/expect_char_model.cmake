# cmake -DPROGRAM=... -DARGS=a;b -DOUT=dir -DBOUND=2.6 -P expect_char_model.cmake
# char_model, short: exit 0; the bigram's two methods (counting, a trained one-layer network) agree, their
# probability tables within 1e-4 of each other and their validation losses to 5 decimals; the validation
# loss after training is below BOUND (log 27 = 3.30 knows nothing); 20 made-up words are printed, each a
# line of lower-case letters; the last line is "validation loss: x.xxxx".
include(${CMAKE_CURRENT_LIST_DIR}/run_program.cmake)
file(REMOVE_RECURSE "${OUT}")
run_program("char_model ${ARGS}" 0 "${PROGRAM}" ${ARGS} --out "${OUT}")
message("${stdout}${stderr}")

expect_match("the bigram tables" "${stdout}" "max \\|P_counting - P_network\\| = [0-9]\\.[0-9][0-9]e-(0[5-9]|[1-9][0-9])\n")
string(REGEX MATCH "validation loss: counting ([0-9.]+), network ([0-9.]+)" found "${stdout}")
if(NOT found)
  message(FATAL_ERROR "no line with the two bigram validation losses")
endif()
# Compared as text, to 5 decimals (x.xxxxx): CMake has no floating-point arithmetic.
string(SUBSTRING "${CMAKE_MATCH_1}" 0 7 counting)
string(SUBSTRING "${CMAKE_MATCH_2}" 0 7 network)
if(NOT counting STREQUAL network)
  message(FATAL_ERROR "the bigram's validation losses differ: counting ${CMAKE_MATCH_1}, network ${CMAKE_MATCH_2}")
endif()

string(STRIP "${stdout}" stripped)
string(REGEX MATCH "[^\n]*$" last_line "${stripped}")
if(NOT last_line MATCHES "^validation loss: ([0-9]+\\.[0-9][0-9][0-9][0-9])$")
  message(FATAL_ERROR "last line is \"${last_line}\", expected \"validation loss: x.xxxx\"")
endif()
if(NOT CMAKE_MATCH_1 LESS BOUND)
  message(FATAL_ERROR "validation loss ${CMAKE_MATCH_1}, expected below ${BOUND}")
endif()

string(REGEX MATCHALL "\n   [ 1-9][0-9]  [a-z]+( \\*)?" words "${stdout}")
list(LENGTH words count)
if(NOT count EQUAL 20)
  message(FATAL_ERROR "expected 20 made-up words, found ${count}: ${words}")
endif()
expect_match("the words' header" "${stdout}" "6\\. 20 words made up by the model")
