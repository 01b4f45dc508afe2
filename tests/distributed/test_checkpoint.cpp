// A checkpoint written by a run of P ranks resumes in a run of another size: CTest runs
// save_after_two_steps with 2 ranks, then resume_with_another_world_size with 3 on its file. The resumed
// run ends with the bits of one process that took the first steps in 2 shares and the rest in 3.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "distributed/checkpoint.h"
#include "distributed/collectives.h"
#include "tests/distributed/training.h"

BOOST_AUTO_TEST_SUITE(checkpoint)

namespace dist = sg::distributed;
namespace nn = sg::nn;
namespace fs = std::filesystem;

namespace {

// A global batch of 6 divides among 1, 2 or 3 ranks; 24 examples are one epoch of 4 steps.
constexpr int64_t kGlobalBatch = 6, kExamples = 24, kSavedAt = 2, kSteps = 4;

fs::path checkpoint_path() {
  const char* path = std::getenv("SG_DISTRIBUTED_CHECKPOINT");
  return path ? fs::path(path) : fs::temp_directory_path() / "sg_distributed_checkpoint.safetensors";
}

}  // namespace

BOOST_AUTO_TEST_CASE(save_after_two_steps) {
  const auto data = sg::testing::generated(kExamples);
  sg::manual_seed(0);
  auto model = sg::testing::lenet();
  dist::DistributedDataParallel ddp(*model);
  sg::optim::SGD optimizer = sg::testing::make_sgd(*model);
  sg::testing::data_parallel_steps(ddp, optimizer, data, kGlobalBatch, 0, kSavedAt);
  const fs::path path = checkpoint_path();
  dist::save_on_rank0([&] {
    fs::remove(path);
    nn::save_tensors(nn::with_prefix("model.", nn::state_dict(*model)), path,
                     {{"step", std::to_string(kSavedAt)}, {"world_size", std::to_string(dist::world_size())}});
  });
  // Every rank returns once the file is there.
  BOOST_TEST(fs::exists(path));
  BOOST_TEST(nn::load_tensors(path).metadata.at("world_size") == std::to_string(dist::world_size()));
}

BOOST_AUTO_TEST_CASE(resume_with_another_world_size) {
  const fs::path path = checkpoint_path();
  BOOST_TEST_REQUIRE(fs::exists(path), path << " is missing: run save_after_two_steps first");
  const nn::TensorFile file = dist::load_on_rank0(path);
  const int saved_ranks = std::stoi(file.metadata.at("world_size"));
  BOOST_TEST(std::stoll(file.metadata.at("step")) == kSavedAt);

  sg::manual_seed(uint64_t(100 + dist::rank()));  // whatever the start, the checkpoint decides
  auto model = sg::testing::lenet();
  nn::load_state_dict(*model, nn::under_prefix("model.", file.tensors), path.string());
  dist::DistributedDataParallel ddp(*model);
  sg::optim::SGD optimizer = sg::testing::make_sgd(*model);  // momentum starts again, as in the reference
  const auto data = sg::testing::generated(kExamples);
  sg::testing::data_parallel_steps(ddp, optimizer, data, kGlobalBatch, kSavedAt, kSteps);

  sg::manual_seed(0);
  auto reference = sg::testing::lenet();
  {
    sg::optim::SGD first = sg::testing::make_sgd(*reference);
    sg::testing::one_process_steps(*reference, first, data, kGlobalBatch, saved_ranks, 0, kSavedAt);
  }
  sg::optim::SGD second = sg::testing::make_sgd(*reference);
  sg::testing::one_process_steps(*reference, second, data, kGlobalBatch, dist::world_size(), kSavedAt, kSteps);
  sg::testing::check_same_bits(*model, *reference);
}

BOOST_AUTO_TEST_CASE(only_rank_0_writes_and_its_failure_stops_every_rank) {
  sg::Tensor calls = sg::zeros({1}, sg::kInt64);
  dist::save_on_rank0([&] { calls.fill_(1); });
  dist::all_reduce(calls);
  BOOST_TEST(calls.item_int64() == 1);

  // A file where the folder should be: no rank can write there, and rank 0's error reaches every rank.
  const sg::testing::TempDir dir;
  std::ofstream(dir / "file") << "not a folder";
  const fs::path unwritable = dir / "file" / "model.safetensors", missing = dir / "missing.safetensors";
  const std::string from = dist::rank() == 0 ? "" : "rank 0: ";
  BOOST_TEST(sg::testing::throws_with<std::runtime_error>(
      [&] { dist::save_on_rank0([&] { nn::save(*sg::testing::lenet(), unwritable); }); }, {from, "file"}));
  BOOST_TEST(sg::testing::throws_with<std::runtime_error>([&] { (void)dist::load_on_rank0(missing); },
                                                          {from, "missing.safetensors"}));
}

BOOST_AUTO_TEST_SUITE_END()
