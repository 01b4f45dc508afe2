// mnist_cnn_layers times each layer of a model on one image, as its notebook timed each forward_prop,
// and prints one line per layer, the columns lined up.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <scratchgrad/scratchgrad.h>

namespace sg::tutorial {

using Clock = std::chrono::steady_clock;

/// Milliseconds since start.
double ms_since(Clock::time_point start);

/// The width of the widest layer description of the model, at least 30: the first column's.
int name_width(const nn::Sequential& model);

/// One timing line: "   <name>  <what> <value>  <pass> <ms> ms", e.g. what "output", value "[1, 8, 15, 15]",
/// pass "forward".
void print_timing(const std::string& name, int width, const std::string& what, const std::string& value,
                  const std::string& pass, double ms);

/// Runs the model on one image, layer by layer, printing each layer's output shape and forward time;
/// returns the input and every layer's output.
std::vector<Tensor> forward_timed(nn::Sequential& model, const Tensor& image);

}  // namespace sg::tutorial
