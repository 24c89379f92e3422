// Phones: tables reflow into one block per row (handbook.css). So that each cell still says what
// it is, give every cell its column's heading as data-label. Local file, no request to any host.
(function () {
  function label() {
    document.querySelectorAll(".bd-article table").forEach(function (table) {
      var heads = [];
      table.querySelectorAll("thead tr:first-child > th").forEach(function (th) {
        var span = th.colSpan || 1;
        for (var i = 0; i < span; i++) { heads.push(th.textContent.trim()); }
      });
      if (!heads.some(function (h) { return h; })) { return; }
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var col = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          if (heads[col]) { cell.setAttribute("data-label", heads[col]); }
          col += cell.colSpan || 1;
        });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", label);
  } else {
    label();
  }
})();
