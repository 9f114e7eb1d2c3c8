"""HTML for the chat window: answers with clickable citation markers, the sources panel (passages with
the supporting words highlighted, where they stand in the source, the support verdict), and the
interface's words in French and English. Pure functions of the Answer JSON: no Gradio here.

Everything that comes from a source or an answer is escaped: it always shows as text, never as markup
(an indexed `<img src=…>` or `![](…)` stays words on the screen). Verdicts and abstentions are translated
from their codes (`Sentence.code`, `Answer.abstain_code`), falling back to the English reason, into the
ANSWER's language (`Answer.lang`), not the interface's: what is said of an answer is said in its language,
while the window's own words (tabs, buttons, the panel's headings and positions) follow the interface.
"""

from __future__ import annotations

import html
import json
import re

from ..generate.draft import CITATION
from ..types import with_markers

__all__ = ["TEXT", "t", "esc", "md_text", "fmt_int", "render_answer", "render_writing", "render_error",
           "render_sources", "render_user", "verdict_text", "abstain_text", "position_text", "answer_lang"]

TEXT = {
    "fr": {
        "title": "Assistant documentaire souverain",
        "subtitle": "Posez vos questions sur l'article : chaque réponse cite ses passages, vérifiés un à un.",
        "local": "Fonctionne entièrement sur cette machine · aucune donnée ne sort",
        "tab_chat": "Assistant", "tab_eval": "Évaluation", "tab_about": "À propos",
        "input_label": "Votre question", "input_placeholder": "Posez une question sur l'article… (Entrée pour envoyer)",
        "send": "Envoyer", "clear": "Nouvelle conversation", "examples": "Exemples de questions",
        "chat_label": "Conversation",
        "chat_empty": "<div class='rag-empty'><strong>Bonjour !</strong><br>Je réponds à partir de l'article "
                      "indiqué ci-dessus, en citant mes sources.<br>Essayez une question d'exemple ci-dessous.</div>",
        "useful_q": "Cette réponse vous a-t-elle été utile ?", "useful": "✓ Utile", "not_useful": "✗ Pas utile",
        "thanks_yes": "Merci ! Votre avis est enregistré sur ce serveur (il n'est envoyé nulle part).",
        "thanks_no": "Merci, c'est noté. Votre avis est enregistré sur ce serveur (il n'est envoyé nulle part).",
        "nothing_to_rate": "Posez d'abord une question : l'avis porte sur la dernière réponse.",
        "sources_title": "Sources", "sources_empty": "Les passages cités par la réponse apparaîtront ici, avec les mots "
                                                     "qui l'appuient surlignés et leur position dans l'article.",
        "sources_of": "Sources de la réponse à", "closest": "Passages les plus proches",
        "closest_note": "Aucun passage ne permet de répondre avec certitude ; voici les plus proches de la question.",
        "searching": "Recherche des passages pertinents…",
        "writing_panel": "Passages trouvés ; les sources s'afficheront avec la réponse vérifiée.",
        "drafting": "Rédaction en cours — brouillon, vérifié avant affichage définitif",
        "writing": "Rédaction de la réponse…", "writing_note": "elle s'affichera une fois vérifiée",
        "tokens": "{n} jetons écrits", "why_abstain": "Pourquoi :",
        "checked_so_far": "Vérifié au fil de l'écriture — la suite est en cours de rédaction",
        "withdrawn": "Retiré par la vérification finale",
        "checked": "Réponse vérifiée", "n_sources": ("{n} source citée", "{n} sources citées"), "in_s": "en {s} s",
        "understood": "Question comprise :", "removed": "Retiré — non sourcé",
        "removed_title": "Phrase retirée : elle n'est pas appuyée par les passages cités",
        "abstain_hint": "Voir les passages les plus proches", "characters": "caractères {a}–{b} sur {n}",
        "supports": "Appuie :", "verdict_ok": "Appuyé", "verdict_repointed": "Appuyé (citation corrigée)",
        "verdict_none": "Non utilisé", "score": "score", "context": "Voir le passage dans son contexte",
        "source_label": "Source", "error": "Impossible de répondre", "busy": "L'assistant répond à une autre question…",
        "question": "Question", "eval_none": "### Aucune évaluation pour l'instant\n\nLancez par exemple "
                    "`rag eval eval/article.jsonl`, puis cliquez sur « Actualiser ». Le rapport le plus récent de "
                    "`eval/runs/` s'affichera ici avec ses graphiques.",
        "eval_head": "Rapport le plus récent : `{path}` — {when}", "refresh": "Actualiser",
        "eval_generated": "généré le {t}", "eval_modified": "fichier modifié le {t} (le rapport ne dit pas sa date)",
        "eval_others": "Autres rapports, du plus récent au plus ancien : {runs}",
        "lang_label": "Langue de l'interface",
        "about": (
            "### À propos\n\n"
            "Cet assistant répond **uniquement** à partir des sources indexées, avec un modèle de langue ouvert qui "
            "tourne **sur cette machine**. Chaque phrase de la réponse est vérifiée contre le passage qu'elle cite ; "
            "une phrase non appuyée est retirée et signalée. Quand les sources ne contiennent pas la réponse, "
            "l'assistant le dit et montre les passages les plus proches.\n\n"
            "**Confidentialité.** Aucune requête ne part vers l'extérieur : ni police, ni script, ni statistique "
            "d'usage. Vos avis (« utile / pas utile ») sont écrits dans un fichier local du serveur.\n\n"
            "**Source.** *{title}* — {credit}. Tous droits sur le texte à leurs auteurs.\n\n"
            "**Pour les développeurs.** API : [/docs](/docs) · [/openapi.json](/openapi.json) · "
            "widget à intégrer : [/demo](/demo) · [/embed](/embed) · état : [/healthz](/healthz)"),
    },
    "en": {
        "title": "Sovereign document assistant",
        "subtitle": "Ask questions about the article: every answer cites its passages, each one checked.",
        "local": "Runs entirely on this machine · no data leaves it",
        "tab_chat": "Assistant", "tab_eval": "Evaluation", "tab_about": "About",
        "input_label": "Your question", "input_placeholder": "Ask a question about the article… (Enter to send)",
        "send": "Send", "clear": "New conversation", "examples": "Example questions",
        "chat_label": "Conversation",
        "chat_empty": "<div class='rag-empty'><strong>Hello!</strong><br>I answer from the article shown above "
                      "and cite my sources.<br>Try an example question below.</div>",
        "useful_q": "Was this answer useful?", "useful": "✓ Useful", "not_useful": "✗ Not useful",
        "thanks_yes": "Thank you! Your feedback is stored on this server (it is sent nowhere).",
        "thanks_no": "Thank you, noted. Your feedback is stored on this server (it is sent nowhere).",
        "nothing_to_rate": "Ask a question first: feedback is about the latest answer.",
        "sources_title": "Sources", "sources_empty": "The passages the answer cites will appear here, with the "
                                                     "supporting words highlighted and where they stand in the article.",
        "sources_of": "Sources of the answer to", "closest": "Closest passages",
        "closest_note": "No passage answers with certainty; here are the closest to the question.",
        "searching": "Searching for relevant passages…",
        "writing_panel": "Passages found; the sources will show with the checked answer.",
        "drafting": "Writing — a draft, checked before it is final",
        "writing": "Writing the answer…", "writing_note": "it will show once checked",
        "tokens": "{n} tokens written", "why_abstain": "Why:",
        "checked_so_far": "Checked as it is written — the rest is being written",
        "withdrawn": "Withdrawn by the final check",
        "checked": "Checked answer", "n_sources": ("{n} source cited", "{n} sources cited"), "in_s": "in {s} s",
        "understood": "Question understood as:", "removed": "Removed — unsourced",
        "removed_title": "Sentence removed: the cited passages do not support it",
        "abstain_hint": "See the closest passages", "characters": "characters {a}–{b} of {n}",
        "supports": "Supports:", "verdict_ok": "Supported", "verdict_repointed": "Supported (citation corrected)",
        "verdict_none": "Not used", "score": "score", "context": "Show the passage in context",
        "source_label": "Source", "error": "Could not answer", "busy": "The assistant is answering another question…",
        "question": "Question", "eval_none": "### No evaluation yet\n\nRun for example "
                    "`rag eval eval/article.jsonl`, then click “Refresh”. The newest report under `eval/runs/` "
                    "will show here with its charts.",
        "eval_head": "Newest report: `{path}` — {when}", "refresh": "Refresh",
        "eval_generated": "generated {t}", "eval_modified": "file modified {t} (the report does not say when it ran)",
        "eval_others": "Other reports, newest first: {runs}",
        "lang_label": "Interface language",
        "about": (
            "### About\n\n"
            "This assistant answers **only** from the indexed sources, with an open language model running "
            "**on this machine**. Each sentence of an answer is checked against the passage it cites; an "
            "unsupported sentence is removed and flagged. When the sources do not hold the answer, the assistant "
            "says so and shows the closest passages.\n\n"
            "**Privacy.** No request leaves for the outside: no fonts, scripts or usage statistics. Your "
            "feedback (“useful / not useful”) is written to a local file on the server.\n\n"
            "**Source.** *{title}* — {credit}. All rights to the text belong to its authors.\n\n"
            "**For developers.** API: [/docs](/docs) · [/openapi.json](/openapi.json) · "
            "embeddable widget: [/demo](/demo) · [/embed](/embed) · status: [/healthz](/healthz)"),
    },
}

