// The /docs page's script: renders ./openapi.json (operations, parameters,
// schemas) and lets a reader try an operation against this gateway. Plain
// DOM code with no libraries, so nothing has to be fetched from elsewhere.
// All text from the document goes in through textContent, never innerHTML.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  let spec = null;

  // Element helper: el("div", {class: "x"}, child, "text", ...).
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  // The document's prose uses `code` and **bold**; everything else is text.
  function inline(text, tag) {
    const out = el(tag || "span");
    for (const part of String(text || "").split(/(`[^`]*`|\*\*[^*]+\*\*)/)) {
      if (part.startsWith("`") && part.endsWith("`") && part.length > 1) out.append(el("code", {}, part.slice(1, -1)));
      else if (part.startsWith("**") && part.endsWith("**") && part.length > 3) out.append(el("strong", {}, part.slice(2, -2)));
      else if (part) out.append(part);
    }
    return out;
  }

  function prose(text) {
    const out = el("div", { class: "prose" });
    for (const para of String(text || "").split(/\n\n+/)) out.append(inline(para, "p"));
    return out;
  }

  function resolve(schema) {
    if (schema && typeof schema === "object" && typeof schema.$ref === "string" && schema.$ref.startsWith("#/")) {
      let node = spec;
      for (const key of schema.$ref.slice(2).split("/")) node = node ? node[key.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
      return { name: schema.$ref.split("/").pop(), schema: node || {} };
    }
    return { name: null, schema };
  }

  function typeLabel(s) {
    if (s === true || s === undefined) return "any";
    if (s === false) return "nothing";
    if (s.const !== undefined) return "const " + JSON.stringify(s.const);
    if (Array.isArray(s.enum)) return "one of " + s.enum.map((v) => JSON.stringify(v)).join(" | ");
    let t = Array.isArray(s.type) ? s.type.join(" | ") : s.type;
    if (t === "array" && s.items) {
      const inner = resolve(s.items);
      t = "array of " + (inner.name || typeLabel(inner.schema));
    }
    if (s.format) t += " (" + s.format + ")";
    const alts = s.oneOf || s.anyOf;
    if (!t && alts && alts.length === 2 && alts.some((a) => a && a.type === "null")) {
      const other = resolve(alts.find((a) => !(a && a.type === "null")));
      return (other.name || typeLabel(other.schema)) + " | null";
    }
    return t || (s.oneOf || s.anyOf ? "one of the forms below" : "any");
  }

  // A schema as a nested list; `seen` stops at recursive references.
  function schemaTree(schema, seen, depth) {
    seen = seen || new Set();
    depth = depth || 0;
    const { name, schema: s } = resolve(schema);
    const box = el("div");
    if (name) {
      if (seen.has(name) || depth > 6) return el("span", { class: "type" }, name);
      seen = new Set(seen).add(name);
    }
    if (s === true || s === false || s === null || typeof s !== "object") {
      box.append(el("span", { class: "type" }, typeLabel(s)));
      return box;
    }
    if (name) box.append(el("span", { class: "type mono" }, name + " "));
    if (s.description && depth === 0) box.append(prose(s.description));
    let alternatives = s.oneOf || s.anyOf;
    const shown = Boolean(alternatives);
    if (alternatives) {
      // `T | null` reads better as one line than as two forms.
      const nonNull = alternatives.filter((a) => !(a && a.type === "null"));
      if (nonNull.length === 1 && alternatives.length === 2) {
        const inner = schemaTree(nonNull[0], seen, depth + 1);
        box.append(inner);
        alternatives = null;
      } else if (alternatives.every((a) => (resolve(a).schema || {}).const !== undefined)) {
        // A described enumeration: each value with its meaning.
        const list = el("ul", { class: "schema" });
        for (const a of alternatives) {
          const v = resolve(a).schema;
          list.append(el("li", {}, el("code", {}, JSON.stringify(v.const)), v.description ? inline(" — " + v.description) : null));
        }
        box.append(el("div", { class: "type" }, "one of:"), list);
        alternatives = null;
      }
    }
    if (alternatives) {
      const list = el("ul", { class: "schema" });
      alternatives.forEach((alt, i) => {
        const r = resolve(alt);
        list.append(el("li", {}, el("span", { class: "pname" }, r.name || r.schema.title || "form " + (i + 1)), schemaTree(alt, seen, depth + 1)));
      });
      box.append(el("div", { class: "type" }, s.oneOf ? "exactly one of:" : "any of:"), list);
    }
    const props = s.properties || {};
    const keys = Object.keys(props);
    if (keys.length) {
      const required = new Set(s.required || []);
      const list = el("ul", { class: "schema" });
      for (const key of keys) {
        const p = props[key];
        const r = resolve(p);
        const ps = r.schema || {};
        const li = el("li", {},
          el("span", { class: "pname mono" }, key),
          required.has(key) ? el("span", { class: "req", title: "required" }, " *") : null,
          " ",
          el("span", { class: "type" }, r.name ? r.name + (Array.isArray(ps.enum) ? ": " + typeLabel(ps) : "") : typeLabel(ps)),
          ps.default !== undefined ? el("span", { class: "type" }, " default " + JSON.stringify(ps.default)) : null,
        );
        const desc = (p && p.description) || ps.description;
        if (desc) li.append(inline(desc, "div"));
        const nested = ps.properties || ps.oneOf || ps.anyOf || (ps.items && (resolve(ps.items).schema || {}).properties);
        if (nested && depth < 6) li.append(schemaTree(ps.items && !ps.properties ? ps.items : p, seen, depth + 1));
        list.append(li);
      }
      box.append(list);
    } else if (!shown) {
      box.append(el("span", { class: "type" }, typeLabel(s)));
      if (s.description && depth > 0) box.append(inline(s.description, "div"));
    }
    if (s.additionalProperties === false) box.append(el("div", { class: "type" }, "no other fields"));
    return box;
  }

  function scopeBadge(op) {
    const scope = op["x-required-scope"];
    if (!op.security || op.security.length === 0) return el("span", { class: "scope scope-open" }, "open");
    return el("span", { class: "scope" + (scope === "admin" ? " scope-admin" : "") }, "key: " + (scope || "any"));
  }

  function exampleOf(op) {
    const media = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
    return media && media.example !== undefined ? JSON.stringify(media.example, null, 2) : "";
  }

  function tryPanel(method, path, op) {
    const params = op.parameters || [];
    const inputs = {};
    const panel = el("div", { class: "try" }, el("h4", {}, "Try it"));
    for (const p of params) {
      const input = el("input", { type: "text", placeholder: p.in + (p.required ? ", required" : "") });
      inputs[p.in + ":" + p.name] = { p, input };
      panel.append(el("label", {}, p.name + " (" + p.in + ")", input));
    }
    let body = null;
    if (op.requestBody) {
      body = el("textarea", { spellcheck: "false" });
      body.value = exampleOf(op);
      panel.append(el("label", {}, "Body (JSON)", body));
    }
    const out = el("pre", { class: "hidden" });
    let controller = null;
    const stop = el("button", { class: "secondary hidden", type: "button", onclick: () => controller && controller.abort() }, "Stop");
    const send = el("button", { type: "button", onclick: run }, "Send");
    panel.append(el("div", {}, send, stop), out);

    async function run() {
      let url = path;
      const query = new URLSearchParams();
      const headers = {};
      for (const { p, input } of Object.values(inputs)) {
        const v = input.value;
        if (p.in === "path") url = url.replace("{" + p.name + "}", encodeURIComponent(v));
        else if (v === "") continue;
        else if (p.in === "query") query.set(p.name, v);
        else if (p.in === "header") headers[p.name] = v;
      }
      const key = $("apikey").value.trim();
      if (key) headers["Authorization"] = "Bearer " + key;
      if (body) headers["Content-Type"] = "application/json";
      // Relative to the page, so the gateway works behind a path prefix too.
      const target = url.replace(/^\//, "") + (query.toString() ? "?" + query : "");
      out.classList.remove("hidden");
      out.textContent = method.toUpperCase() + " /" + target + "\n…";
      controller = new AbortController();
      try {
        const res = await fetch(target, { method: method.toUpperCase(), headers, body: body ? body.value : undefined, signal: controller.signal });
        const head = [res.status + " " + res.statusText];
        for (const h of ["content-type", "retry-after", "x-request-id", "www-authenticate", "idempotent-replayed"]) {
          if (res.headers.get(h)) head.push(h + ": " + res.headers.get(h));
        }
        out.textContent = head.join("\n") + "\n\n";
        const type = res.headers.get("content-type") || "";
        if (type.startsWith("text/event-stream") && res.body) {
          stop.classList.remove("hidden");
          const reader = res.body.getReader();
          const decoder = new TextDecoder();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            out.textContent += decoder.decode(value, { stream: true });
            out.scrollTop = out.scrollHeight;
          }
        } else {
          const text = await res.text();
          try { out.textContent += JSON.stringify(JSON.parse(text), null, 2); } catch (_) { out.textContent += text; }
        }
      } catch (e) {
        out.textContent += "\n" + (e.name === "AbortError" ? "stopped" : "request failed: " + e.message);
      } finally {
        stop.classList.add("hidden");
        controller = null;
      }
    }
    return panel;
  }

  function operationView(method, path, op) {
    const details = el("details", { class: "op", id: op.operationId, "data-search": (method + " " + path + " " + (op.summary || "") + " " + (op.tags || []).join(" ")).toLowerCase() });
    details.append(el("summary", {},
      el("span", { class: "method m-" + method }, method.toUpperCase()),
      el("span", { class: "path mono" }, path),
      el("span", { class: "summary" }, op.summary || ""),
      scopeBadge(op)));
    // Filled on first open: thirty operations with schema trees are slow to build up front.
    details.addEventListener("toggle", () => {
      if (!details.open || details.dataset.built) return;
      details.dataset.built = "1";
      const body = el("div", { class: "body" });
      if (op.description) body.append(prose(op.description));
      if (op.security && op.security.length) {
        const schemes = op.security.map((r) => Object.keys(r)[0]).join(", ");
        body.append(el("p", { class: "muted" }, "With API keys configured: a key via " + schemes + (op["x-required-scope"] ? "; scope " + op["x-required-scope"] : "") + "."));
      }
      if (op.parameters && op.parameters.length) {
        const table = el("table", {}, el("tr", {}, el("th", {}, "Parameter"), el("th", {}, "In"), el("th", {}, "Type"), el("th", {}, "Description")));
        for (const p of op.parameters) {
          const r = resolve(p.schema || {});
          table.append(el("tr", {}, el("td", { class: "mono" }, p.name + (p.required ? " *" : "")), el("td", {}, p.in), el("td", { class: "type" }, r.name || typeLabel(r.schema)), el("td", {}, p.description || "")));
        }
        body.append(el("h4", {}, "Parameters"), table);
      }
      if (op.requestBody) {
        const media = op.requestBody.content["application/json"];
        body.append(el("h4", {}, "Request body" + (op.requestBody.required ? "" : " (optional: empty reads as {})")), schemaTree(media.schema));
        const example = exampleOf(op);
        if (example) body.append(el("div", { class: "muted" }, "Example"), el("pre", {}, example));
      }
      body.append(el("h4", {}, "Responses"));
      for (const [status, res] of Object.entries(op.responses || {})) {
        const row = el("div", {}, el("strong", {}, status + " "), inline(res.description || ""));
        for (const [type, media] of Object.entries(res.content || {})) {
          row.append(el("div", { class: "type mono" }, type));
          if (media["x-event-schema"]) row.append(el("div", { class: "muted" }, "Each data: line:"), schemaTree(media["x-event-schema"]));
          else if (media.schema && /json/.test(type) && status < 400) row.append(schemaTree(media.schema));
          if (media.example) row.append(el("pre", {}, media.example));
        }
        body.append(row);
      }
      body.append(tryPanel(method, path, op));
      details.append(body);
    });
    return details;
  }

  function render() {
    $("title").textContent = spec.info.title + " API";
    $("version").textContent = "v" + spec.info.version + " · OpenAPI " + spec.openapi;
    $("intro").replaceChildren(prose(spec.info.description));
    const groups = new Map((spec.tags || []).map((t) => [t.name, []]));
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const tag = (op.tags && op.tags[0]) || "other";
        if (!groups.has(tag)) groups.set(tag, []);
        groups.get(tag).push(operationView(method, path, op));
      }
    }
    const root = $("operations");
    root.replaceChildren();
    for (const [tag, views] of groups) {
      const info = (spec.tags || []).find((t) => t.name === tag);
      root.append(el("h2", {}, tag), info ? el("p", { class: "muted" }, info.description) : null, ...views);
    }
    const schemas = spec.components && spec.components.schemas ? Object.keys(spec.components.schemas) : [];
    $("schemas").replaceChildren(el("h2", {}, "Schemas"), ...schemas.map((name) => {
      const d = el("details", { class: "op", "data-search": name.toLowerCase() }, el("summary", {}, el("span", { class: "path mono" }, name)));
      d.addEventListener("toggle", () => {
        if (d.open && !d.dataset.built) { d.dataset.built = "1"; d.append(el("div", { class: "body" }, schemaTree({ $ref: "#/components/schemas/" + name }))); }
      });
      return d;
    }));
    $("status").classList.add("hidden");
    openFromHash();
  }

  // `/docs#<operationId>` opens that operation, so operations can be linked.
  function openFromHash() {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openFromHash);

  $("filter").addEventListener("input", (e) => {
    const q = e.target.value.trim().toLowerCase();
    for (const d of document.querySelectorAll("details.op")) d.classList.toggle("hidden", q !== "" && !d.dataset.search.includes(q));
  });
  // The key stays in this tab only (sessionStorage), never in the URL.
  const key = $("apikey");
  key.value = sessionStorage.getItem("gateway-api-key") || "";
  key.addEventListener("change", () => sessionStorage.setItem("gateway-api-key", key.value));

  fetch("openapi.json", { headers: { Accept: "application/json" } })
    .then((r) => { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then((doc) => { spec = doc; render(); })
    .catch((e) => { $("status").textContent = "Could not load openapi.json: " + e.message; });
})();
