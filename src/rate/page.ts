/**
 * The rating page: a fixed HTML shell, a stylesheet and a script, all served from the rating server's own origin
 * (no CDN, no inline script, so a strict Content-Security-Policy holds). Everything that comes from the run — the
 * question, prompt text, rater name — is set with textContent and image URLs are opaque indices, so no user text is
 * ever parsed as markup.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>lora-eval rate</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1 id="question">Loading…</h1>
  <p id="prompt"></p>
  <p id="status"><span id="progress-text"></span> <progress id="progress" max="1" value="0"></progress> <span id="rater"></span></p>
</header>
<p class="label" id="references-label">Training images (reference):</p>
<section id="references" aria-label="reference images"></section>
<main id="pair" data-item="">
  <figure><img id="left" alt="left image"><figcaption>← left</figcaption></figure>
  <figure><img id="right" alt="right image"><figcaption>right →</figcaption></figure>
</main>
<nav>
  <button id="choose-left" type="button">← left</button>
  <button id="choose-cant-tell" type="button">↓ can't tell</button>
  <button id="choose-right" type="button">right →</button>
  <button id="undo" type="button">undo (Backspace)</button>
</nav>
<p id="message" role="status"></p>
<section id="done" hidden><h2>All pairs rated.</h2><p>Your answers are in <code>ratings.csv</code> in the run folder; run <code>lora-eval analyze</code> on the run to compare them with the metrics.</p></section>
</body>
</html>
`;

export const PAGE_CSS = `[hidden] { display: none !important; }
body { font-family: system-ui, sans-serif; margin: 1rem; background: #fafafa; color: #222; }
header h1 { font-size: 1.4rem; margin: 0 0 .3rem; }
#prompt { font-family: ui-monospace, monospace; white-space: pre-wrap; margin: .2rem 0; }
#status { color: #555; }
.label { color: #555; margin: .5rem 0 0; }
#references { display: flex; gap: .4rem; overflow-x: auto; margin: .5rem 0; }
#references img { height: 96px; border: 1px solid #ccc; }
#pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; align-items: start; }
#pair figure { margin: 0; overflow: auto; text-align: center; }
#pair img { max-width: none; border: 1px solid #bbb; }
#pair figcaption { color: #666; }
nav { margin: 1rem 0; display: flex; gap: .5rem; }
nav button { font-size: 1rem; padding: .4rem .9rem; }
#message { color: #a00; min-height: 1.2em; }
body.busy nav button { opacity: .5; }
`;

export const PAGE_JS = `'use strict';
(function () {
  let session = null;
  let answered = new Set();
  let current = -1;
  let busy = false;
  const $ = (id) => document.getElementById(id);

  function setMessage(text) { $('message').textContent = text; }

  function nextOpen(from) {
    for (let i = from; i < session.items.length; i++) if (!answered.has(i)) return i;
    for (let i = 0; i < session.items.length; i++) if (!answered.has(i)) return i;
    return -1;
  }

  function render() {
    const total = session.items.length;
    $('progress').max = total;
    $('progress').value = answered.size;
    $('progress-text').textContent = answered.size + ' of ' + total + ' rated';
    const done = current < 0;
    $('done').hidden = !done;
    $('pair').hidden = done;
    for (const id of ['choose-left', 'choose-cant-tell', 'choose-right']) $(id).hidden = done;
    if (done) { $('pair').dataset.item = ''; $('prompt').textContent = ''; return; }
    const item = session.items[current];
    $('pair').dataset.item = String(item.id);
    $('left').src = item.left;
    $('right').src = item.right;
    $('prompt').textContent = session.showPrompt ? item.promptText : '';
  }

  async function post(path, body) {
    const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const data = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  async function act(work) {
    if (busy || !session) return;
    busy = true;
    document.body.classList.add('busy');
    try {
      await work();
      setMessage('');
    } catch (e) {
      setMessage('Not saved: ' + e.message);
    } finally {
      busy = false;
      document.body.classList.remove('busy');
    }
  }

  function choose(choice) {
    if (current < 0) return;
    const item = current;
    return act(async () => {
      const data = await post('/api/answer', { item, choice });
      answered = new Set(data.answered);
      current = nextOpen(item + 1);
      render();
    });
  }

  function undo() {
    return act(async () => {
      const data = await post('/api/undo', {});
      answered = new Set(data.answered);
      current = data.undone;
      render();
      setMessage('');
    });
  }

  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) {
      if ((event.ctrlKey || event.metaKey) && event.key === 'z') { event.preventDefault(); undo(); }
      return;
    }
    const action = { ArrowLeft: () => choose('left'), ArrowRight: () => choose('right'), ArrowDown: () => choose('cant_tell'), Backspace: undo, u: undo }[event.key];
    if (action) { event.preventDefault(); action(); }
  });
  $('choose-left').addEventListener('click', () => choose('left'));
  $('choose-right').addEventListener('click', () => choose('right'));
  $('choose-cant-tell').addEventListener('click', () => choose('cant_tell'));
  $('undo').addEventListener('click', () => undo());

  fetch('/api/session')
    .then((r) => r.json())
    .then((data) => {
      session = data;
      answered = new Set(data.answered);
      $('question').textContent = data.question;
      $('rater').textContent = 'rating as ' + data.rater;
      document.title = data.question + ' — lora-eval rate';
      $('references-label').hidden = data.references.length === 0;
      for (const src of data.references) {
        const img = document.createElement('img');
        img.src = src;
        img.alt = 'reference image';
        $('references').appendChild(img);
      }
      current = nextOpen(0);
      render();
      document.body.dataset.ready = 'true';
    })
    .catch((e) => setMessage('Could not load the session: ' + e.message));
})();
`;
