// Training that survives being stopped. With --checkpoint-every N a tutorial writes, every N epochs, one
// file, <out>/<program>_checkpoint.safetensors, holding all it needs to carry on: the model, the
// optimizer's state, the epochs done, the default generator's state and the curves so far. --resume FILE
// restores all of it, and the run ends with the bits of one that never stopped. (A data loader's order
// follows from --seed and the epoch alone: loader.set_epoch(done) is all it needs.)
//   sg::tutorial::Resumable resumable(options, "mnist_cnn", model, optimizer, history);
//   const int done = resumable.resume();  // 0 without --resume
//   loader.set_epoch(done);
//   for (int epoch = done + 1; epoch <= options.epochs; ++epoch) { ...; history.add(...); resumable.epoch_done(epoch); }
#pragma once

#include <filesystem>
#include <string>

#include "nn/module.h"
#include "nn/optim/optimizer.h"
#include "tutorials/common/curves.h"
#include "tutorials/common/options.h"

namespace sg::tutorial {

class Resumable {
 public:
  /// What a checkpoint holds and restores; all are used by reference and must outlive this object.
  Resumable(const Options& options, std::string program, nn::Module& model, optim::Optimizer& optimizer,
            History& history);
  /// Restores --resume's checkpoint, if any, and returns the epochs it had done (0 without --resume).
  /// Throws, naming the file, when it is another program's, was written with other options (only
  /// --epochs, --threads, --out, --save and --checkpoint-every may change), or is past --epochs.
  int resume();
  /// After epoch `epoch` (its row already in the history): writes the checkpoint when --checkpoint-every
  /// divides it.
  void epoch_done(int epoch);
  /// <out>/<program>_checkpoint.safetensors
  std::filesystem::path path() const;

 private:
  const Options& options_;
  std::string program_;
  nn::Module& model_;
  optim::Optimizer& optimizer_;
  History& history_;
};

}  // namespace sg::tutorial
