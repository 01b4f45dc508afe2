// Data-parallel training over MPI. The same program runs as P processes (ranks), each with a replica of
// the model and its own share of every batch; after each backward the ranks add up their gradients, in
// rank order, and every replica takes the same step from the same gradient.
//   mpirun -np 2 build/tutorials/data_parallel                          # two processes on this machine
//   mpirun -np 4 --hostfile hosts build/tutorials/data_parallel         # four, on the hosts listed
// The model is bench W3's LeNet-like CNN on MNIST. The steps:
//   1. each rank's shard of the epoch (DistributedSampler);
//   2. the replicas made equal (DistributedDataParallel broadcasts rank 0's parameters);
//   3. one step's all-reduced gradient beside the big batch's, which rank 0 computes alone;
//   4. training, with the loss and accuracy summed over the ranks;
//   5. the time of a step in one process with the whole batch and in P with a share each, and how much
//      of it is communication.
// Only rank 0 prints: the other ranks' standard output goes to /dev/null (their errors still show).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <scratchgrad/distributed.h>
#include <scratchgrad/scratchgrad.h>

#include "tutorials/common/data.h"
#include "tutorials/common/grad_compare.h"
#include "tutorials/common/guard.h"
#include "tutorials/common/options.h"
#include "tutorials/common/rank_options.h"

namespace dist = sg::distributed;
namespace nn = sg::nn;
namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

