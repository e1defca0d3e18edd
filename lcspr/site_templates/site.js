"use strict";
// Sorting and filtering of the dashboard's tables; everything happens in the page, nothing is fetched.
(function () {
  function cellText(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    var value = cell.getAttribute("data-values");
    return value === null ? cell.textContent.trim() : value;
  }

  function compare(a, b) {
    if (a === b) { return 0; }
    if (a === "") { return 1; }   // empty cells last, whichever the direction
    if (b === "") { return -1; }
    var x = Number(a), y = Number(b);
    if (!isNaN(x) && !isNaN(y)) { return x - y; }
    return a.localeCompare(b, "en-GB", { numeric: true, sensitivity: "base" });
  }

  function sortBy(table, th) {
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var index = headers.indexOf(th);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    headers.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r, s) {
      var a = cellText(r, index), b = cellText(s, index);
      if (a === "" || b === "") { return compare(a, b); }
      return ascending ? compare(a, b) : compare(b, a);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function applyFilters(form) {
    var table = document.getElementById(form.getAttribute("data-table"));
    var text = form.querySelector("[data-filter=text]").value.trim().toLowerCase();
    var onlyOverdue = form.querySelector("[data-filter=overdue]").checked;
    var columns = Array.prototype.slice.call(form.querySelectorAll("[data-filter=column]"))
      .filter(function (s) { return s.value !== ""; });
    var shown = 0, rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i], visible = true;
      if (text && row.textContent.toLowerCase().indexOf(text) < 0) { visible = false; }
      if (onlyOverdue && !row.hasAttribute("data-overdue")) { visible = false; }
      columns.forEach(function (select) {
        var cell = row.querySelector("td[data-key=\"" + select.getAttribute("data-key") + "\"]");
        var values = cell ? cell.getAttribute("data-values").split("\n") : [];
        if (values.indexOf(select.value) < 0) { visible = false; }
      });
      row.hidden = !visible;
      if (visible) { shown++; }
    }
    var count = document.querySelector("[data-count-for=\"" + table.id + "\"]");
    if (count) { count.textContent = shown + " of " + rows.length + " cases"; }
  }

  function showColumn(table, key, shown) {
    table.querySelectorAll("[data-key=\"" + key + "\"]").forEach(function (cell) { cell.hidden = !shown; });
  }

  document.querySelectorAll("form.column-choice").forEach(function (form) {
    var table = document.getElementById(form.getAttribute("data-table"));
    form.addEventListener("change", function (event) {
      showColumn(table, event.target.value, event.target.checked);
    });
  });
  document.querySelectorAll("table.sortable").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      var button = th.querySelector("button");
      if (button) { button.addEventListener("click", function () { sortBy(table, th); }); }
    });
  });
  document.querySelectorAll("form.filters").forEach(function (form) {
    form.addEventListener("input", function () { applyFilters(form); });
    form.addEventListener("change", function () { applyFilters(form); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function () { setTimeout(function () { applyFilters(form); }, 0); });
  });
}());
