// Grad mode: whether ops record the graph. Thread-local, so one thread's no-grad evaluation never
// changes what another thread records.
#pragma once

namespace sg {

namespace detail {
// Inline in the header: every op asks, and a call into another file costs more than the check itself.
inline thread_local bool grad_enabled = true;
inline thread_local bool anomaly_enabled = false;
}  // namespace detail

struct GradMode {
  static bool is_enabled() { return detail::grad_enabled; }
  static void set_enabled(bool enabled) { detail::grad_enabled = enabled; }
};

/// Switches recording off for a scope: { sg::NoGradGuard no_grad; p -= lr * p.grad(); }
class NoGradGuard {
 public:
  NoGradGuard() : previous_(GradMode::is_enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

/// Sets grad mode for a scope, on or off: backward turns it on while it builds a graph (create_graph).
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled) : previous_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~AutoGradMode() { GradMode::set_enabled(previous_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool previous_;
};

/// Anomaly detection: while on, every op checks its output (and backward every gradient) for NaN or
/// infinity and throws std::runtime_error naming the op, so a loss that turns NaN can be traced to the
/// op that made it. Off by default: the check reads every value.
struct AnomalyMode {
  static bool is_enabled() { return detail::anomaly_enabled; }
  static void set_enabled(bool enabled) { detail::anomaly_enabled = enabled; }
};

/// { sg::DetectAnomalyGuard detect; loss = model.forward(x); }  // throws at the first non-finite op
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard() : previous_(AnomalyMode::is_enabled()) { AnomalyMode::set_enabled(true); }
  ~DetectAnomalyGuard() { AnomalyMode::set_enabled(previous_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace sg
