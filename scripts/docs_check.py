#!/usr/bin/env python3
"""Offline docs check: every audio player in the rendered docs holds a valid WAV of the expected rate and length,
and loads in headless Chromium; with --course, the chapters read as a course.

Usage: docs_check.py [HTML_DIR] [--no-browser] [--chromium PATH] [--course NB_DIR [--course-src DIR] [--max-line [N]]]
                     [--write-results]
HTML_DIR defaults to _preview; given --course alone, only the course checks run (e.g. `--course nbs`, no preview needed).

Audio players:
1. Each `<audio>` element of each `*.html` page is decoded (its `<source src>` or `src`: a `data:audio/wav;base64,`
   URL or a file next to the page): a RIFF/WAVE file whose RIFF and data-chunk sizes match the bytes present, PCM,
   with 0 < duration. Players made by `codectok.core.play` sit in
   `<div class="codectok-audio" data-sr=.. data-samples=.. data-max-seconds=..>`: their WAV must have exactly that
   rate and number of samples, and last at most data-max-seconds. Other players (older saved outputs) must have a
   rate in ALLOWED_RATES and last 0 < d <= LEGACY_MAX_SECONDS.
2. Every page with players is loaded (a copy, with a small script injected) by `chromium --headless --dump-dom`;
   the script waits for each element's metadata (or an error, or a timeout) and writes
   [readyState, duration, networkState, error] per element into `<pre id="codectok-audio-report">`. Each player must
   reach readyState >= 1 (HAVE_METADATA) with a duration > 0 that agrees with the WAV.
Exit status 1 with one line per failing player, or when no players are found at all.

Course checks (--course NB_DIR: source notebooks, nbs/, or nbdev's processed ones, _proc/), on each notebook as the
docs page shows it (nbdev's processing, then Quarto's `echo`/`include`/`output` options; see `render`). One FAIL line each:
- a module notebook (`#| default_exp`) that exports definitions but shows the source of none of them: no visible
  `#| exports` cell and no visible readable version (`roll_loop`, or tested equal to the exported one); notebooks
  that export no definition (stubs) are exempt;
- an output shown as plain text that is markdown meant to be rendered: a pipe table, or `**bold**`;
- a markdown cell over WORDS_PER_MD_CELL words (code blocks, display math, link targets not counted);
- a figure (an image output) in a cell without `#| fig-cap:`.
Reported per chapter, never failing: words of prose, visible exported definitions, figures captioned, longest code
line; --max-line N warns about shown code lines over N characters (default 100).
"""
from __future__ import annotations
import argparse, ast, base64, binascii, io, json, os, re, shutil, struct, subprocess, sys, tempfile, time, wave
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

ALLOWED_RATES = (24000, 16000, 22050, 32000, 44100, 48000)
LEGACY_MAX_SECONDS = 10.0        # players without the codectok wrapper
BROWSER_DURATION_TOL = 0.05      # seconds between Chromium's duration and the WAV's
REPORT_ID = 'codectok-audio-report'
WAV_MIME = ('audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave')


class Player:
    "One `<audio>` element: its page, index, source and the expectations of an enclosing codectok wrapper."
    def __init__(self, page:Path, index:int, expect:dict|None):
        self.page, self.index, self.expect, self.src = page, index, expect, None
        self.wav = None        # dict(sr, channels, sampwidth, frames, duration) once decoded
        self.errors: list[str] = []

    def __str__(self): return f"{self.page.name} player {self.index + 1}"


class _AudioFinder(HTMLParser):
    "Collect `<audio>` elements, their first source, and the `div.codectok-audio` they sit in."
    def __init__(self, page:Path):
        super().__init__(convert_charrefs=True)
        self.page, self.players, self.divs, self.current = page, [], [], None   # divs: stack of expectation|None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'div':
            cls = (a.get('class') or '').split()
            self.divs.append({k[5:]: v for k, v in a.items() if k.startswith('data-')} if 'codectok-audio' in cls else None)
        elif tag == 'audio':
            expect = next((d for d in reversed(self.divs) if d is not None), None)
            self.current = Player(self.page, len(self.players), expect)
            self.current.src = a.get('src')
            self.players.append(self.current)
        elif tag == 'source' and self.current is not None and self.current.src is None:
            self.current.src = a.get('src')

    def handle_endtag(self, tag):
        if tag == 'div' and self.divs: self.divs.pop()
        elif tag == 'audio': self.current = None


