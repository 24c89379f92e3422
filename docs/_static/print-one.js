// "Print this checklist only": mark the checklist's section, print, then unmark. The print
// stylesheet (handbook.css) hides everything else while <html> has the class "print-one".
// Local file, no request to any host; works from file:// as well as over HTTP.
(function () {
  function clear() {
    document.documentElement.classList.remove("print-one");
    document.querySelectorAll(".print-target").forEach(function (el) {
      el.classList.remove("print-target");
    });
  }
  window.protocolPrintOne = function (button) {
    var section = button.closest("section");
    if (!section) { return; }
    clear();
    document.documentElement.classList.add("print-one");
    section.classList.add("print-target");
    window.print();
  };
  window.addEventListener("afterprint", clear);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.print-one");
    if (button) { window.protocolPrintOne(button); }
  });
})();
