// Shows a notice on every page once the protocol release is past its review date. The date
// is in the page footer (data-review); the check runs when the page is read, so the handbook
// never has to be rebuilt for the notice to appear, and no build fails on a calendar date.
document.addEventListener("DOMContentLoaded", function () {
  var footer = document.querySelector("[data-review]");
  if (!footer) return;
  var review = footer.getAttribute("data-review");
  var today = new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(review) || today <= review) return;
  var notice = document.createElement("div");
  notice.className = "review-overdue";
  notice.setAttribute("role", "note");
  notice.textContent = "This protocol release was due for review on " + review +
    ". Check with the protocol's owner that it is still current before relying on it.";
  document.body.insertBefore(notice, document.body.firstChild);
});
