"""Word forms to PDF with LibreOffice: many forms per LibreOffice run, and a run per core when there are many."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dangjian_cli.errors import DjError

BATCH = 200  # forms per LibreOffice run at most: its command line stays far below the system's limit
PER_RUN = 20  # forms a run is given before a second starts beside it: a start costs about what a few forms do
_SECONDS_PER_FORM = 10  # a run's time limit grows with its forms (a form takes well under a second)


def batches(paths: Sequence[Path], runs: int) -> list[list[Path]]:
    """The forms in order, cut into batches of nearly equal size: one when few, `runs` when many, none over BATCH."""
    if not paths:
        return []
    count = max(-(-len(paths) // BATCH), min(runs, len(paths) // PER_RUN), 1)
    size, extra = divmod(len(paths), count)
    cut, start = [], 0
    for n in range(count):
        end = start + size + (n < extra)
        cut.append(list(paths[start:end]))
        start = end
    return cut


def to_pdf(paths: Sequence[Path], out_dir: Path, runs: int) -> list[Path]:
    """LibreOffice converts each .docx to `out_dir/<its name>.pdf`, up to `runs` runs at a time.

    The names are unique (`<编号>-<表名>`), so runs side by side never write the same PDF.
    """
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise DjError("未找到 LibreOffice（soffice），无法生成 PDF；请安装 LibreOffice"
                      "（Debian/Ubuntu：sudo apt install libreoffice-writer-nogui fonts-noto-cjk），"
                      "或去掉 --pdf 只生成 Word 文件。")
    out_dir.mkdir(parents=True, exist_ok=True)
    pdfs = [out_dir / f"{p.stem}.pdf" for p in paths]
    for pdf in pdfs:  # an older PDF of the same form must not pass for this run's
        pdf.unlink(missing_ok=True)
    cut = batches(paths, runs)
    with ThreadPoolExecutor(max_workers=max(1, min(len(cut), runs))) as pool:
        said = list(pool.map(lambda batch: _convert(soffice, batch, out_dir), cut))
    failed = [(doc, detail) for batch, detail in zip(cut, said, strict=True) for doc in batch
              if not _is_pdf(out_dir / f"{doc.stem}.pdf")]
    if failed:
        names = "、".join(doc.name for doc, _ in failed[:5]) + (f" 等 {len(failed)} 个表格" if len(failed) > 5 else "")
        detail = next((d for _, d in failed if d), "原因不明")
        raise DjError(f"LibreOffice 未能把 {names} 转成 PDF（{detail}）；"
                      f"请用 Word 或 LibreOffice 打开对应的 .docx 检查，改正后再运行 dj render --pdf。")
    return pdfs


def _convert(soffice: str, batch: list[Path], out_dir: Path) -> str:
    """One LibreOffice run over `batch`, with a profile of its own; what it said last on failure, else ""."""
    # A private profile: another dj converting at the same time, or the user's open LibreOffice, would
    # otherwise take the request over or lock the profile.
    with tempfile.TemporaryDirectory(prefix="dj-soffice-") as profile:
        try:
            result = subprocess.run(
                [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, batch)],
                capture_output=True, text=True, timeout=60 + _SECONDS_PER_FORM * len(batch))
        except subprocess.TimeoutExpired:
            return f"LibreOffice 超过 {60 + _SECONDS_PER_FORM * len(batch)} 秒仍未完成"
        except OSError as e:
            return f"LibreOffice 无法启动：{e}"
    # It says "Error: source file could not be loaded" and goes on with the next form, exit status 0.
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    lines = errors or ((result.stderr or result.stdout).strip().splitlines() if result.returncode else [])
    return lines[-1] if lines else ""


def _is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(5) == b"%PDF-"
    except OSError:
        return False
