// Parsing, usage text, and the exit codes a shell script can rely on.
#include "tutorials/common/options.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "autograd/parallel.h"
#include "autograd/random.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace sg::tutorial {

namespace {
std::string usage_text;  // kept for usage_error after parsing

// Options that change where results go, or how fast they come, but not what they are: a run resumed
// with other values of these still ends with the same bits.
const std::vector<std::string> kNotSettings = {"help", "epochs", "threads", "out", "save", "load", "resume",
                                               "checkpoint-every"};

// A folder that cannot be written to is a fact about the machine, not a badly formed command line: the
// message, and exit code 1, before any work is done that would be lost.
[[noreturn]] void setup_error(const std::string& message) {
  std::cerr << "error: " << message << "\n";
  std::exit(1);
}

// Creates `folder` when needed and makes (and removes) a file in it: only that answers for every case,
// where access(W_OK) says yes to root even in a folder that is read-only to everyone.
void check_writable(const std::string& option, const std::string& value, const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) setup_error(fmt::format("{} {}: cannot create folder {}: {}", option, value, folder.string(), ec.message()));
  std::string probe = (folder / ".sg-write-test-XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0)
    setup_error(fmt::format("{} {}: cannot write to folder {}: {}", option, value, folder.string(), std::strerror(errno)));
  ::close(fd);
  ::unlink(probe.c_str());
}

// An option's value as text, for Options::settings.
std::string value_text(const boost::any& value) {
  if (const auto* v = boost::any_cast<int>(&value)) return std::to_string(*v);
  if (const auto* v = boost::any_cast<int64_t>(&value)) return std::to_string(*v);
  if (const auto* v = boost::any_cast<double>(&value)) return fmt::format("{}", *v);  // shortest exact form
  if (const auto* v = boost::any_cast<bool>(&value)) return *v ? "true" : "false";
  if (const auto* v = boost::any_cast<std::string>(&value)) return *v;
  if (const auto* v = boost::any_cast<std::vector<int64_t>>(&value)) return fmt::format("{}", fmt::join(*v, " "));
  throw std::logic_error("value_text: an option of a type not handled here");
}

}  // namespace

void note_batch_lr(const Options& options, double notebook_lr) {
  if (options.batch_size == 1 || options.lr != notebook_lr) return;
  fmt::print("note: each step averages the gradients of {0} images, so with the notebook's lr {1:g} an epoch\n"
             "      takes {0} times fewer steps of the same size, and the model barely moves; the lr that\n"
             "      matches the notebook's one-image steps grows with the batch: --lr {2:g}\n",
             options.batch_size, notebook_lr, notebook_lr * double(options.batch_size));
}

std::string thread_count() {
  const int n = sg::get_num_threads();
  return fmt::format("{} thread{}", n, n == 1 ? "" : "s");
}

void usage_error(const std::string& message) {
  std::cerr << "error: " << message << "\n\n" << usage_text;
  std::exit(2);
}

