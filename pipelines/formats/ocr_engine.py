"""The OCR engine: RapidOCR's PP-OCRv6 detection and recognition models (shipped inside the `rapidocr` wheel),
run with onnxruntime, offline, with capped threads.

Why this engine: see "OCR" in pipelines/formats/README.md (a trial of RapidOCR 3.10, RapidOCR-onnxruntime
1.4.4 and Tesseract 5 on rendered answer-key reports). PaddleOCR, cnocr and easyocr download their models at
run time, which a crawler that must run offline cannot do.

What we use of it, and why not its one-call API:
- detection (`detect`): text-line boxes (quadrilaterals) of a page;
- recognition (`recognise`): we run the recognition model ourselves on our own crops (table cells, lines),
  because we need the per-step character probabilities, not only RapidOCR's averaged score:
  a value cell is decoded again restricted to the characters a value can have (digits, sign, point,
  NULL markers), and its confidence is the model's probability of exactly that string (`string_probability`),
  so one doubtful digit (or a digit that may be missing or doubled) makes the whole cell doubtful. RapidOCR's call also drops lines
  scoring under 0.5 silently; we never drop what we read.
- Every text is NFKC-normalised (full-width digits and brackets become ASCII).

The engine is loaded once per process (the parser process), lazily: importing this module costs nothing.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from dataclasses import dataclass

import cv2
import numpy as np

# onnxruntime's default is one thread per core; the parser process shares 2 cores with the crawl and the
# writer. NIANBAO_OCR_THREADS overrides (measured in tests/benchmarks/bench_ocr.py).
THREADS = int(os.environ.get("NIANBAO_OCR_THREADS", "2"))
# Recognition input: height 48 (the model's), width at least 2× the height. RapidOCR pads every crop to 320
# px (6.7×): 3.6× the work for a table page of short value cells, for the same readings once value cells are
# decoded as values (measured on a rendered page: the same value readings, all confident either way).
REC_HEIGHT = 48
REC_MIN_RATIO = 2.0
REC_BATCH = 8
VALUE_CHARS = "0123456789.+-—/无"

_LOCK = threading.Lock()
_ENGINE: Engine | None = None


class OcrUnavailable(RuntimeError):
    """rapidocr/onnxruntime are not installed (or their models are missing)."""


@dataclass
class Reading:
    """One recognised crop: NFKC text and mean confidence; for value-like crops also the value reading."""

    text: str
    score: float
    value: str | None = None  # decoded with only VALUE_CHARS allowed (None: the crop does not read as a value)
    value_score: float = 0.0  # the model's probability of exactly `value` (CTC, summed over all alignments)


class Engine:
    def __init__(self) -> None:
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:
            raise OcrUnavailable(f"OCR engine not installed ({exc})") from exc
        params = {
            "Global.log_level": "error",
            "Global.text_score": 0.0,
            "EngineConfig.onnxruntime.intra_op_num_threads": THREADS,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "Rec.rec_img_shape": [3, REC_HEIGHT, int(REC_HEIGHT * REC_MIN_RATIO)],
        }
        self._ocr = RapidOCR(params=params)
        self._ocr.update_params(use_cls=False)
        self._det = self._ocr._load_det_model()
        self._rec = self._ocr._load_rec_model()
        self._cls = None
        for component in (self._det, self._rec):
            _no_spinning(component)
        characters = list(self._rec.postprocess_op.character)
        self._characters = [unicodedata.normalize("NFKC", c) if i else "" for i, c in enumerate(characters)]
        self._value_index = np.array([0] + [i for i, c in enumerate(characters) if i and c in VALUE_CHARS])

    def detect(self, image: np.ndarray, scale: float = 1.0) -> list[np.ndarray]:
        """Text-line quadrilaterals (4×2 float32, clockwise from top-left) of an RGB page, in its pixels.

        Detection runs on the page scaled by `scale` (its cost grows with the pixels; lines are found as well
        at ~120 DPI), the boxes are returned in the page's own pixels."""
        if scale < 1.0:
            size = (max(32, round(image.shape[1] * scale)), max(32, round(image.shape[0] * scale)))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        result = self._det(image)
        if result.boxes is None:
            return []
        return [np.asarray(box, dtype=np.float32) / min(scale, 1.0) for box in result.boxes]

    def upside_down(self, crops: list[np.ndarray]) -> float:
        """Share of `crops` (text lines) the direction classifier reads as rotated 180°."""
        if not crops:
            return 0.0
        if self._cls is None:
            self._cls = self._ocr._load_cls_model()
            _no_spinning(self._cls)
        result = self._cls(crops)
        return sum(label == "180" for label, _ in result.cls_res) / len(crops)

    def recognise(self, crops: list[np.ndarray]) -> list[Reading]:
        """Read RGB crops (one text line each), batched by width."""
        ratios = [crop.shape[1] / max(crop.shape[0], 1) for crop in crops]
        order = np.argsort(ratios, kind="stable")
        out: list[Reading | None] = [None] * len(crops)
        for indices in _batches([int(i) for i in order], ratios):
            widest = max(REC_MIN_RATIO, *(ratios[i] for i in indices))
            batch = np.stack([self._rec.resize_norm_img(crops[i], widest) for i in indices]).astype(np.float32)
            probabilities = self._rec.session(batch)
            for row, index in enumerate(indices):
                out[index] = self._decode(probabilities[row])
        return [reading for reading in out if reading is not None]

    def _decode(self, probabilities: np.ndarray) -> Reading:
        best = probabilities.argmax(axis=1)
        text, score = _ctc(best, probabilities.max(axis=1), self._characters)
        reading = Reading(unicodedata.normalize("NFKC", text).strip(), score)
        if looks_like_value(reading.text):
            restricted = probabilities[:, self._value_index]
            restricted = restricted / restricted.sum(axis=1, keepdims=True)
            path = restricted.argmax(axis=1)
            chars = [self._characters[i] for i in self._value_index]
            value, _ = _ctc(path, restricted.max(axis=1), chars)
            reading.value = unicodedata.normalize("NFKC", value).strip()
            labels = [i for i in _collapse(path)]
            reading.value_score = string_probability(restricted, labels)
        return reading


