# cmake -DPROGRAM=... -DWORK=dir -P expect_no_shell.cmake
# autograd_basics hands its graph to Graphviz's dot. An --out folder named like a shell command must stay
# a folder name: dot gets it as one argument, never through a shell. A stand-in `dot` (first in PATH)
# prints its arguments as the SVG, so the test needs no Graphviz and can check what dot was given.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/bin")
file(WRITE "${WORK}/bin/dot" "#!/bin/sh\necho \"<svg><!-- $* --></svg>\"\n")
file(CHMOD "${WORK}/bin/dot" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE)
set(out "x'; touch injected; '")
execute_process(COMMAND ${CMAKE_COMMAND} -E env "PATH=${WORK}/bin:$ENV{PATH}"
                        "${PROGRAM}" --epochs 0 --train-size 8 --test-size 8 --out "${out}"
                WORKING_DIRECTORY "${WORK}" RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
if(EXISTS "${WORK}/injected")
  message(FATAL_ERROR "--out \"${out}\" ran a shell command (the file 'injected' was created)\n${stdout}${stderr}")
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "expected exit code 0, got ${rc}\n${stdout}${stderr}")
endif()
set(svg "${WORK}/${out}/autograd_graph.svg")
if(NOT EXISTS "${svg}")
  message(FATAL_ERROR "no ${svg}\n${stdout}${stderr}")
endif()
file(READ "${svg}" text)
if(NOT text MATCHES "<!-- -Tsvg x'; touch injected; '/autograd_graph.dot -->")
  message(FATAL_ERROR "dot was given other arguments than -Tsvg and the .dot file: ${text}")
endif()