namespace {

std::shared_ptr<nn::Sequential> lenet() {
  return std::make_shared<nn::Sequential>(nn::Conv2d(1, 8, 3), nn::ReLU(), nn::MaxPool2d(2), nn::Conv2d(8, 16, 3),
                                          nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(400, 10));
}

// A second model with the first one's weights.
std::shared_ptr<nn::Sequential> copy_of(const nn::Module& model) {
  auto copy = lenet();
  nn::load_state_dict(*copy, nn::state_dict(model), "copy");
  return copy;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

int main(int argc, char** argv) {
  sg::tutorial::Options options{.epochs = 2, .lr = 0.01, .batch_size = 32, .train_size = 2000, .test_size = 1000};
  int timing_steps = 10;
  po::options_description own("data_parallel options");
  own.add_options()("timing-steps", po::value(&timing_steps)->default_value(timing_steps),
                    "steps timed in step 5, with one process and with all (0: skip it)");
  sg::tutorial::parse_on_every_rank(argc, argv, "data_parallel",
                                    "data-parallel training of a LeNet-like CNN over MPI (run it with mpirun -np P)",
                                    options, own, {.data = true, .checkpoints = true, .resume = false});
  if (timing_steps < 0) sg::tutorial::usage_error("--timing-steps must be >= 0");

  dist::Environment mpi(argc, argv);
  return dist::run([&] {
    const int p = dist::world_size(), rank = dist::rank();
    // One thread per process unless --threads says otherwise: P processes already share the cores.
    if (options.threads == 0) sg::set_num_threads(1);
    const auto data_dir = sg::tutorial::data_dir(options, sg::tutorial::Collection::Mnist);
    const sg::datasets::MNIST train_all(data_dir, sg::datasets::Split::Train), test_all(data_dir, sg::datasets::Split::Test);
    const auto train = train_all.subset(0, std::min(options.train_size, train_all.size()));
    const auto test = test_all.subset(0, std::min(options.test_size, test_all.size()));
    fmt::print("{} processes, {} each; {} training and {} test images\n", p, sg::tutorial::thread_count(), train.size(),
               test.size());

    // 1. The shards. The sampler takes the epoch's order (the one a DataLoader with this seed takes), pads it
    //    with its own first indices to a multiple of P, and gives rank r positions r, r + P, r + 2P, ...
    const dist::DistributedSampler sampler(train.size(), {.shuffle = true, .seed = options.seed});
    sg::datasets::DataLoader loader(train, {.batch_size = options.batch_size, .sampler = sampler.shared()});
    {
      char host[256] = "?";
      ::gethostname(host, sizeof host - 1);
      const std::vector<int64_t> mine = sampler.order(0);
      const std::vector<int64_t> head(mine.begin(), mine.begin() + std::min<size_t>(6, mine.size()));
      const auto lines = dist::gather_text(fmt::format("rank {} on {}: {} examples in {} batches; epoch 0 starts {} ...",
                                                       rank, host, mine.size(), loader.size(), fmt::join(head, " ")));
      fmt::print("1. each rank's shard of epoch 0 ({} images, {} padding)\n", train.size(),
                 sampler.size() * p - train.size());
      for (const std::string& line : lines) fmt::print("   {}\n", line);
    }

    // 2. Each rank draws its own start; the DDP wrapper replaces them all with rank 0's.
    sg::manual_seed(options.seed + uint64_t(rank));
    auto model = lenet();
    const float before = model->parameters()[0].data<float>()[0];
    if (!options.load.empty()) {
      const nn::TensorFile file = dist::load_on_rank0(options.load);  // read once, sent to every rank
      nn::load_state_dict(*model, file.tensors, options.load);
    }
    dist::DistributedDataParallel ddp(*model);
    {
      const auto lines = dist::gather_text(fmt::format("{:+.6f} -> {:+.6f}", before, model->parameters()[0].data<float>()[0]));
      fmt::print("2. {} parameters in {} gradient bucket(s); conv weight [0] on each rank before and after the "
                 "broadcast:\n   {}\n", model->parameter_count(), ddp.bucket_count(), fmt::join(lines, ",  "));
    }

    // 3. One step's gradient. Each rank's loss is a sum over its B examples; reduce_gradients adds the P
    //    sums in rank order and divides once by P*B: the mean gradient of the global batch. Rank 0 then
    //    computes that gradient alone, from the same P*B examples: once as one process that runs backward
    //    on the P shares in turn (the same additions, so the same bits), and once in a single backward
    //    over the whole batch (the same sum in another order: equal up to rounding).
    {
      const sg::datasets::Batch mine = *loader.begin();
      loader.set_epoch(0);
      const int64_t b = mine.images.size(0), global = b * p;
      nn::cross_entropy(ddp.forward(mine.images), mine.labels, nn::Reduction::Sum).backward();
      ddp.reduce_gradients(global);
      if (rank == 0) {
        const std::vector<int64_t> order = sg::datasets::epoch_order(train.size(), true, options.seed, 0);
        std::vector<int64_t> rows;  // the global batch: positions 0 .. P*B - 1 of the padded order
        for (int64_t k = 0; k < global; ++k) rows.push_back(order[size_t(k % train.size())]);
        const auto batch = train.select(rows);
        auto shares = copy_of(*model), whole = copy_of(*model);
        for (int q = 0; q < p; ++q) {
          std::vector<int64_t> share;  // rank q's examples: positions q, q + P, ...
          for (int64_t k = q; k < global; k += p) share.push_back(k);
          const sg::Tensor index = sg::tensor(share, {int64_t(share.size())});
          nn::cross_entropy(shares->forward(batch.images().index_select(0, index)),
                            batch.labels().index_select(0, index), nn::Reduction::Sum)
              .backward();
        }
        {
          sg::NoGradGuard no_grad;
          for (const sg::Tensor& param : shares->parameters()) {
            sg::Tensor grad = param.grad();
            grad /= double(global);
          }
        }
        nn::cross_entropy(whole->forward(batch.images()), batch.labels()).backward();
        fmt::print("3. the gradient of one step, global batch {} = {} x {}\n", global, p, b);
        fmt::print("   all-reduced vs one process, backward on the {} shares in turn: {} (max |difference| {:.1e})\n",
                   p, sg::tutorial::same_grad_bits(*model, *shares) ? "bitwise equal" : "DIFFERENT BITS",
                   sg::tutorial::max_grad_difference(*model, *shares));
        fmt::print("   all-reduced vs one backward of the mean loss over all {}:  max |difference| {:.1e}\n", global,
                   sg::tutorial::max_grad_difference(*model, *whole));
      }
      model->zero_grad();
    }

    // 4. Train. Every rank steps with the same gradient, so the replicas stay equal without ever sending
    //    a weight; the loss and accuracy are summed over the ranks to print the global batch's.
    sg::optim::SGD optimizer(model->parameters(), {.lr = options.lr, .momentum = 0.9});
    auto test_accuracy = [&] {
      sg::NoGradGuard no_grad;
      return sg::eq(sg::argmax(model->forward(test.images()), 1), test.labels()).sum().item() / double(test.size());
    };
    fmt::print("4. training {} epoch(s), batch {} per rank ({} in all), SGD lr {} momentum 0.9\n", options.epochs,
               options.batch_size, options.batch_size * p, options.lr);
    for (int epoch = 1; epoch <= options.epochs; ++epoch) {
      const auto start = Clock::now();
      sg::Tensor totals = sg::zeros({3}, sg::kFloat64);  // loss sum, correct, examples
      int64_t step = 0;
      for (const sg::datasets::Batch& batch : loader) {
        const sg::Tensor &images = batch.images, &labels = batch.labels;  // named: a lambda captures them
        ++step;
        optimizer.zero_grad();
        const sg::Tensor logits = ddp.forward(images);
        const sg::Tensor loss = nn::cross_entropy(logits, labels, nn::Reduction::Sum);
        sg::tutorial::check_loss(loss, epoch, step, [&] { return nn::cross_entropy(ddp.forward(images), labels); });
        loss.backward();
        ddp.reduce_gradients(images.size(0) * p);  // every rank's batch has the same size (the sampler pads)
        optimizer.step();
        double* t = totals.data<double>();
        t[0] += loss.item();
        t[1] += sg::eq(sg::argmax(logits, 1), labels).sum().item();
        t[2] += double(images.size(0));
      }
      dist::all_reduce(totals);
      const double* t = totals.data<double>();
      // Only rank 0 prints, so only rank 0 evaluates.
      const double accuracy = rank == 0 ? test_accuracy() : 0.0;
      fmt::print("   epoch {}: loss {:.4f}, train accuracy {:.4f} over {} examples, test accuracy {:.4f}, {:.1f} s\n",
                 epoch, t[0] / t[2], t[1] / t[2], int64_t(t[2]), accuracy, seconds_since(start));
    }
    if (!options.save.empty()) {
      dist::save_on_rank0([&] {  // one file for the run: the replicas are equal
        nn::save(*model, options.save, {{"epochs", std::to_string(options.epochs)}, {"world_size", std::to_string(p)}});
      });
      fmt::print("   model written to {} by rank 0\n", options.save);
    }

    // 5. Time. First rank 0 alone runs the global batch (P*B) as one process would, while the others
    //    wait; then all P run their shares, timing the all-reduce apart from the rest of the step.
    if (timing_steps > 0) {
      const int64_t b = options.batch_size, global = b * p;
      const auto batch = train.subset(0, std::min(global, train.size()));
      const sg::Tensor images = batch.images(), labels = batch.labels();
      double one_process = 0;
      if (rank == 0) {
        auto copy = copy_of(*model);
        sg::optim::SGD opt(copy->parameters(), {.lr = options.lr, .momentum = 0.9});
        const auto start = Clock::now();
        for (int i = 0; i < timing_steps; ++i) {
          opt.zero_grad();
          nn::cross_entropy(copy->forward(images), labels).backward();
          opt.step();
        }
        one_process = seconds_since(start) / timing_steps;
      }
      dist::barrier();
      auto copy = copy_of(*model);
      dist::DistributedDataParallel copy_ddp(*copy);
      sg::optim::SGD opt(copy->parameters(), {.lr = options.lr, .momentum = 0.9});
      const int64_t share = images.size(0) / p;
      const sg::Tensor my_images = images.narrow(0, rank * share, share), my_labels = labels.narrow(0, rank * share, share);
      // A rank that finishes its backward first waits for the slowest inside the all-reduce; a barrier
      // before it takes that wait out, so the all-reduce's own time is the communication.
      sg::Tensor times = sg::zeros({3}, sg::kFloat64);  // whole steps, waiting, all-reduce
      double* t = times.data<double>();
      dist::barrier();
      for (int i = 0; i < timing_steps; ++i) {
        const auto start = Clock::now();
        opt.zero_grad();
        nn::cross_entropy(copy_ddp.forward(my_images), my_labels, nn::Reduction::Sum).backward();
        const auto wait = Clock::now();
        dist::barrier();
        const auto reduce = Clock::now();
        copy_ddp.reduce_gradients(share * p);
        t[1] += std::chrono::duration<double>(reduce - wait).count();
        t[2] += seconds_since(reduce);
        opt.step();
        t[0] += seconds_since(start);
      }
      dist::all_reduce(times, dist::ReduceOp::Mean);
      const double step = t[0] / timing_steps, waiting = t[1] / timing_steps, comm = t[2] / timing_steps;
      fmt::print("5. time per step ({} steps, {} per process), the mean over the ranks\n", timing_steps,
                 sg::tutorial::thread_count());
      fmt::print("   P = 1, batch {}:        {:.2f} ms\n", images.size(0), one_process * 1e3);
      fmt::print("   P = {}, batch {} each:  {:.2f} ms, speed-up {:.2f}x; of a step, {:.2f} ms ({:.0f}%) is the "
                 "all-reduce\n   and {:.2f} ms ({:.0f}%) waiting for the slowest rank\n",
                 p, share, step * 1e3, one_process / step, comm * 1e3, 100 * comm / step, waiting * 1e3,
                 100 * waiting / step);
    }
    fmt::print("test accuracy: {:.4f}\n", rank == 0 ? test_accuracy() : 0.0);
    return 0;
  });
}
