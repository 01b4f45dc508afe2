// Spellings that must not compile. CTest compiles this file once per CASE and expects the compiler to
// refuse each one with the words in the test's expected output; CASE 0, the right spellings, must compile,
// so a broken compile command cannot pass the other cases by failing for another reason.
#include <vector>

#include "scratchgrad/scratchgrad.h"

int main() {
#if CASE == 0
  sg::tensor(std::vector<int64_t>{1, 2, 3}, {3});
  sg::nn::Conv2d(1, 4, 3, {.stride = 2, .padding = {1, 2}});
  sg::nn::MaxPool2d(2, {.stride = 1});
  sg::nn::ConvTranspose2d(4, 2, 3, {.stride = 2, .output_padding = {1, 0}, .groups = 2});
#elif CASE == 1  // a pair option takes one number or two
  sg::nn::Conv2d(1, 4, 3, {.padding = {1, 2, 3}});
#elif CASE == 2  // sizes and strides are whole numbers
  sg::nn::MaxPool2d(2, {.stride = 1.5});
#elif CASE == 3  // nested braces are not a pair
  sg::nn::Conv2d(1, 4, 3, {.padding = {{1, 2}}});
#elif CASE == 4  // a tensor holds float, double or int64_t: std::vector<int> must be converted first
  sg::tensor(std::vector<int>{1, 2, 3}, {3});
#elif CASE == 5  // nested braces are not a pair, in ConvTranspose2d's output_padding either
  sg::nn::ConvTranspose2d(4, 2, 3, {.output_padding = {{1, 0}}});
#endif
}
