/* Public portal behaviour; loaded as a static file so the CSP can forbid inline scripts.
 *
 * Quick exit: the button and the Escape key replace the current history entry with a
 * neutral page (location.replace), so Back does not return here. Links inside the portal
 * (marked data-portal) also replace the entry, so a whole visit occupies one entry that the
 * quick exit then overwrites. Forms still add entries (a browser rule); the safety page says so.
 */
(function () {
  "use strict";
  var exit = document.getElementById("quick-exit");
  var target = exit ? exit.getAttribute("href") : "/";
  var leaving = false;

  function leave(event) {
    if (event) { event.preventDefault(); }
    if (leaving) { return; }
    leaving = true;
    document.title = "";
    if (document.body) { document.body.hidden = true; }
    window.location.replace(target);
  }

  if (exit) { exit.addEventListener("click", leave); }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") { leave(event); }
  });

  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[data-portal]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    event.preventDefault();
    window.location.replace(link.href);
  });

  var now = document.getElementById("id_happening_now");
  var box = document.getElementById("danger-now");
  function showDanger() {
    if (!now || !box) { return; }
    box.hidden = !now.checked;
    if (now.checked) { box.focus(); }
  }
  if (now && box) {
    now.addEventListener("change", showDanger);
    if (now.checked) { box.hidden = false; }
  }
})();
