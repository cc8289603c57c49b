"""The goal-settings form read into typed settings, or messages beside the fields at fault."""

from __future__ import annotations

import uuid
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from studyhall.web.plan_form import read_settings

TOPICS = [uuid.uuid4() for _ in range(3)]


def _form(**changes: str) -> dict[str, list[str]]:
    fields = {
        "exam_date": "2027-03-15",
        "time_zone": "America/Sao_Paulo",
        "target_score": "70",
        "session_minutes": "50",
        "daily_questions": "20",
        "days_off": "",
        **{f"minutes_{i}": "90" for i in range(7)},
        f"topic.{TOPICS[0]}": "study",
        f"topic.{TOPICS[1]}": "mastered",
        f"topic.{TOPICS[2]}": "excluded",
    }
    fields.update(changes)
    return {k: [v] for k, v in fields.items()}


def test_a_right_form_reads_as_settings() -> None:
    read = read_settings(_form(essay="on", minutes_6="0"), TOPICS)
    assert read.errors == {}
    assert read.settings is not None
    assert read.settings.exam_date == date(2027, 3, 15)
    assert read.settings.minutes_by_weekday == (90, 90, 90, 90, 90, 90, 0)
    assert read.settings.essay is True
    assert read.settings.mastered_topic_ids == [TOPICS[1]]
    assert read.settings.excluded_topic_ids == [TOPICS[2]]


def test_each_wrong_field_gets_its_own_message() -> None:
    read = read_settings(
        _form(
            exam_date="next week",
            time_zone="Mars/Olympus",
            target_score="120",
            session_minutes="5",
            minutes_2="1500",
            daily_questions="many",
        ),
        TOPICS,
    )
    assert read.settings is None
    assert read.errors["exam_date"]
    assert "time zone" in read.errors["time_zone"]
    assert read.errors["target_score"] == "Use 100 or less."
    assert read.errors["session_minutes"] == "Use 10 or more."
    assert read.errors["minutes_2"] == "Use 1440 or less."  # Wednesday's box, not the week
    assert read.errors["daily_questions"] == "Write a whole number, such as 10."
    assert "minutes_0" not in read.errors


def test_a_date_off_that_is_no_date_is_named() -> None:
    read = read_settings(_form(days_off="2027-01-01\n2027-02-30"), TOPICS)
    assert read.settings is None
    assert "2027-02-30" in read.errors["days_off"]


def test_topics_must_be_the_tracks_and_not_all_left_out() -> None:
    stranger = read_settings(_form(**{f"topic.{uuid.uuid4()}": "mastered"}), TOPICS)
    assert "not in this track" in stranger.errors["topics"]
    everything = {f"topic.{t}": "excluded" for t in TOPICS}
    assert "at least one topic" in read_settings(_form(**everything), TOPICS).errors["topics"]
    odd = read_settings(_form(**{f"topic.{TOPICS[0]}": "skip"}), TOPICS)
    assert odd.errors[f"topic.{TOPICS[0]}"] == "Choose study, mastered or leave out."


def test_the_values_typed_come_back_to_show_again() -> None:
    read = read_settings(_form(target_score="abc", days_off="2027-01-01"), TOPICS)
    assert read.values["target_score"] == "abc"
    assert read.values["days_off"] == "2027-01-01"
    assert read.values["topics"][str(TOPICS[1])] == "mastered"


@given(
    st.lists(st.dates(date(2000, 1, 1), date(2100, 12, 31)), max_size=30),
    st.lists(st.sampled_from(["\n", ", ", ";", " ", "\r\n", ",\n"]), min_size=1),
)
def test_dates_off_read_back_exactly_whatever_separates_them(
    dates: list[date], separators: list[str]
) -> None:
    text = "".join(f"{d.isoformat()}{separators[i % len(separators)]}" for i, d in enumerate(dates))
    read = read_settings(_form(days_off=text), TOPICS)
    assert read.settings is not None, read.errors
    assert read.settings.days_off == dates


def test_an_empty_box_is_to_fill_in_and_a_wrong_date_is_named() -> None:
    empty = read_settings(_form(exam_date="", target_score="", session_minutes=""), TOPICS)
    assert empty.errors["exam_date"] == "Fill this in."
    assert empty.errors["target_score"] == "Fill this in."
    assert empty.errors["session_minutes"] == "Fill this in."
    wrong = read_settings(_form(exam_date="15/03/2027"), TOPICS)
    assert wrong.errors["exam_date"] == "Write a date, such as 2027-03-14."
