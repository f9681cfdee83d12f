// Behaviour the templates used to carry in inline attributes, which the CSP refuses (issue #17):
//   <input type="checkbox" data-select-all="selected">  ticks every input[name=selected] of the page
//   <select data-autosubmit>                            submits its form when changed
//   <div class="progress-bar" data-progress="40">       is drawn 40% wide (also after an htmx swap)
(function () {
  "use strict";

  function drawProgress(root) {
    var bars = root.querySelectorAll ? Array.prototype.slice.call(root.querySelectorAll("[data-progress]")) : [];
    if (root.matches && root.matches("[data-progress]")) bars.push(root);
    bars.forEach(function (bar) { bar.style.width = bar.getAttribute("data-progress") + "%"; });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var name = target.getAttribute("data-select-all");
    if (name !== null) {
      document.querySelectorAll("input[name='" + name + "']").forEach(function (box) {
        box.checked = target.checked;
      });
    } else if (target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });

  document.addEventListener("htmx:load", function (event) { drawProgress(event.target); });
  drawProgress(document);
})();