# Verdict codes (rag.check.grounding, rag.pipeline) and abstention codes (rag.types.ABSTAIN_REASONS).
CODES = {
    "fr": {
        "words_found": "mots et faits retrouvés dans le passage",
        "same_words": "le passage le dit dans les mêmes termes",
        "cross_language": "même sens, dans une autre langue",
        "meaning_differs": "le sens diffère de celui du passage",
        "model_yes": "le passage l'affirme (vérifié par le modèle)",
        "model_no": "le passage ne l'affirme pas (vérifié par le modèle)",
        "missing_facts": "des noms, nombres ou dates de la phrase manquent au passage cité",
        "negation": "la phrase contredit le passage",
        "low_coverage": "trop peu des mots de la phrase sont dans le passage",
        "no_citation": "sans citation, et aucun passage ne l'appuie",
        "bad_citation": "la citation ne renvoie à aucun passage",
        "off_topic": "exacte, mais ne répond pas à la question",
        "nothing_relevant": "rien dans les sources n'est proche de la question",
        "model_declined": "le modèle n'a pas trouvé la réponse dans les sources",
        "no_citations": "le brouillon ne citait aucun passage",
        "not_supported": "aucune phrase du brouillon n'est appuyée par les passages cités",
        "about_assistant": "la question demande les consignes de l'assistant, qu'aucune source ne contient",
        "asks_invention": "la question demande d'inventer, et les sources ne disent que ce qu'elles disent",
    },
    "en": {
        "words_found": "words and facts found in the passage",
        "same_words": "the passage says it in the same words",
        "cross_language": "same meaning, in another language",
        "meaning_differs": "the meaning differs from the passage",
        "model_yes": "the passage states it (model check)",
        "model_no": "the passage does not state it (model check)",
        "missing_facts": "names, numbers or dates of the sentence are missing from the cited passage",
        "negation": "the sentence contradicts the passage",
        "low_coverage": "too few of the sentence's words are in the passage",
        "no_citation": "no citation, and no retrieved passage supports it",
        "bad_citation": "the citation points to no passage",
        "off_topic": "true, but does not answer the question",
        "nothing_relevant": "nothing in the sources is close to the question",
        "model_declined": "the model found no answer in the sources",
        "no_citations": "the draft cited no passage",
        "not_supported": "no sentence of the draft is supported by the passages it cites",
        "about_assistant": "the question asks for the assistant's own instructions, which no source holds",
        "asks_invention": "the question asks for something invented, which no source holds",
    },
}
# Characters a Markdown renderer would act on, written as character references in Markdown contexts.
_MD_SPECIAL = set("&<>\"'`*_[](){}#!|~$:+-.=\\")


