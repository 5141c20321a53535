/* The pages that need the IC card: they talk to the card agent (eport-card-agent) on this computer.
   Flow: read the card from the agent -> ask the portal for a one-time challenge -> the agent signs it
   with the card key -> the form is posted with the card number, the signature (and the PIN). The key
   never leaves the agent; the portal's CSP allows connecting to the agent's origin on these pages only. */
(function () {
  "use strict";

  function csrf(form) { var el = form.querySelector("input[name=csrfmiddlewaretoken]"); return el ? el.value : ""; }

  function json(url, options) {
    return fetch(url, options).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) { throw new Error((body.error && body.error.message) || ("HTTP " + r.status)); }
        return body;
      });
    });
  }

  function setup(form) {
    var agent = form.dataset.agent, status = document.getElementById("agent-status"),
        error = document.getElementById("agent-error"), button = form.querySelector("button[type=submit]"),
        cardNo = form.querySelector("#id_card_no"), holder = document.getElementById("card_holder"),
        expect = form.dataset.expectCard, busy = false;

    function fail(msg) { error.textContent = msg; error.hidden = false; }
    // The status line shows only while it has something to say (no empty grey box).
    function say(text) { status.textContent = text; status.hidden = !text; }
    // The button is disabled, for the eye and for assistive technology, until the card can sign.
    function enable(on) {
      button.disabled = !on;
      if (on) { button.removeAttribute("aria-disabled"); } else { button.setAttribute("aria-disabled", "true"); }
    }

    json(agent + "/card", { method: "GET", mode: "cors", cache: "no-store" }).then(function (card) {
      if (expect && card.card_no !== expect) {
        say(""); fail(form.dataset.msgWrongCard + card.card_no); return;
      }
      say(form.dataset.msgAgentOk + " " + card.card_no + " · " + card.holder_name + " · " + card.enterprise_name);
      status.classList.add("ok");
      if (cardNo && !expect) { cardNo.value = card.card_no; }
      if (holder) { holder.value = card.holder_name; }
      enable(true);
    }).catch(function () { say(""); fail(form.dataset.msgNoAgent); });

    form.addEventListener("submit", function (ev) {
      if (ev.defaultPrevented || form.dataset.signed === "1") return;
      ev.preventDefault();
      if (busy) return;
      busy = true; enable(false); error.hidden = true;
      say(form.dataset.msgSigning);
      // A prepared document (三方协议, 代理报关委托): the agent signs its CMS signed attributes as given.
      var signing = form.dataset.signedAttrs
        ? json(agent + "/sign-document", { method: "POST", mode: "cors", headers: { "Content-Type": "application/json" },
                                           body: JSON.stringify({ signed_attrs: form.dataset.signedAttrs }) })
        : challengeSigned();
      signing.then(function (s) {
        form.querySelector("#id_signature").value = s.signature;
        form.dataset.signed = "1";
        form.submit();
      }).catch(function (e) {
        busy = false; enable(true); say("");
        fail(form.dataset.msgFailed + e.message);
      });
    });

    function challengeSigned() {
      return json("/api/v1/auth/card/challenge", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(form) },
        body: JSON.stringify({ card_no: cardNo.value, purpose: form.dataset.purpose || "login" })
      }).then(function (c) {
        form.querySelector("#id_challenge_id").value = c.challenge_id;
        return json(agent + "/sign", { method: "POST", mode: "cors", headers: { "Content-Type": "application/json" },
                                       body: JSON.stringify({ nonce: c.nonce }) });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-card-sign]").forEach(setup);
  });
})();
