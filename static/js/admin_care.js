// Tables that scroll sideways on a narrow screen (inline groups) get a keyboard stop and a name, so they
// can be scrolled without a mouse.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".inline-group, .inline-group .tabular").forEach(function (region) {
    if (region.scrollWidth > region.clientWidth && !region.hasAttribute("tabindex")) {
      var heading = region.querySelector("h2");
      region.setAttribute("tabindex", "0");
      region.setAttribute("role", "region");
      region.setAttribute("aria-label", heading ? heading.textContent.trim() : "Table");
    }
  });
});
