// The API reference page (/docs), rendered from /openapi.json, in English like the API it documents. Served as a
// file: the page runs no inline script.
(function () {
  var esc = function (s) { return String(s == null ? "" : s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); };
  var origin = document.getElementById("api").getAttribute("data-origin") || location.origin;
  var examples = {
    "/v1/ask": "curl -s " + origin + "/v1/ask -H 'Content-Type: application/json' \\\n  -d '{\"question\": \"Who is the director general of Anssi?\"}'",
    "/v1/ask/stream": "curl -N " + origin + "/v1/ask/stream -H 'Content-Type: application/json' \\\n  -d '{\"question\": \"When will the Résilience law be presented?\"}'",
    "/v1/feedback": "curl -s " + origin + "/v1/feedback -H 'Content-Type: application/json' \\\n  -d '{\"question\": \"…\", \"answer\": \"…\", \"useful\": true}'",
    "/healthz": "curl -s " + origin + "/healthz",
  };
  function resolve(spec, s) {
    if (s && s.$ref) return spec.components.schemas[s.$ref.split("/").pop()];
    return s || {};
  }
  function typeOf(spec, s) {
    if (!s) return "";
    if (s.$ref) return s.$ref.split("/").pop();
    if (s.anyOf) return s.anyOf.map(function (x) { return typeOf(spec, x); }).join(" | ");
    if (s.type === "array") return "[" + typeOf(spec, s.items) + "]";
    if (s.enum) return s.enum.map(JSON.stringify).join(" | ");
    if (s.const) return JSON.stringify(s.const);
    return s.type || "any";
  }
  function limits(s) {
    var out = [];
    ["minLength", "maxLength", "maxItems", "minimum", "maximum"].forEach(function (k) { if (s[k] != null) out.push(k + " " + s[k]); });
    if (s["default"] !== undefined) out.push("default " + JSON.stringify(s["default"]));
    return out.join(", ");
  }
  function table(spec, schema, seen) {
    schema = resolve(spec, schema);
    if (!schema.properties) return "";
    var req = schema.required || [], nested = [];
    var rows = Object.keys(schema.properties).map(function (k) {
      var p = schema.properties[k];
      [p, p.items].concat(p.anyOf || []).forEach(function (x) { if (x && x.$ref && seen.indexOf(x.$ref) < 0) { seen.push(x.$ref); nested.push(x.$ref); } });
      return "<tr><td><code>" + esc(k) + "</code>" + (req.indexOf(k) >= 0 ? ' <span class="req">*</span>' : "") + "</td><td><code>" +
        esc(typeOf(spec, p)) + "</code></td><td>" + esc(limits(p)) + "</td><td>" + esc(p.description || p.title || "") + "</td></tr>";
    }).join("");
    var html = "<table><tr><th>field</th><th>type</th><th>constraints</th><th>description</th></tr>" + rows + "</table>";
    nested.forEach(function (ref) { html += "<h3><code>" + esc(ref.split("/").pop()) + "</code></h3>" + table(spec, { $ref: ref }, seen); });
    return html;
  }
  fetch("/openapi.json").then(function (r) { return r.json(); }).then(function (spec) {
    var html = "<p>" + esc(spec.info.description || "") + " (version " + esc(spec.info.version) + ")</p>";
    Object.keys(spec.paths).forEach(function (path) {
      Object.keys(spec.paths[path]).forEach(function (method) {
        var op = spec.paths[path][method];
        html += '<details class="op"' + (path === "/v1/ask" ? " open" : "") + '><summary><span class="method ' + method + '">' +
          method.toUpperCase() + '</span><span class="path">' + esc(path) + '</span><span class="summary">' + esc(op.summary || "") + "</span></summary><div class=\"body\">";
        if (op.description) html += "<p>" + esc(op.description).replace(/`([^`]+)`/g, "<code>$1</code>") + "</p>";
        var body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
        if (body) html += "<h3>Request body (JSON)</h3>" + table(spec, body.schema, []);
        html += "<h3>Responses</h3><table><tr><th>status</th><th>description</th><th>schema</th></tr>";
        Object.keys(op.responses || {}).forEach(function (code) {
          var r = op.responses[code], c = r.content || {}, s = c["application/json"] && c["application/json"].schema;
          html += "<tr><td>" + esc(code) + "</td><td>" + esc(r.description) + "</td><td><code>" + esc(s ? typeOf(spec, s) : Object.keys(c).join(", ")) + "</code></td></tr>";
        });
        html += "</table>";
        var ok = op.responses && op.responses["200"] && op.responses["200"].content && op.responses["200"].content["application/json"];
        if (ok && ok.schema && ok.schema.$ref) html += "<h3>Response 200: <code>" + esc(typeOf(spec, ok.schema)) + "</code></h3>" + table(spec, ok.schema, [ok.schema.$ref]);
        if (examples[path]) html += "<h3>Example</h3><pre>" + esc(examples[path]) + "</pre>";
        html += "</div></details>";
      });
    });
    document.getElementById("api").innerHTML = html;
  }).catch(function (e) { document.getElementById("api").textContent = "Could not read /openapi.json: " + e; });
})();
