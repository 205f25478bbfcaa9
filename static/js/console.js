// Small behaviours the pages declare with data-* attributes; htmx does the rest.
(function () {
  "use strict";

  // Back and Forward reload the page instead of restoring htmx's snapshot of it, which would
  // show lists and messages as they were before later accepts, rejects and shares.
  if (window.htmx) {
    window.htmx.config.historyCacheSize = 0;
    window.htmx.config.refreshOnHistoryMiss = true;
  }

  // Elements matching `selector` in root, root itself included (htmx:load passes the
  // swapped-in element, which is often the dialog itself).
  function within(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) { found.unshift(root); }
    return found;
  }

  function init(root) {
    within(root, "form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
    within(root, "dialog[data-onload-showmodal]").forEach(function (dialog) {
      if (!dialog.open && dialog.isConnected) { dialog.showModal(); }
    });
    // A form re-rendered inside an open dialog (invalid input, a tab) took the focused
    // element with it; keyboard and screen-reader users would be left on <body>.
    var dialog = root.closest ? root.closest("dialog[open]") : null;
    if (dialog && !dialog.contains(document.activeElement)) {
      var field = dialog.querySelector("[aria-invalid=true]") || dialog.querySelector("[autofocus]")
        || dialog.querySelector(".dialog-body :is(input:not([type=hidden]), textarea, select):not([disabled])");
      (field || dialog).focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });

  // Drop-down menus (<details>): a click outside or on one of their items closes them, so a
  // menu does not stay open behind the dialog or page its item opened.
  var MENUS = "details.menu, details.row-more";
  function closeMenus(keep) {
    document.querySelectorAll("details.menu[open], details.row-more[open]").forEach(function (menu) {
      if (menu !== keep) { menu.open = false; }
    });
  }

  document.addEventListener("click", function (event) {
    var menu = event.target.closest(MENUS);
    closeMenus(menu && event.target.closest("summary") ? menu : null);
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) { dismiss.closest(".alert").remove(); return; }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) { var d = closer.closest("dialog"); if (d) { d.close(); } return; }
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      var target = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (target) { target.showModal(); }
      return;
    }
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var text = copy.getAttribute("data-copy");
      var done = function () { copy.textContent = "Copied"; setTimeout(function () { copy.textContent = "Copy"; }, 1500); };
      if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, done); }
      else {
        var area = document.createElement("textarea");
        area.value = text; document.body.appendChild(area); area.select();
        try { document.execCommand("copy"); } catch (e) { /* nothing to do */ }
        area.remove(); done();
      }
    }
  });

  // "Select all" checkboxes toggle the row checkboxes of the same group.
  document.addEventListener("change", function (event) {
    var all = event.target.closest("input[data-select-all]");
    if (all) {
      var group = all.getAttribute("data-select-all");
      document.querySelectorAll('input[type=checkbox][data-group="' + group + '"]').forEach(function (box) {
        if (!box.disabled) { box.checked = all.checked; }
      });
    }
  });

  // A dialog removed from the page when closed, so a fresh one is fetched next time.
  document.addEventListener("close", function (event) {
    if (event.target.matches && event.target.matches("dialog[data-remove-on-close]")) { event.target.remove(); }
  }, true);

  // One thin bar at the top of the page while any htmx request runs.
  var running = 0;
  function progress(delta) {
    running = Math.max(0, running + delta);
    var bar = document.getElementById("progress");
    if (bar) { bar.classList.toggle("htmx-request", running > 0); }
  }
  document.addEventListener("htmx:beforeRequest", function () { progress(1); });
  document.addEventListener("htmx:afterRequest", function () { progress(-1); });

  // htmx drops error responses; say that the action failed instead of doing nothing.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var text = status === 404
      ? "The resource no longer exists or belongs to another project. Reload the page."
      : status === 403 ? "You are not allowed to perform this action."
      : "The request failed (HTTP " + status + "). Nothing was changed.";
    var box = document.getElementById("messages");
    if (!box) { return; }
    var alert = document.createElement("div");
    alert.className = "alert alert-error";
    alert.setAttribute("role", "alert");
    var span = document.createElement("span");
    span.textContent = text;
    var close = document.createElement("button");
    close.type = "button"; close.className = "alert-close"; close.setAttribute("data-dismiss", "");
    close.setAttribute("aria-label", "Dismiss"); close.textContent = "\u00d7";
    alert.appendChild(span); alert.appendChild(close); box.appendChild(alert);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = document.querySelector("details.menu[open], details.row-more[open]");
    if (open) { closeMenus(null); open.querySelector("summary").focus(); }
  });

  // Row menus sit in tables that scroll sideways; a fixed position keeps the scroll box from
  // cutting them off. Opened upwards when there is no room below; they follow their row when
  // the page or the table scrolls.
  function placeRowMenu(menu) {
    var list = menu.querySelector("ul");
    if (!list) { return; }
    if (!menu.open) { list.removeAttribute("style"); return; }
    var anchor = menu.querySelector("summary").getBoundingClientRect();
    list.style.position = "fixed";
    list.style.zIndex = "40";
    list.style.left = "auto";
    list.style.right = Math.max(8, document.documentElement.clientWidth - anchor.right) + "px";
    var top = anchor.bottom + 4;
    if (top + list.offsetHeight > window.innerHeight && anchor.top - 4 - list.offsetHeight > 0) {
      top = anchor.top - 4 - list.offsetHeight;
    }
    list.style.top = top + "px";
  }
  var ROW_MENUS = "details.op-menu, details.row-more";
  document.addEventListener("toggle", function (event) {
    if (event.target.matches && event.target.matches(ROW_MENUS)) { placeRowMenu(event.target); }
  }, true);
  function placeOpenRowMenus() {
    document.querySelectorAll("details.op-menu[open], details.row-more[open]").forEach(placeRowMenu);
  }
  window.addEventListener("scroll", placeOpenRowMenus, true);
  window.addEventListener("resize", placeOpenRowMenus);

  document.addEventListener("modal-close", function () {
    document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); });
  });
})();