def find_players(page:Path) -> list[Player]:
    p = _AudioFinder(page); p.feed(page.read_text(encoding='utf-8', errors='replace')); p.close()
    return p.players


def read_src(src:str|None, page:Path) -> bytes:
    "The bytes a player's `src` points at: a base64 `data:` URL of a WAV type, or a local file relative to the page."
    if not src: raise ValueError("no src: the <audio> element has neither a src attribute nor a <source src>")
    if src.startswith('data:'):
        head, sep, payload = src.partition(',')
        if not sep: raise ValueError("malformed data: URL (no comma)")
        mime = head[5:].split(';')[0].strip().lower()
        if mime not in WAV_MIME: raise ValueError(f"data: URL has type {mime!r}, expected one of {', '.join(WAV_MIME)}")
        if ';base64' not in head.lower(): return unquote(payload).encode('latin-1')
        try: return base64.b64decode(re.sub(r'\s+', '', payload), validate=True)
        except (binascii.Error, ValueError) as e: raise ValueError(f"data: URL is not valid base64 ({e})") from None
    if re.match(r'^[a-z][a-z0-9+.-]*://', src, re.I): raise ValueError(f"src is a remote URL ({src[:60]}), expected an embedded WAV")
    f = (page.parent/unquote(src)).resolve()
    if not f.is_file(): raise ValueError(f"src file {src!r} does not exist next to the page")
    return f.read_bytes()


