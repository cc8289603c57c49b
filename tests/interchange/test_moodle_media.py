"""Media in Moodle XML: Moodle 1.9's `<image>` + `<image_base64>`, embedded `<file>`s that the
text shows through @@PLUGINFILE@@, and what cannot be held (audio, missing or remote files)
reported per question, never dropped without a word."""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx

from studyhall.interchange import moodle_xml
from studyhall.interchange.items import IMPORT_SCHEME, Parsed
from studyhall.jobs.worker import Worker
from tests.factories import Person
from tests.interchange.test_imports_api import imported, questions_of
from tests.interchange.test_xml_formats import png

PNG64 = base64.b64encode(png()).decode()
MP3_64 = base64.b64encode(b"ID3\x03\x00\x00\x00\x00\x00\x00fake audio").decode()

MOODLE19 = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/Architecture/Cluster</text></category>
  </question>
  <question type="truefalse">
    <name><text>Old picture</text></name>
    <questiontext format="html"><text>Is the picture teal?</text></questiontext>
    <image>pics/teal.png</image>
    <image_base64>{PNG64}</image_base64>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
  <question type="truefalse">
    <name><text>Listen</text></name>
    <questiontext format="html"><text><![CDATA[<p>Listen:</p>
      <audio controls><source src="@@PLUGINFILE@@/tone.mp3" type="audio/mpeg"></audio>
      <p><a href="@@PLUGINFILE@@/tone.mp3">tone.mp3</a></p>
      <img src="@@PLUGINFILE@@/missing.png" alt="gone">
      <img src="https://example.org/remote.png" alt="far">
      <img src="@@PLUGINFILE@@/d.png" alt="diagram"> Is it a tone?]]></text>
      <file name="tone.mp3" path="/" encoding="base64">{MP3_64}</file>
      <file name="d.png" path="/" encoding="base64">{PNG64}</file>
    </questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
  <question type="truefalse">
    <name><text>Lost old picture</text></name>
    <questiontext format="html"><text>Is the old picture there?</text></questiontext>
    <image>http://moodle.example/file.php/2/old.gif</image>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
</quiz>"""


def items() -> list[Parsed]:
    found = list(moodle_xml.parse(io.BytesIO(MOODLE19.encode())))
    assert all(isinstance(i, Parsed) for i in found), found
    return found  # type: ignore[return-value]


def test_a_moodle_19_image_base64_becomes_an_image_of_the_stem() -> None:
    old = items()[0]
    assert old.images == {"teal.png": png()}
    assert old.stem == f"Is the picture teal?\n\n![]({IMPORT_SCHEME}teal.png)"
    assert old.warnings == []


def test_what_cannot_be_held_is_a_warning_per_question() -> None:
    listen, lost = items()[1:]
    assert f"![diagram]({IMPORT_SCHEME}d.png)" in listen.stem
    warnings = " | ".join(listen.warnings)
    assert "tone.mp3" in warnings
    assert "audio" in warnings
    assert "missing.png" in warnings
    assert "not in the file" in warnings
    assert "https://example.org/remote.png" in warnings
    assert len(listen.warnings) == 3  # the audio once, though shown and linked
    assert len(lost.warnings) == 1
    assert "old.gif" in lost.warnings[0]


async def test_imported_media_is_stored_and_losses_are_in_the_report(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    state, report = await imported(client, worker, track, author, "old.xml", MOODLE19.encode())
    assert state["status"] == "done", state
    old, listen, lost = report["items"]
    assert [old["action"], listen["action"], lost["action"]] == ["create"] * 3
    assert old["warnings"] == []
    assert any("tone.mp3" in w for w in listen["warnings"])
    stems = [q["stem"] for q in await questions_of(client, track, author)]
    (teal,) = [stem for stem in stems if "picture teal" in stem]
    assert "(media:" in teal
