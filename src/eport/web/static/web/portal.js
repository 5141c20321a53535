/* Small progressive enhancement for the portal screens (no inline scripts: CSP script-src 'self').
   Keyboard as in the manual: Tab/Enter move to the next field, arrow keys pick from a list, Enter takes it. */
(function () {
  "use strict";
  var JOINT = { enterprise: ["aic_unit", "tax_unit", "quality_unit"], other: ["aic_unit", "tax_unit", "quality_unit"],
                institution: ["quality_unit"], special: [] };

  function focusables(form) {
    return Array.prototype.filter.call(form.querySelectorAll("input, select, textarea"), function (el) {
      return !el.disabled && !el.readOnly && el.type !== "hidden" && el.tabIndex >= 0 && el.offsetParent !== null;
    });
  }

  // Enter moves on (the manual's keyboard): the field after this one in the form, if any.
  function moveOn(el) {
    var list = focusables(el.form), i = list.indexOf(el);
    if (i >= 0 && i < list.length - 1) { list[i + 1].focus(); return true; }
    return false;
  }

  function enterMovesOn(form) {
    form.addEventListener("keydown", function (ev) {
      var t = ev.target;
      if (ev.key !== "Enter" || t.tagName === "TEXTAREA" || t.tagName === "BUTTON" || ev.defaultPrevented) return;
      if (moveOn(t)) ev.preventDefault();
    });
  }

  // A field offered with a default to complete (发证机构名称): its text is selected on focus, so typing replaces it.
  function selectOnFocus(input) {
    input.addEventListener("focus", function () { input.select(); });
  }

  /* A code look-up as an ARIA combobox (input role=combobox + listbox of options). Typing asks the code list
     (from the minimum length); arrows move the highlight; Enter takes the exact code, the only match, or the
     highlighted option of an open list, and moves on at once, so what is typed next lands in the next field
     even while the answer is on its way (it is applied when it comes). The unit's name is shown beside the
     code (server-rendered for a saved code, announced politely). */
  function lookup(input) {
    var name = input.name, listId = input.id + "_list";
    var box = document.createElement("ul"), items = [], active = -1, timer = null, shownFor = null, cache = {};
    box.className = "lookup"; box.hidden = true; box.id = listId; box.setAttribute("role", "listbox");
    box.setAttribute("aria-label", (input.labels && input.labels[0] ? input.labels[0].textContent : name));
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    var field = input.parentNode; field.style.position = "relative";
    input.insertAdjacentElement("afterend", box);
    var note = document.getElementById("name_" + name);
    if (!note) {
      note = document.createElement("span"); note.className = "lookup-note"; note.id = "name_" + name;
      note.setAttribute("aria-live", "polite"); box.insertAdjacentElement("afterend", note);
    }
    var min = parseInt(input.dataset.min || "1", 10);

    function optionId(i) { return listId + "_" + i; }
    function render() {
      box.innerHTML = "";
      items.forEach(function (it, i) {
        var li = document.createElement("li");
        li.id = optionId(i); li.textContent = it.code + " " + it.name; li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        if (i === active) li.className = "active";
        li.addEventListener("mousedown", function (e) { e.preventDefault(); take(it); });
        box.appendChild(li);
      });
      box.hidden = items.length === 0;
      input.setAttribute("aria-expanded", box.hidden ? "false" : "true");
      if (!box.hidden && active >= 0) {
        input.setAttribute("aria-activedescendant", optionId(active));
        var cur = box.children[active]; if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: "nearest" });
      } else input.removeAttribute("aria-activedescendant");
    }
    function close() { items = []; active = -1; shownFor = null; render(); }
    function take(it) {
      input.value = it.code; note.textContent = it.name; close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function ask(v) {  // the rows whose code starts with v (each prefix asked once)
      if (v.length < min) return Promise.resolve([]);
      if (!cache[v]) {
        var url = input.dataset.lookupUrl ? input.dataset.lookupUrl + encodeURIComponent(v)
          : "/api/v1/refdata/" + input.dataset.lookup + "?prefix=" + encodeURIComponent(v);
        cache[v] = fetch(url, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; }).catch(function () { delete cache[v]; return []; });
      }
      return cache[v];
    }
    function exactIn(rows, v) { return rows.filter(function (r) { return r.code === v; })[0]; }
    function query() {
      timer = null;
      var v = input.value.trim();
      if (v.length < min) { close(); note.textContent = v ? (input.dataset.minHint || "") : ""; return; }
      ask(v).then(function (rows) {
        if (input.value.trim() !== v || document.activeElement !== input) return;  // typed on, or left: stale
        items = rows; active = rows.length ? 0 : -1; shownFor = v; render();
        var exact = exactIn(rows, v); note.textContent = exact ? exact.name : "";
      });
    }
    input.addEventListener("input", function () {
      note.textContent = "";  // the name shown was the old code's
      clearTimeout(timer); timer = setTimeout(query, 150);
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        if (box.hidden) { clearTimeout(timer); query(); ev.preventDefault(); return; }
        active = ev.key === "ArrowDown" ? Math.min(active + 1, items.length - 1) : Math.max(active - 1, 0);
        render(); ev.preventDefault();
      } else if (ev.key === "Enter") {
        ev.preventDefault();
        var v = input.value.trim(), open = !box.hidden && shownFor === v, highlighted = open ? items[active] : null;
        clearTimeout(timer); timer = null;
        if (open && highlighted && !exactIn(items, v) && items.length > 1) { take(highlighted); moveOn(input); return; }
        if (input.dataset.enterOpens !== undefined && v && !open) {
          // A list searched by name (使用口岸): Enter opens the matches to pick from, unless the code is exact or
          // only one matches (seed 000: 模糊输入口岸名称或代码后按回车键，从弹出的下拉列表中选择).
          ask(v).then(function (rows) {
            if (input.value.trim() !== v) return;
            var it = exactIn(rows, v) || (rows.length === 1 ? rows[0] : null);
            if (it) { take(it); moveOn(input); return; }
            items = rows; active = rows.length ? 0 : -1; shownFor = v; render();
            if (!rows.length) note.textContent = input.dataset.noneHint || "";
          });
          return;
        }
        close();
        moveOn(input);
        if (!v) { note.textContent = ""; return; }
        ask(v).then(function (rows) {
          if (input.value.trim() !== v) return;
          var it = exactIn(rows, v) || (rows.length === 1 ? rows[0] : null);
          if (it) take(it); else note.textContent = "";
        });
      } else if (ev.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 150);
      var v = input.value.trim();  // left by Tab or a click: the name of an exact code still shows
      if (v && !note.textContent) ask(v).then(function (rows) {
        var it = exactIn(rows, v); if (it && input.value.trim() === v) note.textContent = it.name;
      });
    });
  }

  function legalPersonRules(form) {
    var sel = form.querySelector("#id_legal_person_type"); if (!sel) return;
    function apply() {
      var needed = JOINT[sel.value] || JOINT.enterprise;
      ["aic_unit", "tax_unit", "quality_unit"].forEach(function (name) {
        var el = form.querySelector("#id_" + name); if (!el) return;
        var off = !!sel.value && needed.indexOf(name) < 0;
        el.disabled = off; el.classList.toggle("ro", off); el.classList.toggle("req", !off);
        if (off) {
          el.value = "";
          var note = document.getElementById("name_" + name); if (note) note.textContent = "";  // no stale name
        }
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
    // 全选 / 清除 of a list's check boxes (批量备案): the buttons name the boxes' input name.
    document.querySelectorAll("button[data-check-all], button[data-check-none]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var name = btn.dataset.checkAll || btn.dataset.checkNone, on = btn.dataset.checkAll !== undefined;
        document.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (b) { b.checked = on; });
      });
    });
    document.querySelectorAll("input[data-select-on-focus]").forEach(selectOnFocus);
    // After a refused submit focus goes to the error summary (autofocus does not when the URL has a #fragment).
    var summary = document.querySelector(".error-summary[tabindex]");
    if (summary && document.activeElement !== summary) summary.focus();
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
    // A file over the limit is said before the form goes (the server refuses it too, beside the control).
    var up = document.getElementById("upload-form");
    var upForm = up && up.closest("form");
    if (upForm) upForm.addEventListener("submit", function (ev) {
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
