/* Parley's embed: a post's thread, a reply-by-email link and a follow-by-email form.
   Add once to a post template:
     <div data-parley-post="PERMALINK-OR-POST-ID"></div>
     <script src="https://talk.example.org/embed.js" defer></script>
   No cookies, no third-party requests, no eval, no inline styles: a host CSP whose
   script-src, style-src and connect-src name Parley's origin is all it needs. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var base = script.src.replace(/\/embed\.js(?:[?#].*)?$/, "");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function stylesheet() {
    if (document.querySelector("link[data-parley-css]")) return;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = base + "/embed.css";
    link.setAttribute("data-parley-css", "");
    document.head.appendChild(link);
  }

  function body(text) {
    var box = el("div", "parley-body");
    box.dir = "auto";
    text.split(/\n{2,}/).forEach(function (para) {
      var p = el("p");
      para.split("\n").forEach(function (line, i) {
        if (i) p.appendChild(document.createElement("br"));
        p.appendChild(document.createTextNode(line));
      });
      box.appendChild(p);
    });
    return box;
  }

  function comment(c, children) {
    var mention = c.kind === "mention";
    var li = el("li", "parley-comment");
    li.id = (mention ? "parley-mention-" : "parley-comment-") + c.id;
    if (mention) li.className += " parley-mention";
    var meta = el("div", "parley-meta");
    var who = el("bdi", "parley-author", c.author_name);
    var when = el("time", "parley-time", new Date(c.created_at).toLocaleString());
    when.dateTime = c.created_at;
    meta.appendChild(who);
    if (mention && /^https?:\/\//i.test(c.url || "")) {
      // A Webmention: another page links this post.
      var src = el("a", "parley-source", c.url.replace(/^https?:\/\/([^\/?#]*).*$/i, "$1"));
      src.href = c.url;
      src.rel = "nofollow ugc";
      meta.appendChild(document.createTextNode(" mentioned this on "));
      meta.appendChild(src);
    }
    meta.appendChild(document.createTextNode(" · "));
    meta.appendChild(when);
    li.appendChild(meta);
    if (c.body) li.appendChild(body(c.body));
    var kids = mention ? null : children[c.id];
    if (kids && kids.length) {
      var ol = el("ol", "parley-replies");
      kids.forEach(function (k) { ol.appendChild(comment(k, children)); });
      li.appendChild(ol);
    }
    return li;
  }

  function thread(comments) {
    var known = {}, children = {}, roots = [];
    comments.forEach(function (c) { if (c.kind !== "mention") known[c.id] = true; });
    comments.forEach(function (c) {
      if (c.kind !== "mention" && c.parent !== null && known[c.parent]) (children[c.parent] = children[c.parent] || []).push(c);
      else roots.push(c);
    });
    var ol = el("ol", "parley-thread");
    roots.forEach(function (c) { ol.appendChild(comment(c, children)); });
    return ol;
  }

  function followForm(post) {
    var form = el("form", "parley-follow");
    var label = el("label", "parley-follow-label", "Follow the comments by email: ");
    var input = el("input", "parley-email");
    input.type = "email";
    input.name = "email";
    input.required = true;
    input.autocomplete = "email";
    input.placeholder = "you@example.org";
    label.appendChild(input);
    var button = el("button", "parley-follow-button", "Follow by email");
    button.type = "submit";
    var note = el("p", "parley-note");
    note.setAttribute("role", "status");
    form.appendChild(label);
    form.appendChild(button);
    form.appendChild(note);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new URLSearchParams();
      data.set("email", input.value);
      data.set("post", post.id);
      button.disabled = true;
      fetch(base + "/subscribe", { method: "POST", body: data, credentials: "omit", mode: "cors" })
        .then(function (r) {
          note.textContent = r.status === 202 ? "Check your inbox: nothing happens until you confirm with the link we sent."
            : r.status === 429 ? "Too many requests: please try again in a little while."
            : "That did not work (" + r.status + ").";
        })
        .catch(function () { note.textContent = "That did not work: the comments server could not be reached."; })
        .then(function () { button.disabled = false; });
    });
    return form;
  }

  function render(box, data) {
    box.textContent = "";
    var root = el("section", "parley");
    root.setAttribute("aria-label", "Comments");
    var n = data.comments.length;
    root.appendChild(el("h2", "parley-title", n === 0 ? "No comments yet" : n === 1 ? "1 comment" : n + " comments"));
    if (n) root.appendChild(thread(data.comments));
    var actions = el("p", "parley-actions");
    var reply = el("a", "parley-reply", "Reply by email");
    reply.href = "mailto:" + data.post.reply_to + "?subject=" + encodeURIComponent("Re: " + data.post.title);
    actions.appendChild(reply);
    root.appendChild(actions);
    root.appendChild(followForm(data.post));
    box.appendChild(root);
  }

  function load(box) {
    var key = box.getAttribute("data-parley-post") || "";
    var query = /^https?:\/\//i.test(key) ? "url=" : "post=";
    fetch(base + "/embed/thread.json?" + query + encodeURIComponent(key), { credentials: "omit", mode: "cors" })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) { render(box, data); })
      .catch(function () { box.textContent = ""; });
  }

  function start() {
    var boxes = document.querySelectorAll("[data-parley-post]");
    if (!boxes.length) return;
    stylesheet();
    Array.prototype.forEach.call(boxes, load);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
