#!/usr/bin/env python3
"""Offline docs check: every audio player in the rendered docs holds a valid WAV of the expected rate and length,
and loads in headless Chromium.

Usage: docs_check.py [HTML_DIR (default _preview)] [--no-browser] [--write-results] [--chromium PATH]

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
"""
from __future__ import annotations
import argparse, base64, binascii, io, json, os, re, shutil, struct, subprocess, sys, tempfile, time, wave
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('html_dir', nargs='?', default='_preview', help='folder of rendered HTML pages (default _preview)')
    ap.add_argument('--no-browser', action='store_true', help='skip the headless Chromium part')
    ap.add_argument('--chromium', help='Chromium executable (default: $CHROMIUM, then chromium on PATH)')
    ap.add_argument('--write-results', action='store_true', help='also write the counts to benchmarks/results/docs_check.json')
    a = ap.parse_args(argv)
    t0 = time.time()
    html_dir = Path(a.html_dir)
    if not html_dir.is_dir(): print(f"docs-check: FAIL: {html_dir} is not a folder (run scripts/docs_preview.sh first)"); return 1
    chromium = None
    if not a.no_browser:
        chromium = find_chromium(a.chromium)
        if chromium is None:
            print("docs-check: FAIL: no Chromium found (install Debian's `chromium`, e.g. via scripts/setup.sh as root, "
                  "or pass --chromium PATH / set $CHROMIUM; --no-browser skips this part)"); return 1
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
    if a.write_results:
        out = Path(__file__).resolve().parent.parent/'benchmarks'/'results'/'docs_check.json'
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(dict(pages=len(pages), pages_with_players=with_players, players=len(players),
            players_with_expectations=wrapped, failed=len(bad), browser=not a.no_browser,
            chromium=subprocess.run([chromium, '--version'], capture_output=True, text=True).stdout.strip() if chromium else None,
            seconds=round(secs, 1), failures=[f"{p}: {e}" for p in bad for e in p.errors]), indent=1) + '\n')
        print(f"docs-check: wrote {out}")
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
