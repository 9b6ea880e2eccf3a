// Brug's small page helpers. No inline scripts: the CSP allows only same-origin files.
// Everything here is an enhancement: each page works without JavaScript.
(function () {
  "use strict";

  // <form data-confirm="Are you sure?">: ask before an action that cannot be undone.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    // <button data-print>: print the page (for example backup codes).
    var printer = target.closest("[data-print]");
    if (printer) { event.preventDefault(); window.print(); return; }
    // <button data-copy="#element-id">: copy that element's text, say so in its status.
    var copier = target.closest("[data-copy]");
    if (copier && navigator.clipboard) {
      var source = document.querySelector(copier.getAttribute("data-copy"));
      var status = document.querySelector(copier.getAttribute("data-copy-status") || "#copy-status");
      if (!source) { return; }
      navigator.clipboard.writeText(source.textContent.replace(/\s+/g, "")).then(function () {
        if (status) { status.textContent = copier.getAttribute("data-copied") || "Copied"; }
      });
    }
  });

  // Show the print and copy buttons only when they can work.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print], [data-copy]").forEach(function (el) {
      if (el.hasAttribute("data-copy") && !navigator.clipboard) { return; }
      el.hidden = false;
    });
  });
})();
