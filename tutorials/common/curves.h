// Training curves: one row of figures per epoch, saved as CSV and drawn as an SVG picture with a panel
// per kind of quantity (loss, accuracy, any other), so a learner can look rather than read.
#pragma once

#include <string>
#include <vector>

namespace sg::tutorial {

class History {
 public:
  /// Column names, e.g. {"train_loss", "train_accuracy", "test_accuracy"}; names with "loss" go to the
  /// loss panel, names with "accuracy" to the accuracy panel, any other to a panel of its own.
  explicit History(std::vector<std::string> columns) : columns_(std::move(columns)) {}
  /// One value per column, for the next epoch.
  void add(const std::vector<double>& row);
  /// Writes <folder>/<name>.csv and <folder>/<name>.svg (atomically), the picture headed by `title`
  /// (the program and the run: "fashion_cnn, exact ReLU derivative, seed 0"); returns the SVG's path.
  std::string save(const std::string& folder, const std::string& name, const std::string& title) const;

  const std::vector<std::string>& columns() const { return columns_; }
  const std::vector<std::vector<double>>& rows() const { return rows_; }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<double>> rows_;
};

}  // namespace sg::tutorial
