// After each step (a page reached from this site), move focus to what the person must read first: the
// error summary when there is one, otherwise the page's main heading. Screen readers announce it, and
// keyboard users continue from there instead of from the top of the header.
(function () {
  var target = document.getElementById("error-summary") || document.querySelector(".error-summary") ||
    document.querySelector("main h1");
  if (!target) return;
  var fromHere = document.referrer && document.referrer.indexOf(location.origin + "/") === 0;
  if (!fromHere && !target.classList.contains("error-summary")) return;
  if (location.hash) return; // an in-page link chose where to go
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus({ preventScroll: target.tagName === "H1" });
})();