def t(lang: str) -> dict:
    return TEXT.get(lang, TEXT["fr"])


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def fmt_int(n: int, lang: str) -> str:
    s = f"{int(n):,}"
    return s.replace(",", "\u202f") if lang == "fr" else s


def fmt_float(x: float, lang: str, digits: int = 1) -> str:
    s = f"{x:.{digits}f}"
    return s.replace(".", ",") if lang == "fr" else s


def md_text(text) -> str:
    """Text for a Markdown context (gr.Markdown): every character Markdown or HTML would act on is written as
    a character reference, so the text shows as it is and never becomes a link, an image or markup."""
    return "".join(f"&#{ord(c)};" if c in _MD_SPECIAL else c for c in str(text))


def answer_lang(ans: dict, ui: str) -> str:
    """The language an answer's badges, verdicts and reasons are written in: the answer's own (`Answer.lang`),
    so an English answer never gets a French badge; the interface's when the answer's is not one we speak."""
    lang = ans.get("lang") or ""
    return lang if lang in TEXT else ui


def verdict_text(sentence: dict, lang: str) -> str:
    """Why a sentence was kept or removed, in `lang` (the answer's): from its code, else its English reason."""
    code = sentence.get("code") or ""
    return CODES.get(lang, CODES["fr"]).get(code) or sentence.get("reason", "")


