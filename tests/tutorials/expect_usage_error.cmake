# cmake -DPROGRAM=... -DNAME=... [-DRESUME=ON] [-DUNLISTED=save;load] -P expect_usage_error.cmake
# Every bad command line must print what is wrong, naming the option, then the usage, and end with exit
# code 2 (not 0, not 1, not a crash). Each entry: the argument, then a regex its error line must match.
# A stray argument is one too: ignored, "-epochs 5" or "5" would train with the defaults.
include(${CMAKE_CURRENT_LIST_DIR}/run_program.cmake)
set(cases
  "--no-such-option" "unrecognised option '--no-such-option'"
  "--epochs=abc" "'abc'.*'--epochs'"
  "--epochs" "'--epochs' is missing"
  "--epochs=-1" "--epochs must be >= 0, got -1"
  "--lr=0" "--lr must be a positive number, got 0"
  "--lr=-0.5" "--lr must be a positive number, got -0.5"
  "--lr=nan" "--lr must be a positive number, got -?nan"
  "--lr=inf" "--lr must be a positive number, got inf"
  "--batch-size=0" "--batch-size must be >= 1, got 0"
  "--train-size=0" "--train-size must be >= 1, got 0"
  "--test-size=-5" "--test-size must be >= 1, got -5"
  "--threads=-1" "--threads must be >= 0, got -1"
  "--seed=1.5" "'1.5'.*'--seed'"
  "--seed=-1" "--seed must be >= 0, got -1"
  "stray" "unexpected argument 'stray': options start with --")
if(RESUME)
  list(APPEND cases "--checkpoint-every=-1" "--checkpoint-every must be >= 0, got -1")
endif()
# Options a program does not list, because it would not act on them, are refused, not ignored.
foreach(option IN LISTS UNLISTED)
  list(APPEND cases "--${option}=x" "unrecognised option '--${option}(=x)?'")
endforeach()
list(LENGTH cases n)
math(EXPR last "${n} - 1")
foreach(i RANGE 0 ${last} 2)
  math(EXPR j "${i} + 1")
  list(GET cases ${i} bad)
  list(GET cases ${j} expected)
  run_program("${bad}" 2 "${PROGRAM}" ${bad})
  expect_match("${bad}" "${stderr}" "^error: [^\n]*${expected}")
  expect_match("${bad}: the usage on stderr" "${stderr}" "Usage: ${NAME}")
endforeach()
