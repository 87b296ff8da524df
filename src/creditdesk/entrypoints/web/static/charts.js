// Draws every chart on the page from the JSON option beside it (templates/_chart.html) with
// Apache ECharts (served from /static/vendor: no network). JSON carries no functions: the option's
// "cdFormat" (web/charts.py) says how to write its figures, and the formatters are set here.
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  var locale = zh ? "zh-CN" : "en";

  function trim(x, digits) {
    return String(Number(x.toFixed(digits)));
  }

  // A readable amount: 万/亿 in Chinese, K/M/B in English.
  function shortAmount(v) {
    if (v === null || v === undefined || isNaN(v)) { return ""; }
    var a = Math.abs(v);
    if (zh) {
      if (a >= 1e8) { return trim(v / 1e8, 2) + "亿"; }
      if (a >= 1e4) { return trim(v / 1e4, a >= 1e6 ? 0 : 1) + "万"; }
      return trim(v, 0);
    }
    if (a >= 1e9) { return trim(v / 1e9, 2) + "B"; }
    if (a >= 1e6) { return trim(v / 1e6, 1) + "M"; }
    if (a >= 1e3) { return trim(v / 1e3, 0) + "K"; }
    return trim(v, 0);
  }

  function exactAmount(v) {
    return Number(v).toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function axisText(unit) {
    return function (v) {
      if (unit === "amount") { return shortAmount(v); }
      if (unit === "ratio") { return trim(v * 100, 1) + " %"; }
      if (unit === "percent") { return trim(v, 1) + " %"; }
      if (unit === "days") { return trim(v, 1); }
      return String(v);
    };
  }

  function exactText(unit, v) {
    if (v === null || v === undefined || v === "-" || (typeof v === "number" && isNaN(v))) { return "—"; }
    if (unit === "amount") { return exactAmount(v); }
    if (unit === "ratio") { return (v * 100).toFixed(2) + " %"; }
    if (unit === "percent") { return Number(v).toFixed(2) + " %"; }
    if (unit === "days") { return Number(v).toFixed(2) + (zh ? " 天" : " days"); }
    return Number(v).toLocaleString(locale);
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function dateText(kind, text, long) {
    var m = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(String(text));
    if (!m) { return String(text); }
    var y = +m[1], mo = +m[2], d = m[3] ? +m[3] : null;
    if (kind === "month" || kind === "yearmonth" || d === null) {
      return zh ? y + "年" + mo + "月" : MONTHS[mo - 1] + " " + y;
    }
    if (long) { return zh ? y + "年" + mo + "月" + d + "日" : text; }
    return zh ? mo + "月" + d + "日" : MONTHS[mo - 1] + " " + d;
  }

  function escape(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }

  function axesOf(option, key) {
    var a = option[key];
    return Array.isArray(a) ? a : (a ? [a] : []);
  }

  function prepare(option) {
    var fmt = option.cdFormat || {};
    delete option.cdFormat;
    var units = fmt.value || ["amount"];
    var valueKey = fmt.horizontal ? "xAxis" : "yAxis";
    var categoryKey = fmt.horizontal ? "yAxis" : "xAxis";
    if (fmt.heatmap) {
      option.tooltip.formatter = function (p) {
        var x = option.xAxis.data[p.value[0]], y = option.yAxis.data[p.value[1]];
        return escape(option.yAxis.name) + " " + escape(y) + " → " + escape(option.xAxis.name) + " " + escape(x) +
          ": <b>" + exactText("count", p.value[2]) + "</b>";
      };
      return option;
    }
    axesOf(option, valueKey).forEach(function (axis, i) {
      if (axis.type === "value") {
        axis.axisLabel = Object.assign({}, axis.axisLabel, { formatter: axisText(units[i] || units[0]) });
      }
    });
    if (fmt.xAmount) {
      axesOf(option, "xAxis").forEach(function (axis) { axis.axisLabel = { formatter: axisText("amount") }; });
    }
    var category = fmt.category;
    if (category) {
      axesOf(option, categoryKey).forEach(function (axis) {
        axis.axisLabel = Object.assign({}, axis.axisLabel, { formatter: function (v) { return dateText(category, v, false); } });
      });
    }
    (option.series || []).forEach(function (s) {
      if (s.markLine && s.markLine.data) {
        var unit = units[s.yAxisIndex || 0] || units[0];
        s.markLine.label = Object.assign({}, s.markLine.label, {
          formatter: function (p) { return p.name + " " + (fmt.xAmount ? shortAmount(p.value) : axisText(unit)(p.value)); }
        });
      }
    });
    option.tooltip = Object.assign({}, option.tooltip, {
      formatter: function (params) {
        var list = Array.isArray(params) ? params : [params];
        if (!list.length) { return ""; }
        var head = list[0].axisValueLabel !== undefined ? list[0].axisValue : list[0].name;
        var out = [];
        if (fmt.xAmount) {
          out.push(escape(option.xAxis.name) + ": <b>" + exactAmount(list[0].value[0]) + "</b>");
        } else {
          out.push("<b>" + escape(category ? dateText(category, head, true) : head) + "</b>");
        }
        list.forEach(function (p) {
          var s = option.series[p.seriesIndex] || {};
          if (s.id === "band-low") { return; }
          var unit = fmt.horizontal ? units[0] : (units[s.yAxisIndex || 0] || units[0]);
          var value = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
          var text;
          if (s.id === "band-high" && fmt.band) {
            text = exactAmount(fmt.band.low[p.dataIndex]) + " – " + exactAmount(fmt.band.high[p.dataIndex]);
          } else {
            text = exactText(unit, value);
          }
          out.push(p.marker + escape(p.seriesName) + ": <b>" + text + "</b>");
        });
        if (fmt.counts) {
          out.push(escape(fmt.counts.name) + ": <b>" + exactText("count", fmt.counts.data[list[0].dataIndex]) + "</b>");
        }
        return out.join("<br>");
      }
    });
    return option;
  }

  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll("div.chart[data-chart]").forEach(function (box) {
      var source = document.getElementById(box.getAttribute("data-chart"));
      if (!source) { return; }
      var chart = window.echarts.init(box, null, { renderer: "svg" });
      chart.setOption(prepare(JSON.parse(source.textContent)));
      if (window.ResizeObserver) {
        new window.ResizeObserver(function () { chart.resize(); }).observe(box);
      } else {
        window.addEventListener("resize", function () { chart.resize(); });
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
