// formgen's small bit of JavaScript: live export progress, scan uploads with a
// progress bar, and pickers that apply at once. Every page works without it.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";
const STATES = { queued: "排队中", running: "生成中", done: "已完成", failed: "失败" };

function autosubmit() {
  for (const el of document.querySelectorAll("select[data-autosubmit]")) {
    el.addEventListener("change", () => el.form.submit());
  }
}

function showJob(card, s) {
  const pct = s.total ? Math.floor((100 * s.done) / s.total) : s.state === "done" ? 100 : 0;
  card.querySelector('[data-field="bar"]').value = pct;
  card.querySelector('[data-field="count"]').textContent = `${s.done}/${s.total}（${pct}%）`;
  card.querySelector('[data-field="state"]').textContent = STATES[s.state] || s.state;
  const state = card.querySelector('[data-field="state"]');
  state.className = `state state-${s.state}`;
  const list = card.querySelector('[data-field="forms"]');
  list.replaceChildren(
    ...Object.entries(s.forms).map(([form, p]) => {
      const li = document.createElement("li");
      li.textContent = `${form}：${p.done}/${p.total}`;
      return li;
    }),
  );
  if (s.state === "done" || s.state === "failed") {
    const extra = [];
    if (s.message) extra.push(el("p", s.message, s.state === "failed" ? "error" : "warn"));
    if (s.downloads.length) {
      const p = el("p", "", "downloads");
      for (const d of s.downloads) {
        const a = el("a", d.label, "button");
        a.href = d.url;
        p.append(a, " ");
      }
      extra.push(p);
    }
    card.querySelector(".job-end")?.replaceChildren(...extra);
  }
}

function pollJobs() {
  const cards = [...document.querySelectorAll("[data-export-id]")].filter((c) =>
    ["queued", "running"].includes(c.dataset.state),
  );
  if (!cards.length) return;
  const tick = async () => {
    for (const card of cards.filter((c) => ["queued", "running"].includes(c.dataset.state))) {
      const r = await fetch(`/api/exports/${card.dataset.exportId}`, { headers: { Accept: "application/json" } });
      if (!r.ok) continue;
      const s = await r.json();
      showJob(card, s);
      card.dataset.state = s.state;
    }
    if (cards.some((c) => ["queued", "running"].includes(c.dataset.state))) setTimeout(tick, 800);
  };
  setTimeout(tick, 300);
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function showReport(box, rep) {
  const head = el("p", `已归档 ${rep.filed.length} 份，重复 ${rep.duplicates.length} 页，待复核 ${rep.review.length} 页。`, "good");
  head.setAttribute("role", "status");
  const ul = el("ul", "", "report");
  for (const f of rep.filed) ul.append(el("li", `已归档 ${f.doc_no} → ${f.path}`));
  for (const f of rep.new_versions) ul.append(el("li", `已有归档，另存为新版本：${f.doc_no}`, "warn"));
  for (const d of rep.duplicates) ul.append(el("li", `重复扫描，已跳过：${d}`, "muted"));
  for (const u of rep.unreadable || []) ul.append(el("li", `无法读取（不是完好的 PDF 或图片），未归档：${u}`, "bad"));
  for (const r of rep.review) ul.append(el("li", `待复核：${r.source} 第${r.page}页：${r.reason}`, "warn"));
  box.replaceChildren(head, ul);
}

async function refreshSections(ids) {
  const r = await fetch(location.pathname + location.search);
  if (!r.ok) return;
  const doc = new DOMParser().parseFromString(await r.text(), "text/html");
  for (const id of ids) {
    const fresh = doc.getElementById(id);
    const old = document.getElementById(id);
    if (fresh && old) old.replaceWith(fresh);
  }
}

function scanUpload() {
  const form = document.getElementById("scan-form");
  if (!form) return;
  const bar = document.getElementById("scan-progress");
  const status = document.getElementById("scan-status");
  const box = document.getElementById("scan-report");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const data = new FormData();
    for (const f of form.elements.files.files) data.append("files", f);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/scans");
    xhr.setRequestHeader("X-CSRF-Token", csrf());
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "上传中…";
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    };
    xhr.upload.onload = () => {
      bar.value = 100;
      status.textContent = "已上传，正在识别二维码并归档…";
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      if (xhr.status === 200) {
        status.textContent = "完成。";
        showReport(box, body);
        form.reset();
        refreshSections(["review", "status"]);
      } else {
        status.textContent = "";
        box.replaceChildren(el("p", `${body.error || "上传失败"}${body.hint ? " 提示：" + body.hint : ""}`, "error"));
      }
    };
    xhr.onerror = () => { status.textContent = "网络错误，上传未完成。"; };
    xhr.send(data);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  autosubmit();
  pollJobs();
  scanUpload();
});
