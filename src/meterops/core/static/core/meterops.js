// Behaviour the templates used to carry in inline attributes, which the CSP refuses (issue #17):
//   <input type="checkbox" data-select-all="selected">  ticks every input[name=selected] of the page
//   <select data-autosubmit>                            submits its form when changed
//   <div class="progress-bar" data-progress="40">       is drawn 40% wide (also after an htmx swap)
//   <form data-confirm="Hapus {count} target?" data-confirm-count="selected">
//   <button data-confirm="Kirim ke AP2T?">              asks before submitting; {count} is the number
//                                                       of ticked input[name=selected] (none ticked:
//                                                       no question, the server says what is missing)
//   <input type="radio" name="scope" data-confirm-total="250">  while checked, {count} is 250: the
//                                                       scope chosen covers more than the ticked boxes
//   <form data-submit-once>                             sends once: its submit buttons are disabled
//                                                       after the first submit (a double click)
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

  function confirmation(form, submitter) {
    var holder = submitter && submitter.hasAttribute("data-confirm") ? submitter : form;
    var question = holder.getAttribute("data-confirm");
    if (question === null) return null;
    var counted = holder.getAttribute("data-confirm-count");
    if (counted === null) return question;
    // form.elements also holds the boxes outside the form that name it (form="bulk-verify").
    var scope = Array.prototype.find.call(form.elements, function (field) {
      return field.hasAttribute("data-confirm-total") && field.checked;
    });
    var count = scope ? Number(scope.getAttribute("data-confirm-total"))
      : Array.prototype.filter.call(form.elements, function (field) {
        return field.name === counted && field.checked;
      }).length;
    if (count === 0) return null;
    return question.replace("{count}", count.toLocaleString("id-ID"));
  }

  // Capture phase, so the question comes before htmx or the browser sends anything.
  document.addEventListener("submit", function (event) {
    var question = confirmation(event.target, event.submitter);
    if (question !== null && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Bubble phase: only a submit the question above let through is counted as the one.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-submit-once") || event.defaultPrevented) return;
    if (form.getAttribute("data-submitted") === "1") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitted", "1");
    // After this task, so the browser has already taken the pressed button's value.
    window.setTimeout(function () { setSubmitButtons(form, true); }, 0);
  });

  function setSubmitButtons(form, disabled) {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.type === "submit") field.disabled = disabled;
    });
  }

  // A page brought back with the Back button is live again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      form.removeAttribute("data-submitted");
      setSubmitButtons(form, false);
    });
  });

  document.addEventListener("htmx:load", function (event) { drawProgress(event.target); });
  drawProgress(document);
})();
