/* Small progressive enhancement for the portal screens (no inline scripts: CSP script-src 'self').
   Keyboard as in the manual: Tab/Enter move to the next field, arrow keys pick from a list, Enter takes it. */
(function () {
  "use strict";
  var JOINT = { enterprise: ["aic_unit", "tax_unit", "quality_unit"], other: ["aic_unit", "tax_unit", "quality_unit"],
                institution: ["quality_unit"], special: [] };

  function focusables(form) {
    return Array.prototype.filter.call(form.querySelectorAll("input, select, textarea"), function (el) {
      return !el.disabled && !el.readOnly && el.type !== "hidden" && el.offsetParent !== null;
    });
  }

  function enterMovesOn(form) {
    form.addEventListener("keydown", function (ev) {
      var t = ev.target;
      if (ev.key !== "Enter" || t.tagName === "TEXTAREA" || t.tagName === "BUTTON" || ev.defaultPrevented) return;
      var list = focusables(form), i = list.indexOf(t);
      if (i >= 0 && i < list.length - 1) { ev.preventDefault(); list[i + 1].focus(); }
    });
  }

  function lookup(input) {
    var box = document.createElement("ul"), items = [], active = -1, timer = null;
    box.className = "lookup"; box.hidden = true; box.setAttribute("role", "listbox");
    input.parentNode.style.position = "relative";
    input.parentNode.appendChild(box);
    var note = document.createElement("small"); note.className = "lookup-note";
    input.parentNode.appendChild(note);
    var min = parseInt(input.dataset.min || "1", 10);

    function render() {
      box.innerHTML = "";
      items.forEach(function (it, i) {
        var li = document.createElement("li");
        li.textContent = it.code + " " + it.name; li.setAttribute("role", "option");
        if (i === active) li.className = "active";
        li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
        box.appendChild(li);
      });
      box.hidden = items.length === 0;
    }
    function pick(i) {
      var it = items[i]; if (!it) return;
      input.value = it.code; note.textContent = it.name;
      items = []; active = -1; render();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function query() {
      var v = input.value.trim();
      if (v.length < min) { items = []; render(); note.textContent = v ? (input.dataset.minHint || "") : ""; return; }
      fetch("/api/v1/refdata/" + input.dataset.lookup + "?prefix=" + encodeURIComponent(v), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (rows) { items = rows; active = rows.length ? 0 : -1; render();
          var exact = rows.filter(function (r) { return r.code === v; })[0]; note.textContent = exact ? exact.name : ""; });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(query, 150); });
    input.addEventListener("keydown", function (ev) {
      if (box.hidden) return;
      if (ev.key === "ArrowDown") { active = Math.min(active + 1, items.length - 1); render(); ev.preventDefault(); }
      else if (ev.key === "ArrowUp") { active = Math.max(active - 1, 0); render(); ev.preventDefault(); }
      else if (ev.key === "Enter") { pick(active); ev.preventDefault(); }
      else if (ev.key === "Escape") { items = []; render(); }
    });
    input.addEventListener("blur", function () { setTimeout(function () { items = []; render(); }, 150); });
  }

  function legalPersonRules(form) {
    var sel = form.querySelector("#id_legal_person_type"); if (!sel) return;
    function apply() {
      var needed = JOINT[sel.value] || JOINT.enterprise;
      ["aic_unit", "tax_unit", "quality_unit"].forEach(function (name) {
        var el = form.querySelector("#id_" + name); if (!el) return;
        var off = sel.value && needed.indexOf(name) < 0;
        el.disabled = off; el.classList.toggle("ro", off); el.classList.toggle("req", !off);
        if (off) el.value = "";
      });
    }
    sel.addEventListener("change", apply); apply();
  }

  function enterpriseTypeOther(form) {
    var sel = form.querySelector("#id_enterprise_type"), other = form.querySelector("#id_enterprise_type_other");
    if (!sel || !other) return;
    var box = other.closest(".field");
    function apply() { box.hidden = sel.value !== "9"; }
    sel.addEventListener("change", apply); apply();
  }

  function cardIssuer(form) {
    var customs = form.querySelector("#id_customs_code"), issuer = form.querySelector("#card_issuer");
    if (!customs || !issuer) return;
    function apply() { var v = customs.value.trim(); issuer.value = v.length === 4 ? v.slice(0, 2) + "00" : ""; }
    customs.addEventListener("change", apply); customs.addEventListener("input", apply);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-enter-next]").forEach(enterMovesOn);
    document.querySelectorAll("input[data-lookup]").forEach(lookup);
    document.querySelectorAll("form.entry").forEach(function (f) { legalPersonRules(f); enterpriseTypeOther(f); cardIssuer(f); });
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      var evName = el.tagName === "FORM" ? "submit" : "click";
      el.addEventListener(evName, function (ev) {
        // data-confirm-if names a required field: while it is blank the form goes without the question and
        // is refused beside that field, rather than asking first and refusing after.
        var needed = el.dataset.confirmIf && el.form && el.form.elements[el.dataset.confirmIf];
        if (needed && !needed.value.trim()) return;
        if (!window.confirm(el.dataset.confirm)) ev.preventDefault();
      });
    });
    document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
    document.querySelectorAll("[data-show-for-kind]").forEach(function (box) {
      var radios = box.closest("form").querySelectorAll("input[name=kind]");
      function apply() {
        var on = box.closest("form").querySelector("input[name=kind]:checked");
        box.hidden = !on || on.value !== box.dataset.showForKind;
      }
      radios.forEach(function (r) { r.addEventListener("change", apply); }); apply();
    });
    // 全选: a checkbox that ticks every enabled checkbox of the named field in its form.
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      var boxes = function () {
        return Array.prototype.filter.call(all.form.querySelectorAll("input[type=checkbox][name='" + all.dataset.selectAll + "']"),
          function (b) { return !b.disabled; });
      };
      all.addEventListener("change", function () { boxes().forEach(function (b) { b.checked = all.checked; }); });
      all.checked = boxes().length > 0 && boxes().every(function (b) { return b.checked; });
    });
    var fold = document.querySelector("[data-toggle-menu]");
    if (fold) fold.addEventListener("click", function () { document.body.classList.toggle("menu-folded"); });
    var up = document.getElementById("upload-form");
    if (up) up.addEventListener("submit", function (ev) {
      var f = up.querySelector("input[type=file]").files[0];
      if (f && f.size > parseInt(up.dataset.maxBytes, 10)) { ev.preventDefault(); window.alert(up.dataset.tooLarge); }
    });
  });
})();

/* The menu as a drawer on narrow screens (portal.css, max-width 640px): the ☰ button of the compact header opens
   and closes it (aria-expanded), Esc or a click outside closes it and gives focus back to the button.
   Without JS the button stays hidden and the menu sits above the content. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    // 打印 on a print view (no inline handlers under the CSP).
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    var button = document.getElementById("menu-button"), menu = document.getElementById("sidemenu");
    if (!button || !menu) return;
    button.hidden = false;
    function set(open, focusBack) {
      root.classList.toggle("menu-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        // Below the header, so the ☰ button stays there to close it again.
        menu.style.top = Math.max(0, button.closest("header").getBoundingClientRect().bottom) + "px";
        var first = menu.querySelector("a"); if (first) first.focus();
      }
      else if (focusBack) button.focus();
    }
    button.addEventListener("click", function () { set(!root.classList.contains("menu-open"), false); });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && root.classList.contains("menu-open")) set(false, true);
    });
    document.addEventListener("click", function (ev) {
      if (root.classList.contains("menu-open") && !menu.contains(ev.target) && !button.contains(ev.target)) set(false, false);
    });
  });
})();
