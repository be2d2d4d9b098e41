// Conveniences only: everything in the report is readable without this script.
(function () {
  "use strict";
  var cases = Array.prototype.slice.call(document.querySelectorAll("details.case"));

  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    for (; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") { el.open = true; }
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();

  // Printing shows every case in full.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });

  var toolbar = document.getElementById("case-toolbar");
  if (!toolbar) { return; }
  toolbar.hidden = false;
  toolbar.querySelector("[data-act=expand]").addEventListener("click", function () {
    cases.forEach(function (d) { d.open = true; });
  });
  toolbar.querySelector("[data-act=collapse]").addEventListener("click", function () {
    document.querySelectorAll("details.case, details.wire").forEach(function (d) { d.open = false; });
  });
  var boxes = Array.prototype.slice.call(toolbar.querySelectorAll("input[data-verdict]"));
  function applyFilter() {
    var shown = {};
    boxes.forEach(function (b) { shown[b.getAttribute("data-verdict")] = b.checked; });
    cases.forEach(function (d) {
      d.classList.toggle("hidden-by-filter", shown[d.getAttribute("data-verdict")] === false);
    });
  }
  boxes.forEach(function (b) { b.addEventListener("change", applyFilter); });
})();
