// CSV and a hand-written SVG: a title, one panel per kind of quantity, axes labelled, with round tick
// values, one coloured line per column and the legend under each panel.
#include "tutorials/common/curves.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "autograd/atomic_file.h"
#include "autograd/check.h"

namespace sg::tutorial {

void History::add(const std::vector<double>& row) {
  SG_CHECK(row.size() == columns_.size(), "History::add: expected {} values, got {}", columns_.size(), row.size());
  rows_.push_back(row);
}

namespace {
constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};

// A tick step of 1, 2 or 5 times a power of ten, giving about five ticks over the range.
double tick_step(double range) {
  const double raw = range / 5, power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * power) return m * power;
  return 10 * power;
}

// What a column measures, which decides its panel: losses share one, accuracies another, and any
// other quantity (a fraction of dead units, say) gets a panel of its own.
struct Kind {
  std::string title, y_label;
};
Kind kind_of(const std::string& column) {
  if (column.find("loss") != std::string::npos) return {"loss", "loss, mean per sample"};
  if (column.find("accuracy") != std::string::npos) return {"accuracy", "accuracy, fraction correct"};
  std::string title = column;
  std::replace(title.begin(), title.end(), '_', ' ');
  return {title, title};
}

constexpr double kPanelWidth = 340, kPanelHeight = 220, kPanelStride = 430, kTop = 70, kLeft = 70;

// One panel at (left, kTop): the columns whose index is in `picked`, plotted against the row number
// (x_label), with its legend below the axis label so that it never covers a line.
std::string panel(const History& h, const std::vector<size_t>& picked, const Kind& kind, const std::string& x_label,
                  double left) {
  const double top = kTop, w = kPanelWidth, h_px = kPanelHeight;
  std::string svg = fmt::format("<text x='{}' y='{}' font-size='14' text-anchor='middle'>{}</text>\n", left + w / 2,
                                top - 10, kind.title);
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& row : h.rows())
    for (size_t c : picked)
      if (std::isfinite(row[c])) lo = std::min(lo, row[c]), hi = std::max(hi, row[c]);
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-9) lo -= 0.5, hi += 0.5;
  const double step = tick_step(hi - lo);
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  const size_t n = h.rows().size();
  auto x_of = [&](size_t i) { return left + (n > 1 ? double(i) / double(n - 1) : 0.5) * w; };
  auto y_of = [&](double v) { return top + h_px - (v - lo) / (hi - lo) * h_px; };

  svg += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#888'/>\n", left, top, w, h_px);
  for (double v = lo; v <= hi + step / 2; v += step)
    svg += fmt::format("<line x1='{0}' x2='{1}' y1='{2:.1f}' y2='{2:.1f}' stroke='#eee'/><text x='{3}' y='{4:.1f}' "
                       "font-size='10' text-anchor='end'>{5:.4g}</text>\n",
                       left, left + w, y_of(v), left - 4, y_of(v) + 3, v);
  svg += fmt::format("<text transform='translate({},{}) rotate(-90)' font-size='11' text-anchor='middle'>{}</text>\n",
                     left - 46, top + h_px / 2, kind.y_label);
  const size_t label_every = std::max<size_t>(1, n / 10);
  for (size_t i = 0; i < n; i += label_every)
    svg += fmt::format("<text x='{:.1f}' y='{}' font-size='10' text-anchor='middle'>{}</text>\n", x_of(i),
                       top + h_px + 14, i + 1);
  svg += fmt::format("<text x='{}' y='{}' font-size='11' text-anchor='middle'>{}</text>\n", left + w / 2,
                     top + h_px + 30, x_label);
  for (size_t k = 0; k < picked.size(); ++k) {
    const char* colour = kColours[k % std::size(kColours)];
    std::string points;
    for (size_t i = 0; i < n; ++i)
      if (std::isfinite(h.rows()[i][picked[k]])) points += fmt::format("{:.1f},{:.1f} ", x_of(i), y_of(h.rows()[i][picked[k]]));
    svg += fmt::format("<polyline fill='none' stroke='{}' stroke-width='2' points='{}'/>\n", colour, points);
    if (n == 1) svg += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='3' fill='{}'/>\n", x_of(0), y_of(h.rows()[0][picked[k]]), colour);
    const double legend_y = top + h_px + 50 + 16 * double(k);
    svg += fmt::format("<line x1='{0}' x2='{1}' y1='{2}' y2='{2}' stroke='{3}' stroke-width='2'/>"
                       "<text x='{4}' y='{5}' font-size='11'>{6}</text>\n",
                       left, left + 20, legend_y - 4, colour, left + 26, legend_y, h.columns()[picked[k]]);
  }
  return svg;
}
}  // namespace

std::string History::save(const std::string& folder, const std::string& name, const std::string& title) const {
  const std::filesystem::path base = std::filesystem::path(folder) / name;
  std::string csv = "epoch";
  for (const auto& c : columns_) csv += "," + c;
  csv += "\n";
  for (size_t i = 0; i < rows_.size(); ++i) {
    csv += fmt::format("{}", i + 1);
    for (double v : rows_[i]) csv += fmt::format(",{:.6g}", v);
    csv += "\n";
  }
  write_file_atomic(base.string() + ".csv", csv);

  // Columns grouped by kind, in the order each kind first appears.
  std::vector<Kind> kinds;
  std::vector<std::vector<size_t>> picked;
  for (size_t c = 0; c < columns_.size(); ++c) {
    const Kind kind = kind_of(columns_[c]);
    size_t k = 0;
    while (k < kinds.size() && kinds[k].title != kind.title) ++k;
    if (k == kinds.size()) kinds.push_back(kind), picked.emplace_back();
    picked[k].push_back(c);
  }
  size_t legend_rows = 0;
  for (const auto& p : picked) legend_rows = std::max(legend_rows, p.size());
  const double width = kLeft + kPanelStride * double(kinds.size()), height = kTop + kPanelHeight + 56 + 16 * double(legend_rows);
  std::string svg = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif'>\n"
                                "<rect width='100%' height='100%' fill='white'/>\n"
                                "<text x='{}' y='24' font-size='16' text-anchor='middle'>{}</text>\n",
                                width, height, width / 2, title);
  for (size_t k = 0; k < kinds.size(); ++k) svg += panel(*this, picked[k], kinds[k], "epoch", kLeft + kPanelStride * double(k));
  svg += "</svg>\n";
  write_file_atomic(base.string() + ".svg", svg);
  return base.string() + ".svg";
}

}  // namespace sg::tutorial
