// Process diagrams, drawn with the bpmn-js viewer (static/vendor/bpmn-js, no CDN).
// No inline script: the page's CSP allows only same-origin script files.
//
//   <div class="brug-diagram" data-bpmn-url="/cases/.../diagram.bpmn"
//        data-bpmn-current="Task_A,Task_B" data-bpmn-done="StartEvent_1,Task_0"
//        data-bpmn-error="The diagram could not be shown."></div>
//
// The XML is fetched from the same origin only. Ids in data-bpmn-current get the class
// "brug-current", ids in data-bpmn-done "brug-done" (see diagram.css); unknown ids are skipped.
// On any failure the element shows the (server-translated) text of data-bpmn-error.
// The diagram is an enhancement: the page lists the same steps in a table.
(function () {
  "use strict";

  var FALLBACK_ERROR = "The diagram could not be shown.";

  function idList(element, attribute) {
    return (element.getAttribute(attribute) || "")
      .split(",")
      .map(function (id) { return id.trim(); })
      .filter(function (id) { return id.length > 0; });
  }

  function sameOriginUrl(raw) {
    if (!raw) { throw new Error("no data-bpmn-url"); }
    var url = new URL(raw, window.location.href);
    if (url.origin !== window.location.origin) { throw new Error("diagram URL is not same-origin"); }
    return url.href;
  }

  function showError(element) {
    element.classList.remove("brug-diagram-loading", "brug-diagram-ready");
    element.classList.add("brug-diagram-failed");
    element.textContent = element.getAttribute("data-bpmn-error") || FALLBACK_ERROR;
  }

  function addMarkers(viewer, ids, marker) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    ids.forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, marker); }
    });
  }

  // The container arrives as role="img" with an aria-label (right while loading or failed).
  // Once drawn it holds the bpmn.io watermark link, which must stay (its licence) but may not
  // sit inside an image (axe: nested-interactive); so the image role moves to the drawing.
  // The drawing is static here, so it leaves the tab order.
  function labelDrawing(element) {
    var svg = element.querySelector("svg");
    var label = element.getAttribute("aria-label");
    if (!svg || !label) { return; }
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
    svg.setAttribute("tabindex", "-1");
    element.removeAttribute("role");
    element.removeAttribute("aria-label");
  }

  function fit(viewer) {
    try {
      viewer.get("canvas").zoom("fit-viewport", "auto");
    } catch (error) {
      // A hidden container has no size to fit into; the resize observer fits it later.
    }
  }

  async function render(element) {
    if (element.getAttribute("data-bpmn-state")) { return; }
    element.setAttribute("data-bpmn-state", "loading");
    element.classList.add("brug-diagram-loading");
    var viewer = null;
    try {
      if (typeof window.BpmnJS !== "function") { throw new Error("bpmn-js is not loaded"); }
      var response = await fetch(sameOriginUrl(element.getAttribute("data-bpmn-url")), {
        credentials: "same-origin",
        headers: { "Accept": "application/xml, text/xml" }
      });
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      var xml = await response.text();
      viewer = new window.BpmnJS({ container: element });
      await viewer.importXML(xml);
      fit(viewer);
      labelDrawing(element);
      addMarkers(viewer, idList(element, "data-bpmn-done"), "brug-done");
      addMarkers(viewer, idList(element, "data-bpmn-current"), "brug-current");
      element.classList.remove("brug-diagram-loading");
      element.classList.add("brug-diagram-ready");
      element.setAttribute("data-bpmn-state", "ready");
      if (typeof window.ResizeObserver === "function") {
        new window.ResizeObserver(function () { fit(viewer); }).observe(element);
      }
    } catch (error) {
      if (viewer) { viewer.destroy(); }
      element.setAttribute("data-bpmn-state", "failed");
      showError(element);
    }
  }

  function renderAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("[data-bpmn-url]")) { render(scope); }
    Array.prototype.forEach.call(scope.querySelectorAll("[data-bpmn-url]"), render);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { renderAll(document); });
  } else {
    renderAll(document);
  }
  // Content swapped in by htmx (e.g. a case page's step list) may bring a diagram along.
  document.addEventListener("htmx:load", function (event) { renderAll(event.target); });
})();
