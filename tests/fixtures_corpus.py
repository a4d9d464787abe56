"""Shared helpers for corpus, index, retrieval and CLI tests: small cards, files of every format.

`SEED_TXT` is the raw seed text exactly as exported (Wingdings bullets, hard
wraps, trailing spaces), kept here so the tests do not depend on files outside
the repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from langchain_core.embeddings import DeterministicFakeEmbedding, Embeddings

SEED_TXT = (
    "\n"
    " \n"
    "\n"
    "  \n"
    "\n"
    "BLIJF BALANCEREN \n"
    "\n"
    "Centrale vragen \n"
    "\n"
    "\uf0a7 Is iedereen voldoende gecommitteerd aan de afspraken? Ben je hierove"
    "r met elkaar in \n"
    "gesprek?  \n"
    "\n"
    "\uf0a7 Hoe ga je om met nieuwe ontwikkelingen en nieuwe spelers?  \n"
    "\uf0a7 Hoe houd je evenwicht in commitment, voortgang en resultaat? \n"
    "\n"
    "Commitment aan de samenwerking is belangrijk. Zonder commitment kom je"
    " al snel terecht in \n"
    "een schijnsamenwerking, waarbij de samenwerking zich vooral lijkt te b"
    "eperken tot overleggen. \n"
    "Er wordt weinig voortgang geboekt op de gezamenlijke ambitie van de sa"
    "menwerking. \n"
    "Commitment is iets anders dan een wil en wens tot samenwerken. Die zal"
    " er vaak wel zijn. Het \n"
    "is dan ook belangrijk om met elkaar in gesprek te zijn over het commit"
    "ment; hebben we die wel? \n"
    "Kunnen we onze afspraken waarmaken? Hoeveel tijd kunnen we daadwerkeli"
    "jk besteden aan de \n"
    "samenwerking?  \n"
    "\n"
    "Lenigheid \n"
    "\n"
    "Een samenwerking is geen project. Bij een project stuur je op het resu"
    "ltaat; bij een samenwerking \n"
    " hoeft dat niet zo te zijn. Samenwerken is meestal geen lineair proces"
    " van A naar B, maar vaker \n"
    "een avontuurlijke reis die je met elkaar aangaat. Een gezamenlijke amb"
    "itie en soms ook een \n"
    "eindbestemming dient daarbij als baken, De weg er naar toe  heeft soms"
    " onverwachte wendingen \n"
    "in petto. De context van de samenwerking kan door wet- en regelgeving "
    "veranderen, \n"
    "samenwerkingspartners kunnen aan- of afhaken, mensen kunnen van positi"
    "e wisselen en van \n"
    "mening veranderen en demografische factoren kunnen wijzigen. Samenwerk"
    "en is daarmee een \n"
    "continu proces van gezamenlijk reageren op ontwikkelingen en samenwerk"
    "en vraagt lenigheid; \n"
    "soms een stapje terug doen en vertragen om daarna weer vooruit te kunn"
    "en. \n"
    "\n"
    "Blijf vragen stellen \n"
    "\n"
    "Belangrijke vragen om te blijven stellen, zijn: aan welke afspraken va"
    "lt niet te tornen? Is er nog \n"
    "steeds voldoende commitment op die afspraken en bewaken we de voortgan"
    "g van het proces? \n"
    "Maar ook: welke nieuwe kansen doen zich voor? Zijn we met elkaar zo fl"
    "exibel om deze te \n"
    "benutten? Durven we oude opvattingen los te laten en nieuwe uitgangspu"
    "nten te overwegen en \n"
    "te stoppen als het resultaat te mager is? Daarbij is het essentieel om"
    " open naar elkaar te zijn en \n"
    "onuitgesproken meningen boven tafel te krijgen. \n"
    "\n"
    "Naar passende acties  \n"
    "\n"
    "Een analyse van de stand van zaken kan bijvoorbeeld vorm krijgen door "
    "toetsing aan de hand \n"
    "van een normenkader of door het toepassen van een omgevingsanalyse. Ve"
    "rvolgens kunnen er, \n"
    "indien nodig, passende acties worden opgesteld om de samenwerking bij "
    "te sturen. Het bewegen \n"
    "tussen daadkracht enerzijds en flexibel inspringen op de omgeving is e"
    "en oefening in balanceren. \n"
    "\n"
    " \n"
    "\n"
    "Bronnen en mogelijkheden tot verdere verdieping \n"
    "\n"
    "Leren samenwerken tussen organisaties. Edwin Kaats en Wilfrid Opheij \n"
    "\n"
    " \n"
    "\n"
    "https://www.managementboek.nl/boek/9789013094879/leren-samenwerken-tus"
    "sen-organisaties-edwin-kaats\n"
    "\n"
)


def card_md(
    card_id: str,
    title: str,
    sections: dict[str, str],
    *,
    hints: dict[str, Any] | None = None,
    language: str = "nl",
    extra: str = "",
) -> str:
    """A Markdown card with front matter; `extra` is appended raw to the front matter."""
    front: dict[str, Any] = {"id": card_id, "title": title, "language": language}
    if hints:
        front["hints"] = hints
    head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
    body = "\n\n".join(f"## {heading}\n\n{text}" for heading, text in sections.items())
    return f"---\n{head}{extra}---\n\n{body}\n"


COMMITMENT = (
    "Commitment aan de samenwerking is belangrijk. Zonder commitment kom je al snel terecht in "
    "een schijnsamenwerking, waarbij de samenwerking zich vooral lijkt te beperken tot overleggen."
)
LENIGHEID = (
    "Een samenwerking is geen project. De context kan door wet- en regelgeving veranderen en "
    "partners kunnen aan- of afhaken."
)
VERTROUWEN = (
    "Vertrouwen groeit in kleine stappen. Begin met doelen die bescheiden en haalbaar zijn, "
    "en vier wat lukt."
)


def write_small_corpus(folder: Path) -> Path:
    """Two small Markdown cards (one with hints) and a README that must be skipped."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "balans.md").write_text(
        card_md(
            "balans",
            "Blijf balanceren",
            {
                "Centrale vragen": "- Is iedereen gecommitteerd?\n- Hoe houd je evenwicht?",
                "Commitment": COMMITMENT,
                "Lenigheid": LENIGHEID,
            },
            hints={
                "Commitment": {
                    "questions": ["We vergaderen veel maar er gebeurt niets."],
                    "keywords": ["veel overleg", "weinig voortgang"],
                }
            },
        ),
        encoding="utf-8",
    )
    (folder / "vertrouwen.md").write_text(
        card_md(
            "vertrouwen",
            "Relatie en vertrouwen",
            {"Kleine stappen": VERTROUWEN},
        ),
        encoding="utf-8",
    )
    (folder / "README.md").write_text("# Not a card\n", encoding="utf-8")
    return folder


