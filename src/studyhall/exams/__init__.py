"""Exam tracks (syllabus, blueprint), attempts, scoring, review and progress."""
