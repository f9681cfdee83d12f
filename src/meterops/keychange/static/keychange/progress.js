// Campaign page: poll the Bank KCT job's progress and reload when it ends.
(function () {
  var box = document.getElementById("generation-progress");
  if (!box) return;
  var url = box.getAttribute("data-url");
  var bar = box.querySelector(".progress-bar");
  var text = box.querySelector("[data-progress-text]");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        bar.style.width = p.percent + "%";
        bar.setAttribute("aria-valuenow", p.percent);
        text.textContent = p.label + ": " + p.processed + " / " + p.total + " meter (" + p.percent + "%)";
        if (p.status === "done" || p.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
