/* cryoelig pages: the only script. Without it every page still works (the forms are submitted whole).
 *
 * The checklist: after each answer the form is sent to /checklist/update and the server's two
 * fragments (the questions, re-derived from the answers, and the findings) replace the ones on the
 * page; the focused field keeps its focus and anything typed meanwhile. A slower answer that an
 * earlier one overtook is dropped. The time from sending to the swap is kept on <body>
 * (data-update-ms) for the browser test. The reasoning page: buttons that open or close every rule.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("checklist");
  var sent = 0;

  function swap(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var active = document.activeElement;
    var activeId = active && active.id;
    var typed = active && active.type === "text" ? active.value : null;
    ["questions", "findings"].forEach(function (id) {
      var fresh = template.content.getElementById(id);
      var old = document.getElementById(id);
      if (fresh && old) old.replaceChildren.apply(old, Array.prototype.slice.call(fresh.childNodes));
    });
    var again = activeId && document.getElementById(activeId);
    if (again && again !== active) {
      if (typed !== null && again.type === "text") again.value = typed;
      again.focus();
    }
  }

  function update() {
    var mine = ++sent;
    var started = performance.now();
    fetch(form.getAttribute("data-update"), {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin"
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      if (mine !== sent) return;
      swap(html);
      document.body.setAttribute("data-update-ms", (performance.now() - started).toFixed(1));
      document.body.setAttribute("data-updates", String(mine));
    }).catch(function () {
      document.body.setAttribute("data-update-failed", String(mine));
    });
  }

  if (form && window.fetch && window.URLSearchParams) {
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name) update();
    });
    form.addEventListener("submit", function (event) {
      var by = event.submitter;
      if (!by || !by.hasAttribute("formaction")) {  // "Update the findings" (or Enter in a field)
        event.preventDefault();
        update();
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("button[data-open]"), function (button) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("data-open") === "true";
      Array.prototype.forEach.call(document.querySelectorAll("details.rule"), function (d) { d.open = open; });
    });
  });
})();
