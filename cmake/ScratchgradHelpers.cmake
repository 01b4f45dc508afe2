# Flags each target sets on itself (no global CMAKE_CXX_FLAGS edits).

# Warnings for our own code.
function(sg_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unknown-pragmas)
  if(SG_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${SG_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=${SG_SANITIZE})
  endif()
endfunction()

# The kernels may use this machine's vector units. The result is bitwise the same for any thread count
# either way; SG_NATIVE=OFF gives a binary that runs on any x86-64.
# -fno-math-errno: nothing here reads errno, and a sqrt that may set it stays scalar, with a branch per
# element to the library for a negative input (Adam's square root was 18% of W7's step). sqrt is
# correctly rounded either way, so no value changes.
function(sg_set_kernel_flags target)
  target_compile_options(${target} PRIVATE -fno-math-errno)
  if(SG_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()
