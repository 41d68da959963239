// The layout check every browser step runs (see `layout.rs`): returns one sentence per problem a
// person would see, naming the element and its text. Four kinds:
//   squeezed   — a text of 8+ characters laid out at fewer than 4 characters per line;
//   sticks out — an element (or its text) whose right edge passes the inside of the border of its
//                card or table container, when no element in between scrolls or clips it;
//   wraps      — an identifier, amount or date on more than one line. Marked as such: the classes
//                `.nowrap`, `.ident`, `.amount`, `.date`, `.num`, a `<time>`, or a table cell in a
//                column whose `<th>` carries one of those classes;
//   cramped    — a heading less than 8 px below a boxed block before it (one with a border or a
//                background of its own), as if it were part of that box.
const MIN_CHARS = 8;
const MIN_CHARS_PER_LINE = 4;
const CONTAINERS = '.card, section, main, .auth-card, .table-scroll, table, td, th, fieldset, dialog';
const MARKED = '.nowrap, .ident, .amount, .date, .num, time';
const COLUMN_CLASSES = ['nowrap', 'ident', 'amount', 'date', 'num'];
const SKIPPED_TAGS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'OPTION', 'SELECT', 'TEXTAREA']);
const TOLERANCE_PX = 1;
const MIN_GAP_ABOVE_HEADING_PX = 8;

const problems = [];
const styles = new Map();
const style = (el) => {
  if (!styles.has(el)) styles.set(el, getComputedStyle(el));
  return styles.get(el);
};

// Not seen by a person: not rendered, invisible, or clipped to nothing (`.visually-hidden`).
const hiddenCache = new Map();
function hidden(el) {
  if (!el || el === document.documentElement) return false;
  if (hiddenCache.has(el)) return hiddenCache.get(el);
  const s = style(el);
  const box = el.getBoundingClientRect();
  const clipped = s.overflowX !== 'visible' && (box.width <= 1 || box.height <= 1);
  const result = s.display === 'none' || s.visibility !== 'visible' || s.clip.startsWith('rect')
    || s.clipPath !== 'none' || clipped || hidden(el.parentElement);
  hiddenCache.set(el, result);
  return result;
}

const scrolls = (el) => style(el).overflowX !== 'visible';

function label(el) {
  let name = el.tagName.toLowerCase();
  if (el.id) name += '#' + el.id;
  for (const c of el.classList) name += '.' + c;
  return name;
}

// The element and up to two ancestors, enough to find it in the template.
function where(el) {
  const parts = [];
  for (let e = el; e && e !== document.body && parts.length < 3; e = e.parentElement) parts.unshift(label(e));
  return parts.join(' > ');
}

const quote = (text) => JSON.stringify(text.length > 60 ? text.slice(0, 57) + '...' : text);
const squash = (text) => text.replace(/\s+/g, ' ').trim();

// Lines a set of rectangles is laid out on: a rectangle whose middle is below the current line's
// bottom starts the next line (a smaller font on the same line stays within it).
function lineCount(rects) {
  const sorted = rects.filter((r) => r.width > 0 && r.height > 0).sort((a, b) => a.top - b.top);
  let lines = 0;
  let bottom = -Infinity;
  for (const r of sorted) {
    if ((r.top + r.bottom) / 2 > bottom) {
      lines += 1;
      bottom = r.bottom;
    }
  }
  return lines;
}

function textRects(node) {
  const range = document.createRange();
  range.selectNodeContents(node);
  return [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
}

// The card or table container whose edge `el` must stay inside, or null when something between
// them scrolls or clips it (that something is checked in its own right) or there is none.
function containerOf(el) {
  for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
    if (a.matches(CONTAINERS)) return scrolls(a) ? null : a;
    if (scrolls(a)) return null;
  }
  return null;
}

const insideRight = (c) => c.getBoundingClientRect().right - parseFloat(style(c).borderRightWidth);

