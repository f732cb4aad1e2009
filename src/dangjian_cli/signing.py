"""Is a commit signed by exactly this person's registered SSH key? Checked with `ssh-keygen -Y verify`.

dj does not ask git (`%G?`), because git reads one allowed-signers file for the whole log, from
the work tree; the audit needs the file as it was before each commit, and an exact principal.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from dangjian_cli.errors import DjError

_SSH = b"-----BEGIN SSH SIGNATURE-----"


def split(commit: bytes) -> tuple[bytes, bytes] | None:
    """The signed payload and the signature of a raw commit object, or None when it is unsigned."""
    head, sep, message = commit.partition(b"\n\n")
    lines = head.split(b"\n")
    kept, signature, inside = [], [], False
    for line in lines:
        if line.startswith(b"gpgsig "):
            inside = True
            signature.append(line[len(b"gpgsig "):])
        elif inside and line.startswith(b" "):
            signature.append(line[1:])
        else:
            inside = False
            kept.append(line)
    if not signature:
        return None
    return b"\n".join(kept) + sep + message, b"\n".join(signature) + b"\n"


def verify(commit: bytes, allowed_signers: bytes | None, principal: str) -> str:
    """'' when `principal` signed the commit with a key listed for it; otherwise what is wrong, in Chinese."""
    parts = split(commit)
    if parts is None:
        return "提交没有签名"
    payload, signature = parts
    if not signature.startswith(_SSH):
        return "提交的签名不是 SSH 签名（dj 只认 allowed_signers 中登记的 SSH 公钥）"
    if not allowed_signers:
        return "当时仓库中没有 allowed_signers（SSH 签名公钥清单），无法核对签名"
    if shutil.which("ssh-keygen") is None:
        raise DjError("找不到 ssh-keygen，无法核对提交签名；"
                      "请安装 OpenSSH 客户端（例如 apt install openssh-client）后再试。")
    with tempfile.TemporaryDirectory(prefix="dj-sign-") as tmp:
        signers, sig = Path(tmp) / "allowed_signers", Path(tmp) / "commit.sig"
        signers.write_bytes(allowed_signers)
        sig.write_bytes(signature)
        result = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(signers), "-I", principal, "-n", "git",
                                 "-s", str(sig)], input=payload, capture_output=True)
    if result.returncode != 0:
        return f"签名不是 {principal} 在 allowed_signers 中登记的密钥所签"
    return ""