def abstain_text(ans: dict, lang: str) -> str:
    code = ans.get("abstain_code") or ""
    return CODES.get(lang, CODES["fr"]).get(code) or ans.get("abstain_reason", "")


def position_text(start: int, end: int, total: int | None, lang: str) -> str:
    if not total:
        return f"{fmt_int(start, lang)}–{fmt_int(end, lang)}"
    return t(lang)["characters"].format(a=fmt_int(start, lang), b=fmt_int(end, lang), n=fmt_int(total, lang))


def _one_line(s: str) -> str:
    """Chat messages go through a Markdown renderer: keep HTML on one line, free of blank lines."""
    return re.sub(r"\s*\n\s*", " ", s).strip()


def _cite_links(text: str, turn: int) -> str:
    """Escaped answer text with each [n] made a link to the source card n of this turn."""
    out, last = [], 0
    for m in CITATION.finditer(text):
        out.append(esc(text[last:m.start()]).rstrip(" "))
        nums = [int(x) for x in re.split(r"[,;]", m.group(1))]
        out.append("".join(f'<a class="rag-cite" href="#rag-src-{turn}-{n}" data-turn="{turn}" data-n="{n}" '
                           f'title="[{n}]">{n}</a>' for n in nums))
        last = m.end()
    out.append(esc(text[last:]))
    return "".join(out)


def render_user(question: str) -> str:
    return esc(question)


def render_writing(tokens: int, lang: str, draft: str | None = None, shown: list[dict] | None = None) -> str:
    """While the model writes: a 'writing…' state with a count (the unchecked draft stays on the server,
    unless `draft` is given: debug_drafts), and the sentences already checked (`shown`: text and citations)."""
    T = t(lang)
    if shown and draft is None:
        text = " ".join(esc(with_markers(x["text"], x["citations"])) for x in shown)
        return _one_line(f'<div class="rag-answer rag-writing rag-early"><div class="rag-text">{text}</div>'
                         f'<div class="rag-meta"><span class="rag-check">✓</span> <span class="rag-spinner"></span>'
                         f'{esc(T["checked_so_far"])} · <span class="rag-count">{esc(T["tokens"].format(n=tokens))}'
                         f'</span></div></div>')
    if not tokens:
        return _one_line(f'<div class="rag-answer rag-pending"><span class="rag-spinner"></span>{esc(T["searching"])}</div>')
    if draft is not None:
        return _one_line(f'<div class="rag-answer rag-draft"><div class="rag-draft-label"><span class="rag-spinner"></span>'
                         f'{esc(T["drafting"])}</div><div class="rag-text">{esc(draft)}<span class="rag-caret"></span></div></div>')
    return _one_line(f'<div class="rag-answer rag-writing"><div class="rag-draft-label"><span class="rag-spinner"></span>'
                     f'{esc(T["writing"])}</div><div class="rag-text">{esc(T["writing_note"])} · '
                     f'<span class="rag-count">{esc(T["tokens"].format(n=tokens))}</span></div></div>')


def render_error(message: str, lang: str) -> str:
    T = t(lang)
    return _one_line(f'<div class="rag-answer rag-error"><strong>{esc(T["error"])}</strong> — {esc(message)}</div>')