def make_pdf(path: Path, lines: list[str]) -> Path:
    """A minimal one-page PDF whose text layer holds `lines` (empty list: a page without text)."""
    ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1") if lines else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def make_docx(path: Path) -> Path:
    """A Word file with Title, Heading and List Bullet styles."""
    import docx

    document = docx.Document()
    document.add_heading("Gezamenlijke ambitie", 0)
    document.add_heading("Centrale vragen", 1)
    document.add_paragraph("Wat willen we samen bereiken?", style="List Bullet")
    document.add_heading("De ambitie als baken", 1)
    document.add_paragraph("Een gedeelde ambitie geeft richting als het lastig wordt.")
    document.save(str(path))
    return path


def make_bad_docx(path: Path) -> Path:
    """A .docx whose zip is intact but whose main XML part does not parse (lxml raises)."""
    import zipfile

    good = make_docx(path.with_name(f".good-{path.name}"))
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = b"<w:document xmlns:w='x'><w:body><w:p>kapot</w:body>"
            dst.writestr(item, data)
    good.unlink()
    return path


def write_hostile_files(folder: Path) -> dict[str, Path]:
    """Beside good cards: a .docx with broken XML, a 20 MB .txt and a symbolic link loop."""
    folder.mkdir(parents=True, exist_ok=True)
    big = folder / "groot.txt"
    line = "Een regel tekst over samenwerking tussen organisaties.\n"
    big.write_text("Groot bestand\n\n" + line * (20 * 1024 * 1024 // len(line)), encoding="utf-8")
    loop = folder / "lus.md"
    loop.symlink_to(loop.name)  # points at itself
    return {"docx": make_bad_docx(folder / "kapot.docx"), "big": big, "loop": loop}


class CountingEmbeddings(Embeddings):
    """DeterministicFakeEmbedding that counts the texts it embeds and can fail on demand."""

    def __init__(self, size: int = 64, fail_after: int | None = None) -> None:
        self.inner = DeterministicFakeEmbedding(size=size)
        self.size = size
        self.documents = 0
        self.queries = 0
        self.fail_after = fail_after

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Fake vectors; raises once `fail_after` texts were embedded (a killed ingest)."""
        if self.fail_after is not None and self.documents + len(texts) > self.fail_after:
            raise KeyboardInterrupt("simulated kill")
        self.documents += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        """Fake query vector (identical text gets the same vector as on the document side)."""
        self.queries += 1
        return self.inner.embed_query(text)


def copy_home(source: Path, target: Path) -> Path:
    """A copy of a whole COACH_HOME (index included) for tests that change it."""
    shutil.copytree(source, target)
    return target
