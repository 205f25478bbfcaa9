// Small behaviours the pages declare with data-* attributes; htmx does the rest.
(function () {
  "use strict";

  // CSS folds the header into a menu only when this script runs to open it again.
  document.documentElement.classList.add("js");

  // Texts of the notices this script shows, rendered by the page in the user's language.
  function text(name, fallback) {
    var value = document.body && document.body.getAttribute("data-msg-" + name);
    return value || fallback;
  }

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
    var toggle = event.target.closest("[data-topbar-toggle]");
    if (toggle) {
      var bar = toggle.closest(".topbar");
      var open = !bar.classList.contains("is-open");
      bar.classList.toggle("is-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var value = copy.getAttribute("data-copy");
      var done = function () {
        copy.textContent = text("copied", "Copied");
        setTimeout(function () { copy.textContent = text("copy", "Copy"); }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(value).then(done, done); }
      else {
        var area = document.createElement("textarea");
        area.value = value; document.body.appendChild(area); area.select();
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

  // htmx drops error responses and failed sends; say that the action failed instead of
  // doing nothing. Shown in the open dialog when there is one, else above the page.
  function notify(message, kind) {
    var dialog = document.querySelector("dialog[open]");
    var box = dialog ? dialog.querySelector(".dialog-body") : document.getElementById("messages");
    if (!box) { return; }
    var old = box.querySelector("[data-request-notice]");
    if (old) { old.remove(); }
    var alert = document.createElement("div");
    alert.className = "alert alert-error" + (kind ? " notice-" + kind : "");
    alert.setAttribute("role", "alert");
    alert.setAttribute("data-request-notice", "");
    var span = document.createElement("span");
    span.textContent = message;
    var close = document.createElement("button");
    close.type = "button"; close.className = "alert-close"; close.setAttribute("data-dismiss", "");
    close.setAttribute("aria-label", text("dismiss", "Dismiss")); close.textContent = "\u00d7";
    alert.appendChild(span); alert.appendChild(close);
    if (dialog) { box.insertBefore(alert, box.firstChild); } else { box.appendChild(alert); }
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    notify(status === 404 ? text("not-found", "The resource no longer exists or belongs to another project. Reload the page.")
      : status === 403 ? text("forbidden", "You are not allowed to perform this action.")
      : text("failed", "The request failed. Nothing was changed.") + " (HTTP " + status + ")");
  });
  function unreachable() {
    notify(text("offline", "Could not reach the console. Check your network connection and try again; nothing was changed."), "offline");
  }
  document.addEventListener("htmx:sendError", unreachable);
  document.addEventListener("htmx:timeout", unreachable);

  // While a dialog's request runs, all of its buttons are disabled (hx-disabled-elt reaches
  // only one element), so a double click sends one request; a second submit is dropped.
  var BUSY_CONTROLS = "button, input[type=submit], a.btn";
  document.addEventListener("htmx:beforeRequest", function (event) {
    var dialog = event.detail.elt.closest && event.detail.elt.closest("dialog");
    if (!dialog) { return; }
    if (dialog.hasAttribute("data-busy")) { event.preventDefault(); return; }
    dialog.setAttribute("data-busy", "");
    dialog.setAttribute("aria-busy", "true");
    dialog.querySelectorAll(BUSY_CONTROLS).forEach(function (control) {
      if (control.disabled || control.getAttribute("aria-disabled") === "true") { return; }
      control.setAttribute("data-busy-disabled", "");
      if (control.tagName === "A") { control.setAttribute("aria-disabled", "true"); control.classList.add("is-busy"); }
      else { control.disabled = true; }
    });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var dialog = event.detail.elt.closest && event.detail.elt.closest("dialog");
    if (!dialog) { return; }
    dialog.removeAttribute("data-busy");
    dialog.removeAttribute("aria-busy");
    dialog.querySelectorAll("[data-busy-disabled]").forEach(function (control) {
      control.removeAttribute("data-busy-disabled");
      if (control.tagName === "A") { control.removeAttribute("aria-disabled"); control.classList.remove("is-busy"); }
      else { control.disabled = false; }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = document.querySelector("details.menu[open], details.row-more[open]");
    if (open) { closeMenus(null); open.querySelector("summary").focus(); return; }
    var bar = document.querySelector(".topbar.is-open");
    if (bar) {
      bar.classList.remove("is-open");
      var toggle = bar.querySelector("[data-topbar-toggle]");
      toggle.setAttribute("aria-expanded", "false"); toggle.focus();
    }
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

  // Focus after a dialog: back to the control that opened it; when the refreshed list
  // replaced that control, to the same control in the new list; else to the main content.
  // Never to <body>, where keyboard and screen-reader users would lose their place.
  var pendingOpener = null;
  var lastActivated = null;
  function visible(el) { return el && el.isConnected && el.getClientRects().length > 0 && !el.closest("[hidden]"); }
  function lookup(el) {
    var attrs = ["id", "hx-get", "href", "data-open-dialog", "formaction", "name"];
    for (var i = 0; i < attrs.length; i++) {
      var value = el.getAttribute(attrs[i]);
      if (value) { return el.tagName.toLowerCase() + "[" + attrs[i] + '="' + CSS.escape(value) + '"]'; }
    }
    return null;
  }
  function rememberOpener(el) {
    if (!el || el === document.body || el.closest("dialog")) { return; }
    var menu = el.closest("details");
    pendingOpener = { el: el, selector: lookup(el), summary: menu ? menu.querySelector("summary") : null };
  }
  function lostFocus() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }
  function restoreFocus(info) {
    if (document.querySelector("dialog[open]") || !lostFocus()) { return; }
    var target = null;
    if (info) {
      if (visible(info.el)) { target = info.el; }
      else if (info.selector) {
        target = Array.prototype.filter.call(document.querySelectorAll(info.selector), visible)[0] || null;
      }
      if (!target && visible(info.summary)) { target = info.summary; }
    }
    target = target || document.getElementById("main");
    if (target) { target.focus(); }
  }
  document.addEventListener("click", function (event) {
    lastActivated = event.target.closest("a, button, summary, input, select");
    if (event.target.closest("[data-open-dialog]")) { rememberOpener(lastActivated); }
  }, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && target.id === "dialogs" && !event.detail.elt.closest("dialog")) {
      var active = document.activeElement;
      rememberOpener(active && active !== document.body ? active : lastActivated);
    }
  });
  document.addEventListener("close", function (event) {
    if (!(event.target instanceof HTMLDialogElement)) { return; }
    var info = pendingOpener;
    setTimeout(function () { restoreFocus(info); }, 0);
    var settled = function () {
      document.removeEventListener("htmx:afterSettle", settled);
      setTimeout(function () { restoreFocus(info); }, 0);
    };
    document.addEventListener("htmx:afterSettle", settled);
  }, true);
  // A dialog replaced or removed by a swap closes without a close event.
  document.addEventListener("htmx:afterSettle", function () {
    if (pendingOpener && !document.querySelector("dialog[open]") && lostFocus()) {
      restoreFocus(pendingOpener);
    }
  });

  document.addEventListener("modal-close", function () {
    document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); });
  });
})();