// Elements sticking out; an element inside one that already sticks out is the same problem.
const offenders = new Map();
for (const el of document.body.querySelectorAll('*')) {
  if (SKIPPED_TAGS.has(el.tagName) || hidden(el)) continue;
  const box = el.getBoundingClientRect();
  if (box.width === 0 && box.height === 0) continue;
  const container = containerOf(el);
  if (!container) continue;
  const beyond = box.right - insideRight(container);
  if (beyond > TOLERANCE_PX) {
    offenders.set(el, container);
    if (offenders.get(el.parentElement) === container) continue;
    problems.push(`sticks out: ${where(el)} ${quote(squash(el.textContent))} ends ${Math.round(beyond)} px `
      + `beyond the right edge of its ${label(container)}`);
  }
}

// Text: squeezed, or running out of its container.
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const el = node.parentElement;
  if (!el || SKIPPED_TAGS.has(el.tagName) || el.closest('select') || hidden(el)) continue;
  const text = squash(node.textContent);
  if (!text) continue;
  const rects = textRects(node);
  if (rects.length === 0) continue;
  const lines = lineCount(rects);
  if (text.length >= MIN_CHARS && lines > 1 && text.length / lines < MIN_CHARS_PER_LINE) {
    problems.push(`squeezed: ${quote(text)} in ${where(el)}: ${text.length} characters on ${lines} lines`);
  }
  const container = scrolls(el) ? null : el.matches(CONTAINERS) ? el : containerOf(el);
  if (!container || offenders.get(el) === container) continue;
  const beyond = Math.max(...rects.map((r) => r.right)) - insideRight(container);
  if (beyond > TOLERANCE_PX) {
    problems.push(`sticks out: the text ${quote(text)} of ${where(el)} ends ${Math.round(beyond)} px `
      + `beyond the right edge of its ${label(container)}`);
  }
}

// Identifiers, amounts and dates: marked elements, and the cells of marked columns.
const marked = new Set(document.body.querySelectorAll(MARKED));
for (const th of document.body.querySelectorAll('thead th')) {
  if (!COLUMN_CLASSES.some((c) => th.classList.contains(c))) continue;
  const table = th.closest('table');
  for (const body of table.tBodies) {
    for (const row of body.rows) {
      const cell = row.cells[th.cellIndex];
      if (cell) marked.add(cell);
    }
  }
}
for (const el of marked) {
  if (hidden(el) || el.closest('thead')) continue;
  const rects = [];
  const texts = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = texts.nextNode(); node; node = texts.nextNode()) {
    if (squash(node.textContent) && !hidden(node.parentElement)) rects.push(...textRects(node));
  }
  const lines = lineCount(rects);
  if (lines > 1) {
    problems.push(`wraps: ${quote(squash(el.textContent))} in ${where(el)} is on ${lines} lines`);
  }
}

// Headings set right under a box: its border or background ends where the heading starts.
const boxed = (el) => {
  const s = style(el);
  const border = ['Top', 'Right', 'Bottom', 'Left'].some((side) => parseFloat(s[`border${side}Width`]) > 0
    && s[`border${side}Style`] !== 'none');
  return border || s.backgroundColor !== 'rgba(0, 0, 0, 0)';
};
for (const heading of document.body.querySelectorAll('h1, h2, h3')) {
  if (hidden(heading)) continue;
  let before = heading.previousElementSibling;
  while (before && (hidden(before) || before.getBoundingClientRect().height === 0)) before = before.previousElementSibling;
  if (!before || !boxed(before)) continue;
  const gap = heading.getBoundingClientRect().top - before.getBoundingClientRect().bottom;
  if (gap >= 0 && gap < MIN_GAP_ABOVE_HEADING_PX) {
    problems.push(`cramped: the heading ${quote(squash(heading.textContent))} in ${where(heading)} is `
      + `${Math.round(gap)} px below its ${label(before)}`);
  }
}

return problems;
