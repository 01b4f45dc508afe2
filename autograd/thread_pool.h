// The threads behind parallel_for. A job is a number of chunks; each thread starts on its own share of
// them (thread t on the t-th contiguous share, so an op that follows on the same rows finds its share in
// its own core's cache) and, once its share is done, takes what is left of the others' one chunk at a time.
// The calling thread never waits for a thread that has not started: on a machine where another program
// holds a core, a worker may not run for a whole scheduler slice, and the caller then simply runs every
// chunk itself. It waits only for chunks a worker has already begun.
// Which thread runs a chunk never changes what the chunk computes, so results do not depend on it.
#pragma once

#include <cstdint>

namespace sg::detail {

/// Calls call(context, c) once for every c in [0, chunks), on up to `threads` threads counting the
/// caller, and returns when all calls have returned. An exception thrown by a call is rethrown here
/// (the first one, after every chunk already begun has finished).
void run_chunks(int64_t chunks, int threads, void (*call)(void* context, int64_t chunk), void* context);

/// True on a thread that is running chunks (a worker, or a caller inside run_chunks): a kernel called
/// from a chunk runs on that thread alone.
bool in_parallel_region();

/// The cores this process may run on: the CPUs of its affinity mask, fewer where a cgroup CPU quota
/// allows less (a container limited to 1.5 CPUs counts 2).
int available_cores();

}  // namespace sg::detail