def _no_spinning(component) -> None:
    """Reopen a model's onnxruntime session with THREADS threads that sleep when idle: by default they
    spin between operators, burning the CPU the crawling and writer processes need on a 2-core machine."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    options.log_severity_level = 4
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    wrapper = component.session
    path = wrapper.session._model_path
    wrapper.session = onnxruntime.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


def _batches(order: list[int], ratios: list[float]) -> list[list[int]]:
    """Crops sorted by width, cut into batches of at most REC_BATCH whose widest is at most 1.5× the narrowest
    (every crop is padded to the batch's widest: one long line in a batch of short ones costs 8 long lines)."""
    batches: list[list[int]] = []
    for index in order:
        if (
            batches
            and len(batches[-1]) < REC_BATCH
            and ratios[index] <= 1.5 * max(ratios[batches[-1][0]], REC_MIN_RATIO)
        ):
            batches[-1].append(index)
        else:
            batches.append([index])
    return batches


def _collapse(path: np.ndarray) -> list[int]:
    return [int(path[i]) for i in range(len(path)) if path[i] != 0 and (i == 0 or path[i] != path[i - 1])]


def string_probability(probabilities: np.ndarray, labels: list[int]) -> float:
    """P(labels | image) under CTC: the sum over every alignment of the label sequence (forward algorithm).

    This is the model's own probability that the crop says exactly this string, so a digit that may be
    missing, doubled ("1" / "11") or another digit all lower it; the mean of the best path's peaks does not
    see a doubtful separation between two equal digits."""
    extended = [0]
    for label in labels:
        extended += [label, 0]
    size = len(extended)
    alpha = np.zeros(size)
    alpha[0] = probabilities[0, 0]
    if size > 1:
        alpha[1] = probabilities[0, extended[1]]
    skip = np.array([i >= 2 and extended[i] != 0 and extended[i] != extended[i - 2] for i in range(size)])
    for t in range(1, len(probabilities)):
        shifted1 = np.concatenate(([0.0], alpha[:-1]))
        shifted2 = np.concatenate(([0.0, 0.0], alpha[:-2]))[:size]
        alpha = (alpha + shifted1 + np.where(skip, shifted2, 0.0)) * probabilities[t, extended]
    return float(alpha[-1] + (alpha[-2] if size > 1 else 0.0))


def _ctc(path: np.ndarray, probs: np.ndarray, characters: list[str]) -> tuple[str, float]:
    """Greedy CTC decoding: collapse repeats, drop blanks (index 0); mean probability of the kept steps."""
    kept = [i for i in range(len(path)) if path[i] != 0 and (i == 0 or path[i] != path[i - 1])]
    text = "".join(characters[path[i]] for i in kept)
    return text, float(np.mean(probs[kept])) if kept else 0.0


# What a value cell looks like when read without restriction: digits and the shapes OCR confuses with them
# (O/o/D/。/〇 for 0, I/l/| for 1, S for 5, B for 8, Z for 2), separators, signs and the NULL markers.
_VALUE_LIKE = set("0123456789OoDIl|SBZ.,:;'`+-−—–_~/\\ 无。〇○°·")


def looks_like_value(text: str) -> bool:
    return bool(text) and len(text) <= 16 and all(char in _VALUE_LIKE for char in text)


def engine() -> Engine:
    """The process's engine (loaded on first use; raises OcrUnavailable when rapidocr is missing)."""
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            _ENGINE = Engine()
        return _ENGINE
