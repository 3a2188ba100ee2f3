// Charts of the community profile page, drawn with the bundled ECharts.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof echarts === "undefined") return;
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var red = "#b4372f", blue = "#3d6fb6";
  var age = echarts.init(document.getElementById("chart-age"));
  age.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0, right: 10, data: [data.labels.male, data.labels.female] },
    grid: { left: 50, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: data.bands },
    yAxis: { type: "value" },
    series: [
      { name: data.labels.male, type: "bar", data: data.male, itemStyle: { color: blue } },
      { name: data.labels.female, type: "bar", data: data.female, itemStyle: { color: red } }
    ]
  });
  var groups = echarts.init(document.getElementById("chart-groups"));
  groups.setOption({
    tooltip: {},
    grid: { left: 130, right: 30, top: 10, bottom: 20 },
    xAxis: { type: "value" },
    yAxis: { type: "category", data: data.groups.map(function (g) { return g.name; }).reverse() },
    series: [{ type: "bar", data: data.groups.map(function (g) { return g.value; }).reverse(), itemStyle: { color: red } }]
  });
  var hukou = echarts.init(document.getElementById("chart-hukou"));
  hukou.setOption({
    tooltip: { trigger: "item" },
    legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["40%", "70%"], data: data.hukou,
      color: [red, blue, "#e0a03a"] }]
  });
  window.addEventListener("resize", function () { age.resize(); groups.resize(); hukou.resize(); });
});
