// nianbao: a table's column descriptions fold away under one line instead of pushing the
// rows down, and each description also shows as its column header's tooltip.
(function () {
  var list = document.querySelector("dl.column-descriptions");
  if (!list) { return; }
  var names = list.querySelectorAll("dt");
  var fold = document.createElement("details");
  fold.className = "nianbao-column-descriptions";
  var summary = document.createElement("summary");
  summary.textContent = "Column descriptions 列说明 (" + names.length + ")";
  fold.appendChild(summary);
  list.parentNode.insertBefore(fold, list);
  fold.appendChild(list);
  var described = {};
  names.forEach(function (dt) {
    var dd = dt.nextElementSibling;
    if (dd) { described[dt.textContent.trim()] = dd.textContent.trim(); }
  });
  document.querySelectorAll("table.rows-and-columns th[data-column]").forEach(function (th) {
    var text = described[th.getAttribute("data-column")];
    if (text) { th.title = text; }
  });
})();