def render_answer(ans: dict, turn: int, lang: str, withdrawn: list[str] = ()) -> str:
    """The checked answer as chat HTML: citation markers link to the sources panel; removed sentences shown struck.
    What is said of the answer (badges, verdicts, why it abstained, "checked") is in the answer's language, not the
    interface's (`lang`): an English answer in the French window gets "Removed — unsourced"."""
    al = answer_lang(ans, lang)
    T = t(al)
    parts = ['<div class="rag-answer' + (' rag-abstained' if ans.get("abstained") else '') + f'" data-turn="{turn}" '
             f'lang="{esc(al)}">']
    sq = ans.get("standalone_question") or ""
    if sq and sq.strip() != (ans.get("question") or "").strip():
        parts.append(f'<div class="rag-understood">{esc(T["understood"])} « {esc(sq)} »</div>')
    parts.append(f'<div class="rag-text">{_cite_links(ans.get("answer", ""), turn)}</div>')
    removed = [s for s in ans.get("sentences") or [] if s.get("supported") is False]
    for s in removed:
        parts.append(f'<div class="rag-removed" title="{esc(T["removed_title"])}"><span class="rag-badge">'
                     f'{esc(T["removed"])}</span> <del>{esc(s.get("text", ""))}</del>'
                     f' <span class="rag-why" title="{esc(s.get("reason", ""))}">{esc(verdict_text(s, al))}</span></div>')
    for text in withdrawn:  # shown while the answer was written, then dropped by the final check
        parts.append(f'<div class="rag-removed rag-withdrawn"><span class="rag-badge">{esc(T["withdrawn"])}</span> '
                     f'<del>{esc(text)}</del></div>')
    if ans.get("abstained"):
        why = abstain_text(ans, al)
        if why:
            parts.append(f'<div class="rag-why rag-abstain-why">{esc(T["why_abstain"])} {esc(why)}</div>')
        if ans.get("retrieved"):
            parts.append(f'<div class="rag-meta"><a class="rag-jump" href="#rag-src-{turn}-r1" data-turn="{turn}">'
                         f'{esc(T["abstain_hint"])} →</a></div>')
    else:
        n = len(ans.get("citations") or [])
        total = (ans.get("timings") or {}).get("total")
        bits = [f'<span class="rag-check">✓</span> {esc(T["checked"])}', esc(T["n_sources"][n > 1].format(n=n))]
        if total:
            bits.append(esc(T["in_s"].format(s=fmt_float(float(total), al))))
        parts.append('<div class="rag-meta">' + " · ".join(bits) + "</div>")
    parts.append("</div>")
    return _one_line("".join(parts))


def _marked(text: str, a: int | None, b: int | None) -> str:
    if a is None or b is None or not (0 <= a < b <= len(text)):
        return esc(text)
    return f"{esc(text[:a])}<mark>{esc(text[a:b])}</mark>{esc(text[b:])}"


def _card(turn: int, key: str, label: str, c: dict, sources: dict, catalog: dict, lang: str,
          verdict_html: str, span: tuple[int | None, int | None] = (None, None)) -> str:
    T = t(lang)
    src_text = sources.get(c["source"])
    start, end = int(c["start"]), int(c["end"])
    total = len(src_text) if src_text else None
    passage = src_text[start:end] if src_text and 0 <= start < end <= len(src_text) else c.get("text", "")
    a = span[0] - start if span[0] is not None else None
    b = span[1] - start if span[1] is not None else None
    bar = ""
    if total:
        left, width = 100 * start / total, max(100 * (end - start) / total, 0.8)
        mark = ""
        if span[0] is not None and span[1] is not None:
            mark = (f'<span class="rag-bar-span" style="left:{100 * span[0] / total:.2f}%;'
                    f'width:{max(100 * (span[1] - span[0]) / total, 0.5):.2f}%"></span>')
        bar = (f'<div class="rag-bar" role="img" aria-label="{esc(position_text(start, end, total, lang))}">'
               f'<span class="rag-bar-passage" style="left:{left:.2f}%;width:{width:.2f}%"></span>{mark}</div>')
    info = catalog.get(c["source"]) or {}
    title = info.get("title") or (src_text.strip().split("\n", 1)[0].strip()[:160] if src_text else c["source"])
    credit = info.get("credit")
    meta = esc(c["source"]) + (f" · {esc(credit)}" if credit else "")
    context = ""
    if src_text and total:
        before = src_text[max(0, start - 400):start]
        after = src_text[end:end + 400]
        context = (f'<details class="rag-context"><summary>{esc(T["context"])}</summary><div>'
                   f'{"…" if start > 400 else ""}{esc(before)}<span class="rag-ctx-passage">{_marked(passage, a, b)}</span>'
                   f'{esc(after)}{"…" if end + 400 < total else ""}</div></details>')
    return (f'<article class="rag-src" id="rag-src-{turn}-{key}"><header><span class="rag-src-n">{esc(label)}</span>'
            f'<div class="rag-src-head"><div class="rag-src-title">{esc(title)}</div>'
            f'<div class="rag-src-meta">{meta}</div></div></header>'
            f'<div class="rag-where">{bar}<span>{esc(position_text(start, end, total, lang))}</span></div>'
            f'<blockquote class="rag-passage">{_marked(passage, a, b)}</blockquote>{verdict_html}{context}</article>')


