// Parsing, usage text, and the exit codes a shell script can rely on.
#include "tutorials/common/options.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "autograd/parallel.h"
#include "autograd/random.h"

namespace po = boost::program_options;

namespace sg::tutorial {

namespace {
std::string usage_text;  // kept for usage_error after parsing
}

void usage_error(const std::string& message) {
  std::cerr << "error: " << message << "\n\n" << usage_text;
  std::exit(2);
}

void parse(int argc, char** argv, const std::string& program, const std::string& summary, Options& options,
           const po::options_description& own) {
  // Read as a signed number: an unsigned one would take "-1" and wrap it round to 2^64 - 1.
  int64_t seed = int64_t(options.seed);
  po::options_description common("Common options");
  common.add_options()
      ("help,h", "print this help and exit")
      ("epochs", po::value(&options.epochs)->default_value(options.epochs), "passes over the training data")
      ("lr", po::value(&options.lr)->default_value(options.lr), "learning rate")
      ("batch-size", po::value(&options.batch_size)->default_value(options.batch_size), "samples per step")
      ("train-size", po::value(&options.train_size)->default_value(options.train_size), "training samples used")
      ("test-size", po::value(&options.test_size)->default_value(options.test_size), "test samples used")
      ("seed", po::value(&seed)->default_value(seed), "random seed (same seed, same output)")
      ("threads", po::value(&options.threads)->default_value(options.threads), "threads for the kernels (0: default)")
      ("data-dir", po::value(&options.data_dir), "folder with the datasets (default: $SG_DATA_DIR or datasets/data)")
      ("out", po::value(&options.out)->default_value(options.out), "folder for pictures and CSV files")
      ("save", po::value(&options.save), "write a checkpoint here after training")
      ("load", po::value(&options.load), "start from this checkpoint");
  po::options_description all;
  all.add(common);
  if (!own.options().empty()) all.add(own);

  std::ostringstream usage;
  usage << fmt::format("{}: {}\n\nUsage: {} [options]\n\n", program, summary, program) << all << "\n";
  usage_text = usage.str();

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).run(), vm);
    if (vm.count("help")) {
      std::cout << usage_text;
      std::exit(0);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    usage_error(e.what());
  }
  if (options.epochs < 0) usage_error(fmt::format("--epochs must be >= 0, got {}", options.epochs));
  if (!(options.lr > 0) || !std::isfinite(options.lr))  // written so that NaN fails too
    usage_error(fmt::format("--lr must be a positive number, got {}", options.lr));
  if (options.batch_size < 1) usage_error(fmt::format("--batch-size must be >= 1, got {}", options.batch_size));
  if (options.train_size < 1) usage_error(fmt::format("--train-size must be >= 1, got {}", options.train_size));
  if (options.test_size < 1) usage_error(fmt::format("--test-size must be >= 1, got {}", options.test_size));
  if (options.threads < 0) usage_error(fmt::format("--threads must be >= 0, got {}", options.threads));
  if (seed < 0) usage_error(fmt::format("--seed must be >= 0, got {}", seed));
  options.seed = uint64_t(seed);

  sg::manual_seed(options.seed);
  if (options.threads > 0) sg::set_num_threads(options.threads);
  std::error_code ec;
  std::filesystem::create_directories(options.out, ec);
  if (ec) usage_error(fmt::format("--out: cannot create folder {}: {}", options.out, ec.message()));
}

}  // namespace sg::tutorial
