// W3 trained data-parallel: bench W3's LeNet-like CNN, a global batch of 64 split among the P processes
// of `mpirun -np P` (64 / P each, 1 kernel thread each unless --threads), SGD momentum 0.9 lr 0.01, one
// epoch of MNIST in order (or --steps steps), then the test accuracy. The gradients are reduced as the
// library's big-batch equivalence wants (sum losses, rank-ordered sum, one division by 64), so every P
// trains the same model as W3 in one process, up to rounding. bench/torch_ddp.py is the PyTorch side.
// Usage: mpirun -np P bench_data_parallel [--steps N] [--threads 1] [--source full|embedded] [--data-dir DIR]
// Rank 0 prints one JSON object (the fields of bench_workloads, plus the processes and the all-reduce's
// share of a step). A program, never a test.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>

#include <boost/program_options.hpp>
#include <scratchgrad/distributed.h>
#include <scratchgrad/scratchgrad.h>

namespace dist = sg::distributed;
namespace nn = sg::nn;
namespace po = boost::program_options;

namespace {

constexpr int64_t kGlobalBatch = 64;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int bench(const std::string& data_dir, sg::datasets::Source source, int64_t max_steps, int threads) {
  const int p = dist::world_size(), rank = dist::rank();
  SG_CHECK(kGlobalBatch % p == 0, "bench_data_parallel: {} processes do not divide the batch of {}", p, kGlobalBatch);
  const sg::datasets::MNIST train(data_dir, sg::datasets::Split::Train, {.source = source});
  const sg::datasets::MNIST test(data_dir, sg::datasets::Split::Test, {.source = source});
  sg::manual_seed(0);
  nn::Sequential model(nn::Conv2d(1, 8, 3), nn::ReLU(), nn::MaxPool2d(2), nn::Conv2d(8, 16, 3), nn::ReLU(),
                       nn::MaxPool2d(2), nn::Flatten(), nn::Linear(400, 10));
  dist::DistributedDataParallel ddp(model);
  sg::optim::SGD optimizer(model.parameters(), {.lr = 0.01, .momentum = 0.9});
  // In order, as W3: with one process the batches are W3's; with P, each is split by the sampler's stride.
  const dist::DistributedSampler sampler(train.size(), {.shuffle = false, .drop_last = true});
  sg::datasets::DataLoader loader(train, {.batch_size = kGlobalBatch / p, .sampler = sampler.shared()});

  dist::barrier();
  const auto start = std::chrono::steady_clock::now();
  double reducing = 0;
  int64_t steps = 0, samples = 0;
  for (const auto& [images, labels] : loader) {
    if (steps == max_steps) break;
    optimizer.zero_grad();
    nn::cross_entropy(ddp.forward(images), labels, nn::Reduction::Sum).backward();
    const auto reduce = std::chrono::steady_clock::now();
    ddp.reduce_gradients(images.size(0) * p);
    reducing += seconds_since(reduce);
    optimizer.step();
    ++steps;
    samples += images.size(0) * p;
  }
  dist::barrier();
  const double seconds = seconds_since(start);
  sg::Tensor share = sg::full({1}, reducing / seconds, sg::kFloat64);
  dist::all_reduce(share, dist::ReduceOp::Mean);
  if (rank == 0) {
    sg::NoGradGuard no_grad;
    const double accuracy =
        sg::eq(sg::argmax(model.forward(test.images()), 1), test.labels()).sum().item() / double(test.size());
    fmt::print("{{\"framework\": \"scratchgrad\", \"workload\": \"W3-ddp\", \"processes\": {}, \"threads\": {}, "
               "\"global_batch\": {}, \"steps\": {}, \"samples_per_second\": {:.1f}, \"seconds\": {:.4f}, "
               "\"allreduce_share\": {:.3f}, \"test_accuracy\": {:.4f}}}\n",
               p, threads, kGlobalBatch, steps, double(samples) / seconds, seconds, share.item(), accuracy);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir, source = "full";
  int64_t steps = -1;
  int threads = 1;
  po::options_description options("bench_data_parallel options");
  options.add_options()("help,h", "print this help")
      ("steps", po::value(&steps)->default_value(-1), "steps to time (-1: one epoch)")
      ("threads", po::value(&threads)->default_value(1), "kernel threads per process")
      ("source", po::value(&source)->default_value("full"), "full (datasets/fetch) or embedded (the subset)")
      ("data-dir", po::value(&data_dir), "datasets folder (default: $SG_DATA_DIR or datasets/data)");
  po::variables_map vm;
  try {  // before MPI starts: --help and a bad option leave nothing half started
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("help")) {
      if (dist::launcher_rank() == 0) std::cout << options;
      return 0;
    }
    po::notify(vm);
    if (threads < 1) throw po::error("--threads must be >= 1");
    if (source != "full" && source != "embedded") throw po::error("--source must be full or embedded");
  } catch (const po::error& e) {
    if (dist::launcher_rank() == 0) std::cerr << "error: " << e.what() << "\n" << options;
    return 2;
  }
  dist::Environment mpi(argc, argv);
  sg::set_num_threads(threads);
  return dist::run([&] {
    return bench(sg::datasets::resolve_data_dir(data_dir).string(),
                 source == "full" ? sg::datasets::Source::Full : sg::datasets::Source::Embedded, steps, threads);
  });
}
