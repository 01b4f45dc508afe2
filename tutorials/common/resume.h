// Training that survives being stopped. With --checkpoint-every N a tutorial writes, every N epochs, one
// file, <out>/<program>_checkpoint.safetensors, holding all it needs to carry on: the model, the
// optimizer's state, the epochs done, the default generator's state and the curves so far. --resume FILE
// restores all of it, and the run ends with the bits of one that never stopped. (A data loader's order
// follows from --seed and the epoch alone: loader.set_epoch(done) is all it needs.)
//   sg::tutorial::Resumable resumable(options, "mnist_cnn", model, optimizer, history);
//   const int done = resumable.resume();  // 0 without --resume
//   loader.set_epoch(done);
//   for (int epoch = done + 1; epoch <= options.epochs; ++epoch) { ...; history.add(...); resumable.epoch_done(epoch); }
// A program that trains several models one after the other, each for --epochs, names each run a phase
// and begins it with resume(phase, ...). Each phase writes <out>/<program>_<phase>_checkpoint.safetensors,
// which also holds the phases before it as they ended, so either file carries the whole program on:
//   sg::tutorial::Resumable resumable(options, "fashion_cnn");
//   int done = resumable.resume("relu", model, optimizer, history);  // --epochs if that run had ended
//   ... train model from epoch done + 1 ...
//   done = resumable.resume("fixed", fixed, fixed_optimizer, fixed_history);  // 0 unless it had begun
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "nn/checkpoint.h"
#include "nn/module.h"
#include "nn/optim/optimizer.h"
#include "tutorials/common/curves.h"
#include "tutorials/common/options.h"

namespace sg::tutorial {

class Resumable {
 public:
  /// One model: what a checkpoint holds and restores; all are used by reference and must outlive this.
  Resumable(const Options& options, std::string program, nn::Module& model, optim::Optimizer& optimizer,
            History& history);
  /// Several models, each begun by resume(phase, ...).
  Resumable(const Options& options, std::string program);
  /// Restores --resume's checkpoint, if any, and returns the epochs it had done (0 without --resume).
  /// Throws, naming the file, when it is another program's, was written with other options (only
  /// --epochs, --threads, --out, --save and --checkpoint-every may change, --epochs only in the first
  /// phase), or is past --epochs.
  int resume();
  /// Begins the next phase, training `model`, and restores it as resume() does. Returns the epochs it
  /// had done: 0 if the checkpoint was written before it began, --epochs if after it ended.
  int resume(std::string phase, nn::Module& model, optim::Optimizer& optimizer, History& history);
  /// After epoch `epoch` of the phase in progress (its row already in the history): writes the
  /// checkpoint when --checkpoint-every divides it.
  void epoch_done(int epoch);
  /// The checkpoint of the phase in progress: <out>/<program>[_<phase>]_checkpoint.safetensors
  std::filesystem::path path() const;

 private:
  struct Phase {
    std::string name;  // "" for a program of one model
    nn::Module& model;
    optim::Optimizer& optimizer;
    History& history;
  };
  struct Checkpoint {
    nn::TensorFile file;
    std::vector<std::string> phases;  // begun when it was written; the last was in progress
    int epoch;                        // epochs done in that last phase
  };
  const Phase& training() const;   // the phase in progress
  const Checkpoint& checkpoint();  // --resume's file, read and checked on first use

  const Options& options_;
  std::string program_;
  std::vector<Phase> phases_;  // begun so far; the last is training
  std::optional<Checkpoint> checkpoint_;
};

}  // namespace sg::tutorial
