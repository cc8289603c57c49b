"""Calendar feed and email reminders: a learner's plan outside Studyhall."""
