// Chat window helpers (served at /ui-assets/chat.js and loaded by the chat window; no outside script is ever loaded).
// A citation marker [n] in an answer reveals and highlights its source card in the sources panel.
(function () {
  function reveal(turn, id) {
    var panel = document.getElementById("rag-sources");
    if (!panel) return;
    panel.querySelectorAll("section.rag-turn").forEach(function (s) {
      s.hidden = s.getAttribute("data-turn") !== String(turn);
    });
    var card = document.getElementById(id);
    if (!card) return;
    card.scrollIntoView({ behavior: "smooth", block: "center" });
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
})();
