// Command-line options shared by every tutorial (Boost.Program_options), plus each tutorial's own.
// A bad option or a stray argument prints the problem and the usage and exits with code 2; --help prints
// the usage and exits 0; an --out or --save folder that cannot be written to stops the program with exit
// code 1 before any work is done.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <boost/program_options.hpp>

namespace sg::tutorial {

/// The options every tutorial takes; a tutorial sets its own defaults before parsing.
struct Options {
  int epochs = 1;
  double lr = 0.01;
  int64_t batch_size = 1;
  int64_t train_size = 1000;
  int64_t test_size = 1000;
  uint64_t seed = 0;
  int threads = 0;        // 0: leave the default (OMP_NUM_THREADS or all cores)
  std::string data_dir = "";  // empty: $SG_DATA_DIR, else datasets/data (else the embedded subset)
  std::string out = "out";
  std::string save = "";  // checkpoint to write after training
  std::string load = "";  // checkpoint to start from
  int checkpoint_every = 0;  // epochs between training checkpoints; 0: none
  std::string resume = "";   // training checkpoint to carry on from
  /// Every option given or defaulted that shapes the results, as text by name ("lr" -> "0.25"); filled
  /// by parse. A training checkpoint records them, and resuming with other values is refused.
  std::map<std::string, std::string> settings = {};
};

/// Which shared options a program lists beyond the training ones (--epochs ... --out): a program lists
/// only options it acts on.
struct Uses {
  bool data = true;         // --data-dir
  bool checkpoints = true;  // --save, --load
  bool resume = true;       // --checkpoint-every, --resume
};

/// Parses argv into `options` and into the variables bound in `own` (the tutorial's own options), then
/// applies --seed (sg::manual_seed) and --threads, creates the --out folder and checks that it and
/// --save's folder can be written to.
///   po::options_description own("fashion_mlp");
///   own.add_options()("activation", po::value(&activation)->default_value("sigmoid"), "...");
///   sg::tutorial::parse(argc, argv, "fashion_mlp", "An MLP on Fashion-MNIST", options, own);
void parse(int argc, char** argv, const std::string& program, const std::string& summary, Options& options,
           const boost::program_options::options_description& own = boost::program_options::options_description(),
           const Uses& uses = {});

/// For a notebook that trained one image per step with lr `notebook_lr`: when --batch-size is above 1
/// and --lr is still that lr, prints a note that the lr matching the notebook's steps grows with the
/// batch, and which it is.
void note_batch_lr(const Options& options, double notebook_lr);

/// The kernels' thread count as a reader says it: "1 thread", "2 threads".
std::string thread_count();

/// For checks after parsing (an unknown activation name, say): prints message and usage, exits 2.
[[noreturn]] void usage_error(const std::string& message);

}  // namespace sg::tutorial
