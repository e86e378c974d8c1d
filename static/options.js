// Progressive enhancement of the options form: prospect-only questions follow the "data" answer,
// and the default staff list follows the "unmatched owner" answer. The server checks all of it.
(function () {
  "use strict";
  var form = document.getElementById("options-form");
  if (!form) { return; }
  var prospectOnly = form.querySelector("[data-prospects-only]");
  var staffSelect = form.querySelector("select[name=default_staff]");

  function checked(name) {
    var input = form.querySelector("input[name=" + name + "]:checked");
    return input ? input.value : "";
  }

  // After a refused save the server's messages must stay in view, whatever the answers say.
  var showErrors = Boolean(prospectOnly && prospectOnly.querySelector(".field-error"));

  function update() {
    if (prospectOnly && !showErrors) {
      var withProspects = checked("data") !== "members";
      prospectOnly.hidden = !withProspects;
      prospectOnly.querySelectorAll("input, select").forEach(function (el) {
        el.disabled = !withProspects;
      });
    }
    if (staffSelect && !staffSelect.closest("[hidden]")) {
      staffSelect.disabled = checked("unmatched_owner") !== "default_staff";
    }
  }

  var hint = form.querySelector("[data-no-js-hint]");
  if (hint) { hint.hidden = true; }
  form.addEventListener("change", function () { showErrors = false; update(); });
  update();
})();
