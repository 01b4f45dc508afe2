// Running another program (Graphviz's dot) without a shell: its arguments reach it as they are, so a file
// name with quotes or semicolons in it stays a file name and never becomes a command.
#pragma once

#include <string>
#include <vector>

namespace sg::tutorial {

struct ProgramOutput {
  bool found = false;   // false: no such program in PATH (nothing ran)
  int exit_code = -1;   // its exit code; -1 when a signal ended it
  std::string output;   // what it wrote to its standard output
};

/// Runs argv[0], looked up in PATH, with the arguments argv[1...], and collects its standard output;
/// its standard error goes to ours.   run_program({"dot", "-Tsvg", "graph.dot"}).output is the SVG.
ProgramOutput run_program(const std::vector<std::string>& argv);

}  // namespace sg::tutorial
