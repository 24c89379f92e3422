// Before printing, open every closed dropdown so that nothing essential is hidden on paper;
// restore the reader's view afterwards. Local file: the site loads nothing from other hosts.
(function () {
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open]):not(.exercise-answer)").forEach(function (d) {
      d.open = true;
      opened.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
