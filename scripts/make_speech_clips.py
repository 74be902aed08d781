"""Render the short speech clips in nbs/assets/speech/ with espeak-ng (apt-get install espeak-ng): sounds the bundled
models never saw, for chapter 14 (fine-tuning). The chapter reads the committed OGG files; it never needs espeak-ng."""
import subprocess, sys, tempfile
from pathlib import Path
import soundfile as sf

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.", "She sells sea shells by the sea shore.",
    "How much wood would a woodchuck chuck?", "Peter Piper picked a peck of pickled peppers.",
    "A stitch in time saves nine.", "Every cloud has a silver lining.",
    "The rain in Spain stays mainly in the plain.", "All that glitters is not gold.",
    "Better late than never, they say.", "Actions speak louder than words.",
    "Time flies like an arrow.", "Fortune favours the bold and the brave.",
    "Where there is smoke, there is fire.", "Practice makes perfect, every single day.",
    "The early bird catches the worm.", "Curiosity killed the cat, they claim.",
    "An apple a day keeps the doctor away.", "Do not count your chickens before they hatch.",
    "Two wrongs do not make a right.", "Honesty is the best policy, always.",
]
VOICES = ['en-us', 'en-gb', 'en-us+f3', 'en-gb-scotland', 'en-us+m3', 'en-029+f2', 'en-gb+f4', 'en-us+m7']

def main(out='nbs/assets/speech'):
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(SENTENCES):
        voice = VOICES[i % len(VOICES)]
        with tempfile.TemporaryDirectory() as d:
            wav = Path(d)/'x.wav'
            subprocess.run(['espeak-ng', '-v', voice, '-s', '160', '-w', str(wav), text], check=True)
            x, sr = sf.read(str(wav))                                   # 22050 Hz mono
        sf.write(str(out/f'speech_{i:02d}.ogg'), x, sr)               # OGG Vorbis: any rate works
    print(f"wrote {len(SENTENCES)} clips to {out}")

if __name__ == '__main__': main(*sys.argv[1:])
