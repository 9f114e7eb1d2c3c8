// Chat window helpers (served at /ui-assets/chat.js and loaded by the chat window; no outside script is ever loaded).
// - A citation marker [n] in an answer reveals and highlights its source card in the sources panel.
// - The sources panel scrolls inside itself: a new answer's sources start at the top.
// - A question is sent once it ends with "?", or once typing pauses on one of three words or more without it
//   (POST /v1/prefill), so that the server may read it while it is finished (only if its model is idle): its answer
//   then starts at once. Off on the server with RAG_PREFILL=0.
//   A follow-up goes with the conversation it will be asked with, which the server writes on the sources panel
//   (data-history); not while an answer is still coming (the conversation is about to change).
// - While the server starts (models fetched and loaded, index built, warm-up), a banner says so, with the step, from
//   a small poll of /healthz; it goes away once a question can be answered.
(function () {
  "use strict";

  // -- a question read ahead ------------------------------------------------------------------------------
  // (keys come ~0.1-0.3 s apart while typing: 0.7 s without one is a pause, not the next word)
  var prefilled = "", pause = null, PAUSE_MS = 700, PAUSE_WORDS = 3;
  function conversation() {
    var panel = document.querySelector("#rag-sources .rag-sources");
    if (!panel || panel.querySelector(".rag-pending-panel")) return null;  // an answer is coming: wait for it
    if (!panel.querySelector(".rag-turn")) return [];  // a first question
    try { return JSON.parse(panel.getAttribute("data-history") || "null"); } catch (e) { return null; }
  }
  document.addEventListener("input", function (ev) {
    var box = ev.target && ev.target.closest ? ev.target.closest("#rag-input textarea") : null;
    if (!box) return;
    clearTimeout(pause);
    var q = String(box.value || "").replace(/\s+/g, " ").trim();
    if (q.length > 1000) return;
    if (/\?$/.test(q)) return readAhead(q);
    // Without "?", a pause may end the question too ("Qui dirige l'Anssi", then a look before Enter).
    if (q.split(" ").length >= PAUSE_WORDS) pause = setTimeout(function () {
      if (String(box.value || "").replace(/\s+/g, " ").trim() === q) readAhead(q);  // (not asked meanwhile)
    }, PAUSE_MS);
  }, true);
  function readAhead(q) {
    var history = conversation();
    if (history === null) return;
    var body = JSON.stringify(history.length ? { question: q, history: history } : { question: q });
    if (body === prefilled) return;
    prefilled = body;
    fetch("/v1/prefill", { method: "POST", headers: { "Content-Type": "application/json" }, body: body })
      .catch(function () { });
  }

  // -- citations -------------------------------------------------------------------------------------
  function reveal(turn, id) {
    var panel = document.getElementById("rag-sources");
    if (!panel) return;
    panel.querySelectorAll("section.rag-turn").forEach(function (s) {
      s.hidden = s.getAttribute("data-turn") !== String(turn);
    });
    var card = document.getElementById(id);
    if (!card) return;
    // The panel scrolls inside itself: bring the card to its top (its number and title show even when the card is
    // taller than the panel), then the panel into the window if it is not (on a phone it is below the chat), without
    // moving the page when it already shows.
    var offset = card.getBoundingClientRect().top - panel.getBoundingClientRect().top - panel.clientTop;
    panel.scrollTo({ top: panel.scrollTop + offset - 8, behavior: "smooth" });
    panel.scrollIntoView({ behavior: "smooth", block: "nearest" });
    card.classList.remove("rag-flash");
    void card.offsetWidth; // restart the animation
    card.classList.add("rag-flash");
    card.setAttribute("tabindex", "-1");
    card.focus({ preventScroll: true });
  }
  document.addEventListener("click", function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest("a.rag-cite, a.rag-jump") : null;
    if (!a) return;
    var href = a.getAttribute("href") || "";
    if (href.charAt(0) !== "#") return;
    var m = /^#(rag-src-(\d+)-[\w-]+)$/.exec(href); // the chat sanitizer keeps href and class only
    if (!m) return;
    ev.preventDefault();
    ev.stopPropagation();
    reveal(m[2], m[1]);
  }, true);

  // -- the panel starts at the top of each new answer's sources ----------------------------------------
  var shownTurn = null;
  function watchPanel() {
    var panel = document.getElementById("rag-sources");
    if (!panel) return false;
    new MutationObserver(function () {
      var visible = panel.querySelector("section.rag-turn:not([hidden])");
      var turn = visible ? visible.getAttribute("data-turn") : (panel.querySelector(".rag-pending-panel") ? "pending" : null);
      if (turn !== shownTurn) {
        shownTurn = turn;
        panel.scrollTop = 0;
      }
    }).observe(panel, { childList: true, subtree: true });
    return true;
  }

  // -- the start-up banner -------------------------------------------------------------------------------
  var TEXT = {
    fr: { starting: "L'assistant démarre…", step: "Étape {n} : {step}", wait: "Vous pouvez déjà écrire votre question : " +
          "elle sera traitée dès que l'assistant sera prêt.", loading: "chargement des modèles et de l'index",
          ready: "L'assistant est prêt.", failed: "L'assistant n'a pas pu démarrer", unreachable: "le serveur ne répond pas",
          steps: { "fetching models": "téléchargement et vérification des modèles",
                   "loading the embedding model": "chargement du modèle de recherche",
                   "loading the index": "chargement de l'index", "building the index": "construction de l'index",
                   "loading the language model": "chargement du modèle de langue",
                   "warming up": "préchauffage (une première recherche)" } },
    en: { starting: "The assistant is starting…", step: "Step {n}: {step}", wait: "You can already type your question: " +
          "it will be answered as soon as the assistant is ready.", loading: "loading the models and the index",
          ready: "The assistant is ready.", failed: "The assistant could not start", unreachable: "the server does not respond",
          steps: {} },
  };
  function uiLang() {
    var checked = document.querySelector("#rag-lang input:checked");
    var lang = checked ? checked.value : (document.documentElement.lang || "fr");
    return String(lang).slice(0, 2) === "en" ? "en" : "fr";
  }
  // What /healthz says, as {phase: "starting"|"ready"|"failed"|"idle", step, n, detail, error}. Servers without the
  // "state" and "step" fields are read from "ready" and "warmup.state".
  function phaseOf(h) {
    var warm = (h && h.warmup) || {};
    var state = h && h.state;
    if (!state) {
      if (h && h.ready) state = "ready";
      else if (warm.state === "failed") state = "failed";
      else if (warm.state === "running") state = "starting";
      else state = "idle";
    }
    return { phase: state, step: h && h.step, n: ((h && h.steps_done) || []).length + 1, detail: h && h.detail,
             error: (h && h.error) || warm.error };
  }
  var banner = null;
  function ensureBanner() {
    if (banner) return banner;
    // outside Gradio's own elements (the top of the page), so nothing Gradio renders can replace it
    banner = document.createElement("div");
    banner.id = "rag-status";
    banner.className = "rag-status";
    banner.setAttribute("role", "status");
    banner.setAttribute("aria-live", "polite");
    banner.hidden = true;
    document.body.insertBefore(banner, document.body.firstChild);
    return banner;
  }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function show(p) {
    var T = TEXT[uiLang()], b = ensureBanner();
    b.setAttribute("data-state", p.phase);
    if (p.phase === "starting") {
      var step = p.step ? (T.steps[p.step] || p.step) : T.loading;
      b.innerHTML = '<span class="rag-spinner"></span><span class="rag-status-text"><strong>' + esc(T.starting) +
        "</strong> " + esc(p.step ? T.step.replace("{n}", p.n).replace("{step}", step) : step) +
        (p.detail ? ' <span class="rag-status-detail">(' + esc(p.detail) + ")</span>" : "") +
        '<span class="rag-status-note">' + esc(T.wait) + "</span></span>";
      b.hidden = false;
    } else if (p.phase === "failed") {
      b.innerHTML = '<span class="rag-status-text"><strong>' + esc(T.failed) + "</strong>" +
        (p.error ? " — " + esc(p.error) : "") + "</span>";
      b.hidden = false;
    } else if (p.phase === "ready" && !b.hidden) {
      b.innerHTML = '<span class="rag-status-text"><strong>✓ ' + esc(T.ready) + "</strong></span>";
      setTimeout(function () { b.hidden = true; }, 2500);
    } else {
      b.hidden = true;
    }
  }
  var failures = 0;
  function poll() {
    fetch("/healthz", { cache: "no-store", credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function (h) {
      failures = 0;
      var p = phaseOf(h);
      show(p);
      if (p.phase === "starting") setTimeout(poll, 1000);
      else if (p.phase === "failed") setTimeout(poll, 5000); // a restart of the model may still bring it back
    }).catch(function () {
      failures += 1;
      if (failures >= 3 && banner && !banner.hidden) show({ phase: "failed", error: TEXT[uiLang()].unreachable });
      setTimeout(poll, Math.min(1000 * failures, 5000));
    });
  }
  window.__ragStatus = { phaseOf: phaseOf, poll: poll };

  function start() {
    poll();
    var tries = 0;
    (function wait() { // Gradio renders the window after this script runs
      if (!watchPanel() && tries++ < 600) setTimeout(wait, 100);
    })();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
