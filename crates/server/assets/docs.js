// Renders /api/openapi.json: operations by tag with their parameters, bodies and responses,
// then every schema. No library and nothing fetched but the document itself.
(function () {
  "use strict";
  var root = document.getElementById("doc");
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  function typeOf(s) {
    if (!s) return "";
    if (s.$ref) {
      var name = s.$ref.split("/").pop();
      return el("a", { href: "#schema-" + name }, [name]);
    }
    if (s.type === "array") return el("span", {}, ["array of ", typeOf(s.items)]);
    if (s.oneOf || s.anyOf) {
      var parts = (s.oneOf || s.anyOf).map(typeOf);
      var span = el("span", {}, []);
      parts.forEach(function (p, i) { if (i) span.appendChild(document.createTextNode(" | ")); span.appendChild(typeof p === "string" ? document.createTextNode(p) : p); });
      return span;
    }
    var t = Array.isArray(s.type) ? s.type.join(" | ") : (s.type || "any");
    if (s.format) t += " (" + s.format + ")";
    if (s.enum) t += ": " + s.enum.join(", ");
    return t;
  }
  function cell(x) { return el("td", {}, [typeof x === "string" ? x : x]); }
  function content(c) {
    var rows = [];
    Object.keys(c || {}).forEach(function (mime) {
      rows.push(el("div", {}, [el("code", {}, [mime]), " ", typeOf(c[mime].schema)]));
    });
    return el("div", {}, rows);
  }
  function operation(path, method, op) {
    var body = [];
    if (op.description) body.push(el("p", {}, [op.description]));
    if (op.parameters && op.parameters.length) {
      body.push(el("strong", {}, ["Parameters"]));
      body.push(el("table", {}, op.parameters.map(function (p) {
        return el("tr", {}, [cell(el("code", {}, [p.name])), cell(p.in), cell(typeOf(p.schema)),
          cell((p.required ? "required. " : "") + (p.description || ""))]);
      })));
    }
    if (op.requestBody) {
      body.push(el("strong", {}, ["Body"]));
      body.push(content(op.requestBody.content));
    }
    body.push(el("strong", {}, ["Responses"]));
    body.push(el("table", {}, Object.keys(op.responses || {}).map(function (code) {
      var r = op.responses[code];
      return el("tr", {}, [cell(code), cell(r.description || ""), cell(content(r.content))]);
    })));
    return el("details", { "class": "op", id: "op-" + method + path }, [
      el("summary", {}, [el("span", { "class": "m " + method }, [method]), " ", el("code", {}, [path]),
        " ", el("span", { "class": "muted" }, [op.summary || ""])]),
      el("div", {}, body)
    ]);
  }
  function schema(name, s) {
    var props = s.properties || {};
    var required = s.required || [];
    var rows = Object.keys(props).map(function (k) {
      return el("tr", {}, [cell(el("code", {}, [k])), cell(typeOf(props[k])),
        cell((required.indexOf(k) >= 0 ? "required. " : "") + (props[k].description || ""))]);
    });
    var parts = [el("h3", { id: "schema-" + name }, [name])];
    if (s.description) parts.push(el("p", {}, [s.description]));
    parts.push(rows.length ? el("table", {}, rows) : el("p", { "class": "muted" }, [typeOf(s)]));
    return el("section", {}, parts);
  }
  function render(doc) {
    root.textContent = "";
    root.appendChild(el("h1", {}, [doc.info.title + " " + doc.info.version]));
    if (doc.info.description) root.appendChild(el("p", {}, [doc.info.description]));
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        if (typeof op !== "object" || !op.responses) return;
        var tag = (op.tags && op.tags[0]) || "other";
        (byTag[tag] = byTag[tag] || []).push(operation(path, method, op));
      });
    });
    (doc.tags || []).map(function (t) { return t.name; }).concat(Object.keys(byTag))
      .filter(function (t, i, all) { return byTag[t] && all.indexOf(t) === i; })
      .forEach(function (tag) {
        root.appendChild(el("h2", {}, [tag]));
        byTag[tag].forEach(function (e) { root.appendChild(e); });
      });
    var schemas = (doc.components && doc.components.schemas) || {};
    root.appendChild(el("h2", {}, ["Schemas"]));
    Object.keys(schemas).sort().forEach(function (n) { root.appendChild(schema(n, schemas[n])); });
  }
  fetch("/api/openapi.json").then(function (r) { return r.json(); }).then(render, function (e) {
    root.textContent = "Could not load /api/openapi.json: " + e;
  });
})();
