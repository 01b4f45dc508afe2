// A seed reproduces a run exactly: the same checkpoint bytes after two epochs, whatever the thread count,
// and the same bytes when training is stopped, saved, loaded and resumed.
#include <filesystem>
#include <fstream>
#include <iterator>

#include "scratchgrad/scratchgrad.h"
#include "tests/testing.h"

using namespace sg;

BOOST_AUTO_TEST_SUITE(reproducible)

namespace {

using testing::read_bytes;

// Checkpoints go to a folder of this test program's own, removed when it ends.
std::filesystem::path scratch(const std::string& name) {
  static const testing::TempDir dir;
  return dir / name;
}

struct Run {
  std::shared_ptr<nn::Sequential> model;
  std::shared_ptr<optim::SGD> opt;
  std::shared_ptr<datasets::DataLoader> loader;

  // dropout: a model that draws from the default generator at every training step.
  explicit Run(uint64_t seed, bool dropout = false) {
    manual_seed(seed);
    if (dropout)
      model = std::make_shared<nn::Sequential>(nn::Conv2d(1, 4, 3), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
                                               nn::Dropout({.p = 0.5}), nn::Linear(4 * 13 * 13, 10));
    else
      model = std::make_shared<nn::Sequential>(nn::Conv2d(1, 4, 3), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
                                               nn::Linear(4 * 13 * 13, 10));
    opt = std::make_shared<optim::SGD>(model->parameters(), optim::SGDOptions{.lr = 0.05, .momentum = 0.9});
    const auto train = datasets::MNIST(datasets::resolve_data_dir(), datasets::Split::Train,
                                       {.source = datasets::Source::Embedded}).subset(0, 256);
    loader = std::make_shared<datasets::DataLoader>(train, datasets::DataLoaderOptions{.batch_size = 32, .shuffle = true, .seed = seed});
  }

  // Trains until `steps` steps have run in all, counting from `done`; returns the new count.
  int64_t train_until(int64_t done, int64_t steps) {
    while (done < steps) {
      const int64_t per_epoch = loader->size();
      const int64_t skip = done % per_epoch;  // resuming mid-epoch: that epoch's order, minus what ran
      loader->set_epoch(done / per_epoch);
      int64_t i = 0;
      for (const auto& [images, labels] : *loader) {
        if (i++ < skip) continue;
        if (done == steps) break;
        opt->zero_grad();
        nn::cross_entropy(model->forward(images), labels).backward();
        opt->step();
        ++done;
      }
    }
    return done;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(two_epochs_give_the_same_checkpoint_bytes_for_1_2_and_3_threads) {
  const int previous = get_num_threads();
  std::string reference;
  for (int threads : {1, 2, 3, 1}) {
    set_num_threads(threads);
    Run run(7);
    run.train_until(0, 2 * run.loader->size());
    const auto path = scratch(fmt::format("two_epochs_{}.safetensors", threads));
    nn::save(*run.model, path);
    const std::string bytes = read_bytes(path);
    BOOST_TEST_REQUIRE(!bytes.empty());
    if (reference.empty()) reference = bytes;
    else BOOST_TEST((bytes == reference), "checkpoint with " << threads << " threads differs from 1 thread's");
  }
  set_num_threads(previous);
}

BOOST_AUTO_TEST_CASE(a_different_seed_gives_a_different_model) {
  Run a(7), b(8);
  a.train_until(0, 4);
  b.train_until(0, 4);
  nn::save(*a.model, scratch("seed7.safetensors"));
  nn::save(*b.model, scratch("seed8.safetensors"));
  BOOST_TEST((read_bytes(scratch("seed7.safetensors")) != read_bytes(scratch("seed8.safetensors"))));
}

BOOST_AUTO_TEST_CASE(save_at_step_k_and_resume_gives_the_bytes_of_an_uninterrupted_run) {
  constexpr int64_t k = 11, n = 20;  // k falls inside the second epoch (8 steps per epoch)
  Run straight(3);
  straight.train_until(0, n);
  nn::save(*straight.model, scratch("straight.safetensors"));

  {
    Run first(3);
    first.train_until(0, k);
    nn::save(*first.model, scratch("k_model.safetensors"), {{"step", std::to_string(k)}});
    nn::save(*first.opt, scratch("k_opt.safetensors"));
  }
  Run resumed(99);  // a different seed: everything that matters must come from the files
  resumed.loader = Run(3).loader;  // the loader's order depends on its seed and the epoch only
  const auto metadata = nn::load(*resumed.model, scratch("k_model.safetensors"));
  nn::load(*resumed.opt, scratch("k_opt.safetensors"));
  const int64_t step = std::stoll(metadata.at("step"));
  BOOST_TEST(step == k);
  resumed.train_until(step, n);
  nn::save(*resumed.model, scratch("resumed.safetensors"));
  BOOST_TEST((read_bytes(scratch("resumed.safetensors")) == read_bytes(scratch("straight.safetensors"))));
}

// PyTorch's recipe, torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "rng_state":
// torch.get_rng_state()}): one file, so that a stop between two writes cannot leave parts that disagree.
// Dropout draws from the default generator at every step, so only a checkpoint that carries the generator's
// state resumes to the bytes of the uninterrupted run; without it, the bytes differ.
BOOST_AUTO_TEST_CASE(a_one_file_checkpoint_with_the_generator_state_resumes_dropout_training_bit_for_bit) {
  constexpr int64_t k = 5, n = 12;
  Run straight(4, /*dropout=*/true);
  straight.train_until(0, n);
  nn::save(*straight.model, scratch("dropout_straight.safetensors"));

  {
    Run first(4, true);
    first.train_until(0, k);
    std::vector<nn::NamedTensor> all = nn::with_prefix("model.", nn::state_dict(*first.model));
    for (auto& t : nn::with_prefix("optimizer.", nn::state_dict(*first.opt))) all.push_back(std::move(t));
    all.emplace_back("rng_state", get_rng_state());
    nn::save_tensors(all, scratch("dropout_k.safetensors"), {{"step", std::to_string(k)}});
  }
  for (const bool restore_generator : {true, false}) {
    Run resumed(99, true);
    resumed.loader = Run(4).loader;
    const nn::TensorFile file = nn::load_tensors(scratch("dropout_k.safetensors"));
    nn::load_state_dict(*resumed.model, nn::under_prefix("model.", file.tensors), "dropout_k.safetensors");
    nn::load_state_dict(*resumed.opt, nn::under_prefix("optimizer.", file.tensors), "dropout_k.safetensors");
    if (restore_generator) set_rng_state(nn::under_prefix("rng_state", file.tensors).at(0).second);
    resumed.train_until(std::stoll(file.metadata.at("step")), n);
    nn::save(*resumed.model, scratch("dropout_resumed.safetensors"));
    const bool same = read_bytes(scratch("dropout_resumed.safetensors")) == read_bytes(scratch("dropout_straight.safetensors"));
    BOOST_TEST(same == restore_generator, (restore_generator ? "resumed with" : "resumed without")
                                              << " the generator's state, the bytes " << (same ? "match" : "differ"));
  }
  // The parts check what they restore, naming the file: a model of another shape is refused.
  nn::Linear other(3, 2);
  BOOST_TEST(testing::throws_with<std::runtime_error>(
      [&] { nn::load_state_dict(other, nn::under_prefix("model.", nn::load_tensors(scratch("dropout_k.safetensors")).tensors), "dropout_k.safetensors"); },
      {"dropout_k.safetensors", "missing key(s): weight, bias"}));
}

BOOST_AUTO_TEST_SUITE_END()
