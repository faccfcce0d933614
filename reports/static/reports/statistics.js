/* Statistics charts: drawn by Chart.js (served locally) from the published tables only.
   A suppressed cell has no bar; its label (e.g. "<10") is written where the bar would stand and
   shown in the tooltip. Without JavaScript the tables are shown. */
(function () {
  "use strict";

  var suppressedLabels = {
    id: "kemSuppressed",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var scale = chart.scales.y;
      ctx.save();
      ctx.fillStyle = "#6b4e00";
      ctx.font = "italic 10px system-ui, sans-serif";
      ctx.textAlign = "center";
      chart.data.datasets.forEach(function (dataset, d) {
        var meta = chart.getDatasetMeta(d);
        if (meta.hidden) { return; }
        (dataset.kemSuppressed || []).forEach(function (suppressed, i) {
          var bar = meta.data[i];
          if (!suppressed || !bar || !isFinite(bar.x)) { return; }
          ctx.fillText(dataset.kemDisplay[i], bar.x, scale.getPixelForValue(0) - 4);
        });
      });
      ctx.restore();
    }
  };

  var palette = ["#0b5cad", "#e07b00", "#1e7d32", "#8e44ad", "#b3261e", "#00838f", "#6d4c41", "#546e7a"];

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (set, n) {
          return {
            label: set.label,
            data: set.data,
            backgroundColor: palette[n % palette.length],
            kemDisplay: set.display,
            kemSuppressed: set.suppressed
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: {
          legend: { display: spec.datasets.length > 1 },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + item.dataset.kemDisplay[item.dataIndex];
              }
            }
          }
        }
      },
      plugins: [suppressedLabels]
    });
  }

  function setView(container, button, view) {
    container.dataset.view = view;
    button.textContent = view === "chart" ? button.dataset.labelTable : button.dataset.labelChart;
    button.setAttribute("aria-pressed", view === "table" ? "true" : "false");
  }

  // The dates matter only for a custom period: show them then.
  function datesFollowPeriod() {
    var period = document.getElementById("id_period");
    if (!period) { return; }
    var dates = document.querySelectorAll('[data-field="start"], [data-field="end"]');
    function sync() {
      dates.forEach(function (field) { field.hidden = period.value !== "custom"; });
    }
    period.addEventListener("change", sync);
    sync();
  }

  function init() {
    datesFollowPeriod();
    var container = document.querySelector(".stats");
    if (!container || !window.Chart) { return; }
    var button = container.querySelector('[data-action="toggle-view"]');
    button.hidden = false;
    setView(container, button, "chart");
    container.querySelectorAll("canvas[data-chart]").forEach(draw);
    button.addEventListener("click", function () {
      setView(container, button, container.dataset.view === "chart" ? "table" : "chart");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
