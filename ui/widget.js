/*
 * rag widget — embed the local assistant in any page with ONE tag:
 *   <script src="http://HOST:PORT/widget.js" defer></script>
 * Optional attributes: data-lang="fr|en" (default: the page's lang, else fr), data-title="…",
 * data-open="true" (start open), data-mode="inline" (fill the page, no bubble: what /embed uses),
 * data-token="…" (the server's API token, when it has one: sent as Authorization: Bearer),
 * data-prefill="false" (send nothing before Enter: by default a question is sent once it ends with "?", or once
 * typing pauses 0.7 s on three words or more, with the conversation it follows, so that the server may read it while the visitor finishes: POST /v1/prefill, nothing
 * written to disk).
 * Self-contained: talks only to the server it was loaded from (found from its own src), loads only
 * that server's widget.css, and keeps its styles in a shadow root so the host page and the widget
 * never restyle each other. Nothing is sent anywhere else.
 */
(function () {
  "use strict";
  if (window.__ragWidget) return; // included twice: one widget is enough
  window.__ragWidget = {};
  var script = document.currentScript || (function () {
    var all = document.querySelectorAll('script[src*="widget.js"]');
    return all[all.length - 1];
  })();
  if (!script) return;
  var ORIGIN = new URL(script.src, location.href).origin;
  var data = script.dataset || {};
  var pageLang = (data.lang || document.documentElement.lang || "fr").slice(0, 2).toLowerCase();
  var LANG = pageLang === "en" ? "en" : "fr";
  var INLINE = data.mode === "inline";
  var TOKEN = data.token || "";
  var STORE = "rag-widget:" + ORIGIN;
  var CITE = /\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]/g;

  var TEXTS = {
    fr: {
      title: "Assistant documentaire", sub: "Réponses sourcées · traitées sur notre serveur",
      open: "Ouvrir l'assistant", close: "Fermer l'assistant", bubble: "Une question ?",
      placeholder: "Posez votre question…", send: "Envoyer", ask: "Votre question",
      hello: "Bonjour ! Je réponds à partir de l'article cité en bas de cette fenêtre, en indiquant mes sources.",
      suggestions: ["Qui est le directeur général de l'Anssi ?", "Quand la loi Résilience sera-t-elle présentée ?"],
      searching: "Recherche dans les sources…", drafting: "Rédaction — brouillon en cours de vérification",
      writing: "Rédaction de la réponse…", writingNote: "elle s'affichera une fois vérifiée", tokens: "{n} jetons écrits",
      checkedSoFar: "Vérifié au fil de l'écriture — la suite est en cours de rédaction", withdrawn: "Retiré par la vérification finale",
      checked: "Réponse vérifiée", sources: "Sources", oneSource: "1 source citée", nSources: "{n} sources citées", closest: "Passages les plus proches",
      closestNote: "Aucun passage ne permet de répondre avec certitude.",
      removed: "Retiré — non sourcé", chars: "car. {a}–{b} sur {n}", more: "Lire tout le passage",
      less: "Réduire", useful: "Utile ?", yes: "Utile", no: "Pas utile", thanks: "Merci pour votre avis !",
      error: "Impossible de répondre", network: "le serveur de l'assistant ne répond pas", tooLong: "1000 caractères au plus",
      understood: "Question comprise :", reset: "Nouvelle conversation", source: "Source",
    },
    en: {
      title: "Document assistant", sub: "Sourced answers · processed on our server",
      open: "Open the assistant", close: "Close the assistant", bubble: "A question?",
      placeholder: "Ask your question…", send: "Send", ask: "Your question",
      hello: "Hello! I answer from the article credited at the bottom of this window, and cite my sources.",
      suggestions: ["Who is the director general of Anssi?", "What did the minister call the regions?"],
      searching: "Searching the sources…", drafting: "Writing — a draft being checked",
      writing: "Writing the answer…", writingNote: "it will show once checked", tokens: "{n} tokens written",
      checkedSoFar: "Checked as it is written — the rest is being written", withdrawn: "Withdrawn by the final check",
      checked: "Checked answer", sources: "Sources", oneSource: "1 source cited", nSources: "{n} sources cited", closest: "Closest passages",
      closestNote: "No passage answers with certainty.",
      removed: "Removed — unsourced", chars: "chars {a}–{b} of {n}", more: "Read the whole passage",
      less: "Show less", useful: "Useful?", yes: "Useful", no: "Not useful", thanks: "Thank you for your feedback!",
      error: "Could not answer", network: "the assistant's server does not respond", tooLong: "1000 characters at most",
      understood: "Question understood as:", reset: "New conversation", source: "Source",
    },
  };
  var TEXT = TEXTS[LANG];
  // What is said of an answer (removed sentences, "checked", the closest passages) is in the answer's language
  // (Answer.lang), not the page's: an English answer never gets a French badge.
  function textOf(a) { return a && Object.prototype.hasOwnProperty.call(TEXTS, a.lang) ? TEXTS[a.lang] : TEXT; }

  var ICON_CHAT = '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 5v2h10V9H7zm0 4v2h7v-2H7z"/></svg>';
  var ICON_SEND = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor" d="M3 20.5v-7l9-1.5-9-1.5v-7L22 12z"/></svg>';
  var THUMB = '<path fill="currentColor" d="M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z"/>';
  var ICON_UP = '<svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true">' + THUMB + "</svg>";
  var ICON_DOWN = '<svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" style="transform:rotate(180deg)">' + THUMB + "</svg>";
  var ICON_CLOSE = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor" d="M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7 4.3 4.3l6.3 6.3 6.3-6.3z"/></svg>';

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function fmt(n) {
    var s = String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, LANG === "fr" ? "\u202f" : ",");
    return s;
  }
  function headers(extra) {
    var h = extra || {};
    if (TOKEN) h.Authorization = "Bearer " + TOKEN;
    return h;
  }
  function el(tag, cls, html) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (html != null) e.innerHTML = html;
    return e;
  }

  // -- state ---------------------------------------------------------------------------------------
  var state = { turns: [], open: !!(data.open === "true" || INLINE) };
  try {
    var saved = JSON.parse(sessionStorage.getItem(STORE) || "null");
    if (saved && Array.isArray(saved.turns)) { state.turns = saved.turns.slice(-10); state.open = INLINE || !!saved.open; }
  } catch (e) { /* storage unavailable: start afresh */ }
  function save() {
    try { sessionStorage.setItem(STORE, JSON.stringify({ turns: state.turns.slice(-10), open: state.open })); } catch (e) { }
  }
  var sources = null; // name -> {chars, title, credit}
  function loadSources() {
    if (sources) return Promise.resolve(sources);
    return fetch(ORIGIN + "/v1/sources", { headers: headers() }).then(function (r) { return r.ok ? r.json() : []; }).then(function (list) {
      sources = {};
      (list || []).forEach(function (s) { sources[s.name] = s; });
      var first = list && list[0];
      if (first && credit) {
        credit.textContent = first.credit || first.title || first.name;
        if (first.title) credit.title = first.title;
      }
      return sources;
    }).catch(function () { sources = {}; return sources; });
  }

  // -- DOM -----------------------------------------------------------------------------------------
  var host = document.createElement("div");
  host.id = "rag-widget";
  host.style.display = "none";
  if (INLINE) { host.style.height = "100%"; }
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = ORIGIN + "/widget.css";
  var shown = false;
  function show() { if (!shown) { shown = true; host.style.display = ""; } }
  css.onload = show;
  css.onerror = show;
  setTimeout(show, 3000);
  root.appendChild(css);

  var wrap = el("div", "rw" + (INLINE ? " rw-inline" : ""));
  wrap.setAttribute("lang", LANG);
  var bubble = el("button", "rw-bubble", ICON_CHAT + '<span class="rw-bubble-label">' + esc(TEXT.bubble) + "</span>");
  bubble.type = "button";
  bubble.setAttribute("aria-label", TEXT.open);
  bubble.setAttribute("aria-controls", "rw-panel");
  var panel = el("section", "rw-panel");
  panel.id = "rw-panel";
  panel.setAttribute("role", INLINE ? "region" : "dialog");
  panel.setAttribute("aria-label", data.title || TEXT.title);
  panel.innerHTML =
    '<header class="rw-head"><div class="rw-head-text"><div class="rw-title">' + esc(data.title || TEXT.title) +
    '</div><div class="rw-sub"><span class="rw-dot"></span>' + esc(TEXT.sub) + "</div></div>" +
    '<button type="button" class="rw-reset" title="' + esc(TEXT.reset) + '" aria-label="' + esc(TEXT.reset) + '">↺</button>' +
    (INLINE ? "" : '<button type="button" class="rw-close" aria-label="' + esc(TEXT.close) + '">' + ICON_CLOSE + "</button>") +
    "</header>" +
    '<div class="rw-log" role="log" aria-live="polite"></div>' +
    '<form class="rw-form"><textarea rows="1" maxlength="1000" placeholder="' + esc(TEXT.placeholder) +
    '" aria-label="' + esc(TEXT.ask) + '"></textarea><button type="submit" class="rw-send" aria-label="' + esc(TEXT.send) +
    '" title="' + esc(TEXT.send) + '">' + ICON_SEND + "</button></form>" +
    '<div class="rw-foot">' + esc(TEXT.source) + (LANG === "fr" ? " : " : ": ") + '<span class="rw-credit"></span></div>';
  if (!INLINE) wrap.appendChild(bubble);
  wrap.appendChild(panel);
  root.appendChild(wrap);

  var log = panel.querySelector(".rw-log");
  var form = panel.querySelector(".rw-form");
  var input = panel.querySelector("textarea");
  var sendBtn = panel.querySelector(".rw-send");
  var credit = panel.querySelector(".rw-credit");
  var busy = false;

  function setOpen(open) {
    state.open = open || INLINE;
    panel.hidden = !state.open;
    wrap.classList.toggle("rw-open", state.open);
    bubble.setAttribute("aria-expanded", String(state.open));
    save();
    if (state.open) {
      loadSources();
      setTimeout(function () { input.focus(); }, 50);
    }
  }
  bubble.addEventListener("click", function () { setOpen(!state.open); });
  var closeBtn = panel.querySelector(".rw-close");
  if (closeBtn) closeBtn.addEventListener("click", function () { setOpen(false); bubble.focus(); });
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !INLINE) { setOpen(false); bubble.focus(); }
  });
  panel.querySelector(".rw-reset").addEventListener("click", function () {
    if (busy) return;
    state.turns = [];
    save();
    renderAll();
    input.focus();
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  input.addEventListener("input", function () {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
    prefill();
  });

  // A question that ends with "?", or on which typing pauses (three words or more), is likely complete: the server
  // may read it now (only if its model is idle), with the conversation it follows, as it will be asked; the answer
  // starts as soon as it is. (Keys come ~0.1-0.3 s apart while typing: 0.7 s without one is a pause.)
  var PREFILL = data.prefill !== "false", prefilled = "", pause = null, PAUSE_MS = 700, PAUSE_WORDS = 3;
  function prefill() {
    clearTimeout(pause);
    var q = input.value.replace(/\s+/g, " ").trim();
    if (!PREFILL || busy || q.length > 1000) return;
    if (/\?$/.test(q)) return readAhead(q);
    if (q.split(" ").length >= PAUSE_WORDS) pause = setTimeout(function () { readAhead(q); }, PAUSE_MS);
  }
  function readAhead(q) {
    if (busy || input.value.replace(/\s+/g, " ").trim() !== q) return;  // (asked, or typed on, meanwhile)
    var body = JSON.stringify({ question: q, history: history() });
    if (body === prefilled) return;
    prefilled = body;
    fetch(ORIGIN + "/v1/prefill", {
      method: "POST", headers: headers({ "Content-Type": "application/json" }), body: body,
    }).catch(function () { });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });

  // -- rendering -------------------------------------------------------------------------------------
  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function hello() {
    var m = el("div", "rw-msg rw-bot rw-hello", "<p>" + esc(TEXT.hello) + "</p>");
    var chips = el("div", "rw-chips");
    TEXT.suggestions.forEach(function (q) {
      var b = el("button", "rw-chip", esc(q));
      b.type = "button";
      b.addEventListener("click", function () { input.value = q; submit(); });
      chips.appendChild(b);
    });
    m.appendChild(chips);
    return m;
  }

  function linkCitations(text, turnId) {
    var out = "", last = 0, m;
    CITE.lastIndex = 0;
    while ((m = CITE.exec(text))) {
      out += esc(text.slice(last, m.index).replace(/ +$/, ""));
      m[1].split(/[,;]/).forEach(function (n) {
        n = n.trim();
        out += '<button type="button" class="rw-cite" data-target="rw-' + turnId + "-" + n + '" aria-label="source ' + n + '">' + n + "</button>";
      });
      last = m.index + m[0].length;
    }
    return out + esc(text.slice(last));
  }

  function spanIn(c) {
    // the supporting words' place in the passage text (offsets are into the original source)
    var text = c.text || "";
    if (c.span_start == null || c.span_end == null) return null;
    var a = c.span_start - c.start, b = c.span_end - c.start;
    var norm = function (s) { return String(s || "").replace(/\s+/g, " ").trim(); };
    if (a >= 0 && b <= text.length && a < b && (!c.span_text || norm(text.slice(a, b)) === norm(c.span_text))) return [a, b];
    if (c.span_text) {
      var i = text.indexOf(c.span_text.replace(/[\u00a0\u202f]/g, " "));
      if (i >= 0) return [i, i + c.span_text.length];
    }
    return null;
  }

  function passageHtml(c) {
    var text = c.text || "", sp = spanIn(c), full, short;
    if (sp) {
      full = esc(text.slice(0, sp[0])) + "<mark>" + esc(text.slice(sp[0], sp[1])) + "</mark>" + esc(text.slice(sp[1]));
      var from = Math.max(0, sp[0] - 110), to = Math.min(text.length, sp[1] + 110);
      from = from > 0 ? text.lastIndexOf(" ", from) + 1 : 0;
      var cut = text.indexOf(" ", to);
      to = to < text.length && cut > 0 ? cut : text.length;
      short = (from > 0 ? "… " : "") + esc(text.slice(from, sp[0])) + "<mark>" + esc(text.slice(sp[0], sp[1])) + "</mark>" +
        esc(text.slice(sp[1], to)) + (to < text.length ? " …" : "");
    } else {
      full = esc(text);
      var end = text.length > 260 ? text.indexOf(" ", 240) : -1;
      short = end > 0 ? esc(text.slice(0, end)) + " …" : full;
    }
    return { full: full, short: short, expandable: short !== full };
  }

  function sourceItem(c, id, label, verdict) {
    var info = (sources || {})[c.source] || {};
    var total = info.chars;
    var where = total ? TEXT.chars.replace("{a}", fmt(c.start)).replace("{b}", fmt(c.end)).replace("{n}", fmt(total))
      : fmt(c.start) + "–" + fmt(c.end);
    var bar = "";
    if (total) {
      var left = (100 * c.start / total).toFixed(2), width = Math.max(100 * (c.end - c.start) / total, 1).toFixed(2);
      bar = '<span class="rw-bar" aria-hidden="true"><span style="left:' + left + "%;width:" + width + '%"></span></span>';
    }
    var p = passageHtml(c);
    var li = el("li", "rw-src");
    li.id = id;
    li.innerHTML = '<div class="rw-src-head"><span class="rw-src-n">' + esc(label) + '</span><span class="rw-src-name">' +
      esc(c.source) + '</span><span class="rw-src-where">' + esc(where) + "</span>" + bar + "</div>" +
      '<blockquote class="rw-passage">' + p.short + "</blockquote>" +
      (p.expandable ? '<button type="button" class="rw-more">' + esc(TEXT.more) + "</button>" : "") +
      (verdict ? '<div class="rw-verdict">' + verdict + "</div>" : "");
    if (p.expandable) {
      var q = li.querySelector(".rw-passage"), btn = li.querySelector(".rw-more"), open = false;
      btn.addEventListener("click", function () {
        open = !open;
        q.innerHTML = open ? p.full : p.short;
        btn.textContent = open ? TEXT.less : TEXT.more;
      });
    }
    return li;
  }

  function renderFinal(msg, turn) {
    var a = turn.answer, id = turn.id, TA = textOf(a);
    msg.className = "rw-msg rw-bot" + (a.abstained ? " rw-abstained" : "");
    msg.innerHTML = "";
    if (a.standalone_question && a.standalone_question.trim() !== (a.question || "").trim()) {
      msg.appendChild(el("div", "rw-understood", esc(TA.understood) + " « " + esc(a.standalone_question) + " »"));
    }
    msg.appendChild(el("p", "rw-text", linkCitations(a.answer || "", id)));
    (a.sentences || []).filter(function (s) { return s.supported === false; }).forEach(function (s) {
      msg.appendChild(el("div", "rw-removed", '<span class="rw-badge" lang="' + esc(a.lang || LANG) + '">' + esc(TA.removed) + "</span> <del>" + esc(s.text) + "</del>"));
    });
    (turn.withdrawn || []).forEach(function (text) {
      // shown while the answer was written, then dropped by the final check: said, never left as sourced
      msg.appendChild(el("div", "rw-removed rw-withdrawn", '<span class="rw-badge" lang="' + esc(a.lang || LANG) + '">' + esc(TA.withdrawn) + "</span> <del>" + esc(text) + "</del>"));
    });
    var list = el("ol", "rw-sources");
    if (a.citations && a.citations.length) {
      msg.appendChild(el("div", "rw-meta", '<span class="rw-ok">✓</span> ' + esc(TA.checked) + " · " +
        esc((a.citations.length > 1 ? TA.nSources : TA.oneSource).replace("{n}", a.citations.length))));
      a.citations.forEach(function (c) {
        var backing = (a.sentences || []).filter(function (s) { return s.supported && (s.citations || []).indexOf(c.n) >= 0; });
        var verdict = backing.length ? '<span class="rw-pill">✓</span> « ' + esc(backing[0].text) + " »" : "";
        list.appendChild(sourceItem(c, "rw-" + id + "-" + c.n, String(c.n), verdict));
      });
      msg.appendChild(list);
    } else if (a.retrieved && a.retrieved.length) {
      msg.appendChild(el("div", "rw-meta", esc(TA.closestNote) + " " + esc(TA.closest) + (TA === TEXTS.fr ? " :" : ":")));
      a.retrieved.slice(0, 3).forEach(function (r, i) {
        list.appendChild(sourceItem(r, "rw-" + id + "-r" + (i + 1), "~" + (i + 1), ""));
      });
      msg.appendChild(list);
    }
    var fb = el("div", "rw-feedback", '<span>' + esc(TEXT.useful) + "</span>" +
      '<button type="button" class="rw-fb" data-useful="true" aria-label="' + esc(TEXT.yes) + '" title="' + esc(TEXT.yes) + '">' + ICON_UP + "</button>" +
      '<button type="button" class="rw-fb" data-useful="false" aria-label="' + esc(TEXT.no) + '" title="' + esc(TEXT.no) + '">' + ICON_DOWN + "</button>");
    if (turn.rated) fb.innerHTML = "<span>" + esc(TEXT.thanks) + "</span>";
    fb.querySelectorAll(".rw-fb").forEach(function (b) {
      b.addEventListener("click", function () {
        var useful = b.getAttribute("data-useful") === "true";
        fetch(ORIGIN + "/v1/feedback", {
          method: "POST", headers: headers({ "Content-Type": "application/json" }),
          body: JSON.stringify({ question: a.question, answer: a.answer, useful: useful, lang: a.lang,
                                 citations: (a.citations || []).map(function (c) { return c.n; }) }),
        }).catch(function () { });
        turn.rated = true;
        save();
        fb.innerHTML = "<span>" + esc(TEXT.thanks) + "</span>";
      });
    });
    msg.appendChild(fb);
    msg.querySelectorAll(".rw-cite").forEach(function (b) {
      b.addEventListener("click", function () {
        var target = root.getElementById ? root.getElementById(b.getAttribute("data-target")) : document.getElementById(b.getAttribute("data-target"));
        if (!target) return;
        target.scrollIntoView({ behavior: "smooth", block: "nearest" });
        target.classList.remove("rw-flash");
        void target.offsetWidth;
        target.classList.add("rw-flash");
      });
    });
  }

  function renderError(msg, text) {
    msg.className = "rw-msg rw-bot rw-error";
    msg.innerHTML = "<strong>" + esc(TEXT.error) + "</strong> — " + esc(text);
  }

  function renderAll() {
    log.innerHTML = "";
    log.appendChild(hello());
    state.turns.forEach(function (turn) {
      log.appendChild(el("div", "rw-msg rw-user", esc(turn.question)));
      var m = el("div", "rw-msg rw-bot");
      log.appendChild(m);
      if (turn.answer) renderFinal(m, turn); else renderError(m, turn.error || TEXT.network);
    });
    scrollDown();
  }

  function parseBlock(block) {
    var ev = "message", lines = [];
    block.split(/\r?\n/).forEach(function (line) {
      if (line.indexOf("event:") === 0) ev = line.slice(6).trim();
      else if (line.indexOf("data:") === 0) lines.push(line.slice(5).replace(/^ /, ""));
    });
    if (!lines.length) return null;
    return { event: ev, data: JSON.parse(lines.join("\n")) };
  }

  function history() {
    var h = [];
    state.turns.forEach(function (t) {
      if (t.answer) h.push({ role: "user", content: t.question }, { role: "assistant", content: t.answer.answer });
    });
    return h.slice(-20);
  }

  function submit() {
    var q = input.value.replace(/\s+/g, " ").trim();
    if (!q || busy) return;
    if (q.length > 1000) { input.setCustomValidity(TEXT.tooLong); input.reportValidity(); return; }
    input.setCustomValidity("");
    input.value = "";
    input.style.height = "auto";
    ask(q);
  }

  function ask(q) {
    busy = true;
    sendBtn.disabled = true;
    wrap.classList.add("rw-busy");
    var turn = { id: Date.now().toString(36), question: q };
    log.appendChild(el("div", "rw-msg rw-user", esc(q)));
    var msg = el("div", "rw-msg rw-bot rw-pending", '<span class="rw-spin"></span>' + esc(TEXT.searching));
    log.appendChild(msg);
    scrollDown();
    var draft = "", final = null, answered = null, shown = [], tokens = 0;
    function renderWriting() {
      msg.className = "rw-msg rw-bot rw-writing";
      var count = ' · <span class="rw-count">' + esc(TEXT.tokens.replace("{n}", tokens)) + "</span>";
      if (!shown.length) {
        msg.innerHTML = '<div class="rw-label"><span class="rw-spin"></span>' + esc(TEXT.writing) + "</div><p>" +
          esc(TEXT.writingNote) + count + "</p>";
        return;
      }
      msg.innerHTML = '<p class="rw-text rw-early">' + shown.map(function (x) {
        // as rag.types.with_markers writes it on the server
        return esc(x.text.replace(/[.!?…]+$/, "").replace(/\s+$/, "")) + " " + x.citations.map(function (n) { return "[" + n + "]"; }).join("") +
          (/[.!?…]$/.test(x.text) ? x.text.slice(-1) : ".");
      }).join(" ") + '</p><div class="rw-label"><span class="rw-ok">✓</span> <span class="rw-spin"></span>' +
        esc(TEXT.checkedSoFar) + count + "</div>";
    }
    var body = JSON.stringify({ question: q, history: history() });
    var done = loadSources().then(function () {
      return fetch(ORIGIN + "/v1/ask/stream", {
        method: "POST", headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }), body: body,
      });
    }).then(function (res) {
      if (!res.ok) {
        return res.json().catch(function () { return {}; }).then(function (j) {
          throw new Error(j.error || res.status + " " + res.statusText);
        });
      }
      var reader = res.body.getReader(), decoder = new TextDecoder(), buf = "";
      function handle(block) {
        var ev = parseBlock(block);
        if (!ev) return;
        if (ev.event === "progress") {
          // the model is writing: its unchecked draft stays on the server, only the count comes
          tokens = ev.data.tokens;
          if (!draft && !msg.querySelector(".rw-count")) renderWriting();
          var count = msg.querySelector(".rw-count");
          if (count) count.textContent = TEXT.tokens.replace("{n}", tokens);
          scrollDown();
        } else if (ev.event === "sentence") {
          // a sentence checked while the model writes the next one: shown now, with its citations
          shown.push(ev.data);
          if (!draft) renderWriting();
          scrollDown();
        } else if (ev.event === "token") {
          // only from a server in debug mode (RAG_DEBUG_DRAFTS): the unchecked draft
          draft += ev.data.text;
          msg.className = "rw-msg rw-bot rw-draft";
          msg.innerHTML = '<div class="rw-label"><span class="rw-spin"></span>' + esc(TEXT.drafting) + "</div><p>" + esc(draft) + '<span class="rw-caret"></span></p>';
          scrollDown();
        } else if (ev.event === "answer") {
          final = ev.data;
        } else if (ev.event === "error") {
          throw new Error(ev.data.error || TEXT.error);
        }
      }
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) {
            buf += decoder.decode();
            if (buf.trim()) handle(buf);
            return;
          }
          buf += decoder.decode(r.value, { stream: true });
          var parts = buf.split(/\r?\n\r?\n/);
          buf = parts.pop();
          parts.forEach(handle);
          return pump();
        });
      }
      return pump();
    }).then(function () {
      if (!final) throw new Error(TEXT.network);
      turn.answer = final;
      var kept = final.abstained ? [] : (final.sentences || []).filter(function (x) { return x.supported; }).map(function (x) { return x.text; });
      turn.withdrawn = shown.filter(function (x) { return kept.indexOf(x.text) < 0; }).map(function (x) { return x.text; });
      state.turns.push(turn);
      save();
      renderFinal(msg, turn);
      answered = msg;
    }).catch(function (e) {
      var text = e && e.message ? e.message : String(e);
      if (e instanceof TypeError) text = TEXT.network;
      renderError(msg, text);
    }).then(function () {
      busy = false;
      sendBtn.disabled = false;
      wrap.classList.remove("rw-busy");
      if (answered) {
        // show the question and the start of its answer, not the end of the sources list
        var q = answered.previousElementSibling || answered;
        log.scrollTop = Math.max(0, q.offsetTop - 8);
      } else {
        scrollDown();
      }
      input.focus();
    });
    return done;
  }

  function mount() {
    document.body.appendChild(host);
    renderAll();
    setOpen(state.open);
    if (state.open || INLINE) loadSources();
    window.__ragWidget.open = function () { setOpen(true); };
    window.__ragWidget.close = function () { setOpen(false); };
    window.__ragWidget.ask = ask;
    window.__ragWidget.origin = ORIGIN;
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
