// The release switcher and the banner for superseded releases. Loaded with a plain <script>
// tag by every page of the published site (so it works from file:// as well as over HTTP); its
// data, window.PROTOCOL_RELEASES, is written above this code by protocol_checks.publish.
(function () {
  var data = window.PROTOCOL_RELEASES;
  var me = document.currentScript;
  if (!data || !me) return;
  var root = me.getAttribute("data-root");
  var mine = me.getAttribute("data-release");
  var page = me.getAttribute("data-page");

  function href(release) {
    var found = release.pages.indexOf(page) >= 0 ? page : "index.html";
    return root + release.path + found;
  }

  var STYLE = ".release-switcher{font-size:.9rem;padding:.4rem 1rem;background:#f3f4f6;" +
    "border-bottom:1px solid #c9c9c9}.release-switcher a[aria-current]{font-weight:700}" +
    ".release-superseded{background:#fff4ce;border-bottom:2px solid #7a4a00;padding:.6rem 1rem;" +
    "font-weight:600}@media print{.release-switcher{display:none}}";

  function build() {
    var style = document.createElement("style");
    style.textContent = STYLE;
    document.head.appendChild(style);
    var box = document.createElement("nav");
    box.className = "release-switcher";
    box.setAttribute("aria-label", "Protocol releases");
    var label = document.createElement("span");
    label.textContent = "Protocol release " + mine + ": ";
    box.appendChild(label);
    data.releases.forEach(function (release, i) {
      if (i) box.appendChild(document.createTextNode(" \u00b7 "));
      var link = document.createElement("a");
      link.href = href(release);
      link.textContent = release.version + (release.version === data.current ? " (current)" : "");
      link.setAttribute("data-release", release.version);
      if (release.version === mine) link.setAttribute("aria-current", "page");
      box.appendChild(link);
    });
    if (mine !== data.current) {
      var banner = document.createElement("div");
      banner.className = "release-superseded";
      banner.setAttribute("role", "note");
      banner.appendChild(document.createTextNode(
        "You are reading release " + mine + ", which is not the current release. The current " +
        "release is " + data.current + ": "));
      var changes = document.createElement("a");
      changes.href = root + data.changes;
      changes.textContent = "see what changed";
      banner.appendChild(changes);
      banner.appendChild(document.createTextNode("."));
      document.body.insertBefore(banner, document.body.firstChild);
    }
    document.body.insertBefore(box, document.body.firstChild);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();
})();
