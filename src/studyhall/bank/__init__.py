"""The question bank: questions, immutable versions, review workflow, search and media."""