def _verdict(c: dict, ans: dict, lang: str) -> str:
    """Which sentences a passage supports and why, in `lang` (the answer's language)."""
    T = t(lang)
    backing = [s for s in ans.get("sentences") or [] if s.get("supported") and c["n"] in (s.get("citations") or [])]
    if not backing:
        return ""
    rows = []
    for s in backing:
        label = T["verdict_repointed"] if s.get("repointed") else T["verdict_ok"]
        score = s.get("score")
        score_txt = f' · {esc(T["score"])} {fmt_float(float(score), lang, 2)}' if isinstance(score, (int, float)) else ""
        rows.append(f'<div class="rag-verdict" lang="{esc(lang)}"><span class="rag-pill rag-ok">✓ {esc(label)}</span> '
                    f'<span class="rag-claim">{esc(T["supports"])} « {esc(s.get("text", ""))} »</span>'
                    f'<span class="rag-why" title="{esc(s.get("reason", ""))}">{esc(verdict_text(s, lang))}{score_txt}</span></div>')
    return "".join(rows)


def render_turn_sources(ans: dict, turn: int, sources: dict, catalog: dict, lang: str, visible: bool) -> str:
    """One answer's cards. The panel's own words (positions, "in context") are in the interface's language `lang`;
    the verdicts and the note on an abstention, in the answer's."""
    al = answer_lang(ans, lang)
    T, TA = t(lang), t(al)
    head = (f'<div class="rag-turn-head"><span class="rag-turn-label">{esc(T["sources_of"])}</span> '
            f'« {esc(ans.get("question", ""))} »</div>')
    cards = []
    if ans.get("citations"):
        for c in ans["citations"]:
            cards.append(_card(turn, str(c["n"]), str(c["n"]), c, sources, catalog, lang, _verdict(c, ans, al),
                               (c.get("span_start"), c.get("span_end"))))
    elif ans.get("retrieved"):
        cards.append(f'<p class="rag-note" lang="{esc(al)}">{esc(TA["closest_note"])}</p>')
        for i, r in enumerate(ans["retrieved"][:3], start=1):
            cards.append(_card(turn, f"r{i}", f"~{i}", r, sources, catalog, lang,
                               f'<div class="rag-verdict" lang="{esc(al)}"><span class="rag-pill rag-none">'
                               f'{esc(TA["verdict_none"])}</span></div>'))
    hidden = "" if visible else " hidden"
    return f'<section class="rag-turn" data-turn="{turn}"{hidden}>{head}{"".join(cards)}</section>'


def render_sources(turns: list[dict], sources: dict, catalog: dict, lang: str, pending: str | None = None,
                   history: list[dict] | None = None) -> str:
    """The sources panel: one section per answered turn, the latest shown (markers of older answers reveal theirs).
    `sources`: name -> original text; `catalog`: name -> {"title", "credit"} (from the index manifest).
    `history`: the conversation a follow-up would be asked with, kept on the panel (`data-history`) for the page
    to send with a follow-up read while it is typed (ui/chat.js); not while an answer is pending."""
    T = t(lang)
    done = [x for x in turns if x.get("answer")]
    body = []
    if pending:
        body.append(f'<div class="rag-pending-panel"><span class="rag-spinner"></span>{esc(pending)}</div>')
    for i, x in enumerate(done):
        body.append(render_turn_sources(x["answer"], x["turn"], sources, catalog, lang,
                                        visible=(i == len(done) - 1) and not pending))
    if not done and not pending:
        body.append(f'<p class="rag-note">{esc(T["sources_empty"])}</p>')
    kept = f' data-history="{esc(json.dumps(history, ensure_ascii=False))}"' if history and not pending else ""
    return (f'<div class="rag-sources"{kept}><h2 class="rag-panel-title">{esc(T["sources_title"])}</h2>'
            + "".join(body) + "</div>")