def parse_wav(b:bytes) -> dict:
    "Check a RIFF/WAVE byte string chunk by chunk; return its rate, channels, sample width, frames and duration."
    if len(b) < 12 or b[:4] != b'RIFF' or b[8:12] != b'WAVE':
        raise ValueError(f"not a RIFF/WAVE file (starts with {b[:12]!r}, {len(b)} bytes)")
    riff_size = struct.unpack('<I', b[4:8])[0]
    if riff_size + 8 != len(b):
        raise ValueError(f"RIFF header declares {riff_size + 8} bytes but the file has {len(b)} (truncated or padded WAV)")
    pos, fmt, data_size = 12, None, None
    while pos + 8 <= len(b):
        cid, size = b[pos:pos + 4], struct.unpack('<I', b[pos + 4:pos + 8])[0]
        body = b[pos + 8:pos + 8 + size]
        if len(body) < size:
            raise ValueError(f"{cid.decode('latin-1')!r} chunk declares {size} bytes but only {len(body)} are present (truncated WAV)")
        if cid == b'fmt ': fmt = body
        elif cid == b'data': data_size = size
        pos += 8 + size + (size & 1)
    if fmt is None or len(fmt) < 16: raise ValueError("WAV has no (complete) 'fmt ' chunk")
    if data_size is None: raise ValueError("WAV has no 'data' chunk")
    tag, channels, sr, _, block, bits = struct.unpack('<HHIIHH', fmt[:16])
    if tag not in (1, 0xFFFE): raise ValueError(f"WAV format tag {tag} is not PCM")
    if channels < 1 or sr <= 0 or block != channels * bits // 8:
        raise ValueError(f"inconsistent WAV format: {channels} channels, {sr} Hz, block {block}, {bits} bits")
    if data_size % block: raise ValueError(f"data chunk of {data_size} bytes is not a whole number of {block}-byte frames")
    with wave.open(io.BytesIO(b)) as w:      # the stdlib reader must agree with the chunk walk
        if (w.getframerate(), w.getnchannels(), w.getnframes()) != (sr, channels, data_size // block):
            raise ValueError("the wave module reads a different rate/channels/length than the WAV header declares")
    frames = data_size // block
    return dict(sr=sr, channels=channels, sampwidth=bits // 8, frames=frames, duration=frames / sr)


def check_wav(p:Player) -> None:
    "Decode player `p` and compare it with its expectations; failures go to `p.errors`."
    try: p.wav = w = parse_wav(read_src(p.src, p.page))
    except (ValueError, EOFError, wave.Error, struct.error) as e:
        p.errors.append(f"invalid WAV: {e}"); return
    if w['frames'] <= 0: p.errors.append("WAV has no samples (duration 0)")
    if p.expect is not None:
        try: sr, n, lim = int(p.expect['sr']), int(p.expect['samples']), float(p.expect.get('max-seconds', 'inf'))
        except (KeyError, ValueError): p.errors.append(f"codectok-audio wrapper has bad data-* attributes {p.expect}"); return
        if w['sr'] != sr: p.errors.append(f"sample rate {w['sr']} Hz, expected data-sr={sr}")
        if w['frames'] != n: p.errors.append(f"{w['frames']} samples, expected data-samples={n}")
        if w['duration'] > lim + 1 / w['sr']: p.errors.append(f"lasts {w['duration']:.3f} s, over data-max-seconds={lim:g}")
    else:
        if w['sr'] not in ALLOWED_RATES: p.errors.append(f"sample rate {w['sr']} Hz is not one of {ALLOWED_RATES}")
        if w['duration'] > LEGACY_MAX_SECONDS: p.errors.append(f"lasts {w['duration']:.3f} s, over {LEGACY_MAX_SECONDS:g} s")


# Injected into a copy of each page: after `load`, (re)load every <audio>, wait for loadedmetadata / error / WAIT_MS,
# then write [readyState, duration, networkState, error code or message] for each element into <pre id=REPORT_ID>.
_PROBE = """<script>
(function(){
  function report(){
    var r = Array.from(document.querySelectorAll('audio')).map(function(e){
      var err = e.error ? 'MediaError ' + e.error.code : (e.getAttribute('data-codectok-error') || null);
      return [e.readyState, isFinite(e.duration) ? e.duration : String(e.duration), e.networkState, err];});
    var pre = document.createElement('pre'); pre.id = '%s'; pre.textContent = JSON.stringify(r);
    document.body.appendChild(pre);
  }
  window.addEventListener('load', function(){
    var els = Array.from(document.querySelectorAll('audio')), left = els.length;
    if (!left) { report(); return; }
    els.forEach(function(e){
      var done = false;
      function finish(){ if (!done) { done = true; if (--left === 0) report(); } }
      function fail(){ e.setAttribute('data-codectok-error', 'source failed to load'); finish(); }
      e.addEventListener('loadedmetadata', finish);
      e.addEventListener('error', fail);
      Array.from(e.querySelectorAll('source')).forEach(function(s){ s.addEventListener('error', fail); });
      e.preload = 'metadata'; e.load();
      setTimeout(finish, WAIT_MS);
    });
  });
})();
</script>""".replace('%s', REPORT_ID)


def find_chromium(explicit:str|None=None) -> str|None:
    for c in [explicit, os.environ.get('CHROMIUM')] + ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']:
        if c and (shutil.which(c) or (os.path.isfile(c) and os.access(c, os.X_OK))): return shutil.which(c) or c
    return None


def browser_report(page:Path, chromium:str, timeout:float=120, wait_ms:int=5000) -> list:
    "Load a probed copy of `page` in headless Chromium; return the per-<audio> report list (each waits up to `wait_ms`)."
    html = page.read_text(encoding='utf-8', errors='replace')
    probe_js = _PROBE.replace('WAIT_MS', str(int(wait_ms)))
    i = html.lower().rfind('</body>')
    html = html[:i] + probe_js + html[i:] if i >= 0 else html + probe_js
    with tempfile.TemporaryDirectory(prefix='codectok-docs-check-') as d:
        probe = Path(d)/page.name; probe.write_text(html, encoding='utf-8')
        for f in page.parent.iterdir():     # local resources (files a src may point at) next to the copy
            if f.is_file() and f.suffix.lower() in ('.wav', '.css', '.js'): shutil.copy(f, Path(d)/f.name)
        cmd = [chromium, '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
               '--disable-background-networking', '--no-first-run', '--mute-audio', f'--user-data-dir={d}/profile',
               f'--virtual-time-budget={int(wait_ms) + 3000}', '--dump-dom', probe.as_uri()]
        try: r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired: raise RuntimeError(f"Chromium did not finish within {timeout:.0f} s") from None
    m = re.search(r'<pre id="%s">(.*?)</pre>' % REPORT_ID, r.stdout, re.S)
    if not m:
        tail = ' | '.join(l for l in r.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"Chromium (exit {r.returncode}) produced no audio report; stderr tail: {tail[:300]}")
    import html as _html
    return json.loads(_html.unescape(m.group(1)))


WAITS_MS = (5000, 20000, 60000)   # per-player waits of successive tries of a page with players still loading


def check_browser(page:Path, players:list[Player], chromium:str) -> None:
    # Headless Chromium runs the page in virtual time, which can outrun a busy machine's media pipeline: a player that
    # is still loading (no data, no error, networkState 2 = NETWORK_LOADING) when the wait ends gets another try with
    # a longer wait. A player with an error, or none after the last try, fails.
    try:
        for wait_ms in WAITS_MS:
            rep = browser_report(page, chromium, wait_ms=wait_ms)
            if not any(r[0] < 1 and r[3] is None and r[2] == 2 for r in rep): break
    except (RuntimeError, ValueError, OSError) as e:
        for p in players: p.errors.append(f"Chromium: {e}")
        return
    if len(rep) != len(players):
        for p in players: p.errors.append(f"Chromium saw {len(rep)} <audio> elements on the page, the HTML parser {len(players)}")
        return
    for p, (ready, dur, net, err) in zip(players, rep):
        if not isinstance(dur, (int, float)) or ready < 1 or dur <= 0:
            p.errors.append(f"Chromium cannot load it: readyState={ready}, duration={dur}, networkState={net}, error={err}")
        elif p.wav and abs(dur - p.wav['duration']) > BROWSER_DURATION_TOL:
            p.errors.append(f"Chromium reports {dur:.3f} s, the WAV holds {p.wav['duration']:.3f} s")


def check(html_dir:Path, chromium:str|None, browser:bool=True) -> tuple[list[Path], list[Player]]:
    pages = sorted(html_dir.glob('*.html'))
    players = []
    for page in pages:
        ps = find_players(page)
        for p in ps: check_wav(p)
        if browser and ps: check_browser(page, ps, chromium)
        players += ps
    return pages, players



# ---------------------------------------------------------------------------------------------------------------------
# Course checks: the chapters as a reader sees them.
#
# A notebook is "rendered" the way the docs site shows it. On a source notebook (nbs/) nbdev's processing is emulated
# first: the title cell becomes front matter, cells with `#| export`, `exporti`, `hide` or `default_exp` leave the page
# (outputs included), `#| exports` cells stay. On a processed notebook (_proc/, made by nbdev_proc_nbs; recognised by
# the warning cell nbdev inserts) that has already happened. Then Quarto's cell options apply to both: `include: false`
# hides the cell, `echo: false` its input, `output: false` its outputs, and `#| ...` lines never show.
# What is exported (and whether the notebook is a module, `#| default_exp`) is always read from the source notebook.
# ---------------------------------------------------------------------------------------------------------------------

WORDS_PER_MD_CELL = 250          # the word guideline for one markdown cell
NBDEV_REMOVES = {'export', 'exporti', 'hide', 'default_exp'}   # nbdev's rm_export / hide_: the cell leaves the page
EXPORTING = {'export', 'exports', 'exporti'}
NBDEV_WARNING = '<!-- WARNING: THIS FILE WAS AUTOGENERATED! DO NOT EDIT! -->'
RICH_MIMES = ('text/html', 'text/markdown', 'text/latex', 'image/png', 'image/jpeg', 'image/svg+xml', 'image/gif',
              'application/javascript', 'application/vnd.jupyter.widget-view+json')
IMAGE_MIMES = ('image/png', 'image/jpeg', 'image/svg+xml', 'image/gif')
_re_dir_line = re.compile(r'^\s*#\s*\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')
_re_pipe_row = re.compile(r'^\s*\|.*\|\s*$')
_re_pipe_rule = re.compile(r'^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$')
_re_bold = re.compile(r'(?<![\w*])\*\*(?=\S)[^*\n]+?(?<=\S)\*\*(?![\w*])')


def _src(x) -> str: return ''.join(x) if isinstance(x, list) else (x or '')


def cell_directives(source:str) -> tuple[dict, str]:
    "Leading `#| key[: value]` lines of a code cell (blank lines may sit among them, as nbdev allows) -> ({key: value}, the rest)."
    lines, d, i = source.splitlines(True), {}, 0
    while i < len(lines):
        m = _re_dir_line.match(lines[i])
        if m: d[m.group(1)] = m.group(2)
        elif lines[i].strip(): break
        i += 1
    return d, ''.join(lines[i:])


def is_processed(nb:dict) -> bool:
    "Was `nb` written by nbdev's docs processing (`_proc/`)? nbdev inserts its warning as the second cell."
    return any(c['cell_type'] == 'markdown' and _src(c.get('source')).strip() == NBDEV_WARNING for c in nb['cells'][:3])


class Shown:
    "One cell as the page shows it: `idx` in the checked notebook, its kind, the input shown (None: hidden), outputs shown."
    def __init__(self, idx, kind, text, outputs, directives):
        self.idx, self.kind, self.text, self.outputs, self.directives = idx, kind, text, outputs, directives


def render(nb:dict, processed:bool) -> list[Shown]:
    "The cells of `nb` as the docs page shows them (see the comment above)."
    shown, titled = [], processed
    for i, c in enumerate(nb['cells']):
        src = _src(c.get('source'))
        if c['cell_type'] == 'raw': continue                    # front matter
        if c['cell_type'] == 'markdown':
            if not titled and re.search(r'^#\s+\S', src, re.M): titled = True; continue   # nbdev: title -> front matter
            shown.append(Shown(i, 'markdown', src, [], {})); continue
        d, code = cell_directives(src)
        if not processed and d.keys() & NBDEV_REMOVES: continue
        if d.get('include', '').lower() == 'false': continue
        code = re.sub(r'^\s*%.*$\n?', '', code, flags=re.M).strip('\n')     # nbdev's clean_magics
        text = None if d.get('echo', '').lower() == 'false' or not code.strip() else code
        outs = [] if d.get('output', '').lower() == 'false' else c.get('outputs', [])
        shown.append(Shown(i, 'code', text, outs, d))
    return shown


def defs_in(code:str) -> list[str]:
    "Names of the top-level functions and classes `code` defines (shell `!` lines and magics ignored)."
    tree = _parse(code)
    if tree is None: return re.findall(r'^(?:async\s+)?(?:def|class)\s+(\w+)', code, re.M)
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def md_words(text:str) -> int:
    "Words of a markdown cell's prose: code blocks, display math, HTML tags/comments, link targets and table rules left out."
    t = re.sub(r'```.*?(```|$)', ' ', text, flags=re.S)
    t = re.sub(r'\$\$.*?\$\$', ' ', t, flags=re.S)
    t = re.sub(r'<!--.*?-->', ' ', t, flags=re.S)
    t = re.sub(r'\]\([^)]*\)', ']', t)
    t = re.sub(r'<[^>]+>', ' ', t)
    return sum(1 for w in t.split() if re.search(r'[^\W_]', w))


def raw_markdown(text:str) -> str|None:
    "Why `text` (an output shown as plain text) is markdown meant to be rendered, or None."
    lines = text.splitlines()
    for a, b in zip(lines, lines[1:]):
        if _re_pipe_row.match(a) and _re_pipe_rule.match(b): return f"a markdown pipe table printed as text ({a.strip()[:50]!r})"
    m = _re_bold.search(text)
    if m: return f"literal markdown bold printed as text ({m.group(0)[:40]!r})"
    return None


def _text_outputs(outputs:list):
    "The outputs a page shows as plain text: streams, and text/plain where no richer type is there to render."
    for o in outputs:
        if o.get('output_type') == 'stream': yield _src(o.get('text'))
        elif o.get('output_type') in ('execute_result', 'display_data'):
            data = o.get('data', {})
            if 'text/plain' in data and not any(k in data for k in RICH_MIMES): yield _src(data['text/plain'])


def _excerpt(text:str, n=60) -> str:
    t = ' '.join(text.split()); return repr(t[:n].rstrip() + ('…' if len(t) > n else ''))


REF_AFFIXES = ('loop', 'naive', 'ref', 'reference', 'simple', 'slow', 'manual', 'by_hand', 'plain', 'readable', 'basic')
TEST_FUNCS = ('test_eq', 'test_close', 'test_eq_type')


def _parse(code:str):
    try: return ast.parse(re.sub(r'^\s*[!%].*$', '', code, flags=re.M))
    except SyntaxError: return None


def _compared(codes:list[str]) -> list[tuple[set, set]]:
    "For each `test_eq(a, b)` / `test_close(a, b)` call in `codes`: (names called in a, names called in b)."
    def called(node): return {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    res = []
    for t in filter(None, map(_parse, codes)):
        for n in ast.walk(t):
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in TEST_FUNCS and len(n.args) >= 2):
                res.append((called(n.args[0]), called(n.args[1])))
    return res


def reference_versions(visible:list[str], exported:set, codes:list[str]) -> set:
    """The visible, not exported definitions that are readable versions of exported ones, as fastai's course writes them:
    named after one (`_roll_along_loop`, `naive_attention`: affixes in REF_AFFIXES), or tested equal to one: called on
    one side of a visible `test_eq`/`test_close` whose other side calls the exported one (`test_eq(attn_loop(x), attn(x))`)."""
    pairs, res = _compared(codes), set()
    for n in visible:
        if n in exported: continue
        core = n.strip('_')
        named = any(core in (f"{e.strip('_')}_{a}", f"{a}_{e.strip('_')}") for e in exported for a in REF_AFFIXES)
        tested = any((n in a and (b & exported) - {n}) or (n in b and (a & exported) - {n}) for a, b in pairs)
        if named or tested: res.add(n)
    return res


def course_check_nb(path:Path, src_path:Path|None=None, max_line:int|None=None) -> dict:
    """Check one notebook as its page shows it. `src_path`: the source notebook holding its exports (default: `path`
    itself for a source notebook; `nbs/<name>` next to `_proc/` for a processed one). Returns dict(report, failures,
    warnings); failures and warnings are lines that name the notebook and the cell."""
    nb = json.loads(Path(path).read_text(encoding='utf-8'))
    processed = is_processed(nb)
    name, fails, warns = Path(path).name, [], []
    if src_path is None: src_path = Path(path).resolve().parent.parent/'nbs'/name if processed else Path(path)
    if not Path(src_path).is_file():
        return dict(report={}, failures=[f"{name}: its source notebook {src_path} is missing (needed to know what it exports)"], warnings=[])
    src = nb if Path(src_path) == Path(path) else json.loads(Path(src_path).read_text(encoding='utf-8'))
    module, exported = None, []
    for c in src['cells']:
        if c['cell_type'] != 'code': continue
        d, code = cell_directives(_src(c.get('source')))
        if 'default_exp' in d and module is None: module = d['default_exp'].split()[0] if d['default_exp'] else ''
        if d.keys() & EXPORTING: exported += defs_in(code)
    exported_set = set(exported)
    shown = render(nb, processed)
    if processed:
        # Name cells by their place in the source notebook (nbdev keeps cell ids), so authors find them; and refuse a
        # processed copy older than its source: nbdev_proc_nbs skips notebooks by mtime and can leave stale copies.
        where = {c.get('id'): i for i, c in enumerate(src['cells']) if c.get('id')}
        for sh in shown: sh.idx = where.get(nb['cells'][sh.idx].get('id'), f"{sh.idx} of the processed copy")
        if Path(src_path).stat().st_mtime > Path(path).stat().st_mtime:
            fails.append(f"{name}: the processed copy {path} is older than its source {src_path} (stale: rerun "
                         f"scripts/docs_preview.sh, or nbdev_proc_nbs --force)")
    if not processed:       # nbdev turns the whole first H1 cell into front matter: any prose in it is lost
        title = next((c for c in nb['cells'] if c['cell_type'] == 'markdown' and re.search(r'^#\s+\S', _src(c.get('source')), re.M)), None)
        if title is not None:
            rest = '\n'.join(l for l in _src(title.get('source')).splitlines() if not re.match(r'\s*(#\s|>\s|-\s+\S.*:)', l))
            if md_words(rest): warns.append(f"{name} cell {nb['cells'].index(title)}: the title cell holds {md_words(rest)} more "
                                            f"words, which nbdev drops from the page (it keeps only `# title` and `> summary`)")
    code_cells = [s for s in shown if s.kind == 'code' and s.text is not None]
    vis = [(s, n) for s in code_cells for n in defs_in(s.text)]
    vis_exported = sorted({n for _, n in vis if n in exported_set})
    refs = sorted(reference_versions([n for _, n in vis], exported_set, [s.text for s in code_cells]))
    words, figs, figs_cap, max_len, long_lines, long_cells = 0, 0, 0, 0, 0, []
    for s in shown:
        if s.kind == 'markdown':
            w = md_words(s.text); words += w
            if w > WORDS_PER_MD_CELL:
                fails.append(f"{name} cell {s.idx}: markdown cell of {w} words (guideline {WORDS_PER_MD_CELL}): {_excerpt(s.text)}")
            continue
        if s.text is not None:
            lens = [len(l) for l in s.text.splitlines()] or [0]
            max_len = max(max_len, *lens)
            if max_line is not None:
                over = [n for n in lens if n > max_line]
                if over: long_lines += len(over); long_cells.append(s.idx)
        for t in _text_outputs(s.outputs):
            why = raw_markdown(t)
            if why: fails.append(f"{name} cell {s.idx}: output is raw markdown text: {why}")
        n_img = sum(1 for o in s.outputs if any(k in o.get('data', {}) for k in IMAGE_MIMES))
        figs += n_img
        if n_img and s.directives.get('fig-cap'): figs_cap += n_img
        elif n_img: fails.append(f"{name} cell {s.idx}: figure without a caption (add `#| fig-cap: ...` to the cell)")
    if long_cells:
        cells_txt = ', '.join(map(str, long_cells[:8])) + (', …' if len(long_cells) > 8 else '')
        warns.append(f"{name}: {long_lines} shown code line(s) over {max_line} characters (longest {max_len}) "
                     f"in {len(long_cells)} cell(s): {cells_txt}")
    stub = module is not None and not exported
    if module is not None and exported and not vis_exported and not refs:
        fails.append(f"{name}: shows no source of any of its {len(exported_set)} exported definitions of codectok.{module} "
                     f"(none in a visible `#| exports` cell, no visible readable version of one)")
    report = dict(module=module, stub=stub, words=words, exported_defs=len(exported_set),
                  visible_exported_defs=len(vis_exported), visible_reference_versions=len(refs),
                  figures=figs, figures_with_captions=figs_cap, max_code_line=max_len)
    if max_line is not None: report['code_lines_over_max'] = long_lines
    return dict(report=report, failures=fails, warnings=warns)


def course_notebooks(nb_dir:Path) -> list[Path]:
    "The notebooks of a folder, as nbdev finds them (names starting with `_` or `.` skipped)."
    return sorted(p for p in Path(nb_dir).rglob('*.ipynb')
                  if not any(part.startswith(('_', '.')) for part in p.relative_to(nb_dir).parts))


def course_check(nb_dir:Path, src_dir:Path|None=None, max_line:int|None=None) -> dict:
    "Check every notebook of `nb_dir` (source or processed). Returns dict(notebooks={name: report}, failures, warnings)."
    res = dict(notebooks={}, failures=[], warnings=[])
    nbs = course_notebooks(nb_dir)
    for p in nbs:
        r = course_check_nb(p, (Path(src_dir)/p.relative_to(nb_dir)) if src_dir else None, max_line)
        res['notebooks'][p.name] = r['report']; res['failures'] += r['failures']; res['warnings'] += r['warnings']
    if nbs and is_processed(json.loads(nbs[0].read_text(encoding='utf-8'))):    # every source notebook processed?
        src = Path(src_dir) if src_dir else Path(nb_dir).resolve().parent/'nbs'
        for q in course_notebooks(src) if src.is_dir() else []:
            if not (Path(nb_dir)/q.relative_to(src)).is_file():
                res['failures'].append(f"{q.name}: no processed copy in {nb_dir} (did nbdev_proc_nbs fail on it?)")
    return res


def print_course(res:dict, nb_dir) -> None:
    for w in res['warnings']: print(f"course-check: WARN {w}")
    for f in res['failures']: print(f"course-check: FAIL {f}")
    for name, r in res['notebooks'].items():
        if not r: continue
        print(f"course-check: {name}: {r['words']} words of prose, {r['visible_exported_defs']}/{r['exported_defs']} exported "
              f"definitions visible (+{r['visible_reference_versions']} readable versions), "
              f"{r['figures_with_captions']}/{r['figures']} figures captioned, longest code line {r['max_code_line']}"
              + (" (stub)" if r['stub'] else ''))
    n = len(res['notebooks'])
    if not n: print(f"course-check: FAIL: no notebooks in {nb_dir}")
    elif res['failures']: print(f"course-check: FAIL: {len(res['failures'])} problems in {nb_dir} ({n} notebooks)")
    else: print(f"course-check: {n} notebooks in {nb_dir}: code shown, outputs rendered, markdown cells <= "
                f"{WORDS_PER_MD_CELL} words, every figure captioned")


RESULTS = Path(__file__).resolve().parent.parent/'benchmarks'/'results'/'docs_check.json'


def check_players(a, html_dir:Path) -> tuple[bool, dict]:
    "The audio-player part of `main`: prints its lines, returns (ok, the record's fields)."
    t0 = time.time()
    if not html_dir.is_dir(): print(f"docs-check: FAIL: {html_dir} is not a folder (run scripts/docs_preview.sh first)"); return False, {}
    chromium = None
    if not a.no_browser:
        chromium = find_chromium(a.chromium)
        if chromium is None:
            print("docs-check: FAIL: no Chromium found (install Debian's `chromium`, e.g. via scripts/setup.sh as root, "
                  "or pass --chromium PATH / set $CHROMIUM; --no-browser skips this part)"); return False, {}
    pages, players = check(html_dir, chromium, browser=not a.no_browser)
    bad = [p for p in players if p.errors]
    for p in bad:
        for e in p.errors: print(f"docs-check: FAIL {p}: {e}")
    with_players = len({p.page for p in players})
    wrapped = sum(p.expect is not None for p in players)
    secs = time.time() - t0
    ok = bool(players) and not bad
    if not pages: print(f"docs-check: FAIL: no HTML pages in {html_dir}")
    elif not players: print(f"docs-check: FAIL: {len(pages)} pages but no <audio> players found")
    browser_txt = 'all load in Chromium (readyState>=1, duration>0)' if not a.no_browser else 'Chromium part skipped (--no-browser)'
    if ok:
        print(f"docs-check: {len(pages)} pages ({with_players} with players), {len(players)} audio players "
              f"({wrapped} with codectok expectations): all valid WAVs (rate/length ok), {browser_txt} [{secs:.1f} s]")
    elif players:
        print(f"docs-check: FAIL: {len(bad)} of {len(players)} audio players on {len(pages)} pages failed [{secs:.1f} s]")
    return ok, dict(pages=len(pages), pages_with_players=with_players, players=len(players),
        players_with_expectations=wrapped, failed=len(bad), browser=not a.no_browser,
        chromium=subprocess.run([chromium, '--version'], capture_output=True, text=True).stdout.strip() if chromium else None,
        seconds=round(secs, 1), failures=[f"{p}: {e}" for p in bad for e in p.errors])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('html_dir', nargs='?', help='folder of rendered HTML pages whose players are checked '
                    '(default _preview; with --course alone, players are not checked)')
    ap.add_argument('--no-browser', action='store_true', help='skip the headless Chromium part')
    ap.add_argument('--chromium', help='Chromium executable (default: $CHROMIUM, then chromium on PATH)')
    ap.add_argument('--course', metavar='NB_DIR', help='also run the course checks on the notebooks of NB_DIR: nbs/ '
                    '(fast, nbdev processing emulated) or _proc/ (what nbdev_proc_nbs wrote)')
    ap.add_argument('--course-src', metavar='DIR', help='source notebooks for a processed NB_DIR (default: nbs/ next to it)')
    ap.add_argument('--max-line', type=int, nargs='?', const=100, metavar='N',
                    help='course check: warn (never fail) about shown code lines longer than N characters (default 100)')
    ap.add_argument('--write-results', action='store_true', help=f'also write the counts to {RESULTS.relative_to(RESULTS.parent.parent.parent)}')
    a = ap.parse_args(argv)
    ok, record = True, {}
    if a.html_dir is not None or a.course is None:
        ok, record = check_players(a, Path(a.html_dir or '_preview'))
        if not record: return 1
    if a.course is not None:
        t0 = time.time()
        if not Path(a.course).is_dir(): print(f"course-check: FAIL: {a.course} is not a folder"); return 1
        res = course_check(Path(a.course), Path(a.course_src) if a.course_src else None, a.max_line)
        print_course(res, a.course)
        ok = ok and bool(res['notebooks']) and not res['failures']
        record['course'] = dict(notebooks_dir=str(a.course), guideline_words_per_markdown_cell=WORDS_PER_MD_CELL,
                                max_line=a.max_line, seconds=round(time.time() - t0, 1), failed=len(res['failures']),
                                failures=res['failures'], warnings=res['warnings'], chapters=res['notebooks'])
    if a.write_results:
        old = {}
        if RESULTS.is_file():
            try: old = json.loads(RESULTS.read_text())
            except ValueError: old = {}
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({**old, **record}, indent=1, ensure_ascii=False) + '\n')
        print(f"docs-check: wrote {RESULTS}")
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