void parse(int argc, char** argv, const std::string& program, const std::string& summary, Options& options,
           const po::options_description& own, const Uses& uses) {
  // Read as a signed number: an unsigned one would take "-1" and wrap it round to 2^64 - 1.
  int64_t seed = int64_t(options.seed);
  po::options_description common("Common options");
  common.add_options()
      ("help,h", "print this help and exit")
      ("epochs", po::value(&options.epochs)->default_value(options.epochs), "passes over the training data")
      ("lr", po::value(&options.lr)->default_value(options.lr, fmt::format("{}", options.lr)), "learning rate")
      ("batch-size", po::value(&options.batch_size)->default_value(options.batch_size), "samples per step")
      ("train-size", po::value(&options.train_size)->default_value(options.train_size), "training samples used")
      ("test-size", po::value(&options.test_size)->default_value(options.test_size), "test samples used")
      ("seed", po::value(&seed)->default_value(seed), "random seed (same seed, same output)")
      ("threads", po::value(&options.threads)->default_value(options.threads), "threads for the kernels (0: default)")
      ("out", po::value(&options.out)->default_value(options.out), "folder for pictures and CSV files");
  if (uses.data)
    common.add_options()("data-dir", po::value(&options.data_dir),
                         "folder with the datasets (default: $SG_DATA_DIR, else datasets/data, else the embedded subset)");
  if (uses.checkpoints)
    common.add_options()
        ("save", po::value(&options.save), "write the trained model here (before any picture)")
        ("load", po::value(&options.load), "start from this model");
  if (uses.resume)
    common.add_options()
        ("checkpoint-every", po::value(&options.checkpoint_every)->default_value(options.checkpoint_every),
         "every this many epochs, write a training checkpoint to --out (0: never)")
        ("resume", po::value(&options.resume), "carry on from this training checkpoint, to the bits of an unbroken run");
  po::options_description all;
  all.add(common);
  if (!own.options().empty()) all.add(own);

  std::ostringstream usage;
  usage << fmt::format("{}: {}\n\nUsage: {} [options]\n\n", program, summary, program) << all << "\n";
  usage_text = usage.str();

  po::variables_map vm;
  try {
    const po::parsed_options parsed = po::command_line_parser(argc, argv).options(all).run();
    po::store(parsed, vm);
    if (vm.count("help")) {
      std::cout << usage_text;
      std::exit(0);
    }
    // Boost stores an argument that is not an option nowhere, silently; a typo like "-epochs 5" or a
    // forgotten "--" must not run with the defaults.
    for (const po::option& o : parsed.options)
      if (o.string_key.empty() || o.position_key >= 0)
        usage_error(fmt::format("unexpected argument '{}': options start with --",
                                o.original_tokens.empty() ? fmt::format("{}", fmt::join(o.value, " ")) : o.original_tokens.front()));
    po::notify(vm);
  } catch (const po::error& e) {
    usage_error(e.what());
  }
  // "data" is a program's own option (a file) where it has one.
  for (const char* name : {"out", "data-dir", "save", "load", "resume", "data"})
    if (vm.count(name) && vm[name].as<std::string>().empty())
      usage_error(fmt::format("--{} needs a {}, got an empty one", name,
                              std::string_view(name) == "out" || std::string_view(name) == "data-dir" ? "folder" : "file name"));
  if (options.epochs < 0) usage_error(fmt::format("--epochs must be >= 0, got {}", options.epochs));
  if (!(options.lr > 0) || !std::isfinite(options.lr))  // written so that NaN fails too
    usage_error(fmt::format("--lr must be a positive number, got {}", options.lr));
  if (options.batch_size < 1) usage_error(fmt::format("--batch-size must be >= 1, got {}", options.batch_size));
  if (options.train_size < 1) usage_error(fmt::format("--train-size must be >= 1, got {}", options.train_size));
  if (options.test_size < 1) usage_error(fmt::format("--test-size must be >= 1, got {}", options.test_size));
  if (options.threads < 0) usage_error(fmt::format("--threads must be >= 0, got {}", options.threads));
  if (seed < 0) usage_error(fmt::format("--seed must be >= 0, got {}", seed));
  if (options.checkpoint_every < 0)
    usage_error(fmt::format("--checkpoint-every must be >= 0, got {}", options.checkpoint_every));
  if (!options.resume.empty() && !options.load.empty())
    usage_error("--resume and --load cannot be used together: --resume restores the model as well");
  options.seed = uint64_t(seed);
  options.settings.clear();
  for (const auto& [name, value] : vm)
    if (std::find(kNotSettings.begin(), kNotSettings.end(), name) == kNotSettings.end())
      options.settings[name] = value_text(value.value());

  // Everything that could stop the program after training is checked now, before training.
  for (const auto& [option, file] : {std::pair{"--load", options.load}, std::pair{"--resume", options.resume}}) {
    std::error_code ec;
    if (!file.empty() && !fs::is_regular_file(file, ec)) setup_error(fmt::format("{} {}: no such file", option, file));
  }
  check_writable("--out", options.out, options.out);
  if (!options.save.empty()) {
    std::error_code ec;
    if (fs::is_directory(options.save, ec) || !fs::path(options.save).has_filename())
      setup_error(fmt::format("--save {}: is a folder, expected a file name", options.save));
    const fs::path folder = fs::path(options.save).parent_path();
    check_writable("--save", options.save, folder.empty() ? fs::path(".") : folder);
  }

  sg::manual_seed(options.seed);
  if (options.threads > 0) sg::set_num_threads(options.threads);
}

}  // namespace sg::tutorial
